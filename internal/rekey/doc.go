// Package rekey rotates the sealing key while servers keep running
// (`unionhall keys rotate`), and keeps each running server's keyring in step
// with the key file (Watch).
//
// Why it is built this way:
//
//   - One registry (registry.go) lists every BLOB / bytea column by table
//     and column name: sealed, blind index, or neither with the reason. Not
//     by owning package, because tables move between packages; and one list,
//     because a test (TestRegistryCoversMigrations) reads the migrations and
//     fails when a column is missing — the way an engineer adding a sealed
//     column finds out that rotation must know about it.
//
//   - Resumable without bookkeeping. Whether a value still needs work is in
//     the value: a sealed value's header names its key, and a stored blind
//     index either equals the new key's index of its (opened) source or the
//     old key's. So an interrupted rotation — killed, or the machine lost —
//     is finished by running it again; each batch is one transaction whose
//     updates apply only if the value is still the one read (a server may
//     have rewritten the row meanwhile, with the new key).
//
//   - Blind indexes during a rotation: look-ups match both keys' indexes
//     (seal.LookupIndexes, SQL `col IN (?, ?)`), new rows are indexed under
//     the new key, and the rotation recomputes old rows. We chose this over
//     keeping a separate index key rotated in a second pass because that
//     pass would need the same dual look-up anyway, and over a "maintenance
//     pause" because a union's join form must not go down for it. The cost:
//     while a rotation runs, the database's UNIQUE constraints compare one
//     key's indexes; the features' own look-ups (under their locks) match
//     both, so duplicates are still refused, and the rotation's final check
//     finds any index that matches neither key and then keeps the old key.
//
//   - Servers learn of the new key by themselves: Watch re-reads the key
//     file every 2 seconds and records the key ids this process holds in
//     seal_keyrings (every 30 s, and at once on a change). The rotation
//     re-seals nothing until every server seen in the last 90 s holds the
//     new key, so no server meets a value it cannot open. Keys given in
//     UNIONHALL_SEAL_KEY cannot be changed from outside the process; the
//     command refuses and docs/backup.md gives the manual steps.
//
//   - The old key is removed from the key file only after a full pass
//     found nothing left under it. Old backups still need it: the docs tell
//     the operator to keep its copy as long as those backups.
package rekey

// Package backup makes and restores consistent online backups of a
// Unionhall database, optionally encrypted (`unionhall backup`,
// `unionhall restore`; docs/backup.md is the operator's guide and gives the
// file format).
//
// Why it is built this way:
//
//   - Online and consistent. SQLite is copied with VACUUM INTO on a
//     connection of its own: it reads one snapshot inside a read
//     transaction (WAL lets the server keep writing) and writes a compact
//     copy, which is what a restore wants. Copying the file with cp while
//     the server writes can give a torn copy; the online backup API would
//     work too but copies free pages as well. PostgreSQL is dumped with
//     pg_dump, which reads one repeatable-read snapshot; the command checks
//     that pg_dump is installed and not older than the server before it
//     starts, and passes the password in PGPASSWORD, never on a command
//     line that other local users can read.
//
//   - The sealing key is never in the backup. The point of sealing is that
//     a stolen copy of the database reveals nothing; a backup holding its
//     own key would undo that. The manifest records the key ids (hashes
//     that identify a key and reveal nothing about it), so restore can
//     check that the key file given with --key is the right one.
//
//   - Encryption on top, because a backup also holds what is not sealed
//     (event titles, audit trail, member numbers, who accepted whom). Two
//     ways: a passphrase (argon2id, 64 MiB, 2 passes — for an operator
//     alone), or a public key (X25519, age-like — the server can write
//     backups it cannot read, so a compromised server does not expose old
//     backups). Both wrap a random file key; the body is AES-256-GCM in
//     64 KiB chunks with a counter and last-chunk flag in the nonce
//     (age's STREAM construction), so the file streams in constant memory
//     and truncation or reordering is detected. Only the standard library
//     and golang.org/x/crypto are used: age itself would be a new
//     dependency for some 200 lines.
//
//   - Restore only into an empty folder (and an empty database). Restoring
//     over live data would mix two histories, and a mistyped path must not
//     destroy anything. The restored SQLite file passes integrity_check
//     before it is put in place.
package backup

// Package seal protects personal data at rest: authenticated encryption of
// fields, keyed blind indexes for look-ups, and hashed single-use tokens.
//
// Why it is built this way:
//
//   - The threat is a stolen copy of the database (a backup, a dump, a disk).
//     So the key lives outside the database: a key file (DataDir/seal.key,
//     created on first start with mode 0600) or UNIONHALL_SEAL_KEY. A key file
//     readable by group or others is refused at start — like ssh does with
//     private keys — because a warning in a log nobody reads would leave every
//     member's data one `cat` away from any local user.
//
//   - AES-256-GCM from the standard library, a fresh random 96-bit nonce per
//     value. Each sealed value starts with a version byte and a 4-byte key id,
//     so several keys can be held at once: the newest seals, all open. That is
//     what rotation needs — add a key, re-seal in the background, drop the old
//     one. The header is authenticated too.
//
//   - Associated data binds a ciphertext to where it belongs (table, column,
//     row id — see AAD). Without it, someone with write access to the database
//     could swap two members' sealed emails and have the system send mail to
//     the wrong person; with it, the swapped value fails to open.
//
//   - Equality look-ups (is this email already applying?) use a blind index:
//     HMAC-SHA256 of the normalised value under a per-purpose subkey derived
//     with HKDF. Different purposes give unrelated indexes, so two tables
//     cannot be joined on them. Stored indexes use the newest key, like
//     sealing; look-ups match the newest and the oldest key's indexes
//     (LookupIndexes, SQL `col IN (?, ?)`), so during a key rotation
//     (internal/rekey) a row is found whether or not it has been recomputed
//     yet. Outside a rotation the ring has one key and both are the same.
//
//   - Tokens in links (email verification, login) are 32 random bytes; only
//     their SHA-256 is stored, so a database copy cannot be used to confirm
//     or log in. Compare hashes with Equal (constant time).
//
// Encryption and index keys are derived from each master key with HKDF under
// distinct labels, so the same 256 bits are never used for two algorithms.
package seal

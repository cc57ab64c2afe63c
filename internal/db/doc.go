// Package db opens Unionhall's database — an embedded SQLite file by default,
// PostgreSQL when a URL is given — runs the embedded migrations, and offers the
// few helpers every feature needs to write portable SQL.
//
// Why it is built this way:
//
//   - One SQL text for both engines. Queries are written with `?` placeholders
//     and passed through [DB.Rebind], which rewrites them to `$1, $2…` on
//     PostgreSQL. [DB.Exec], [DB.Query] and [DB.QueryRow] rebind for you;
//     inside [DB.Tx] you get a plain *sql.Tx, so call d.Rebind yourself.
//     Where SQL cannot be portable, switch on [DB.Dialect] and keep both
//     variants side by side.
//
//   - SQLite allows one writer at a time. Letting many pooled connections
//     race for the write lock produces SQLITE_BUSY storms and, with deferred
//     transactions, deadlocks when two readers both try to upgrade. So writes
//     go through a pool of exactly one connection whose transactions start
//     with BEGIN IMMEDIATE (the write lock is taken at BEGIN, never upgraded),
//     and reads go through a separate read-only pool that WAL lets run beside
//     the writer. Waiting writers queue inside database/sql, in Go, which is
//     much cheaper than SQLite's busy-sleep loop.
//
//   - Durable before acknowledged. SQLite runs with journal_mode=WAL and
//     synchronous=FULL: every COMMIT fsyncs the WAL before it returns. With
//     synchronous=NORMAL a commit survives a process crash but may be lost on
//     power failure, and the product promises that "received" means stored.
//     On this class of machine an fsync costs well under a millisecond and
//     the benchmark (BenchmarkInsertConcurrent) stays far above the target,
//     so the stronger setting costs nothing we need.
//
//   - Time is stored in UTC. PostgreSQL columns are `timestamptz`; SQLite has
//     no time type, so SQLite columns are TEXT holding a fixed-width RFC 3339
//     form with microseconds and a trailing Z ("2026-01-02T03:04:05.000006Z"),
//     which sorts and compares correctly as text. Pass and scan times through
//     [Time] (db.T(t)) so both engines see the same value; microseconds are
//     PostgreSQL's precision, so a value round-trips exactly.
//
//   - IDs are random ([NewID]: 128 bits, 26 lower-case base32 characters),
//     never sequential: they appear in URLs and must not reveal how many
//     applications or members exist, nor be guessable.
//
//   - Migrations are goose SQL files embedded per dialect, one ordered
//     history each: migrations/sqlite/NNNNN_name.sql and
//     migrations/postgres/NNNNN_name.sql. A feature adds a numbered pair with
//     the same number and name in both folders (see migrations/README.md);
//     a test checks the pairs match. They run at Open and by `unionhall
//     migrate`; on PostgreSQL an advisory lock lets several processes start
//     at once.
//
//   - On SQLite, Query and QueryRow keep each read statement prepared per
//     read connection (at most 512 statements): parsing and planning every
//     statement on every call was a fifth of a portal page's CPU. Writes
//     and statements inside Tx are prepared per call, as before.
package db

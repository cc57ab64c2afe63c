// Package jobs is Unionhall's durable background queue: PDF generation,
// emails and any other slow work run here, outside the request, and survive
// restarts and outages.
//
// Why it is built this way:
//
//   - Jobs live in the database, in the `jobs` table, not in memory. Enqueue
//     takes the caller's transaction, so "application stored" and "email to
//     send" commit together or not at all — nothing promised is lost, and
//     nothing is sent for data that was rolled back.
//
//   - Claiming is one atomic statement. On PostgreSQL it selects due rows
//     FOR UPDATE SKIP LOCKED, so several server processes share the queue
//     without blocking each other or running a job twice. On SQLite, which has
//     a single writer, a plain UPDATE … RETURNING is already atomic.
//
//   - A claim is a lease: the job's run_at is moved to now+Lease and a random
//     lease token is written. If the worker dies, the lease runs out and
//     another worker claims the job again. A worker only records the outcome
//     if it still holds the lease token, so a slow worker whose lease expired
//     cannot overwrite the result of the one that took over.
//
//   - Delivery is at least once: a handler that succeeded but crashed before
//     its success was recorded runs again. Handlers must be idempotent (the
//     mail outbox fixes each Message-ID at enqueue, so a repeat is recognised
//     by the receiving side).
//
//   - Failures retry with exponential back-off and jitter; after MaxAttempts
//     the job goes to the 'dead' state with its last error kept for the
//     operator. Handlers must not put personal data in their errors: errors
//     are stored and logged. Payloads are opaque bytes; a caller whose payload
//     holds personal data seals it first (see internal/mail's Outbox).
//
//   - Finished jobs keep their row for Retention (for inspection) but their
//     payload is erased at once, and the rows are purged afterwards: data is
//     kept only as long as needed.
//
//   - Monitoring reads the table, not counters kept on every job: Stats
//     (count and oldest age per state) for the metrics, Overdue (how long
//     the longest-due job has waited for a worker) for /readyz, which calls
//     the queue stuck past ten minutes (internal/health). Both read no
//     payload.
//
//   - Time comes from Options.Now, so tests drive retries and lease expiry
//     with a fake clock through RunOnce, without sleeping.
package jobs

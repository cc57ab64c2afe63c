// Package health answers the two questions an operator's monitoring and a
// load balancer ask: is the process up (/healthz) and can it do its work
// (/readyz).
//
// Why it is built this way:
//
//   - /healthz answers 200 "ok" whenever the process can answer at all. It
//     touches nothing: a supervisor restarting on a failed /healthz must not
//     restart a healthy process because the database is slow.
//
//   - /readyz runs every check and answers 200 when all pass, 503 when one
//     fails, with one line per check ("database: ok", "jobs: stuck …") so a
//     person reading it knows what to fix. The checks are: the database
//     answers a ping within two seconds; every embedded migration is
//     applied (a database migrated further by a newer process still counts
//     as done); the job queue is not stuck; on PostgreSQL, the change
//     listener is connected (a process that misses change notices may show
//     stale pages, see internal/changes).
//
//   - "Stuck" is defined by what a healthy queue cannot do: leave a due job
//     unclaimed. Every process polls for due jobs every two seconds and a
//     dead worker's lease runs out after five minutes, when the job is due
//     again; so a due job that has waited longer than StuckAfter (ten
//     minutes by default) means no process is working the queue — all
//     stopped, all hung in handlers, or all failing to claim. A queue that
//     is merely busy (a burst of applications) drains in seconds. Dead jobs
//     (emails that failed for days) do not make a process unready — they
//     need the operator, not a restart — and are in the metrics instead.
//     The queue is shared, so on several processes this check says the same
//     on each of them: the operator's alert, not a reason for one process to
//     be taken out of a load balancer. A balancer that should only drop a
//     process whose own database connection is broken asks
//     /readyz?skip=jobs.
//
//   - The checks are bounded by a timeout and their answers are never
//     cached by anyone (Cache-Control: no-store). Neither path is written
//     to the access log: monitoring polls them every few seconds and the
//     log would be mostly their noise. Neither holds personal data.
package health

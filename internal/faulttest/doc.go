// Package faulttest holds the crash and fault tests (issue 8 part 7): a
// real `unionhall serve` subprocess, built from cmd/unionhall, is killed
// with SIGKILL during a burst of join submissions and restarted; the SMTP
// server refuses mail for a while; the disk under SQLite fills up; `keys
// rotate` is killed half-way and run again. Each test then counts: every
// submission answered 202 is in the database, every promised email arrived
// once, the database passes integrity_check.
//
// Why it is built this way:
//
//   - A subprocess and SIGKILL, not a cancelled context: only a real kill
//     leaves what a power cut leaves (no deferred cleanup, no graceful
//     shutdown, the SQLite WAL as it was), and only a separate process
//     shows that a restart finds everything from the disk alone.
//
//   - The binary is built once per test run (go build into a temporary
//     folder, using the build cache) and configured through a settings file
//     with a short job lease and retry wait ([jobs] in the settings), so a
//     run takes seconds instead of the production five-minute lease.
//
//   - "No email sent twice" is checked as "no recipient got two different
//     messages": delivery is at least once by design (internal/mail), and a
//     repeat after a crash between the SMTP server's acceptance and the job
//     being marked done carries the same Message-ID. The tests count and
//     log such repeats; docs/faults.md records the figures.
//
//   - The full disk is a real one: a 6 MiB tmpfs mounted for the test
//     (this needs root; without it the test skips, or fails under
//     UNIONHALL_TEST_REQUIRE_ALL=1). SQLite's max_page_count would simulate
//     only the database file filling, not the WAL or the mail folder.
package faulttest

// Package changes tells every Unionhall process sharing a database that
// stored data changed, so each can drop what it cached from it.
//
// Why it is built this way:
//
//   - Several processes may run on one PostgreSQL database (docs/
//     operations.md). Each keeps caches for speed — the public site's
//     rendered pages (which show whether event registration is open), the
//     console's account names — and a change made through one process must
//     reach the caches of all of them, or a visitor of the second process
//     keeps seeing a "Register" button the organiser has just removed.
//
//   - A topic is a short name ("site", "accounts"), never data. Publish is
//     called after the change has committed: the caller's own process drops
//     its caches at once (in-process fan-out, the only path on SQLite, which
//     serves one process), and on PostgreSQL a NOTIFY on the channel
//     unionhall_changes carries "<origin> <topic>" to every other process.
//     Any database session may LISTEN, so a payload must never hold a
//     personal datum; Publish refuses anything but a short lower-case name.
//     A process recognises its own notifications by the random origin and
//     skips them: it has fanned them out already.
//
//   - LISTEN needs a connection of its own that stays open, outside the
//     database/sql pool. Run keeps one with pgx, checks it with a ping when
//     it has been quiet for a while (a silently dropped connection would
//     otherwise wait forever), and reconnects with back-off when it breaks.
//     Notifications sent while it was away are lost — PostgreSQL queues them
//     only for listening sessions — so after every (re)connection every
//     subscriber runs once, as if every topic had changed: a cache dropped
//     needlessly costs one render, a cache kept wrongly costs a wrong page.
//     The first connection counts too: pages cached before it were rendered
//     without any notice arriving.
//
//   - A failed NOTIFY (database briefly away) is logged, not returned as a
//     failure of the change, which has committed already; the other
//     processes then hear of it through their own reconnection, or when
//     their cache ends by itself (the site's caches end at the next time
//     boundary of any event).
//
//   - Subscribers run on the listening goroutine (or the publisher's, for
//     the in-process path) and must be quick: they drop a pointer, they do
//     not rebuild.
package changes

// Package web holds the small pieces of HTTP plumbing every Unionhall feature
// shares: security headers, gzip, access logging, panic recovery, CSRF
// protection and Accept-Language negotiation.
//
// It is deliberately tiny and knows nothing about any feature. Each middleware
// is a plain func(http.Handler) http.Handler so the app can order them as it
// likes; Stack gives the order we recommend. They are written for the public
// site's hot path, where a cached page is served in a few microseconds, so
// they avoid per-request allocations where that is cheap to do (shared header
// value slices, pooled gzip writers) — the performance goal in issue 2 leaves
// almost no room beyond net/http itself.
//
// Issue 8 asked for the public site within a tenth of Go's own HTTP server.
// Two pieces serve that: StackOptions.Fast lets the site's page cache answer
// before the router and the rest of the stack (site.Server.ServeCached; a
// test in internal/app proves its answers equal the full stack's), and the
// access log, on by default, appends its line to a buffered LogWriter in
// slog.TextHandler's exact format without allocating, instead of a slog
// record and a write system call per request (logwriter.go). Other log
// lines flush the buffer first, so the log's order is kept.
//
// Privacy: the access log records method, path, status, size and duration
// only. Query strings, bodies, headers, client addresses and anything that
// looks like a secret token in the path are never logged, because members
// risk retaliation and logs travel further than databases.
//
// Client address (clientaddr.go). Every per-client rate limit (join form and
// API, event registration, console sign-in) asks ClientAddr/ClientKey, the
// one place that decides who the client is. Operators are told to run
// Unionhall behind a reverse proxy, and then every connection comes from the
// proxy: counting by RemoteAddr would put all visitors in one bucket, so one
// person could lock everybody out. The trusted_proxies setting (Proxies)
// names the proxies whose X-Forwarded-For is believed; the header is walked
// from the right, past trusted proxies, to the first address that is not
// one. From any other peer the header is ignored (anyone can write it), a
// malformed entry falls back to the peer, and nobody — not even loopback —
// is trusted by default. Only X-Forwarded-For is read: a proxy passes the
// header it does not write through from the client untouched, so reading
// Forwarded as well would let clients pick their address. The address lives
// in memory for counting and is never logged.
//
// Cross-origin requests (crossorigin.go). http.CrossOriginProtection refuses
// state-changing requests from other sites on every route — that is the
// CSRF protection of forms and the console. One route is different: the
// join API, which a union's existing website on another origin may call
// with fetch (issue 3). CrossOriginRoutes opens such a route, and only it,
// to the exact origins listed (join.allowed_origins): it answers their CORS
// preflight, adds Access-Control-Allow-Origin (the origin, never "*", and
// never Allow-Credentials, so no cookies go along) and checks the route with
// its own CrossOriginProtection that trusts those origins.
// AddTrustedOrigin cannot be scoped to a path, so adding the origins to the
// shared protection would have opened every form and the console to those
// sites; two protections keep the opening to one path. Unknown origins get
// 403 and no CORS headers, on preflight and on the request.
package web

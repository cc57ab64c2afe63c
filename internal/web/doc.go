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
// Privacy: the access log records method, path, status, size and duration
// only. Query strings, bodies, headers and anything that looks like a secret
// token in the path are never logged, because members risk retaliation and
// logs travel further than databases.
package web

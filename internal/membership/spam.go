package membership

import (
	"net/http"

	"unionhall/internal/web"
)

// The join form's spam guards — the signed form timestamp and the
// per-address token bucket — are internal/formguard's, shared with the
// petitions' form.

// clientKey is the rate-limit key of a request: the client's address as
// web.ClientKey decides it — the connection's peer, or behind a trusted
// reverse proxy (the trusted_proxies setting) the address the proxy names —
// with IPv6 clients grouped by /64 (one household or phone gets a whole
// /64). A forged X-Forwarded-For from anyone else is ignored.
func clientKey(r *http.Request) string { return web.ClientKey(r) }

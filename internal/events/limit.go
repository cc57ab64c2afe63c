package events

import (
	"net/http"
	"sync"
	"time"

	"unionhall/internal/web"
)

// limiter is a fixed-window counter per client address, kept only in
// memory (addresses are personal data and are never stored). It slows a
// script filling an event with fake names; a person registers once.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	start  time.Time
	counts map[string]int
}

// maxClients bounds memory under a flood of addresses: the window restarts.
const maxClients = 100_000

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, counts: map[string]int{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window || len(l.counts) >= maxClients {
		l.start, l.counts = now, map[string]int{}
	}
	if l.counts[key] >= l.limit {
		return false
	}
	l.counts[key]++
	return true
}

// clientKey is the client's address as web.ClientKey decides it: the
// connection's peer, or behind a trusted reverse proxy (the trusted_proxies
// setting) the address the proxy names, with IPv6 grouped by /64. Without
// this, every visitor behind a proxy would share the proxy's count.
func clientKey(r *http.Request) string { return web.ClientKey(r) }

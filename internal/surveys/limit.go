package surveys

import (
	"sync"
	"time"
)

// limiter is a fixed-window counter per client address, kept only in
// memory (addresses are personal data and are never stored), as the
// events form has. It slows a script answering a public survey a thousand
// times; it cannot make one answer per person (docs/surveys.md).
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

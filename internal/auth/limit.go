package auth

import (
	"sync"
	"time"
)

// Limiter is a fixed-window counter per key, in memory. The member portal's
// sign-in (internal/portal) uses it too, so both sign-ins limit alike. Memory is enough:
// it protects one process from floods of login emails; several processes
// each allow their own share, which still bounds the flood. The map is
// swept when it grows, so a flood of distinct keys cannot grow it forever.
type Limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	seen   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

// maxKeys triggers a sweep of expired windows.
const maxKeys = 10000

// NewLimiter allows max attempts per key in each window of length w.
func NewLimiter(max int, w time.Duration, now func() time.Time) *Limiter {
	return &Limiter{max: max, window: w, now: now, seen: map[string]*window{}}
}

// Allow counts one attempt for key and reports whether it is within the limit.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.seen) >= maxKeys {
		for k, w := range l.seen {
			if now.Sub(w.start) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	w, ok := l.seen[key]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.seen) >= maxKeys {
			// Still full after the sweep: a flood. Refuse rather than grow.
			return false
		}
		l.seen[key] = &window{start: now, n: 1}
		return true
	}
	w.n++
	return w.n <= l.max
}

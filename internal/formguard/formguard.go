// Package formguard holds the spam guards of the public forms (joining,
// petitions): a signed timestamp of when a form was served, which tells a
// script posting at once or replaying an old form from a person, and a
// per-address token bucket kept only in memory. It knows no feature; each
// form names its Purpose, so a stamp from one form is refused by another.
//
// Why no CAPTCHA: it would load from another host or lock out people using
// screen readers; the honeypot field (each form's own), the timestamp and
// the limit stop the scripts a union's site meets, and the email
// confirmation stops the rest from counting.
package formguard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxAge: a form older than this is asked to be sent again (with the
// typed data kept), so a harvested timestamp cannot be replayed for ever.
const MaxAge = 24 * time.Hour

// stamper signs the time a form was served. The key is derived from the
// sealing keyring, so it survives restarts and is the same on every server
// process, yet is useless for anything else. It follows a key rotation
// (internal/rekey): keys gives the newest and the oldest key's subkeys
// (seal.LookupIndexes), new stamps use the newest and either is accepted,
// so a form served by a process that has not reloaded yet, or before the
// rotation began, is not refused.
type Stamper struct {
	// Purpose names the form ("join", "petition"): a stamp from one form
	// is not accepted by another.
	Purpose string
	// Key is a fixed key, used when Keys is nil (tests).
	Key []byte
	// Keys gives the [newest, oldest] keys (seal.Keyring.LookupIndexes).
	Keys func() [2][]byte
}

func (s Stamper) current() [2][]byte {
	if s.Keys != nil {
		return s.Keys()
	}
	return [2][]byte{s.Key, s.Key}
}

// Stamp returns "<unix seconds>.<mac>".
func (s Stamper) Stamp(t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts + "." + mac(s.current()[0], s.Purpose, ts)
}

func mac(key []byte, purpose, ts string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose + "-form-time:" + ts))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Verdict is what Check found.
type Verdict int

const (
	OK      Verdict = iota
	Invalid         // missing, forged or from the future: a bot
	TooFast         // sent sooner than a person can fill the form
	Stale           // older than MaxAge
)

// Check says whether v, a stamp sent back with a form at now, is genuine
// and was served at least minFill and at most MaxAge ago.
func (s Stamper) Check(v string, now time.Time, minFill time.Duration) Verdict {
	ts, sum, ok := strings.Cut(v, ".")
	if !ok || len(v) > 64 {
		return Invalid
	}
	if k := s.current(); !hmac.Equal([]byte(sum), []byte(mac(k[0], s.Purpose, ts))) && !hmac.Equal([]byte(sum), []byte(mac(k[1], s.Purpose, ts))) {
		return Invalid
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Invalid
	}
	age := now.Sub(time.Unix(sec, 0))
	switch {
	case age < -time.Minute: // allow a little clock skew between processes
		return Invalid
	case age < minFill:
		return TooFast
	case age > MaxAge:
		return Stale
	}
	return OK
}

// Limiter is a per-client token bucket kept only in memory: addresses are
// personal data and are never written anywhere. Each client may make
// `limit` submissions per `window`, refilled continuously.
type Limiter struct {
	mu        sync.Mutex
	limit     float64
	window    time.Duration
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds memory under a flood of distinct addresses: when
// reached, buckets that have refilled are dropped, and if that is not enough
// the oldest half goes (those clients simply start fresh).
const maxBuckets = 100_000

// NewLimiter allows limit submissions per window for each key.
func NewLimiter(limit int, window time.Duration) *Limiter {
	if limit < 1 {
		limit = 1
	}
	if window <= 0 {
		window = time.Hour
	}
	return &Limiter{limit: float64(limit), window: window, buckets: map[string]*bucket{}}
}

// Allow takes one token for key and reports whether there was one, and if
// not, how long until there will be.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > l.window || len(l.buckets) >= maxBuckets {
		l.sweep(now)
	}
	rate := l.limit / float64(l.window) // tokens per nanosecond
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.limit, at: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = min(l.limit, b.tokens+float64(el)*rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate)
}

// sweep drops buckets that are full again (equivalent to absent).
func (l *Limiter) sweep(now time.Time) {
	l.lastSweep = now
	rate := l.limit / float64(l.window)
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))*rate >= l.limit {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		n := 0
		for k := range l.buckets {
			delete(l.buckets, k)
			if n++; n >= maxBuckets/2 {
				break
			}
		}
	}
}

// Size is the number of clients tracked (tests).
func (l *Limiter) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// RetryAfter is a Retry-After header value for d, in whole seconds, at
// least 1.
func RetryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Seconds()+0.999)))
}

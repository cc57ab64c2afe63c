package petitions

// Spam guards, the join form's (internal/membership/spam.go): a signed
// form timestamp and a per-address token bucket kept only in memory.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"unionhall/internal/web"
)

// maxFormAge: a form older than this is asked to be sent again (with the
// typed data kept), so a harvested timestamp cannot be replayed for ever.
const maxFormAge = 24 * time.Hour

// stamper signs the time a form was served. The key is derived from the
// sealing keyring, so it survives restarts and is the same on every server
// process, yet is useless for anything else. It follows a key rotation
// (internal/rekey): keys gives the newest and the oldest key's subkeys
// (seal.LookupIndexes), new stamps use the newest and either is accepted,
// so a form served by a process that has not reloaded yet, or before the
// rotation began, is not refused.
type stamper struct {
	key  []byte           // a fixed key, when keys is nil (tests)
	keys func() [2][]byte // [newest, oldest]
}

func (s stamper) current() [2][]byte {
	if s.keys != nil {
		return s.keys()
	}
	return [2][]byte{s.key, s.key}
}

// stamp returns "<unix seconds>.<mac>".
func (s stamper) stamp(t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return ts + "." + mac(s.current()[0], ts)
}

func mac(key []byte, ts string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("petition-form-time:" + ts))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// stampVerdict is what check found.
type stampVerdict int

const (
	stampOK      stampVerdict = iota
	stampInvalid              // missing, forged or from the future: a bot
	stampTooFast              // sent sooner than a person can fill the form
	stampStale                // older than maxFormAge
)

func (s stamper) check(v string, now time.Time, minFill time.Duration) stampVerdict {
	ts, sum, ok := strings.Cut(v, ".")
	if !ok || len(v) > 64 {
		return stampInvalid
	}
	if k := s.current(); !hmac.Equal([]byte(sum), []byte(mac(k[0], ts))) && !hmac.Equal([]byte(sum), []byte(mac(k[1], ts))) {
		return stampInvalid
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return stampInvalid
	}
	age := now.Sub(time.Unix(sec, 0))
	switch {
	case age < -time.Minute: // allow a little clock skew between processes
		return stampInvalid
	case age < minFill:
		return stampTooFast
	case age > maxFormAge:
		return stampStale
	}
	return stampOK
}

// limiter is a per-client token bucket kept only in memory: addresses are
// personal data and are never written anywhere. Each client may make
// `limit` submissions per `window`, refilled continuously.
type limiter struct {
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

func newLimiter(limit int, window time.Duration) *limiter {
	if limit < 1 {
		limit = 1
	}
	if window <= 0 {
		window = time.Hour
	}
	return &limiter{limit: float64(limit), window: window, buckets: map[string]*bucket{}}
}

// allow takes one token for key and reports whether there was one, and if
// not, how long until there will be.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
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
func (l *limiter) sweep(now time.Time) {
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

// clientKey is the rate-limit key of a request: the client's address as
// web.ClientKey decides it — the connection's peer, or behind a trusted
// reverse proxy (the trusted_proxies setting) the address the proxy names —
// with IPv6 clients grouped by /64 (one household or phone gets a whole
// /64). A forged X-Forwarded-For from anyone else is ignored.
func clientKey(r *http.Request) string { return web.ClientKey(r) }

func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Seconds()+0.999)))
}

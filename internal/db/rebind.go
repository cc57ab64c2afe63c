package db

import (
	"strconv"
	"strings"
	"sync"
)

var rebindCache sync.Map // query string → rebound string

// Rebind rewrites `?` placeholders to `$1, $2…` on PostgreSQL and returns
// the query unchanged on SQLite. Question marks inside '…' string literals,
// "…" identifiers and -- or /* */ comments are left alone. Results are
// cached: queries are constant strings, so the cache stays small.
func (d *DB) Rebind(query string) string {
	if d.dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	if v, ok := rebindCache.Load(query); ok {
		return v.(string)
	}
	out := rebindDollar(query)
	rebindCache.Store(query, out)
	return out
}

func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote escape
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

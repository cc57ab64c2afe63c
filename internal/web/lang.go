package web

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// maxLangEntries bounds the work a hostile Accept-Language header can cause.
const maxLangEntries = 32

// NegotiateLanguage picks the best of the available language codes for an
// Accept-Language header, honouring q-values. An exact tag match ("cs")
// wins, then a match on the primary subtag ("cs-CZ" → "cs", "en" → "en-GB").
// "*" matches the fallback. With nothing acceptable it returns fallback.
func NegotiateLanguage(header string, available []string, fallback string) string {
	if header == "" || len(available) == 0 {
		return fallback
	}
	type cand struct {
		code  string
		q     float64
		order int
	}
	var best []cand
	n := 0
	for part := range strings.SplitSeq(header, ",") {
		if n >= maxLangEntries {
			break
		}
		n++
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || len(tag) > 35 {
			continue
		}
		q := langQ(params)
		if q <= 0 {
			continue
		}
		code := matchLang(tag, available, fallback)
		if code == "" {
			continue
		}
		best = append(best, cand{code, q, n})
	}
	if len(best) == 0 {
		return fallback
	}
	// Highest q first; among equal q, the order the client listed them in.
	c := slices.MinFunc(best, func(a, b cand) int {
		if a.q != b.q {
			return cmp.Compare(b.q, a.q)
		}
		return cmp.Compare(a.order, b.order)
	})
	return c.code
}

func langQ(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 {
				return 0 // malformed weight: ignore the entry rather than guess
			}
			return q
		}
	}
	return 1
}

func matchLang(tag string, available []string, fallback string) string {
	if tag == "*" {
		if fallback != "" {
			return fallback
		}
		return available[0]
	}
	for _, a := range available {
		if strings.EqualFold(a, tag) {
			return a
		}
	}
	primary, _, _ := strings.Cut(tag, "-")
	for _, a := range available {
		ap, _, _ := strings.Cut(a, "-")
		if strings.EqualFold(ap, primary) {
			return a
		}
	}
	return ""
}

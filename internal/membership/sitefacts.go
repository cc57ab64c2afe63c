package membership

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"unionhall/internal/content"
)

// facts is what the join flow reads from the site, computed once per loaded
// site (the site reloads live; a new *content.Site gets new facts).
type facts struct {
	site            *content.Site
	employerDomains []string
	companies       []string
	occupations     map[string][]string // lang -> labels
	langs           []string
	countryCode     string
	loc             *time.Location
}

type factsCache struct {
	mu   sync.Mutex
	last *facts
}

func (c *factsCache) get(s *content.Site) *facts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil && c.last.site == s {
		return c.last
	}
	c.last = computeFacts(s)
	return c.last
}

func computeFacts(s *content.Site) *facts {
	f := &facts{site: s, occupations: map[string][]string{}, loc: s.Location}
	if f.loc == nil {
		f.loc = time.UTC
	}
	for _, l := range s.Languages {
		f.langs = append(f.langs, l.Code)
	}
	for _, v := range dataList(s, "employer_domains", "domains") {
		if d := strings.TrimSpace(strings.ToLower(stringOf(v, "domain", ""))); d != "" {
			f.employerDomains = append(f.employerDomains, d)
		}
	}
	seen := map[string]bool{}
	for _, v := range dataList(s, "companies", "companies") {
		if c := strings.TrimSpace(stringOf(v, "name", "")); c != "" && !seen[c] {
			seen[c] = true
			f.companies = append(f.companies, c)
		}
	}
	sort.Strings(f.companies)
	for _, lang := range f.langs {
		for _, v := range dataList(s, "occupations", "occupations") {
			if o := strings.TrimSpace(stringOf(v, lang, "en")); o != "" {
				f.occupations[lang] = append(f.occupations[lang], o)
			}
		}
	}
	f.countryCode = countryCode(s)
	return f
}

// countryCode is the site param defaultCountryCode ("+420" or "420"), else
// derived from the first language: Serbian sites default to Serbia, the rest
// to Czechia (where Unionhall's first unions are).
func countryCode(s *content.Site) string {
	if v := strings.TrimSpace(strings.TrimPrefix(stringOf(s.Params["defaultcountrycode"], "", ""), "+")); v != "" && isDigits(v) && len(v) <= 3 {
		return v
	}
	if len(s.Languages) > 0 && s.Languages[0].Code == "sr" {
		return "381"
	}
	return "420"
}

// dataList returns data/<file> as a list: either the file is a list, or a
// mapping holding the list under key (Hugo sites write both).
func dataList(s *content.Site, file, key string) []any {
	v := s.Data[file]
	if m, ok := v.(map[string]any); ok {
		v = m[key]
	}
	l, _ := v.([]any)
	return l
}

// stringOf reads a string, or from a mapping the value under key (then
// under fallback, then any value in key order).
func stringOf(v any, key, fallback string) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		for _, k := range []string{key, fallback} {
			if s, ok := t[k].(string); ok && k != "" {
				return s
			}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := t[k].(string); ok && s != "" {
				return s
			}
		}
	case int, int64, float64:
		return fmtAny(t)
	}
	return ""
}

// statutesURL is the statutes page in lang (else in any language).
func statutesURL(s *content.Site, lang string, now time.Time) string {
	if ps := s.PagesOfType(lang, "statutes", now); len(ps) > 0 {
		return ps[0].URL
	}
	for _, l := range s.Languages {
		if ps := s.PagesOfType(l.Code, "statutes", now); len(ps) > 0 {
			return ps[0].URL
		}
	}
	return ""
}

// confirmationPage is the site's register/confirmation page in lang, if any.
func confirmationPage(s *content.Site, lang string, now time.Time) *content.Page {
	for _, p := range s.Pages {
		if p.Lang == lang && (p.Type == "register" || p.Section == "register" || p.Type == "confirmation") && p.Visible(now) &&
			strings.HasPrefix(path.Base(p.File), "confirmation.") {
			return p
		}
	}
	return nil
}

// unionName is the legal name for emails and the PDF, else the title.
func unionName(s *content.Site, lang string) string {
	if n := s.ParamString(lang, "legalName"); n != "" {
		return n
	}
	if l := s.Lang(lang); l != nil && l.Title != "" {
		return l.Title
	}
	return s.Title
}

func fmtAny(v any) string { return fmt.Sprint(v) }

package content

import (
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
)

// Check returns everything `unionhall check` reports: the problems found
// while loading (front matter values, unknown shortcodes, URL collisions,
// events ending before they start …) plus broken internal links and missing
// translations, sorted by file and line.
func (s *Site) Check() []Problem { return s.CheckWith(nil) }

// CheckWith is Check with a function telling which extra paths the server
// answers (its own routes such as /cs/join/); nil uses a built-in list:
// /sitemap.xml, /robots.txt, /favicon.ico, feeds (*.xml) and /join/ pages.
func (s *Site) CheckWith(isRoute func(path string) bool) []Problem {
	if isRoute == nil {
		isRoute = s.defaultRoute
	}
	out := append([]Problem(nil), s.Problems...)
	out = append(out, s.checkLinks(isRoute)...)
	out = append(out, s.checkTranslations()...)
	sortProblems(out)
	return out
}

// HasErrors reports whether any problem is an error (check exits 1).
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SevError {
			return true
		}
	}
	return false
}

func (s *Site) defaultRoute(p string) bool {
	switch p {
	case "/", "/sitemap.xml", "/robots.txt", "/favicon.ico":
		return true
	}
	if strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".ics") {
		return true
	}
	trimmed := strings.Trim(p, "/")
	if trimmed == "join" {
		return true
	}
	if lang, rest, ok := strings.Cut(trimmed, "/"); ok && s.langs[lang] != nil && (rest == "join" || strings.HasPrefix(rest, "join/")) {
		return true
	}
	// A survey page's form and public results (internal/surveys).
	for _, suffix := range []string{"answer/", "results/"} {
		if base, ok := strings.CutSuffix(p, suffix); ok {
			if pg := s.PageByURL(base); pg != nil && pg.Survey != nil {
				return true
			}
		}
	}
	return false
}

func (s *Site) checkLinks(isRoute func(string) bool) []Problem {
	var out []Problem
	sources := map[string]string{}
	// Fragments are composed into pages by the theme: their links count.
	pages := s.Pages
	for _, lang := range s.Languages {
		pages = append(pages[:len(pages):len(pages)], s.Fragments(lang.Code)...)
	}
	for _, p := range pages {
		for _, dest := range p.links {
			msg := s.brokenLink(dest, isRoute)
			if msg == "" {
				continue
			}
			line := 1
			if p.File != "" && s.fsys != nil {
				src, ok := sources[p.File]
				if !ok {
					b, _ := fs.ReadFile(s.fsys, p.File)
					src = string(normaliseSource(b))
					sources[p.File] = src
				}
				if i := strings.Index(src, dest); i >= 0 {
					line = strings.Count(src[:i], "\n") + 1
				}
			}
			sev := SevError
			if strings.HasPrefix(msg, "draft:") {
				sev = SevWarning
				msg = strings.TrimPrefix(msg, "draft:")
			}
			out = append(out, Problem{File: p.File, Line: line, Severity: sev, Message: msg})
		}
	}
	return out
}

// brokenLink returns why an internal link leads nowhere ("" when it works).
func (s *Site) brokenLink(dest string, isRoute func(string) bool) string {
	p := dest
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" || strings.HasPrefix(p, "//") {
		return ""
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	clean := path.Clean(p)
	dir := clean
	if dir != "/" {
		dir += "/"
	}
	if pg := s.byURL[dir]; pg != nil {
		if pg.Draft {
			return fmt.Sprintf("draft:link %s goes to a draft page (%s)", dest, pg.File)
		}
		return ""
	}
	if _, ok := s.resources[clean]; ok {
		return ""
	}
	for _, ps := range s.fragments {
		for _, f := range ps {
			if f.URL == dir {
				return fmt.Sprintf("link %s goes to %s, which has build render: link: Unionhall serves no page there", dest, f.File)
			}
		}
	}
	if _, ok := s.AliasTarget(dir); ok {
		return ""
	}
	if isRoute(p) || isRoute(clean) || isRoute(dir) {
		return ""
	}
	if s.Static != nil {
		name := strings.TrimPrefix(clean, "/")
		if name == "" {
			name = "."
		}
		if st, err := fs.Stat(s.Static, name); err == nil {
			if !st.IsDir() {
				return ""
			}
			if _, err := fs.Stat(s.Static, path.Join(name, "index.html")); err == nil {
				return ""
			}
		}
	}
	if s.Assets != nil && strings.HasPrefix(clean, "/assets/") {
		if _, err := fs.Stat(s.Assets, strings.TrimPrefix(clean, "/assets/")); err == nil {
			return ""
		}
	}
	return fmt.Sprintf("broken link %s: no page, resource or static file has that path", dest)
}

// checkTranslations warns about regular pages missing in some language. It
// is a warning: a union may well publish some texts in one language only.
func (s *Site) checkTranslations() []Problem {
	if len(s.Languages) < 2 {
		return nil
	}
	var out []Problem
	keys := make([]string, 0, len(s.byKey))
	for k := range s.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		group := s.byKey[k]
		have := map[string]bool{}
		var first *Page
		for _, p := range group {
			if p.Kind != KindPage || p.Draft {
				continue
			}
			have[p.Lang] = true
			if first == nil {
				first = p
			}
		}
		if first == nil {
			continue
		}
		var missing []string
		for _, l := range s.Languages {
			if !have[l.Code] {
				missing = append(missing, l.Code)
			}
		}
		if len(missing) > 0 {
			out = append(out, Problem{File: first.File, Line: 1, Severity: SevWarning,
				Message: fmt.Sprintf("no translation in %s", strings.Join(missing, ", "))})
		}
	}
	return out
}

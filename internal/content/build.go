package content

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Hugo's build options decide whether a content file becomes a page of its
// own. Themes use them for fragments they compose into other pages (a home
// page's hero text, a footer block, the widgets of a landing page): such a
// file must not get a URL, a sitemap entry or a place in lists and feeds.
//
//	_build:            # or build:, as Hugo ≥ 0.123 spells it
//	  render: never    # always (default) | never | link   (true/false too)
//	  list: never      # always (default) | never | local  (true/false too)
//	  publishResources: false
//	headless: true     # a leaf bundle: render never, list never, resources unpublished
//
// What Unionhall does with each:
//   - render: never — no URL; the page is kept out of Site.Pages (so out of
//     every list, feed, sitemap, calendar and look-up by URL) and is
//     reachable only through Site.Fragment, rendered like any page.
//   - render: link — as never, but the page keeps the URL it would have, so
//     ref/relref resolve to it (Hugo: "a permalink but no file"); Unionhall
//     itself serves nothing there, and check warns about links to it.
//   - list: never — served at its URL but left out of lists, feeds, the
//     sitemap and navigation (Site.VisiblePages and PagesOfType skip it).
//     list: local is treated as always: Unionhall has no collection that
//     is global in Hugo's sense other than the ones list: never leaves.
//   - publishResources: false — the bundle's files are not served at URLs;
//     Page.Resources still names them for a template to read.
//   - headless: true — a headless bundle; Markdown files inside a leaf
//     bundle (headless or not) are Hugo page resources: they are rendered as
//     fragments and attached to the bundle's index page as Page.Parts, in
//     file order, which is how a theme composes a landing page.
//   - cascade: {_build: …} in a section's _index passes the build options
//     to every page below it in that language (only the build options: other
//     cascaded keys are Hugo features Unionhall does not have).

// BuildOptions are a page's Hugo build options (front matter `_build` or
// `build`, and `headless`), already defaulted.
type BuildOptions struct {
	Render           string // "always", "never" or "link"
	List             string // "always", "never" or "local"
	PublishResources bool
	Headless         bool
	// BundlePart is set for a Markdown file inside a leaf bundle (a page
	// resource in Hugo), which is never a page of its own.
	BundlePart bool
}

var defaultBuild = BuildOptions{Render: "always", List: "always", PublishResources: true}

// Listed reports whether the page belongs in lists, feeds, the sitemap and
// navigation.
func (p *Page) Listed() bool { return p.Build.List != "never" && !p.Fragment() }

// Fragment reports whether the page is not published as a page of its own
// (render: never or link, a headless bundle, a Markdown resource of a
// bundle); it is reachable only through Site.Fragment and Page.Parts.
// The zero BuildOptions (a synthesised page) is the default: published.
func (p *Page) Fragment() bool { return p.Build.Render == "never" || p.Build.Render == "link" }

// Fragment finds an unpublished page (see Page.Fragment) by the path ref
// uses ("homepage", "homepage/hero.md", "footer/index.en.md") in lang,
// falling back to any language; nil when there is none.
func (s *Site) Fragment(lang, ref string) *Page {
	key := strings.Trim(strings.TrimPrefix(strings.TrimPrefix(ref, "/"), "content/"), "/")
	cands := s.fragments[key]
	for _, p := range cands {
		if p.Lang == lang {
			return p
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return nil
}

// Fragments returns every unpublished page of a language, in file order.
func (s *Site) Fragments(lang string) []*Page {
	var out []*Page
	seen := map[*Page]bool{}
	for _, ps := range s.fragments {
		for _, p := range ps {
			if p.Lang == lang && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// parseBuild reads the build options from lower-cased front matter; bad
// values are reported through bad(key, …) and fall back to the default.
func parseBuild(m map[string]any, inherited *BuildOptions, bad func(key, format string, args ...any)) BuildOptions {
	b := defaultBuild
	if inherited != nil {
		b = *inherited
	}
	key := "_build"
	raw, ok := m[key]
	if !ok {
		key = "build"
		raw, ok = m[key]
	}
	if ok && raw != nil {
		opts, isMap := raw.(map[string]any)
		if !isMap {
			bad(key, "%s must be a table of render, list and publishResources", key)
		}
		if v, ok := opts["render"]; ok {
			b.Render = buildValue(v, []string{"always", "never", "link"}, func() {
				bad(key, "%s.render %q is not one of always, never, link", key, str(v))
			}, b.Render)
		}
		if v, ok := opts["list"]; ok {
			b.List = buildValue(v, []string{"always", "never", "local"}, func() {
				bad(key, "%s.list %q is not one of always, never, local", key, str(v))
			}, b.List)
		}
		if v, ok := opts["publishresources"]; ok {
			if t, isBool := boolValue(v); isBool {
				b.PublishResources = t
			} else {
				bad(key, "%s.publishResources must be true or false", key)
			}
		}
	}
	if v, ok := m["headless"]; ok {
		t, isBool := boolValue(v)
		switch {
		case !isBool:
			bad("headless", "headless must be true or false")
		case t:
			b.Headless = true
			b.Render, b.List, b.PublishResources = "never", "never", false
		}
	}
	return b
}

// buildValue maps a render/list value: one of the words, or Hugo's older
// booleans (true = always, false = never).
func buildValue(v any, words []string, bad func(), keep string) string {
	if t, ok := v.(bool); ok {
		if t {
			return "always"
		}
		return "never"
	}
	w := strings.ToLower(strings.TrimSpace(str(v)))
	for _, ok := range words {
		if w == ok {
			return w
		}
	}
	switch w {
	case "true":
		return "always"
	case "false":
		return "never"
	}
	bad()
	return keep
}

func boolValue(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "yes":
			return true, true
		case "false", "no":
			return false, true
		}
	}
	return false, false
}

// cascadedBuild is the `cascade: {_build: …}` of a section's _index.
func cascadedBuild(m map[string]any) (map[string]any, bool) {
	c, ok := m["cascade"].(map[string]any)
	if !ok {
		// Hugo also accepts a list of cascade blocks; the first without a
		// _target is the one that applies everywhere.
		if list, isList := m["cascade"].([]any); isList {
			for _, it := range list {
				if cm, ok := it.(map[string]any); ok && cm["_target"] == nil {
					c = cm
					break
				}
			}
		}
	}
	if c == nil {
		return nil, false
	}
	sub := map[string]any{}
	for _, k := range []string{"_build", "build", "headless"} {
		if v, ok := c[k]; ok {
			sub[k] = v
		}
	}
	return sub, len(sub) > 0
}

// applyCascades gives every page below a section the build options its
// _index cascades (nearest ancestor in the same language wins). It runs
// after the parallel parse, before assemble.
func (l *loader) applyCascades(srcs []*pageSrc) {
	type casc struct {
		dir  string
		lang string
		m    map[string]any
		file string
		line int
	}
	var cs []casc
	for _, ps := range srcs {
		if ps.page == nil || ps.skip || ps.cascade == nil || (ps.page.Kind != KindSection && ps.page.Kind != KindHome) {
			continue
		}
		cs = append(cs, casc{dir: ps.dir, lang: ps.page.Lang, m: ps.cascade, file: ps.file, line: ps.fmLine})
	}
	if len(cs) == 0 {
		return
	}
	for _, ps := range srcs {
		if ps.page == nil || ps.skip || ps.ownBuild {
			continue
		}
		var best *casc
		for i := range cs {
			c := &cs[i]
			if c.lang != ps.page.Lang || c.file == ps.file {
				continue
			}
			if c.dir != "." && ps.dir != c.dir && !strings.HasPrefix(ps.dir, c.dir+"/") {
				continue
			}
			if best == nil || len(c.dir) > len(best.dir) || best.dir == "." {
				best = c
			}
		}
		if best == nil {
			continue
		}
		ps.page.Build = parseBuild(best.m, &ps.page.Build, func(key, format string, args ...any) {
			ps.problems = append(ps.problems, Problem{File: best.file, Line: best.line, Severity: SevError,
				Message: "cascade: " + fmt.Sprintf(format, args...)})
		})
	}
}

// attachParts hangs the Markdown resources of each leaf bundle under the
// bundle's index page of the same language (or the default language's when
// the part has no suffix of its own and the bundle no page in it).
func (l *loader) attachParts(srcs []*pageSrc) {
	index := map[string]*Page{} // bundle dir + "\x00" + lang -> index page
	for _, ps := range srcs {
		if ps.page != nil && !ps.skip && ps.bundle {
			index[ps.dir+"\x00"+ps.page.Lang] = ps.page
		}
	}
	for _, ps := range srcs {
		if !ps.part || ps.page == nil || ps.skip {
			continue
		}
		owner := index[ps.partOf+"\x00"+ps.page.Lang]
		if owner == nil {
			l.site.Problems = append(l.site.Problems, Problem{File: ps.file, Line: 1, Severity: SevWarning,
				Message: fmt.Sprintf("bundle %s has no index page in %s for this part; it is reachable only as a fragment", ps.partOf, ps.page.Lang)})
			continue
		}
		owner.Parts = append(owner.Parts, ps.page)
	}
	for _, p := range index {
		sort.SliceStable(p.Parts, func(i, j int) bool {
			if p.Parts[i].Weight != p.Parts[j].Weight {
				return p.Parts[i].Weight < p.Parts[j].Weight
			}
			return p.Parts[i].File < p.Parts[j].File
		})
	}
}

// fragmentKeys are the names Site.Fragment and ref know a fragment by.
func (l *loader) fragmentKeys(p *Page) []string {
	rel := strings.TrimPrefix(p.File, "content/")
	dir, base := path.Dir(rel), path.Base(rel)
	noExt := stripMarkdownExt(base)
	name, suffix := splitLangName(noExt)
	if suffix == "" || l.site.langs[suffix] == nil {
		name = noExt
	}
	keys := []string{rel, path.Join(dir, name) + ".md", path.Join(dir, name)}
	if name == "index" || name == "_index" {
		if dir == "." {
			keys = append(keys, "")
		} else {
			keys = append(keys, dir)
		}
	}
	return keys
}

// unpublishedWhy names the option that keeps p from being a page.
func unpublishedWhy(p *Page) string {
	switch {
	case p.Build.Headless:
		return "headless: true"
	case p.Build.BundlePart:
		return "a Markdown file inside the page bundle " + path.Dir(p.File)
	}
	return "build render: " + p.Build.Render
}

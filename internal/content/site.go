package content

import (
	"io/fs"
	"sort"
	"strings"
	"time"
)

// Lang returns the configured language with that code, nil if unknown.
func (s *Site) Lang(code string) *Language { return s.langs[code] }

// PageByURL finds a page by its exact URL (with the trailing slash). Drafts
// and future pages are included: the caller checks Visible.
func (s *Site) PageByURL(urlPath string) *Page { return s.byURL[urlPath] }

// ResourceByURL maps a bundle resource URL (…/poster.png) to its file,
// relative to the site root.
func (s *Site) ResourceByURL(urlPath string) (string, bool) {
	f, ok := s.resources[urlPath]
	return f, ok
}

// AliasTarget returns the page URL an old URL (front matter `aliases`)
// should redirect to.
func (s *Site) AliasTarget(urlPath string) (string, bool) {
	u, ok := s.aliases[urlPath]
	if !ok && !strings.HasSuffix(urlPath, "/") {
		u, ok = s.aliases[urlPath+"/"]
	}
	return u, ok
}

// Home returns the language's home page; never nil (synthesised when the
// site has no _index for it). For an unknown language it returns the
// default language's home.
func (s *Site) Home(lang string) *Page {
	if p := s.homes[lang]; p != nil {
		return p
	}
	if p := s.homes[s.DefaultLang]; p != nil {
		return p
	}
	return &Page{Lang: lang, Kind: KindHome, Type: "home", URL: "/" + lang + "/", Title: s.Title, Synthetic: true, Params: map[string]any{}}
}

// Section returns the section's list page in lang (its _index or a
// synthesised one), nil if the section has nothing in that language.
func (s *Site) Section(lang, section string) *Page { return s.sections[lang+"/"+section] }

// PagesOfType returns the visible, listed regular pages of a language with
// that Type, in file order.
func (s *Site) PagesOfType(lang, typ string, now time.Time) []*Page {
	var out []*Page
	for _, p := range s.Pages {
		if p.Kind == KindPage && p.Lang == lang && p.Type == typ && p.Visible(now) && p.Listed() && s.byURL[p.URL] == p {
			out = append(out, p)
		}
	}
	return out
}

// VisiblePages returns every visible, listed page of a language (home,
// sections and regular pages), for the sitemap, navigation and lists. A
// page with `build: {list: never}` is served but not here.
func (s *Site) VisiblePages(lang string, now time.Time) []*Page {
	var out []*Page
	for _, p := range s.Pages {
		if p.Lang == lang && p.Visible(now) && p.Listed() && s.byURL[p.URL] == p {
			out = append(out, p)
		}
	}
	return out
}

// Translations returns the visible translations of p in other languages,
// ordered by language weight. Pages are translations when they share a
// TranslationKey (bundle or file base name, or front matter translationKey).
func (s *Site) Translations(p *Page, now time.Time) []*Page {
	var out []*Page
	for _, q := range s.byKey[p.TranslationKey] {
		if q != p && q.Lang != p.Lang && q.Visible(now) {
			out = append(out, q)
		}
	}
	if p.Kind != KindPage && len(out) == 0 {
		// Homes and sections pair up by kind and section even when one of
		// them is synthesised and the other comes from an _index file.
		for _, l := range s.Languages {
			if l.Code == p.Lang {
				continue
			}
			var q *Page
			if p.Kind == KindHome {
				q = s.homes[l.Code]
			} else {
				q = s.sections[l.Code+"/"+p.Section]
			}
			if q != nil && q.Visible(now) {
				out = append(out, q)
			}
		}
	}
	rank := map[string]int{}
	for i, l := range s.Languages {
		rank[l.Code] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Lang] < rank[out[j].Lang] })
	return out
}

// Param looks a key up in the language's params, then the site params.
// Keys are case-insensitive and may be dotted ("social.mastodon").
func (s *Site) Param(lang, key string) any {
	key = strings.ToLower(key)
	if l := s.langs[lang]; l != nil {
		if v := lookupDotted(l.Params, key); v != nil {
			return v
		}
	}
	return lookupDotted(s.Params, key)
}

// ParamString is Param as a string ("" when unset).
func (s *Site) ParamString(lang, key string) string {
	v := s.Param(lang, key)
	if v == nil {
		return ""
	}
	return str(v)
}

func lookupDotted(m map[string]any, key string) any {
	if m == nil {
		return nil
	}
	if v, ok := m[key]; ok {
		return v
	}
	head, rest, ok := strings.Cut(key, ".")
	if !ok {
		return nil
	}
	sub, _ := m[head].(map[string]any)
	return lookupDotted(sub, rest)
}

// Visible reports whether the page is published at now: not a draft, its
// publishDate reached, its expiryDate (if any) not yet.
func (p *Page) Visible(now time.Time) bool {
	if p.Draft {
		return false
	}
	if !p.PublishDate.IsZero() && now.Before(p.PublishDate) {
		return false
	}
	if !p.ExpiryDate.IsZero() && !now.Before(p.ExpiryDate) {
		return false
	}
	return true
}

// End is the event's end (front matter `date`) when it is after StartDate,
// else zero.
func (p *Page) End() time.Time {
	if p.StartDate.IsZero() || p.Date.IsZero() || !p.Date.After(p.StartDate) {
		return time.Time{}
	}
	return p.Date
}

// IsEvent reports whether the page has a start date.
func (p *Page) IsEvent() bool { return !p.StartDate.IsZero() }

// EventState is upcoming before the start, ongoing until the end, past
// after it. An event with no valid end is past from its start.
func (p *Page) EventState(now time.Time) EventState {
	if p.StartDate.IsZero() {
		return EventNone
	}
	if now.Before(p.StartDate) {
		return EventUpcoming
	}
	if end := p.End(); !end.IsZero() && now.Before(end) {
		return EventOngoing
	}
	return EventPast
}

// NextChange is the earliest instant after now at which any page's
// visibility or event state changes; zero when nothing will change. The
// server caches rendered pages until then.
func (s *Site) NextChange(now time.Time) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, p := range s.Pages {
		if p.Draft {
			continue
		}
		consider(p.PublishDate)
		consider(p.ExpiryDate)
		consider(p.StartDate)
		consider(p.End())
	}
	return next
}

// Root is the site folder itself, for serving page-bundle resources
// (ResourceByURL names files relative to it).
func (s *Site) Root() fs.FS { return s.fsys }

// MembersOnlyPath reports whether urlPath is, or lies under, a member-only
// page: the page itself, its pagination and feed, and its bundle files
// (resource URLs are the page's URL plus the file name). It walks the
// path's prefixes, a few map look-ups.
func (s *Site) MembersOnlyPath(urlPath string) bool {
	p := urlPath
	for {
		if pg := s.byURL[p]; pg != nil && pg.MembersOnly {
			return true
		}
		if !strings.HasSuffix(p, "/") {
			if pg := s.byURL[p+"/"]; pg != nil && pg.MembersOnly {
				return true
			}
		}
		i := strings.LastIndexByte(strings.TrimSuffix(p, "/"), '/')
		if i < 0 {
			return false
		}
		p = p[:i+1]
		if p == "/" {
			return false
		}
	}
}

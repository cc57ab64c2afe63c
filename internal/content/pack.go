package content

import (
	"html/template"
	"strings"
	"time"
)

// Packing the loaded site (memory, issue 2: a 5,000-page site served in
// under 60 MB of resident memory).
//
// Everything a site keeps was allocated while loading, amid ten times as
// much short-lived garbage of the same sizes: file buffers, YAML nodes,
// Markdown syntax trees. Go's allocator never moves objects, so once that
// garbage is collected the site's strings and maps sit scattered over
// half-empty memory spans that can be neither reused for other sizes nor
// given back to the system: about 6 MB of a 26 MB heap for the generated
// 5,000-page site. packSite copies what the site keeps into fresh, dense
// memory after loading, so the old spans empty completely and
// debug.FreeOSMemory (which the server calls after a load) can return them.
//
//   - Rendered HTML and text of all pages go into one string that each page
//     slices (one exact allocation, no size-class rounding); bodies are kept
//     compressed (body.go).
//   - Every other string (fields, front matter values, map keys) is copied
//     into 64 KB blocks, each distinct value once: titles repeated in
//     Params and Page.Title, language codes, types and places share bytes.
//   - Front matter maps and the site's look-up maps are rebuilt, and the
//     Page structs move into one array.
//
// Strings are immutable and the Site is never modified after Load, so
// sharing backing memory is invisible to callers. It costs a few
// milliseconds for 5,000 pages.
func packSite(s *Site) {
	packPages(s)
	packHTML(s.Pages)
	k := &packer{seen: map[string]string{}}
	for _, p := range s.Pages {
		k.page(p)
	}
	s.byURL = packMap(k, s.byURL)
	s.byKey = packMap(k, s.byKey)
	s.aliases = packStrings(k, s.aliases)
	s.resources = packStrings(k, s.resources)
}

// packPages moves the Page structs into one array and repoints every
// reference the Site holds (Pages, byURL, byKey, homes, sections).
func packPages(s *Site) {
	arr := make([]Page, len(s.Pages))
	moved := make(map[*Page]*Page, len(s.Pages))
	for i, p := range s.Pages {
		arr[i] = *p
		moved[p] = &arr[i]
		s.Pages[i] = &arr[i]
	}
	to := func(p *Page) *Page {
		if q, ok := moved[p]; ok {
			return q
		}
		return p
	}
	for u, p := range s.byURL {
		s.byURL[u] = to(p)
	}
	for key, ps := range s.byKey {
		for i, p := range ps {
			ps[i] = to(p)
		}
		s.byKey[key] = ps
	}
	for l, p := range s.homes {
		s.homes[l] = to(p)
	}
	for key, p := range s.sections {
		s.sections[key] = to(p)
	}
}

// packHTML moves the rendered bodies and descriptions into one string.
func packHTML(pages []*Page) {
	n := 0
	for _, p := range pages {
		n += len(p.body) + len(p.zbody) + len(p.Description) + len(p.SubDescription) + len(p.DescriptionText)
	}
	if n == 0 {
		return
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range pages {
		b.WriteString(string(p.body))
		b.WriteString(p.zbody)
		b.WriteString(string(p.Description))
		b.WriteString(string(p.SubDescription))
		b.WriteString(p.DescriptionText)
	}
	all := b.String()
	off := 0
	take := func(l int) string {
		s := all[off : off+l]
		off += l
		return s
	}
	for _, p := range pages {
		p.body = template.HTML(take(len(p.body)))
		p.zbody = take(len(p.zbody))
		p.Description = template.HTML(take(len(p.Description)))
		p.SubDescription = template.HTML(take(len(p.SubDescription)))
		p.DescriptionText = take(len(p.DescriptionText))
	}
}

// packBlock is the size of the blocks small strings are copied into;
// longer strings get their own allocation.
const packBlock = 64 << 10

// packer copies strings into shared blocks, each distinct value once.
type packer struct {
	b    strings.Builder // current block; never grows past its first Grow
	seen map[string]string
}

func (k *packer) str(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := k.seen[s]; ok {
		return v
	}
	var v string
	if len(s) > packBlock/4 {
		v = strings.Clone(s)
	} else {
		if k.b.Cap()-k.b.Len() < len(s) {
			// A fresh block; the strings taken from the old one stay valid
			// (a Builder only ever appends).
			k.b = strings.Builder{}
			k.b.Grow(packBlock)
		}
		start := k.b.Len()
		k.b.WriteString(s)
		v = k.b.String()[start:]
	}
	k.seen[v] = v
	return v
}

func (k *packer) strs(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = k.str(s)
	}
	return out
}

// value deep-copies a front matter value. Returning a scalar as `any`
// boxes it again, in fresh memory.
func (k *packer) value(v any) any {
	switch x := v.(type) {
	case string:
		return k.str(x)
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for key, val := range x {
			out[k.str(key)] = k.value(val)
		}
		return out
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = k.value(val)
		}
		return out
	case int:
		return x
	case int64:
		return x
	case uint64:
		return x
	case float64:
		return x
	case time.Time:
		return x
	}
	return v
}

func (k *packer) page(p *Page) {
	p.File = k.str(p.File)
	p.Lang = k.str(p.Lang)
	p.Section = k.str(p.Section)
	p.Type = k.str(p.Type)
	p.Layout = k.str(p.Layout)
	p.URL = k.str(p.URL)
	p.TranslationKey = k.str(p.TranslationKey)
	p.Title = k.str(p.Title)
	p.SubTitle = k.str(p.SubTitle)
	p.Slug = k.str(p.Slug)
	p.Download = k.str(p.Download)
	p.Author = k.str(p.Author)
	p.AuthorInfo = k.str(p.AuthorInfo)
	p.Duration = k.str(p.Duration)
	p.Place = k.str(p.Place)
	p.PlaceAddress = k.str(p.PlaceAddress)
	p.PlaceURL = k.str(p.PlaceURL)
	p.Poster = k.str(p.Poster)
	p.RegisterURL = k.str(p.RegisterURL)
	p.CTAType = k.str(p.CTAType)
	p.PetitionID = k.str(p.PetitionID)
	p.SurveyID = k.str(p.SurveyID)
	if p.Params != nil {
		p.Params = k.value(p.Params).(map[string]any)
	}
	if p.Resources != nil {
		p.Resources = packStrings(k, p.Resources)
	}
	p.Aliases = k.strs(p.Aliases)
	p.links = k.strs(p.links)
	if p.Lat != nil {
		v := *p.Lat
		p.Lat = &v
	}
	if p.Lon != nil {
		v := *p.Lon
		p.Lon = &v
	}
}

func packStrings(k *packer, m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for key, v := range m {
		out[k.str(key)] = k.str(v)
	}
	return out
}

func packMap[V any](k *packer, m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for key, v := range m {
		out[k.str(key)] = v
	}
	return out
}

package site

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/content"
)

// LayoutView is what a feature passes to Layout to render inside the site's
// chrome (header, navigation, language switcher, footer, skip link).
type LayoutView struct {
	// Lang is the page's language code; an unknown code falls back to the
	// visitor's language.
	Lang        string
	Title       string
	Description string
	// Main is the feature's already-escaped HTML (from its own template),
	// placed inside <main>.
	Main template.HTML
	// Status defaults to 200.
	Status int
	// NoIndex asks search engines not to index the page (forms, receipts).
	NoIndex bool
	// Alternates maps language code to the URL of the same page in that
	// language; the switcher and hreflang links use it. Missing languages
	// link to their home.
	Alternates map[string]string
	// Canonical is the page's own path (e.g. "/en/join/"); optional.
	Canonical string
}

// Layout writes a feature's page inside the site's chrome. The response
// is not cached: feature pages are dynamic. Unless the caller set
// Cache-Control, it is marked no-store, since such pages often carry form
// tokens or personal answers.
//
// The chrome itself is cached: everything around <main> depends only on
// the site generation, the language, the title, description, canonical
// path, alternates and (when links are absolute from the request) the
// host, so it is rendered once per such key and split at the main content
// (a frame); each request then writes head, Main, tail. The member portal
// spent a third of each page's CPU rendering the same chrome again. A
// theme whose layout does not place Main exactly once as raw HTML gets the
// full render every time (see buildFrame).
func (s *Server) Layout(w http.ResponseWriter, r *http.Request, v LayoutView) {
	now := s.now()
	g := s.current(now)
	if g == nil {
		http.Error(w, "site not loaded", http.StatusServiceUnavailable)
		return
	}
	site := g.site
	lang := v.Lang
	if site.Lang(lang) == nil {
		lang = s.visitorLang(site, r)
	}
	f := s.frame(g, r, lang, v, now)
	if f == nil {
		// Uncacheable theme: render it all, straight to the response.
		ld := s.layoutData(site, r, lang, v, now)
		ld.Main = v.Main
		var buf bytes.Buffer
		if err := s.theme.tmpl.ExecuteTemplate(&buf, "layout", ld); err != nil {
			s.log.Error("render layout", "err", err)
			http.Error(w, "500 internal server error", http.StatusInternalServerError)
			return
		}
		f = &frame{head: buf.Bytes()}
		v.Main = ""
	}
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Content-Type", htmlType)
	h.Set("Content-Length", strconv.Itoa(len(f.head)+len(v.Main)+len(f.tail)))
	h.Add("Vary", "Accept-Encoding")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.head)
		_, _ = io.WriteString(w, string(v.Main))
		_, _ = w.Write(f.tail)
	}
}

// layoutData is the layout template's data for v, without Main.
func (s *Server) layoutData(site *content.Site, r *http.Request, lang string, v LayoutView, now time.Time) *layoutData {
	ld := s.chrome(site, r, lang, v.Canonical, now)
	ld.Title = v.Title
	ld.FullTitle = v.Title + " – " + ld.SiteName
	if v.Title == "" {
		ld.FullTitle = ld.SiteName
	}
	ld.Description = v.Description
	ld.NoIndex = v.NoIndex
	ld.OGType = "website"
	for _, l := range site.Languages {
		target, ok := v.Alternates[l.Code]
		if !ok || !isSitePath(target) {
			target = "/" + l.Code + "/"
			if h := site.Home(l.Code); h != nil {
				target = h.URL
			}
		} else if len(v.Alternates) > 1 {
			ld.Alternates = append(ld.Alternates, link{Lang: l.Code, URL: s.abs(site, r, target)})
		}
		ld.Switcher = append(ld.Switcher, link{Title: l.Name, URL: target, Lang: l.Code, Current: l.Code == lang})
	}
	return ld
}

// frame is the rendered chrome of a feature page, split where Main goes.
type frame struct{ head, tail []byte }

// maxFrames bounds a generation's frames: titles are the features' own
// texts, but a feature could put something of the visitor's in one, and
// the cache must not grow with it. Past the bound a frame is rendered per
// request and not kept.
const maxFrames = 512

// mainSlot and mainProbe stand in for Main when a frame is rendered: the
// slot is where the split happens; the probe, full of characters that any
// escaping context would change, must come out verbatim at the same place,
// which proves Main is inserted there as raw HTML and nowhere else.
const (
	mainSlot  = "uhMainSlot7c1e9b42d"
	mainProbe = "<p title=\"&amp;'\">uhMainProbe</p>"
)

// frame returns the chrome for v, from the generation's cache or rendered
// now; nil when the layout cannot be split (buildFrame).
func (s *Server) frame(g *generation, r *http.Request, lang string, v LayoutView, now time.Time) *frame {
	key := frameKey(s.base(g.site, r), lang, v)
	if f, ok := g.frames.Load(key); ok {
		return f.(*frame)
	}
	f := s.buildFrame(g.site, r, lang, v, now)
	if f == nil {
		return nil
	}
	if g.nframes.Load() < maxFrames {
		if _, loaded := g.frames.LoadOrStore(key, f); !loaded {
			g.nframes.Add(1)
		}
	}
	return f
}

func (s *Server) buildFrame(site *content.Site, r *http.Request, lang string, v LayoutView, now time.Time) *frame {
	ld := s.layoutData(site, r, lang, v, now)
	render := func(main string) []byte {
		ld.Main = template.HTML(main)
		var buf bytes.Buffer
		if err := s.theme.tmpl.ExecuteTemplate(&buf, "layout", ld); err != nil {
			return nil
		}
		return buf.Bytes()
	}
	a := render(mainSlot)
	if a == nil || bytes.Count(a, []byte(mainSlot)) != 1 {
		return nil
	}
	i := bytes.Index(a, []byte(mainSlot))
	f := &frame{head: a[:i:i], tail: a[i+len(mainSlot):]}
	b := render(mainProbe)
	if !bytes.Equal(b, slices.Concat(f.head, []byte(mainProbe), f.tail)) {
		return nil
	}
	return f
}

// frameKey is everything of v and the request that the chrome depends on
// within one generation, apart from Main.
func frameKey(base, lang string, v LayoutView) string {
	var b strings.Builder
	for _, p := range []string{base, lang, v.Title, v.Description, v.Canonical, strconv.FormatBool(v.NoIndex)} {
		b.WriteString(strconv.Quote(p))
	}
	codes := make([]string, 0, len(v.Alternates))
	for c := range v.Alternates {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		b.WriteString(strconv.Quote(c))
		b.WriteString(strconv.Quote(v.Alternates[c]))
	}
	return b.String()
}

// NotFound writes the 404 page in the visitor's language (URL prefix, else
// Accept-Language).
func (s *Server) NotFound(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	g := s.current(now)
	if g == nil {
		http.NotFound(w, r)
		return
	}
	s.notFound(g, w, r, now)
}

// notFound serves the cached 404 page of the visitor's language. It never
// reflects the requested path.
func (s *Server) notFound(g *generation, w http.ResponseWriter, r *http.Request, now time.Time) {
	lang := s.visitorLang(g.site, r)
	key := "\x00404/" + lang
	if v, ok := g.entries.Load(key); ok {
		v.(*entry).write(w, r)
		return
	}
	e := s.render404(g.site, r, lang, now)
	s.store(g, key, e)
	e.write(w, r)
}

func (s *Server) render404(site *content.Site, r *http.Request, lang string, now time.Time) *entry {
	u := ui{site: site, lang: lang}
	ld := s.chrome(site, r, lang, "", now)
	ld.Title = u.T("not_found_title")
	ld.FullTitle = ld.Title + " – " + ld.SiteName
	ld.NoIndex = true
	ld.OGType = "website"
	for _, l := range site.Languages {
		target := "/" + l.Code + "/"
		if h := site.Home(l.Code); h != nil {
			target = h.URL
		}
		ld.Switcher = append(ld.Switcher, link{Title: l.Name, URL: target, Lang: l.Code, Current: l.Code == lang})
	}
	var buf bytes.Buffer
	if err := s.theme.tmpl.ExecuteTemplate(&buf, "notfound", &mainView{UI: u, Lang: lang, JoinURL: ld.JoinURL}); err != nil {
		s.log.Error("render 404", "err", err)
		return s.errorEntry()
	}
	ld.Main = template.HTML(buf.String())
	e := s.layoutEntry(ld, http.StatusNotFound)
	// The language may come from Accept-Language.
	for _, h := range []http.Header{e.plainHdr, e.gzHdr} {
		if h != nil {
			h["Vary"] = []string{"Accept-Encoding, Accept-Language"}
			h["Cache-Control"] = []string{"no-cache"}
		}
	}
	if e.notModifiedPlain != nil {
		e.notModifiedPlain["Vary"] = []string{"Accept-Encoding, Accept-Language"}
	}
	return e
}

// WritePrivate writes a feature page that shows kept input, live counts or
// a personal token inside layout (normally (*Server).Layout): never stored
// by caches, never indexed, never sent as a referrer. With a nil layout it
// writes a bare valid page, so a feature's tests need no site.
func WritePrivate(w http.ResponseWriter, r *http.Request, layout func(http.ResponseWriter, *http.Request, LayoutView), v LayoutView) {
	if v.Status == 0 {
		v.Status = http.StatusOK
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	v.NoIndex = true
	if layout != nil {
		layout(w, r, v)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(v.Status)
	fmt.Fprintf(w, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title></head><body><main>%s</main></body></html>\n",
		template.HTMLEscapeString(v.Lang), template.HTMLEscapeString(v.Title), v.Main)
}

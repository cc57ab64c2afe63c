package site

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
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

// Layout writes a feature's page inside the site's chrome. It is not
// cached: feature pages are dynamic. Unless the caller set Cache-Control,
// the response is marked no-store, since such pages often carry form
// tokens or personal answers.
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
	ld := s.chrome(site, r, lang, v.Canonical, now)
	ld.Title = v.Title
	ld.FullTitle = v.Title + " – " + ld.SiteName
	if v.Title == "" {
		ld.FullTitle = ld.SiteName
	}
	ld.Description = v.Description
	ld.NoIndex = v.NoIndex
	ld.OGType = "website"
	ld.Main = v.Main
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
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	// Rendered straight to the response: these pages are not cached, so
	// the cache entry's ETag and gzip copy (layoutEntry) would be work
	// thrown away; web.Gzip compresses what it should on the way out.
	var buf bytes.Buffer
	if err := s.theme.tmpl.ExecuteTemplate(&buf, "layout", ld); err != nil {
		s.log.Error("render layout", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("Content-Type", htmlType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Add("Vary", "Accept-Encoding")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
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

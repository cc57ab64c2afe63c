package site

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

// Options.EventExtra adds a feature's HTML to event pages only, and is
// cached with the page (called once per page and cache generation).
func TestEventExtra(t *testing.T) {
	dir := writeSite(t, fixtureFiles)
	cs, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &clock{t: fixtureNow}
	s := New(cs, Options{Logger: logger, Now: c.Now, Root: os.DirFS(dir),
		EventExtra: func(r *http.Request, p *content.Page, now time.Time) template.HTML {
			calls.Add(1)
			return template.HTML(`<p class="from-feature">extra for ` + template.HTMLEscapeString(p.Title) + `</p>`)
		}})
	mux := http.NewServeMux()
	s.Register(mux)
	hs := httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(hs.Close)
	f := &fixture{srv: s, http: hs, clock: c, site: cs, dir: dir}

	var event string
	for _, p := range cs.Pages {
		if p.Lang == "en" && p.Title == "Summer school" {
			event = p.URL
		}
	}
	if event == "" {
		t.Fatal("fixture event not found")
	}
	body := f.page(t, event)
	mustContain(t, "event page", body, `<div class="event-extra"><p class="from-feature">extra for Summer school</p></div>`)
	f.page(t, event)
	if n := calls.Load(); n != 1 {
		t.Errorf("EventExtra called %d times for two requests, want 1 (cached)", n)
	}
	mustNotContain(t, "events list", f.page(t, "/en/events/"), "from-feature")
	mustNotContain(t, "about page", f.page(t, "/en/about/"), "from-feature")
}

// DropCache makes the next request render afresh, so a feature whose
// EventExtra depends on a stored setting (registration closed early) can
// make a changed setting visible at once; until then the cached page is
// served, and the site itself is kept.
func TestDropCache(t *testing.T) {
	dir := writeSite(t, fixtureFiles)
	cs, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var closed atomic.Bool
	var calls atomic.Int32
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &clock{t: fixtureNow}
	s := New(cs, Options{Logger: logger, Now: c.Now, Root: os.DirFS(dir),
		EventExtra: func(r *http.Request, p *content.Page, now time.Time) template.HTML {
			calls.Add(1)
			if closed.Load() {
				return `<p class="from-feature">closed</p>`
			}
			return `<p class="from-feature">open</p>`
		}})
	mux := http.NewServeMux()
	s.Register(mux)
	hs := httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(hs.Close)
	f := &fixture{srv: s, http: hs, clock: c, site: cs, dir: dir}
	var event string
	for _, p := range cs.Pages {
		if p.Lang == "en" && p.Title == "Summer school" {
			event = p.URL
		}
	}

	mustContain(t, "before", f.page(t, event), `from-feature">open<`)
	closed.Store(true)
	mustContain(t, "changed, cache kept", f.page(t, event), `from-feature">open<`)
	s.DropCache()
	if s.Site() != cs {
		t.Fatal("DropCache changed the site")
	}
	mustContain(t, "after DropCache", f.page(t, event), `from-feature">closed<`)
	f.page(t, event)
	if n := calls.Load(); n != 2 {
		t.Errorf("EventExtra called %d times, want 2 (once per cache)", n)
	}
}

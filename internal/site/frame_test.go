package site

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"
)

// fullLayout renders v the way Layout did before frames: the whole
// template with Main in place, the reference every framed page must equal.
func fullLayout(t *testing.T, s *Server, r *http.Request, v LayoutView) string {
	t.Helper()
	now := s.now()
	g := s.current(now)
	ld := s.layoutData(g.site, r, v.Lang, v, now)
	ld.Main = v.Main
	var buf bytes.Buffer
	if err := s.theme.tmpl.ExecuteTemplate(&buf, "layout", ld); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func layoutBody(s *Server, r *http.Request, v LayoutView) (*recorder, string) {
	rec := newRecorder()
	s.Layout(rec, r, v)
	return rec, rec.body.String()
}

// TestLayoutFrames: the chrome is rendered once per title and language and
// reused, and every page written from a frame is byte for byte what the
// whole template gives, with its own Content-Length.
func TestLayoutFrames(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("GET", "/en/member/", nil)
	alt := map[string]string{"en": "/en/member/", "cs": "/cs/clen/"}
	mains := []template.HTML{"<h1>First member</h1>", "<h1>Second</h1><p>with more & <b>markup</b></p>", ""}
	for _, lang := range []string{"en", "cs"} {
		for _, m := range mains {
			v := LayoutView{Lang: lang, Title: "Your membership", Main: m, NoIndex: true, Alternates: alt}
			rec, got := layoutBody(f.srv, req, v)
			if want := fullLayout(t, f.srv, req, v); got != want {
				t.Fatalf("%s %q: framed page differs from the full render:\n%s\n---\n%s", lang, m, got, want)
			}
			if cl := rec.header.Get("Content-Length"); cl != fmt.Sprint(len(got)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(got))
			}
		}
	}
	g := f.srv.current(f.srv.now())
	if n := g.nframes.Load(); n != 2 {
		t.Errorf("%d frames for one title in two languages, want 2", n)
	}
	// Another title, description or canonical path is another frame, never
	// the first one's chrome.
	_, got := layoutBody(f.srv, req, LayoutView{Lang: "en", Title: "Your details", Main: "x", Canonical: "/en/about/"})
	if !strings.Contains(got, "<title>Your details") || !strings.Contains(got, `aria-current="page"`) {
		t.Errorf("second title: %s", got)
	}
	if n := g.nframes.Load(); n != 3 {
		t.Errorf("%d frames, want 3", n)
	}
	// A title carrying markup is escaped in the frame as in the template.
	v := LayoutView{Lang: "en", Title: `<script>alert(1)</script>`, Main: "<p>ok</p>"}
	_, got = layoutBody(f.srv, req, v)
	if strings.Contains(got, "<script>alert") || got != fullLayout(t, f.srv, req, v) {
		t.Errorf("hostile title: %s", got)
	}
	// Titles that vary without bound stop being kept at maxFrames.
	for i := range maxFrames + 50 {
		layoutBody(f.srv, req, LayoutView{Lang: "en", Title: fmt.Sprint("t", i), Main: "x"})
	}
	if n := g.nframes.Load(); n > maxFrames {
		t.Errorf("%d frames kept, bound %d", n, maxFrames)
	}
	// A new generation (a content change) starts without frames.
	f.srv.DropCache()
	if n := f.srv.current(f.srv.now()).nframes.Load(); n != 0 {
		t.Errorf("%d frames after DropCache", n)
	}
}

// TestLayoutFrameRefusesOtherContexts: a layout that puts Main anywhere
// but once as raw HTML (here also in an attribute, where it must be
// escaped) is not split; the page is rendered whole and stays escaped.
func TestLayoutFrameRefusesOtherContexts(t *testing.T) {
	f := newFixture(t)
	tmpl := template.Must(template.New("").Parse(`{{define "layout"}}<html><body data-x="{{.Main}}"><main>{{.Main}}</main></body></html>{{end}}`))
	f.srv.theme = &theme{tmpl: tmpl, files: f.srv.theme.files, css: f.srv.theme.css, icon: f.srv.theme.icon}
	req, _ := http.NewRequest("GET", "/en/x/", nil)
	v := LayoutView{Lang: "en", Title: "T", Main: `<b onclick="x()">hi</b>`}
	_, got := layoutBody(f.srv, req, v)
	if want := fullLayout(t, f.srv, req, v); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if strings.Contains(got, `data-x="<b`) {
		t.Errorf("Main unescaped in an attribute: %s", got)
	}
	if n := f.srv.current(f.srv.now()).nframes.Load(); n != 0 {
		t.Errorf("%d frames kept for a layout that cannot be split", n)
	}
}

package site

import (
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

// headerMember lets a request through as a member when it carries
// X-Member (tests only).
type headerMember struct{}

func (headerMember) SignedIn(r *http.Request) (bool, error) {
	return r.Header.Get("X-Member") != "", nil
}
func (headerMember) SignInPage(w http.ResponseWriter, _ *http.Request, _, _ string) {
	w.WriteHeader(http.StatusUnauthorized)
	io.WriteString(w, "sign in")
}

// TestMemberExtra: Options.MemberExtra adds per-request HTML to a
// member-only page for the member reading it, is asked on every request
// (never cached: a second member sees their own), never for visitors nor
// public pages, and a page it leaves empty is served from the cache as
// before. The answer stays private.
func TestMemberExtra(t *testing.T) {
	files := cloneFiles(map[string]string{
		"content/meetings/_index.en.md": "---\ntitle: Meetings\ntype: meetings\nmembers: true\n---\n",
		"content/meetings/june/index.en.md": "---\ntitle: June planning\ndate: 2026-06-10T18:00:00Z\n" +
			"agenda: |\n  1. Elect the committee\n---\nBring your questions.\n",
		"content/meetings/july/index.en.md": "---\ntitle: July meeting\ndate: 2026-07-10T18:00:00Z\n---\nNothing to vote on.\n",
	})
	dir := writeSite(t, files)
	cs, err := content.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: fixtureNow}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var calls atomic.Int32
	s := New(cs, Options{Logger: logger, Now: c.Now, Root: os.DirFS(dir), Members: headerMember{},
		MemberExtra: func(r *http.Request, p *content.Page) template.HTML {
			calls.Add(1)
			if p.TranslationKey != "meetings/june" {
				return ""
			}
			return template.HTML("<p>Votes for " + template.HTMLEscapeString(r.Header.Get("X-Member")) + "</p>")
		}})
	mux := http.NewServeMux()
	s.Register(mux)
	hs := httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(hs.Close)
	f := &fixture{srv: s, http: hs, clock: c, site: cs, dir: dir}

	june := "/en/meetings/june/"
	if cs.PageByURL(june) == nil {
		t.Fatalf("no page at %s", june)
	}
	a := f.get(t, june, "X-Member", "Ana")
	if a.status != 200 || !strings.Contains(a.body, `<div class="member-extra"><p>Votes for Ana</p></div>`) || !strings.Contains(a.body, "Bring your questions") {
		t.Fatalf("member page with extra: %d %.300s", a.status, mainOf(a.body))
	}
	if cc := a.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q", cc)
	}
	if a.header.Get("X-Robots-Tag") == "" || a.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v", a.header)
	}
	b := f.get(t, june, "X-Member", "Boris")
	if !strings.Contains(b.body, "Votes for Boris") || strings.Contains(b.body, "Ana") {
		t.Errorf("the second member's page: %.300s", mainOf(b.body))
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("MemberExtra asked %d times for two requests, want 2", n)
	}
	// Compressed like any page.
	if gz := f.get(t, june, "X-Member", "Ana", "Accept-Encoding", "gzip"); gz.status != 200 || gz.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip: %d %q", gz.status, gz.header.Get("Content-Encoding"))
	}
	// A visitor gets the sign-in page, and the hook is not asked.
	before := calls.Load()
	if v := f.get(t, june); v.status != http.StatusUnauthorized || strings.Contains(v.body, "Votes for") {
		t.Errorf("visitor: %d %.200s", v.status, v.body)
	}
	if calls.Load() != before {
		t.Error("MemberExtra asked for a visitor")
	}
	// A member page the hook leaves empty is the cached page.
	j1 := f.get(t, "/en/meetings/july/", "X-Member", "Ana")
	j2 := f.get(t, "/en/meetings/july/", "X-Member", "Boris")
	if j1.status != 200 || j1.body != j2.body || strings.Contains(j1.body, "member-extra") {
		t.Errorf("page without extra: %d, same bytes %v", j1.status, j1.body == j2.body)
	}
	// Public pages never ask it.
	before = calls.Load()
	f.page(t, "/en/about/")
	if calls.Load() != before {
		t.Error("MemberExtra asked for a public page")
	}
}

package site

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"unionhall/internal/browsertest"
	"unionhall/internal/content"
	"unionhall/internal/examplesite"
	"unionhall/internal/web"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// exampleServer serves the built-in example site as `unionhall serve` would.
func exampleServer(t *testing.T) (*httptest.Server, *content.Site) {
	t.Helper()
	now := time.Now()
	fsys, err := examplesite.FS(now)
	if err != nil {
		t.Fatal(err)
	}
	site, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Every visitor counts as a signed-in member, so the member-only
	// meetings are checked like every other page.
	srv := New(site, Options{Logger: logger, Root: fsys, Members: everyoneMember{}})
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(hs.Close)
	return hs, site
}

// everyoneMember lets every request read member-only pages.
type everyoneMember struct{}

func (everyoneMember) SignedIn(*http.Request) (bool, error) { return true, nil }
func (everyoneMember) SignInPage(w http.ResponseWriter, _ *http.Request, _, _ string) {
	http.Error(w, "sign in", http.StatusUnauthorized)
}

// examplePages lists every page a visitor can open, in both languages,
// plus the 404 page.
func examplePages(site *content.Site) []string {
	var out []string
	now := time.Now()
	for _, l := range site.Languages {
		for _, p := range site.VisiblePages(l.Code, now) {
			if p.Type == "faq" && p.Kind == content.KindPage {
				continue // redirects to an anchor of the FAQ page
			}
			out = append(out, p.URL)
		}
		out = append(out, "/"+l.Code+"/no-such-page/")
	}
	return out
}

// Every page of the example site, in light and dark mode, has zero axe-core
// (WCAG 2.x A/AA) violations, works with JavaScript off, and makes the
// browser ask no other host for anything.
func TestExampleSiteAccessible(t *testing.T) {
	hs, site := exampleServer(t)
	b := browsertest.Start(t)
	pages := examplePages(site)
	if len(pages) < 30 {
		t.Fatalf("only %d pages in the example site; expected both languages of every section", len(pages))
	}
	// Dark mode changes only colours, so one page of each kind is enough
	// there; light mode checks every page.
	dark := map[string]bool{}
	seen := map[string]bool{}
	now := time.Now()
	for _, l := range site.Languages {
		for _, p := range site.VisiblePages(l.Code, now) {
			k := string(p.Kind) + "/" + p.Type
			if !seen[k] && !(p.Type == "faq" && p.Kind == content.KindPage) {
				seen[k], dark[p.URL] = true, true
			}
		}
	}
	dark["/en/no-such-page/"] = true
	for _, scheme := range []string{"light", "dark"} {
		ctx := b.TabNoJS(t)
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatalf("emulate %s: %v", scheme, err)
		}
		for _, p := range pages {
			if scheme == "dark" && !dark[p] {
				continue
			}
			browsertest.Navigate(t, ctx, hs.URL+p)
			browsertest.AssertAxeClean(t, ctx, scheme+" "+p)
		}
		browsertest.AssertNoForeignRequests(t, ctx, "127.0.0.1")
	}
}

// The skip link is the first thing the keyboard reaches and moves focus to
// the main content.
func TestSkipLinkAndFocus(t *testing.T) {
	hs, _ := exampleServer(t)
	b := browsertest.Start(t)
	ctx := b.Tab(t)
	browsertest.Navigate(t, ctx, hs.URL+"/en/")
	browsertest.PressKey(t, ctx, "\t")
	if got := browsertest.Focused(t, ctx); !strings.Contains(got, `class="skip"`) {
		t.Fatalf("first Tab focuses %q, want the skip link", got)
	}
	outline := browsertest.Eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`)
	if outline == "none" || outline == "" {
		t.Errorf("focused skip link has no visible outline")
	}
}

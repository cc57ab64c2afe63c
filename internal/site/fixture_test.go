package site

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

// prague is the fixture site's time zone.
var prague = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fixtureNow is the default "now" of the tests: 10 March 2026, 12:00 Prague.
var fixtureNow = time.Date(2026, 3, 10, 12, 0, 0, 0, prague)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// fixtureFiles is a small two-language site with every page type. Times are
// written with Z but mean Prague wall-clock time (the union's habit).
var fixtureFiles = map[string]string{
	"config.toml": `
title = "Test Union"
baseURL = "https://union.example/"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
timeZone = "Europe/Prague"

[params]
supportEmail = "help@union.example"
supportPhone = "+420 111 222 333"
legalName = "Test Union z. s."
registrationNumber = "12345678"
logo = "logo.svg"
[params.social]
mastodon = "https://social.example/@union"
evil = "javascript:alert(1)"

[permalinks]
events = "/events/:year/:slug/"
statements = "/statements/:year/:slug/"

[languages.en]
languageName = "English"
weight = 1

[languages.cs]
languageName = "Čeština"
weight = 2
title = "Testovací odbory"

[languages.cs.permalinks]
events = "/akce/:year/:slug/"
statements = "/prohlaseni/:year/:slug/"
`,
	"content/_index.en.md":                "---\ntitle: Test Union\nsubTitle: workers together\ndescription: We organise.\n---\nHome body text.\n",
	"content/_index.cs.md":                "---\ntitle: Testovací odbory\ndescription: Organizujeme se.\n---\nText úvodu.\n",
	"content/about/index.en.md":           "---\ntitle: About us\ndescription: Who we are.\n---\nAbout body.\n",
	"content/about/index.cs.md":           "---\ntitle: O nás\n---\nO nás text.\n",
	"content/declaration/index.en.md":     "---\ntitle: Our declaration\ndownload: /files/declaration.pdf\n---\nWe declare.\n",
	"content/statutes/index.en.md":        "---\ntitle: Statutes\n---\nArticle 1.\n",
	"content/statements/_index.en.md":     "---\ntitle: Statements\n---\n",
	"content/statements/_index.cs.md":     "---\ntitle: Prohlášení\n---\n",
	"content/statements/future.en.md":     "---\ntitle: Future statement\ndate: 2026-03-11T09:00:00Z\npublishDate: 2026-03-11T09:00:00Z\n---\nNot yet.\n",
	"content/statements/draft.en.md":      "---\ntitle: Draft statement\ndate: 2026-01-01T09:00:00Z\ndraft: true\n---\nSecret draft.\n",
	"content/statements/translated.cs.md": "---\ntitle: Přeložené prohlášení\ndate: 2026-02-01T10:00:00Z\n---\nČesky.\n",
	"content/faq/_index.en.md":            "---\ntitle: FAQ\n---\nQuestions people ask.\n",
	"content/faq/b-second.en.md":          "---\ntitle: Question B\nweight: 2\n---\nAnswer B.\n",
	"content/faq/a-first.en.md":           "---\ntitle: Question A\nweight: 2\n---\nAnswer A.\n",
	"content/faq/c-top.en.md":             "---\ntitle: Question C\nweight: 1\n---\nAnswer C.\n",
	"content/events/_index.en.md":         "---\ntitle: Events\n---\n",
	"content/events/_index.cs.md":         "---\ntitle: Akce\n---\n",
	"content/events/meet/index.en.md": `---
title: Members' meeting
slug: members-meeting
startDate: 2026-03-12T18:30:00Z
date: 2026-03-12T20:00:00Z
place: Union house
placeAddress: Main street 1, Prague
placeUrl: https://house.example/
lat: 50.0875
lon: 14.4213
registerUrl: https://forms.example/meet
ctaType: register
---
Come along.
`,
	"content/events/meet/index.cs.md": "---\ntitle: Členská schůze\nslug: clenska-schuze\nstartDate: 2026-03-12T18:30:00Z\ndate: 2026-03-12T20:00:00Z\n---\nPřijďte.\n",
	"content/events/meet/poster.png":  "\x89PNG\r\n\x1a\nfakepng",
	"content/events/old.en.md":        "---\ntitle: Old assembly\nstartDate: 2025-11-01T10:00:00Z\ndate: 2025-11-01T12:00:00Z\nregisterUrl: https://forms.example/old\n---\nIt happened.\n",
	"content/events/older.en.md":      "---\ntitle: Older assembly\nstartDate: 2025-06-01T10:00:00Z\ndate: 2025-06-01T12:00:00Z\n---\nLong ago.\n",
	"content/events/now.en.md":        "---\ntitle: Strike week\nstartDate: 2026-03-09T08:00:00Z\ndate: 2026-03-13T18:00:00Z\nregisterUrl: /en/join/\nctaType: sign\n---\nOngoing.\n",
	"content/events/later.en.md":      "---\ntitle: Summer school\nstartDate: 2026-07-01T09:00:00Z\ndate: 2026-07-01T17:00:00Z\nplace: Online\n---\nLater.\n",
	"content/workplaces/_index.en.md": "---\ntitle: Workplaces\n---\nStart one.\n",
	"content/workplaces/acme.en.md":   "---\ntitle: ACME call centre\nweight: 1\n---\nACME union.\n",
	"content/careers/index.en.md":     "---\ntitle: Careers\n---\nWe are hiring.\n",
	"content/privacy/index.en.md":     "---\ntitle: Privacy notice\n---\nWe keep little.\n",
	"content/notes.en.md":             "Plain notes title\n\nFirst paragraph of plain notes.\n\nSecond paragraph.\n",
	"static/.well-known/security.txt": "Contact: mailto:security@union.example\n",
	"static/files/declaration.pdf":    "%PDF-1.4 fake",
	"static/.env":                     "SECRET=1",
	"assets/logo.svg":                 `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>`,
}

// statementDates: twelve statements for pagination, one per month.
func init() {
	for i := 1; i <= 12; i++ {
		name := "content/statements/s" + twoDigits(i) + ".en.md"
		fixtureFiles[name] = "---\ntitle: Statement " + twoDigits(i) + "\ndate: 2025-" + twoDigits(i) + "-15T10:00:00Z\nauthor: Jana Nováková\nauthorInfo: Chair of the committee\ndescription: Summary " + twoDigits(i) + ".\n---\nBody of statement " + twoDigits(i) + ".\n"
	}
	fixtureFiles["content/statements/s12.cs.md"] = "---\ntitle: Prohlášení 12\ndate: 2025-12-15T10:00:00Z\n---\nTělo.\n"
}

func twoDigits(i int) string {
	if i < 10 {
		return "0" + string(rune('0'+i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// writeSite writes files into a temporary site folder.
func writeSite(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type fixture struct {
	srv   *Server
	http  *httptest.Server
	clock *clock
	site  *content.Site
	dir   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureFiles(t, fixtureFiles)
}

func newFixtureFiles(t testing.TB, files map[string]string) *fixture {
	t.Helper()
	dir := writeSite(t, files)
	site, err := content.LoadDir(dir)
	if err != nil {
		t.Fatalf("load fixture site: %v", err)
	}
	c := &clock{t: fixtureNow}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(site, Options{Logger: logger, Now: c.Now, Root: os.DirFS(dir)})
	mux := http.NewServeMux()
	s.Register(mux)
	hs := httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(hs.Close)
	return &fixture{srv: s, http: hs, clock: c, site: site, dir: dir}
}

type response struct {
	status int
	header http.Header
	body   string
}

// get fetches a path without following redirects or decompressing.
func (f *fixture) get(t testing.TB, path string, hdr ...string) response {
	t.Helper()
	return f.do(t, http.MethodGet, path, hdr...)
}

func (f *fixture) do(t testing.TB, method, path string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+path, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1] // net/http ignores a Host entry in Header
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// page fetches a path that must answer 200 and returns its body.
func (f *fixture) page(t testing.TB, path string) string {
	t.Helper()
	r := f.get(t, path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200\n%.500s", path, r.status, r.body)
	}
	return r.body
}

func mustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func mustNotContain(t testing.TB, what, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("%s: must not contain %q", what, w)
		}
	}
}

// mainOf returns the <main> element's content, so tests about a page's own
// content are not fooled by the navigation or footer.
func mainOf(body string) string {
	i := strings.Index(body, "<main")
	j := strings.Index(body, "</main>")
	if i < 0 || j < i {
		return ""
	}
	return body[i:j]
}

package site

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

func TestHomePage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, "/en/")
	mustContain(t, "home", body,
		`<html lang="en">`, "<h1>Test Union</h1>", "workers together", "Home body text.",
		`href="/en/join/"`,                                     // call to action to join (no register section)
		`href="/en/workplaces/"`,                               // start a workplace union
		"Strike week", "Members&#39; meeting", "Summer school", // next three upcoming/ongoing
		"Statement 12", "Statement 11", "Statement 10", // latest statements
		`<a class="skip" href="#main">`, `<main id="main"`, "<header", "<footer", `<nav class="main-nav"`,
	)
	m := mainOf(body)
	mustNotContain(t, "home main", m, "Old assembly", "Statement 09", "Future statement", "Draft statement")
	// Soonest first: the ongoing strike week, then the meeting, then summer.
	if i, j := strings.Index(m, "Strike week"), strings.Index(m, "Summer school"); i > j {
		t.Error("home events not soonest first")
	}
	// Zoom allowed.
	mustNotContain(t, "home", body, "maximum-scale", "user-scalable")
	// The footer's phone is a working tel: link (html/template once turned
	// it into "#ZgotmplZ").
	mustContain(t, "footer", body, `href="tel:&#43;420111222333"`)
	mustNotContain(t, "home", body, "ZgotmplZ")
}

func TestPageTypes(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		path string
		want []string
	}{
		{"/en/about/", []string{"<h1>About us</h1>", "About body.", `<meta name="description" content="Who we are.">`}},
		{"/en/declaration/", []string{"<h1>Our declaration</h1>", `href="/files/declaration.pdf"`, "We declare."}},
		{"/en/statutes/", []string{"<h1>Statutes</h1>", "Article 1."}},
		{"/en/workplaces/", []string{"<h1>Workplaces</h1>", "Start one.", `href="/en/workplaces/acme/"`}},
		{"/en/workplaces/acme/", []string{"<h1>ACME call centre</h1>", "ACME union."}},
		{"/en/careers/", []string{"<h1>Careers</h1>", "We are hiring."}},
		{"/en/privacy/", []string{"<h1>Privacy notice</h1>", "We keep little."}},
		{"/en/notes/", []string{"Plain notes title</h1>", "First paragraph of plain notes.", "Second paragraph."}},
		{"/en/statements/2025/statement-05/", []string{"<h1>Statement 05</h1>", "Body of statement 05.",
			"Jana Nováková", "Chair of the committee", `datetime="2025-05-15"`,
			"mailto:?subject=Statement%2005&amp;body=https%3A%2F%2Funion.example%2Fen%2Fstatements%2F2025%2Fstatement-05%2F",
			"https://bsky.app/intent/compose?text=", "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Funion.example",
			"https://t.me/share/url?url=", "https://union.example/en/statements/2025/statement-05/"}},
	}
	for _, c := range cases {
		body := f.page(t, c.path)
		mustContain(t, c.path, body, c.want...)
		mustNotContain(t, c.path, body, "<script")
	}
}

func TestStatementsListPaginated(t *testing.T) {
	f := newFixture(t)
	m := mainOf(f.page(t, "/en/statements/"))
	if i, j := strings.Index(m, "Statement 12"), strings.Index(m, "Statement 03"); i < 0 || j < 0 || i > j {
		t.Fatalf("statements not newest first:\n%s", m)
	}
	mustNotContain(t, "page 1", m, "Statement 02", "Statement 01", "Future statement", "Draft statement")
	mustContain(t, "page 1", m, `href="/en/statements/page/2/"`, `rel="next"`, "Summary 12.")

	m2 := mainOf(f.page(t, "/en/statements/page/2/"))
	mustContain(t, "page 2", m2, "Statement 02", "Statement 01", `rel="prev"`, `href="/en/statements/"`)
	mustNotContain(t, "page 2", m2, "Statement 03")

	if r := f.get(t, "/en/statements/page/3/"); r.status != http.StatusNotFound {
		t.Errorf("page 3: status %d, want 404", r.status)
	}
	if r := f.get(t, "/en/statements/page/1/"); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/en/statements/" {
		t.Errorf("page 1: %d %s", r.status, r.header.Get("Location"))
	}
	for _, p := range []string{"/en/statements/page/0/", "/en/statements/page/-1/", "/en/statements/page/x/", "/en/about/page/2/",
		"/en/statements/page/99999999999999999999/"} {
		if r := f.get(t, p); r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, r.status)
		}
	}
}

func TestFAQ(t *testing.T) {
	f := newFixture(t)
	m := mainOf(f.page(t, "/en/faq/"))
	mustContain(t, "faq", m, `id="c-top"`, `id="a-first"`, `id="b-second"`, "Answer A.", "Answer B.", "Answer C.", `href="#a-first"`)
	// Weight first (C has 1), then file name (a before b at weight 2).
	c, a, b := strings.Index(m, `id="c-top"`), strings.Index(m, `id="a-first"`), strings.Index(m, `id="b-second"`)
	if !(c < a && a < b) {
		t.Errorf("faq order: c=%d a=%d b=%d", c, a, b)
	}
	r := f.get(t, "/en/faq/a-first/")
	if r.status != http.StatusFound || r.header.Get("Location") != "/en/faq/#a-first" {
		t.Errorf("faq item: %d %q, want 302 to the anchor", r.status, r.header.Get("Location"))
	}
}

func TestEventsList(t *testing.T) {
	f := newFixture(t)
	m := mainOf(f.page(t, "/en/events/"))
	order := []string{"Strike week", "Members&#39; meeting", "Summer school", "Old assembly", "Older assembly"}
	last := -1
	for _, s := range order {
		i := strings.Index(m, s)
		if i < 0 || i < last {
			t.Fatalf("events list order wrong at %q:\n%s", s, m)
		}
		last = i
	}
	mustContain(t, "events", m, "badge-ongoing", "badge-upcoming", "badge-past")
}

func TestEventPage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, "/en/events/2026/members-meeting/")
	m := mainOf(body)
	mustContain(t, "event", m,
		"<h1>Members&#39; meeting</h1>",
		"12 March 2026, 18:30–20:00", // Z read as Prague wall clock
		`datetime="2026-03-12T18:30:00&#43;01:00"`,
		"Union house", "Main street 1, Prague", `href="https://house.example/"`,
		`href="https://www.openstreetmap.org/?mlat=50.0875&amp;mlon=14.4213#map=16/50.0875/14.4213"`,
		`<a class="button" href="https://forms.example/meet">Register</a>`,
		`src="data:image/png;base64,`, `alt="QR code of the link: https://forms.example/meet"`,
		"badge-upcoming", "1 hour 30 minutes",
	)
	mustNotContain(t, "event", body, "<iframe", "tile.openstreetmap", "<script")

	// Multi-day ongoing event: a range; its CTA is a site path, QR absolute.
	m = mainOf(f.page(t, "/en/events/2026/strike-week/"))
	mustContain(t, "strike", m, "9 March 2026, 08:00 – 13 March 2026, 18:00", "badge-ongoing", ">Sign</a>",
		`alt="QR code of the link: https://union.example/en/join/"`)
	mustNotContain(t, "strike", m, "Duration")

	// Past event: state past, call to action disabled with a reason, no QR.
	m = mainOf(f.page(t, "/en/events/2025/old-assembly/"))
	mustContain(t, "past", m, "badge-past", `class="button disabled"`, "This event has ended; registration is closed.")
	mustNotContain(t, "past", m, "https://forms.example/old", "data:image/png")

	// Czech translation of the event: Czech dates.
	m = mainOf(f.page(t, "/cs/akce/2026/clenska-schuze/"))
	mustContain(t, "cs event", m, "12. března 2026, 18:30–20:00", "Kdy")
}

// An event turns past exactly at its end, and the cached page follows
// without SetSite, because the cache expires at Site.NextChange.
func TestEventStateTransitions(t *testing.T) {
	f := newFixture(t)
	path := "/en/events/2026/members-meeting/"
	start := time.Date(2026, 3, 12, 18, 30, 0, 0, prague)
	end := time.Date(2026, 3, 12, 20, 0, 0, 0, prague)

	steps := []struct {
		at    time.Time
		badge string
		cta   bool
	}{
		{start.Add(-time.Nanosecond), "badge-upcoming", true},
		{start, "badge-ongoing", true},
		{end.Add(-time.Nanosecond), "badge-ongoing", true},
		{end, "badge-past", false},
		{end.Add(time.Hour), "badge-past", false},
	}
	for _, st := range steps {
		f.clock.Set(st.at)
		m := mainOf(f.page(t, path))
		if !strings.Contains(m, st.badge) {
			t.Errorf("at %s: want %s", st.at, st.badge)
		}
		if got := strings.Contains(m, `href="https://forms.example/meet"`); got != st.cta {
			t.Errorf("at %s: CTA link present = %v, want %v", st.at, got, st.cta)
		}
		// The home page's event list follows the same clock.
		home := mainOf(f.page(t, "/en/"))
		if got := strings.Contains(home, "Members&#39; meeting"); got != (st.badge != "badge-past") {
			t.Errorf("at %s: home lists the meeting = %v", st.at, got)
		}
	}
}

func TestFuturePublishDateAppearsOnTime(t *testing.T) {
	f := newFixture(t)
	path := "/en/statements/2026/future-statement/"
	publish := time.Date(2026, 3, 11, 9, 0, 0, 0, prague)

	f.clock.Set(publish.Add(-time.Second))
	if r := f.get(t, path); r.status != http.StatusNotFound {
		t.Fatalf("before publishDate: status %d", r.status)
	}
	mustNotContain(t, "list before", f.page(t, "/en/statements/"), "Future statement")
	mustNotContain(t, "sitemap before", f.page(t, "/sitemap.xml"), "future-statement")

	f.clock.Set(publish)
	mustContain(t, "after", f.page(t, path), "Not yet.")
	mustContain(t, "list after", f.page(t, "/en/statements/"), "Future statement")
	mustContain(t, "sitemap after", f.page(t, "/sitemap.xml"), "future-statement")
	mustContain(t, "feed after", f.page(t, "/en/statements/index.xml"), "Future statement")

	// Drafts never appear.
	if r := f.get(t, "/en/statements/2026/draft-statement/"); r.status != http.StatusNotFound {
		t.Errorf("draft: status %d", r.status)
	}
}

func TestLanguages(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ al, want string }{
		{"cs-CZ,cs;q=0.9,en;q=0.8", "/cs/"},
		{"en-US,en;q=0.9", "/en/"},
		{"de-DE", "/en/"}, // default language
		{"", "/en/"},
		{"de;q=0.9, cs;q=0.5", "/cs/"},
	} {
		r := f.get(t, "/", "Accept-Language", c.al)
		if r.status != http.StatusFound || r.header.Get("Location") != c.want {
			t.Errorf("Accept-Language %q: %d %q, want 302 %s", c.al, r.status, r.header.Get("Location"), c.want)
		}
		if !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
			t.Errorf("redirect lacks Vary: Accept-Language")
		}
	}

	en := f.page(t, "/en/about/")
	mustContain(t, "about en", en,
		`<html lang="en">`,
		`<a href="/cs/about/" hreflang="cs" lang="cs">Čeština</a>`,
		`<link rel="alternate" hreflang="en" href="https://union.example/en/about/">`,
		`<link rel="alternate" hreflang="cs" href="https://union.example/cs/about/">`,
		`<link rel="canonical" href="https://union.example/en/about/">`,
		`<meta property="og:url" content="https://union.example/en/about/">`,
		`<meta property="og:title" content="About us">`,
	)
	cs := f.page(t, "/cs/about/")
	mustContain(t, "about cs", cs, `<html lang="cs">`, `<a href="/en/about/" hreflang="en" lang="en">English</a>`,
		"Přeskočit na obsah", "Testovací odbory")

	// No translation: the switcher goes to the other language's home, and no
	// hreflang alternates are announced.
	decl := f.page(t, "/en/declaration/")
	mustContain(t, "declaration", decl, `<a href="/cs/" hreflang="cs" lang="cs">Čeština</a>`)
	mustNotContain(t, "declaration", decl, `hreflang="cs" href=`)

	// Translated sections pair up even with different URLs.
	mustContain(t, "events en", f.page(t, "/en/events/"), `<a href="/cs/akce/" hreflang="cs"`)

	// Missing trailing slash redirects to the page.
	if r := f.get(t, "/en/about"); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/en/about/" {
		t.Errorf("/en/about: %d %s", r.status, r.header.Get("Location"))
	}
}

type rssDoc struct {
	Channel struct {
		Title string `xml:"title"`
		Link  string `xml:"link"`
		Items []struct {
			Title   string `xml:"title"`
			Link    string `xml:"link"`
			GUID    string `xml:"guid"`
			PubDate string `xml:"pubDate"`
			Desc    string `xml:"description"`
		} `xml:"item"`
	} `xml:"channel"`
}

func TestFeeds(t *testing.T) {
	f := newFixture(t)
	r := f.get(t, "/en/statements/index.xml")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("statements feed: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc rssDoc
	if err := xml.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("statements feed does not parse: %v", err)
	}
	if len(doc.Channel.Items) != 12 || doc.Channel.Items[0].Title != "Statement 12" {
		t.Fatalf("statements feed items: %+v", doc.Channel.Items)
	}
	it := doc.Channel.Items[0]
	if it.Link != "https://union.example/en/statements/2025/statement-12/" || it.GUID != it.Link {
		t.Errorf("item link %q guid %q", it.Link, it.GUID)
	}
	if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
		t.Errorf("pubDate %q: %v", it.PubDate, err)
	}
	if !strings.Contains(it.Desc, "Summary 12.") {
		t.Errorf("description %q", it.Desc)
	}

	var ev rssDoc
	if err := xml.Unmarshal([]byte(f.page(t, "/en/events/index.xml")), &ev); err != nil {
		t.Fatalf("events feed: %v", err)
	}
	if len(ev.Channel.Items) != 5 {
		t.Errorf("events feed has %d items, want 5", len(ev.Channel.Items))
	}
	if err := xml.Unmarshal([]byte(f.page(t, "/cs/akce/index.xml")), &ev); err != nil {
		t.Fatalf("cs events feed: %v", err)
	}
	// Pages that are not statements or events have no feed.
	for _, p := range []string{"/en/about/index.xml", "/en/faq/index.xml", "/en/index.xml"} {
		if r := f.get(t, p); r.status != 404 {
			t.Errorf("%s: status %d", p, r.status)
		}
	}
}

type sitemapDoc struct {
	URLs []struct {
		Loc   string `xml:"loc"`
		Links []struct {
			Rel      string `xml:"rel,attr"`
			Hreflang string `xml:"hreflang,attr"`
			Href     string `xml:"href,attr"`
		} `xml:"http://www.w3.org/1999/xhtml link"`
	} `xml:"url"`
}

func TestSitemapAndRobots(t *testing.T) {
	f := newFixture(t)
	var sm sitemapDoc
	if err := xml.Unmarshal([]byte(f.page(t, "/sitemap.xml")), &sm); err != nil {
		t.Fatalf("sitemap: %v", err)
	}
	locs := map[string]int{}
	for i, u := range sm.URLs {
		locs[u.Loc] = i
	}
	for _, want := range []string{"https://union.example/en/", "https://union.example/cs/", "https://union.example/en/about/",
		"https://union.example/cs/akce/2026/clenska-schuze/", "https://union.example/en/faq/"} {
		if _, ok := locs[want]; !ok {
			t.Errorf("sitemap lacks %s", want)
		}
	}
	for _, bad := range []string{"https://union.example/en/faq/a-first/", "https://union.example/en/statements/2026/draft-statement/"} {
		if _, ok := locs[bad]; ok {
			t.Errorf("sitemap lists %s", bad)
		}
	}
	about := sm.URLs[locs["https://union.example/en/about/"]]
	got := map[string]string{}
	for _, l := range about.Links {
		got[l.Hreflang] = l.Href
	}
	if got["cs"] != "https://union.example/cs/about/" || got["en"] != "https://union.example/en/about/" {
		t.Errorf("about alternates: %v", got)
	}
	robots := f.page(t, "/robots.txt")
	mustContain(t, "robots", robots, "User-agent: *", "Sitemap: https://union.example/sitemap.xml")
}

func TestStaticFilesAndResources(t *testing.T) {
	f := newFixture(t)
	r := f.get(t, "/.well-known/security.txt")
	if r.status != 200 || !strings.Contains(r.body, "security@union.example") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("security.txt: %d %q %s", r.status, r.body, r.header.Get("Content-Type"))
	}
	if r := f.get(t, "/files/declaration.pdf"); r.status != 200 || r.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("static pdf: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := f.get(t, "/assets/logo.svg"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("asset: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := f.get(t, "/en/events/2026/members-meeting/poster.png"); r.status != 200 || !strings.HasPrefix(r.body, "\x89PNG") {
		t.Errorf("bundle resource: %d", r.status)
	}
	home := f.page(t, "/en/")
	css := regexp.MustCompile(`href="(/_theme/style\.[0-9a-f]+\.css)"`).FindStringSubmatch(home)
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	r = f.get(t, css[1])
	if r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %v", r.status, r.header)
	}
	mustContain(t, "css", r.body, "prefers-color-scheme: dark", ":focus-visible")
	mustNotContain(t, "css", r.body, "@import", "url(http", "@font-face")
}

func TestNotFoundLanguage(t *testing.T) {
	f := newFixture(t)
	r := f.get(t, "/cs/neexistuje/")
	if r.status != 404 {
		t.Fatalf("status %d", r.status)
	}
	mustContain(t, "cs 404", r.body, `<html lang="cs">`, "Stránka nenalezena", `<meta name="robots" content="noindex">`)

	r = f.get(t, "/missing", "Accept-Language", "cs")
	mustContain(t, "cs 404 by header", r.body, `<html lang="cs">`, "Stránka nenalezena")
	if r.status != 404 || !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
		t.Errorf("404 status %d Vary %q", r.status, r.header.Get("Vary"))
	}
	r = f.get(t, "/missing", "Accept-Language", "en")
	mustContain(t, "en 404", r.body, `<html lang="en">`, "Page not found")

	// Feature code can answer 404 with the same page.
	rec := newRecorder()
	req, _ := http.NewRequest("GET", "/en/whatever/", nil)
	f.srv.NotFound(rec, req)
	if rec.status != 404 || !strings.Contains(rec.body.String(), "Page not found") {
		t.Errorf("NotFound: %d", rec.status)
	}
}

func TestHostilePaths(t *testing.T) {
	f := newFixture(t)
	long := "/en/" + strings.Repeat("a", 5000) + "/"
	for _, p := range []string{
		"/en/%3Cscript%3Ealert(1)%3C/script%3E/", "/en/<script>alert(1)</script>",
		"/%00", "/en/%00/", "/en/about%00/", long,
		"/.env", "/static/.env", "/files/../.env", "/en/..%2f..%2fconfig.toml", "/config.toml",
		"/content/about/index.en.md", "/assets/../config.toml", "/assets/", "/files/",
		"/en/%E2%80%AEevil/", "/en/about/%0d%0aSet-Cookie:x=1",
	} {
		r := f.get(t, p)
		if r.status == 200 {
			t.Errorf("%.60s: status 200", p)
		}
		mustNotContain(t, p, r.body, "<script>alert", "SECRET=1", "defaultContentLanguage", "Set-Cookie")
		if r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: Set-Cookie header", p)
		}
	}
	// A path with /../ is cleaned by the router, never outside the site.
	r := f.get(t, "/en/../../etc/passwd")
	if r.status == 200 || strings.Contains(r.body, "root:") {
		t.Errorf("dot-dot: %d", r.status)
	}
	// A hostile Host header never reaches a page (base URL is configured).
	body := f.do(t, "GET", "/en/about/", "Host", "evil.example").body
	mustNotContain(t, "host", body, "evil.example")
}

func TestGzipETagHead(t *testing.T) {
	f := newFixture(t)
	plain := f.get(t, "/en/about/")
	gz := f.get(t, "/en/about/", "Accept-Encoding", "gzip, br")
	if gz.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("encodings: gzip=%q plain=%q", gz.header.Get("Content-Encoding"), plain.header.Get("Content-Encoding"))
	}
	for _, r := range []response{plain, gz} {
		if !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") || r.header.Get("Etag") == "" || r.header.Get("Content-Length") == "" {
			t.Errorf("headers: %v", r.header)
		}
		if r.header.Get("Content-Security-Policy") == "" {
			t.Error("no CSP")
		}
	}
	zr, err := gzip.NewReader(strings.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if string(unz) != plain.body {
		t.Error("gzip body differs from identity body")
	}
	if len(gz.body) >= len(plain.body) {
		t.Error("gzip not smaller")
	}
	etag := plain.header.Get("Etag")
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, gz.header.Get("Etag"), "*"} {
		r := f.get(t, "/en/about/", "If-None-Match", inm)
		if r.status != http.StatusNotModified || r.body != "" || r.header.Get("Etag") == "" {
			t.Errorf("If-None-Match %s: %d", inm, r.status)
		}
	}
	if r := f.get(t, "/en/about/", "If-None-Match", `"stale"`); r.status != 200 {
		t.Errorf("stale etag: %d", r.status)
	}
	head := f.do(t, http.MethodHead, "/en/about/")
	if head.status != 200 || head.body != "" || head.header.Get("Content-Length") != plain.header.Get("Content-Length") {
		t.Errorf("HEAD: %d len %q body %d bytes", head.status, head.header.Get("Content-Length"), len(head.body))
	}
	if r := f.do(t, http.MethodPost, "/en/about/"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", r.status)
	}
}

var (
	srcHTTP  = regexp.MustCompile(`(?i)\s(?:src|srcset|poster|data)\s*=\s*"(https?:)?//`)
	linkHTTP = regexp.MustCompile(`(?i)<link\b[^>]*>`)
	hrefAbs  = regexp.MustCompile(`(?i)href="(https?:)?//([^/"]+)`)
	relAttr  = regexp.MustCompile(`(?i)rel="([^"]+)"`)
)

// assertNoForeignAssets checks that nothing a browser loads by itself
// (src attributes, stylesheets, icons…) points to another host. Content links
// (<a href>) may go anywhere; canonical and alternate links are not fetched.
func assertNoForeignAssets(t *testing.T, page, body string) {
	t.Helper()
	if m := srcHTTP.FindString(body); m != "" {
		t.Errorf("%s: absolute src %q", page, m)
	}
	for _, l := range linkHTTP.FindAllString(body, -1) {
		if hrefAbs.MatchString(l) {
			rel := relAttr.FindStringSubmatch(l)
			if rel != nil && (rel[1] == "canonical" || rel[1] == "alternate") && strings.Contains(l, "https://union.example/") {
				continue
			}
			t.Errorf("%s: <link> to another host: %s", page, l)
		}
	}
	mustNotContain(t, page, body, "<script", "<iframe", "@import", "fonts.googleapis")
}

func TestNoForeignAssetsAndWeight(t *testing.T) {
	f := newFixture(t)
	css := 0
	for _, l := range f.site.Languages {
		for _, p := range f.site.VisiblePages(l.Code, fixtureNow) {
			r := f.get(t, p.URL)
			if p.Type == "faq" && p.Kind == content.KindPage {
				continue // redirects to the FAQ page
			}
			if r.status != 200 {
				t.Errorf("%s: %d", p.URL, r.status)
				continue
			}
			assertNoForeignAssets(t, p.URL, r.body)
			if css == 0 {
				css = len(f.page(t, f.srv.theme.css))
			}
			if n := len(r.body) + css; n > 50_000 {
				t.Errorf("%s: HTML+CSS %d bytes, over 50 KB", p.URL, n)
			}
		}
	}
	// A sanity check that the detector works.
	bad := `<img src="https://tracker.example/p.gif"><link rel="stylesheet" href="https://cdn.example/x.css">`
	if !srcHTTP.MatchString(bad) || !hrefAbs.MatchString(linkHTTP.FindString(bad)) {
		t.Fatal("foreign asset detector does not detect")
	}
}

func TestSetSiteSwapsAndDropsCache(t *testing.T) {
	f := newFixture(t)
	mustContain(t, "before", f.page(t, "/en/about/"), "About body.")
	files := map[string]string{}
	for k, v := range fixtureFiles {
		files[k] = v
	}
	files["content/about/index.en.md"] = "---\ntitle: About us\n---\nEdited body.\n"
	site, err := content.LoadDir(writeSite(t, files))
	if err != nil {
		t.Fatal(err)
	}
	f.srv.SetSite(site)
	if f.srv.Site() != site {
		t.Error("Site() does not return the new site")
	}
	body := f.page(t, "/en/about/")
	mustContain(t, "after", body, "Edited body.")
	mustNotContain(t, "after", body, "About body.")
}

func TestLayoutForFeatures(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	f.srv.Register(mux)
	mux.HandleFunc("GET /{lang}/join/", func(w http.ResponseWriter, r *http.Request) {
		f.srv.Layout(w, r, LayoutView{
			Lang: r.PathValue("lang"), Title: "Join", Main: "<h1>Join form</h1><form method=post></form>",
			NoIndex: true, Status: http.StatusUnprocessableEntity,
			Alternates: map[string]string{"en": "/en/join/", "cs": "/cs/join/"}, Canonical: "/" + r.PathValue("lang") + "/join/",
		})
	})
	rec := newRecorder()
	req, _ := http.NewRequest("GET", "/cs/join/", nil)
	mux.ServeHTTP(rec, req)
	body := rec.body.String()
	if rec.status != http.StatusUnprocessableEntity {
		t.Errorf("status %d", rec.status)
	}
	mustContain(t, "layout", body, `<html lang="cs">`, "<h1>Join form</h1>", "<title>Join – Testovací odbory</title>",
		`<a href="/en/join/" hreflang="en" lang="en">English</a>`, `<meta name="robots" content="noindex">`,
		`<link rel="alternate" hreflang="en" href="https://union.example/en/join/">`, `<nav class="main-nav"`, "<footer")
	if rec.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", rec.header.Get("Cache-Control"))
	}
	// A hostile alternate is ignored.
	rec = newRecorder()
	f.srv.Layout(rec, req, LayoutView{Lang: "xx", Title: "<script>", Main: "ok",
		Alternates: map[string]string{"en": "javascript:alert(1)", "cs": "//evil.example/"}})
	mustNotContain(t, "hostile layout", rec.body.String(), "javascript:", "evil.example", "<script>")
}

// recorder is a minimal ResponseWriter for calling handlers directly.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder             { return &recorder{header: http.Header{}} }
func (r *recorder) Header() http.Header  { return r.header }
func (r *recorder) WriteHeader(code int) { r.status = code }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(p)
}

func TestCacheBudgetFlushes(t *testing.T) {
	f := newFixture(t)
	f.srv.cacheBytes = 1 // every store overflows
	for range 3 {
		mustContain(t, "about", f.page(t, "/en/about/"), "About body.")
	}
	if g := f.srv.gen.Load(); g.size.Load() > 100_000 {
		t.Errorf("cache kept %d bytes over budget", g.size.Load())
	}
}

func BenchmarkServeCachedPage(b *testing.B) {
	f := newFixture(b)
	req, _ := http.NewRequest("GET", "/en/events/2026/members-meeting/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: http.Header{}}
	f.srv.ServeHTTP(w, req) // warm the cache
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		f.srv.ServeHTTP(w, req)
	}
	if w.status != 200 {
		b.Fatalf("status %d", w.status)
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(c int)           { d.status = c }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkServeCachedPageStack is the same through the recommended
// middleware stack (security headers, gzip pass-through, access log to a
// discarding handler, CSRF check, panic recovery).
func BenchmarkServeCachedPageStack(b *testing.B) {
	f := newFixture(b)
	mux := http.NewServeMux()
	f.srv.Register(mux)
	h := web.Stack(mux, slog.New(slog.NewTextHandler(io.Discard, nil)))
	req, _ := http.NewRequest("GET", "/en/events/2026/members-meeting/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
	if w.status != 200 {
		b.Fatalf("status %d", w.status)
	}
}

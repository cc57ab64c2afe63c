package site

import (
	"net/http"
	"strings"
	"testing"
)

func cloneFiles(extra map[string]string) map[string]string {
	files := map[string]string{}
	for k, v := range fixtureFiles {
		files[k] = v
	}
	for k, v := range extra {
		files[k] = v
	}
	return files
}

// With defaultContentLanguageInSubdir = false (Hugo's default), old links
// without the language prefix redirect to the prefixed page.
func TestDefaultLanguageWithoutPrefixRedirects(t *testing.T) {
	cfg := strings.Replace(fixtureFiles["config.toml"], "defaultContentLanguageInSubdir = true", "defaultContentLanguageInSubdir = false", 1)
	f := newFixtureFiles(t, cloneFiles(map[string]string{"config.toml": cfg}))
	for path, want := range map[string]string{"/about/": "/en/about/", "/about": "/en/about/"} {
		r := f.get(t, path)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != want {
			t.Errorf("%s: %d %q, want 301 %s", path, r.status, r.header.Get("Location"), want)
		}
	}
	if r := f.get(t, "/nothing-here/"); r.status != http.StatusNotFound {
		t.Errorf("unknown unprefixed path: %d", r.status)
	}
}

// Without a configured base URL, absolute links use the request's host, and
// the cache keeps hosts apart so one visitor's Host never reaches another.
func TestNoBaseURLUsesRequestHost(t *testing.T) {
	cfg := strings.Replace(fixtureFiles["config.toml"], `baseURL = "https://union.example/"`, "", 1)
	f := newFixtureFiles(t, cloneFiles(map[string]string{"config.toml": cfg}))
	a := f.do(t, "GET", "/en/about/", "Host", "one.example")
	b := f.do(t, "GET", "/en/about/", "Host", "two.example")
	mustContain(t, "host one", a.body, `href="http://one.example/en/about/"`)
	mustContain(t, "host two", b.body, `href="http://two.example/en/about/"`)
	mustNotContain(t, "host two", b.body, "one.example")
	evil := f.do(t, "GET", "/en/about/", "Host", `x"><script>alert(1)</script>`)
	mustNotContain(t, "evil host", evil.body, "<script>alert")
}

func TestBigStaticFileStreamsWithRange(t *testing.T) {
	big := strings.Repeat("0123456789", 300_000) // 3 MB: above the cache limit
	f := newFixtureFiles(t, cloneFiles(map[string]string{"static/files/big.txt": big}))
	r := f.get(t, "/files/big.txt")
	if r.status != 200 || len(r.body) != len(big) {
		t.Fatalf("big file: %d, %d bytes", r.status, len(r.body))
	}
	r = f.get(t, "/files/big.txt", "Range", "bytes=10-19")
	if r.status != http.StatusPartialContent || r.body != "0123456789" {
		t.Errorf("range: %d %q", r.status, r.body)
	}
}

func TestAliasRedirects(t *testing.T) {
	f := newFixtureFiles(t, cloneFiles(map[string]string{
		"content/about/index.en.md": "---\ntitle: About us\naliases: [/en/who-we-are/]\n---\nAbout body.\n",
	}))
	r := f.get(t, "/en/who-we-are/")
	if r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/en/about/" {
		t.Errorf("alias: %d %q", r.status, r.header.Get("Location"))
	}
}

// A union's own robots.txt wins over the generated one.
func TestStaticRobotsWins(t *testing.T) {
	f := newFixtureFiles(t, cloneFiles(map[string]string{"static/robots.txt": "User-agent: *\nDisallow: /private/\n"}))
	mustContain(t, "robots", f.page(t, "/robots.txt"), "Disallow: /private/")
}

// Hostile content (script in front matter fields, javascript: links in
// event fields) is escaped or dropped by the theme.
func TestHostileContentFields(t *testing.T) {
	f := newFixtureFiles(t, cloneFiles(map[string]string{
		"content/events/evil.en.md": "---\ntitle: \"<script>alert(1)</script>\u202eevil\"\nslug: evil\nstartDate: 2026-04-01T10:00:00Z\ndate: 2026-04-01T12:00:00Z\n" +
			"poster: https://tracker.example/p.png\nplace: \"<img src=x onerror=alert(1)>\"\nplaceUrl: \"javascript:alert(1)\"\nregisterUrl: \"javascript:alert(2)\"\nauthor: \"<b>x</b>\"\n---\nBody.\n",
	}))
	body := f.page(t, "/en/events/2026/evil/")
	mustNotContain(t, "evil event", body, "<script>alert", "<img src=x", "javascript:alert")
	mustContain(t, "evil event", body, "&lt;script&gt;")
	assertNoForeignAssets(t, "evil event", body)
	mustNotContain(t, "evil event", body, "tracker.example")
}

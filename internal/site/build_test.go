package site

import (
	"maps"
	"net/http"
	"testing"
)

// TestBuildOptionsOnTheSite: fragments (render: never, headless bundles)
// are not served and appear in no list, feed, sitemap or navigation;
// list: never pages are served but listed nowhere; unpublished bundle
// resources are not served.
func TestBuildOptionsOnTheSite(t *testing.T) {
	files := maps.Clone(fixtureFiles)
	files["content/homepage/index.en.md"] = "---\nheadless: true\ntitle: Landing Fragment\n---\nHeadless body."
	files["content/homepage/hero.en.md"] = "---\ntitle: Hero Fragment\n---\nHero."
	files["content/homepage/hero.jpg"] = "jpeg"
	files["content/statements/hidden-fragment.en.md"] = "---\ntitle: Hidden Fragment\ndate: 2026-01-05\n_build:\n  render: never\n---\nNever."
	files["content/statements/unlisted-statement.en.md"] = "---\ntitle: Unlisted Statement\ndate: 2026-01-06\nbuild:\n  list: never\n---\nServed but unlisted."
	files["content/unlisted-page/index.en.md"] = "---\ntitle: Unlisted Page\n_build:\n  list: never\n  publishResources: false\n---\nThanks."
	files["content/unlisted-page/secret.pdf"] = "pdf"
	f := newFixtureFiles(t, files)

	for _, p := range []string{"/en/homepage/", "/en/homepage/hero/", "/en/homepage/hero.jpg", "/en/statements/2026/hidden-fragment/", "/en/unlisted-page/secret.pdf"} {
		if r := f.get(t, p); r.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, r.status)
		}
	}
	mustContain(t, "unlisted statement", f.page(t, "/en/statements/2026/unlisted-statement/"), "Served but unlisted.")
	mustContain(t, "unlisted page", f.page(t, "/en/unlisted-page/"), "Thanks.")
	for _, p := range []string{"/sitemap.xml", "/en/statements/", "/en/statements/index.xml", "/en/", "/en/about/"} {
		mustNotContain(t, p, f.page(t, p), "Fragment", "hidden-fragment", "Unlisted", "unlisted-", "homepage")
	}
}

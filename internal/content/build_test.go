package content

import (
	"strings"
	"testing"
	"time"
)

// TestBuildOptions: Hugo's _build/build and headless keep fragment pages
// out of URLs, lists and refs, while templates can still reach them.
func TestBuildOptions(t *testing.T) {
	dir := seedsDir(t)
	s := load(t, map[string]string{
		"data/occupations.yaml": "- en: Programmer\n  cs: Programátor\n",
		// A headless landing-page bundle: the seed's About text is one of
		// its parts, as a theme would compose it into the home page.
		"content/homepage/index.en.md":  "---\nheadless: true\ntitle: Landing\n---\nIntro.",
		"content/homepage/about.en.md":  strings.Replace(seed(t, dir, "000"), "type: about\n", "type: about\nweight: 2\n", 1),
		"content/homepage/hero.en.md":   "---\nweight: 1\n---\nJoin **us**.",
		"content/homepage/hero.jpg":     "jpeg",
		"content/footer.en.md":          "---\ntitle: Footer\n_build:\n  render: never\n  list: never\n---\nFooter [home](/en/).",
		"content/thanks.en.md":          "---\ntitle: Thanks\nbuild:\n  list: never\n---\nThanks.",
		"content/legacy.en.md":          "+++\ntitle = 'Legacy'\n[_build]\nrender = false\n+++\nOld.",
		"content/linked.en.md":          "---\ntitle: Linked\n_build:\n  render: link\n---\nL.",
		"content/bad.en.md":             "---\ntitle: Bad\n_build:\n  render: sometimes\n---\nB.",
		"content/blocks/_index.en.md":   "---\ntitle: Blocks\n_build:\n  render: never\ncascade:\n  _build:\n    render: never\n    list: never\n---\n",
		"content/blocks/a.en.md":        "---\ntitle: Block A\n---\nA.",
		"content/blocks/b.en.md":        "---\ntitle: Block B\n_build:\n  list: never\n---\nB is its own page.",
		"content/about/index.en.md":     "---\ntitle: About\n_build:\n  publishResources: false\n---\nAbout.",
		"content/about/private.pdf":     "pdf",
		"content/events/intro.en.md":    strings.Replace(seed(t, dir, "001"), "ctaType: register\n", "ctaType: register\nbuild:\n  list: never\n", 1),
		"content/refs.en.md":            "---\ntitle: Refs\n---\n[l]({{< relref \"linked\" >}}) [h]({{< relref path=\"homepage\" >}}) [see](/en/linked/)",
		"content/cs-only/index.cs.md":   "---\ntitle: Jen česky\nheadless: true\n---\nx",
		"content/homepage/index.cs.md":  "---\nheadless: true\ntitle: Úvod\n---\nÚvod.",
		"content/homepage/orphan.sr.md": "x",
	})
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, u := range []string{"/en/homepage/", "/en/footer/", "/en/legacy/", "/en/linked/", "/en/blocks/", "/en/blocks/a/", "/en/homepage/about/", "/en/homepage/hero/"} {
		if p := s.PageByURL(u); p != nil {
			t.Errorf("%s is served (%s)", u, p.File)
		}
	}
	for _, p := range s.Pages {
		if p.Fragment() || strings.HasPrefix(p.File, "content/homepage/") || p.File == "content/footer.en.md" {
			t.Errorf("fragment %s in Site.Pages", p.File)
		}
	}
	for _, u := range []string{"/en/homepage/hero.jpg", "/en/about/private.pdf"} {
		if _, ok := s.ResourceByURL(u); ok {
			t.Errorf("unpublished resource %s is served", u)
		}
	}
	// Served but not listed.
	thanks, b, ev := page(t, s, "/en/thanks/"), page(t, s, "/en/blocks/b/"), page(t, s, "/en/events/intro/")
	listed := map[*Page]bool{}
	for _, p := range s.VisiblePages("en", now) {
		listed[p] = true
	}
	for _, p := range []*Page{thanks, b, ev} {
		if listed[p] || p.Listed() {
			t.Errorf("%s is listed", p.File)
		}
	}
	if len(s.PagesOfType("en", "events", now)) != 0 {
		t.Error("list: never event is in the events list")
	}
	if s.Section("en", "blocks") != nil {
		t.Error("a section whose _index is render: never got a list page")
	}
	if !listed[page(t, s, "/en/refs/")] || !listed[page(t, s, "/en/about/")] {
		t.Error("ordinary pages not listed")
	}
	about := page(t, s, "/en/about/")
	if about.Resources["/en/about/private.pdf"] != "content/about/private.pdf" {
		t.Errorf("unpublished resources not kept for templates: %v", about.Resources)
	}

	// Templates reach fragments and a headless bundle's parts and files.
	home := s.Fragment("en", "homepage")
	if home == nil || home.Title != "Landing" || !home.Build.Headless || home.URL != "" {
		t.Fatalf("headless bundle: %+v", home)
	}
	if len(home.Parts) != 2 || home.Parts[0].File != "content/homepage/hero.en.md" || home.Parts[1].Title != "About Us" {
		t.Fatalf("parts %v", home.Parts)
	}
	if string(home.Parts[0].Body()) != "<p>Join <strong>us</strong>.</p>\n" || !strings.Contains(string(home.Parts[1].Body()), "<li>Programmer</li>") {
		t.Errorf("parts not rendered: %q", home.Parts[0].Body())
	}
	if home.Resources["hero.jpg"] != "content/homepage/hero.jpg" {
		t.Errorf("headless resources %v", home.Resources)
	}
	if cs := s.Fragment("cs", "homepage"); cs == nil || cs.Title != "Úvod" || len(cs.Parts) != 0 {
		t.Errorf("cs fragment %+v", cs)
	}
	if f := s.Fragment("en", "footer"); f == nil || string(f.Body()) != "<p>Footer <a href=\"/en/\">home</a>.</p>\n" {
		t.Errorf("footer fragment %+v", f)
	}
	if f := s.Fragment("en", "blocks/a"); f == nil || f.Listed() {
		t.Errorf("cascaded fragment %+v", f)
	}
	if l := s.Fragment("en", "linked"); l == nil || l.URL != "/en/linked/" {
		t.Errorf("render: link %+v", l)
	}
	if s.Fragment("en", "thanks") != nil {
		t.Error("list: never page returned as a fragment")
	}
	if n := len(s.Fragments("en")); n != 8 {
		var names []string
		for _, f := range s.Fragments("en") {
			names = append(names, f.File)
		}
		t.Errorf("%d en fragments: %v", n, names)
	}

	// refs: render link resolves; headless is an error; check explains.
	refs := string(page(t, s, "/en/refs/").Body())
	if !strings.Contains(refs, `<a href="/en/linked/">l</a>`) || strings.Contains(refs, "homepage") {
		t.Errorf("refs body %s", refs)
	}
	probs := s.Check()
	for _, want := range []struct {
		file string
		line int
		sev  Severity
		text string
	}{
		{"content/refs.en.md", 4, SevError, `"homepage" is not published as a page (headless: true)`},
		{"content/refs.en.md", 4, SevError, "which has build render: link"},
		{"content/bad.en.md", 3, SevError, `_build.render "sometimes" is not one of always, never, link`},
		{"content/homepage/orphan.sr.md", 1, SevWarning, "not configured"},
	} {
		if !hasProblem(probs, want.file, want.line, want.sev, want.text) {
			t.Errorf("check lacks %s:%d %s %q; have %v", want.file, want.line, want.sev, want.text, probs)
		}
	}
	if hasProblem(probs, "content/homepage/hero.en.md", 0, SevWarning, "no title") {
		t.Error("a bundle part without a title is reported")
	}
	// A bad value falls back to the default: the page stays published.
	page(t, s, "/en/bad/")
}

// TestBuildOptionValues covers the accepted spellings.
func TestBuildOptionValues(t *testing.T) {
	for _, c := range []struct {
		fm   map[string]any
		want BuildOptions
		bad  bool
	}{
		{map[string]any{}, defaultBuild, false},
		{map[string]any{"_build": map[string]any{"render": "Never", "list": "local"}}, BuildOptions{Render: "never", List: "local", PublishResources: true}, false},
		{map[string]any{"build": map[string]any{"render": true, "list": false, "publishresources": "false"}}, BuildOptions{Render: "always", List: "never"}, false},
		{map[string]any{"headless": "true"}, BuildOptions{Render: "never", List: "never", Headless: true}, false},
		{map[string]any{"headless": false}, defaultBuild, false},
		{map[string]any{"headless": 3}, defaultBuild, true},
		{map[string]any{"_build": "never"}, defaultBuild, true},
		{map[string]any{"_build": map[string]any{"list": "sometimes"}}, defaultBuild, true},
		{map[string]any{"_build": map[string]any{"publishresources": 1}}, defaultBuild, true},
	} {
		bad := false
		got := parseBuild(c.fm, nil, func(string, string, ...any) { bad = true })
		if got != c.want || bad != c.bad {
			t.Errorf("%v: got %+v bad %v, want %+v bad %v", c.fm, got, bad, c.want, c.bad)
		}
	}
}

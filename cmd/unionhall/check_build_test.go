package main

import (
	"strings"
	"testing"
)

// TestCheckBuildOptions: `unionhall check` accepts a site whose fragments
// use Hugo's build options, and reports bad option values and refs to
// unpublished pages with file:line.
func TestCheckBuildOptions(t *testing.T) {
	good := writeSite(t, map[string]string{
		"config.toml":                  twoLangConfig,
		"content/homepage/index.en.md": "---\nheadless: true\n---\nIntro.\n",
		"content/homepage/hero.en.md":  "Hero\n\nJoin [us](/en/about/).\n",
		"content/footer.en.md":         "---\n_build:\n  render: never\n---\nFooter.\n",
		"content/about/index.en.md":    "---\ntitle: About\n---\nAbout.\n",
		"content/about/index.cs.md":    "---\ntitle: O nás\n---\nO nás.\n",
	})
	if code, out := runCheck(t, good); code != 0 {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	bad := writeSite(t, map[string]string{
		"config.toml":                  twoLangConfig,
		"content/homepage/index.en.md": "---\nheadless: true\n---\nIntro.\n",
		"content/a.en.md":              "---\ntitle: A\nbuild:\n  list: sometimes\n---\nSee [home]({{< relref \"homepage\" >}}).\n",
	})
	code, out := runCheck(t, bad)
	if code != 1 {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	for _, want := range []string{
		`content/a.en.md:3: error: build.list "sometimes" is not one of always, never, local`,
		`content/a.en.md:6: error: ref: "homepage" is not published as a page (headless: true)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

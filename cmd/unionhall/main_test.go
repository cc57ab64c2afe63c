package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const twoLangConfig = `title = "Union"
defaultContentLanguage = "en"
[languages.en]
weight = 1
[languages.cs]
weight = 2
[params]
supportEmail = "info@union.example"
`

func runCheck(t *testing.T, dir string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run([]string{"check", "--site", dir}, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestCheckGoodSite(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"config.toml":               twoLangConfig,
		"content/about/index.en.md": "---\ntitle: About\n---\nWrite to us: {{< contacts >}}\n",
		"content/about/index.cs.md": "---\ntitle: O nás\n---\nNapište nám.\n",
	})
	code, out := runCheck(t, dir)
	if code != 0 {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

func TestCheckReportsProblemsWithFileAndLine(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"config.toml":         twoLangConfig,
		"content/a.en.md":     "---\ntitle: A\nurl: same\n---\nline one\n\n{{< nosuchthing >}}\n",
		"content/b.en.md":     "---\ntitle: B\nurl: same\n---\nB\n",
		"content/event.en.md": "---\ntitle: E\nstartDate: 2024-01-24T18:30:00Z\ndate: 2024-01-24T17:00:00Z\n---\nE\n",
		"content/links.en.md": "---\ntitle: L\n---\n[broken](/en/nowhere/)\n",
	})
	code, out := runCheck(t, dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s", code, out)
	}
	for _, want := range []string{
		"content/a.en.md:7", "nosuchthing", // unknown shortcode with its line
		"content/b.en.md",     // both files of a URL collision are named
		"content/event.en.md", // end before start
		"/en/nowhere/",        // broken internal link
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckMalformedConfig(t *testing.T) {
	dir := writeSite(t, map[string]string{"config.toml": "title = \"x\"\n[languages\n"})
	code, out := runCheck(t, dir)
	if code != 1 || !strings.Contains(out, "config.toml:2") {
		t.Fatalf("exit %d, output %q: want exit 1 naming config.toml:2", code, out)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 {
		t.Errorf("no args: exit %d", code)
	}
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errOut.String())
	}
	if code := run([]string{"check"}, &out, &errOut); code != 2 {
		t.Errorf("check without --site: exit %d", code)
	}
	out.Reset()
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "unionhall ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
}

package content

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// baseConfig is a bilingual site used by most tests.
const baseConfig = `
title = "Test Union"
defaultContentLanguage = "en"
timeZone = "Europe/Prague"
[languages.en]
languageName = "English"
weight = 1
[languages.cs]
languageName = "Čeština"
weight = 2
[languages.cs.params]
supportPhone = "+420 111 222 333"
[params]
supportEmail = "info@example.org"
supportPhone = "+420 739 547 927"
`

// writeSite creates a site folder from path -> content in a temp dir.
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

// load writes and loads a site; a config is added when files has none.
func load(t testing.TB, files map[string]string) *Site {
	t.Helper()
	if _, ok := files["config.toml"]; !ok && !hasConfig(files) {
		files["config.toml"] = baseConfig
	}
	s, err := LoadDir(writeSite(t, files))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return s
}

func hasConfig(files map[string]string) bool {
	for _, n := range configNames {
		if _, ok := files[n]; ok {
			return true
		}
	}
	return false
}

// loadErr loads a site that must fail and returns the error text.
func loadErr(t *testing.T, files map[string]string) string {
	t.Helper()
	if !hasConfig(files) {
		files["config.toml"] = baseConfig
	}
	_, err := LoadDir(writeSite(t, files))
	if err == nil {
		t.Fatal("load succeeded, want an error")
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *LoadError: %v", err, err)
	}
	return err.Error()
}

func page(t *testing.T, s *Site, url string) *Page {
	t.Helper()
	p := s.PageByURL(url)
	if p == nil {
		var urls []string
		for _, q := range s.Pages {
			urls = append(urls, q.URL)
		}
		t.Fatalf("no page at %s; have %v; problems %v", url, urls, s.Problems)
	}
	return p
}

// hasProblem reports whether a problem with file, line (0 = any), severity
// and a message containing text exists.
func hasProblem(ps []Problem, file string, line int, sev Severity, text string) bool {
	for _, p := range ps {
		if p.File == file && (line == 0 || p.Line == line) && p.Severity == sev && strings.Contains(p.Message, text) {
			return true
		}
	}
	return false
}

func prague(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

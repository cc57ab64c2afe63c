package content

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	s := load(t, map[string]string{
		"content/a.en.md": "---\ntitle: A\n---\n" +
			"[ok](/en/b/) [ok2](/en/b) [res](/en/bundle/file.pdf) [static](/robots.txt) [asset](/assets/logo.svg)\n" +
			"[anchor](#x) [query](/en/b/?x=1#y) [join](/cs/join/) [feed](/en/events/index.xml) [ext](https://x.example/)\n" +
			"[broken](/en/nope/)\n" +
			"![img](/img/missing.png)\n" +
			"[draft](/en/d/)\n" +
			"{{< mystery >}}\n",
		"content/a.cs.md":            "---\ntitle: A cs\n---\n",
		"content/b.en.md":            "---\ntitle: B\n---\n",
		"content/d.en.md":            "---\ntitle: D\ndraft: true\n---\n",
		"content/bundle/index.en.md": "---\ntitle: Bundle\n---\n",
		"content/bundle/file.pdf":    "%PDF",
		"content/dup1.en.md":         "---\ntitle: One\nurl: same\n---\n",
		"content/dup2.en.md":         "---\ntitle: Two\nurl: /en/same/\n---\n",
		"content/events/e.en.md":     "---\ntitle: E\nstartDate: 2024-01-02T10:00:00Z\ndate: 2024-01-01T10:00:00Z\n---\n",
		"static/robots.txt":          "x",
		"assets/logo.svg":            "<svg/>",
	})
	ps := s.Check()
	want := []struct {
		file string
		line int
		sev  Severity
		text string
	}{
		{"content/a.en.md", 6, SevError, "broken link /en/nope/"},
		{"content/a.en.md", 7, SevError, "broken link /img/missing.png"},
		{"content/a.en.md", 8, SevWarning, "draft page"},
		{"content/a.en.md", 9, SevError, `unknown shortcode "mystery"`},
		{"content/dup2.en.md", 1, SevError, "URL /en/same/ is used by both content/dup1.en.md and content/dup2.en.md"},
		{"content/events/e.en.md", 4, SevError, "before it starts"},
		{"content/b.en.md", 1, SevWarning, "no translation in cs"},
	}
	for _, w := range want {
		if !hasProblem(ps, w.file, w.line, w.sev, w.text) {
			t.Errorf("missing %s:%d %s %q", w.file, w.line, w.sev, w.text)
		}
	}
	for _, p := range ps {
		if p.File == "content/a.en.md" && strings.Contains(p.Message, "broken") && !strings.Contains(p.Message, "nope") && !strings.Contains(p.Message, "missing.png") {
			t.Errorf("false broken link: %s", p)
		}
		if p.File == "content/a.en.md" && strings.Contains(p.Message, "translation") {
			t.Errorf("a has a cs translation: %s", p)
		}
	}
	if !sort.SliceIsSorted(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	}) {
		t.Error("problems not sorted")
	}
	if !HasErrors(ps) || HasErrors([]Problem{{Severity: SevWarning}}) {
		t.Error("HasErrors")
	}
	if got := page(t, s, "/en/same/").Title; got != "One" {
		t.Errorf("first file should win the URL, got %q", got)
	}
	// A clean site has no errors.
	clean := load(t, map[string]string{"content/x.en.md": "---\ntitle: X\n---\n", "content/x.cs.md": "---\ntitle: X\n---\n"})
	if ps := clean.Check(); len(ps) != 0 {
		t.Errorf("clean site problems: %v", ps)
	}
	if got := (Problem{File: "f.md", Line: 3, Severity: SevError, Message: "m"}).String(); got != "f.md:3: error: m" {
		t.Errorf("String() = %q", got)
	}
}

func TestWatch(t *testing.T) {
	dir := writeSite(t, map[string]string{
		"config.toml":     baseConfig,
		"content/a.en.md": "---\ntitle: First\n---\n",
	})
	if _, err := LoadDir(dir); err != nil { // as the server does before watching
		t.Fatal(err)
	}
	loads := make(chan *Site, 10)
	errs := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Watch(ctx, dir, 10*time.Millisecond, func(s *Site) { loads <- s }, func(err error) { errs <- err })
	}()
	defer func() { cancel(); wg.Wait() }()

	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// Make sure the change is visible even on coarse-mtime file systems.
		future := time.Now().Add(time.Duration(len(body)) * time.Second)
		_ = os.Chtimes(p, future, future)
	}
	waitLoad := func(title string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case s := <-loads:
				if p := s.PageByURL("/en/a/"); p != nil && p.Title == title {
					return
				}
			case err := <-errs:
				t.Fatalf("unexpected error: %v", err)
			case <-deadline:
				t.Fatalf("no reload with title %q", title)
			}
		}
	}
	write("content/a.en.md", "---\ntitle: Second\n---\n")
	waitLoad("Second")

	write("content/a.en.md", "---\ntitle: [broken\n---\n")
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "content/a.en.md:2") {
			t.Errorf("error %v", err)
		}
	case s := <-loads:
		t.Fatalf("broken site loaded: %v", s)
	case <-time.After(5 * time.Second):
		t.Fatal("no error reported")
	}

	write("content/a.en.md", "---\ntitle: Third, fixed\n---\n")
	waitLoad("Third, fixed")

	// New files, e.g. a data file, are noticed too.
	write("data/occupations.yaml", "- en: X\n")
	select {
	case s := <-loads:
		if s.Data["occupations"] == nil {
			t.Error("data not loaded")
		}
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("new data file not noticed")
	}
}

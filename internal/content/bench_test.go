package content

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// genSite writes a site of n pages (half Czech, half English; statements,
// events and FAQ) with realistic Markdown bodies of about 3 KB.
func genSite(tb testing.TB, dir string, n int) {
	tb.Helper()
	files := map[string]string{
		"config.toml": baseConfig + `
[languages.cs.permalinks]
events = "/akce/:year/:slug/"
[permalinks]
events = "/events/:year/:slug/"
`,
		"data/occupations.yaml": "- en: Programmer\n  cs: Programátor\n- en: Tester\n  cs: Tester\n",
	}
	para := strings.Repeat("Workers in the **ICT sector** organise to improve [their conditions](/en/about/) and pay. ", 6)
	body := "## Why\n\n" + para + "\n\n## How\n\n" + para + "\n\n- one\n- two\n- three\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" +
		para + "\n\n{{< contacts >}}\n\nMore at https://example.org/ and ~~never~~.\n"
	for i := 0; i < n/2; i++ {
		for _, lang := range []string{"en", "cs"} {
			var name, fm string
			switch i % 3 {
			case 0:
				name = fmt.Sprintf("content/events/event-%d.%s.md", i, lang)
				fm = fmt.Sprintf("---\ntitle: Event number %d\nstartDate: 2024-%02d-%02dT18:30:00Z\ndate: 2024-%02d-%02dT20:00:00Z\nplace: Hall\nctaType: register\nregisterUrl: https://forms.example/%d\n---\n",
					i, i%12+1, i%28+1, i%12+1, i%28+1, i)
			case 1:
				name = fmt.Sprintf("content/statements/statement-%d.%s.md", i, lang)
				fm = fmt.Sprintf("---\ntitle: Statement %d about working conditions\ndate: 2023-%02d-%02d\nauthor: Committee\ndescription: A short *summary* of statement %d.\n---\n", i, i%12+1, i%28+1, i)
			default:
				name = fmt.Sprintf("content/faq/q-%d/index.%s.md", i, lang)
				fm = fmt.Sprintf("+++\ntitle = \"Question %d?\"\nweight = %d\n+++\n", i, i)
			}
			files[name] = fm + body
		}
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkLoad5000 measures loading a 5,000-page site (issue 2: start-up
// under 2 s). It also reports the live heap the loaded site keeps.
func BenchmarkLoad5000(b *testing.B) {
	dir := b.TempDir()
	genSite(b, dir, 5000)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	var s *Site
	for i := 0; i < b.N; i++ {
		var err error
		s, err = LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU time is reported besides wall time because the machine is shared:
	// wall time depends on the neighbours, CPU time much less.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
	if len(s.Pages) < 5000 {
		b.Fatalf("%d pages", len(s.Pages))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-heap-after")
	runtime.KeepAlive(s)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestLoadGenerated keeps the generator honest: a generated site loads
// without errors and has every page.
func TestLoadGenerated(t *testing.T) {
	dir := t.TempDir()
	genSite(t, dir, 60)
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if HasErrors(s.Problems) {
		t.Fatalf("problems: %v", s.Problems)
	}
	if p := s.PageByURL("/cs/akce/2024/event-number-0/"); p == nil || !strings.Contains(string(p.Body()), `class="contacts"`) {
		t.Errorf("generated event missing or unexpanded")
	}
}

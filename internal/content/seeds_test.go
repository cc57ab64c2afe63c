package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedsDir finds ../shared/seeds beside the repository root.
func seedsDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("UNIONHALL_TEST_REQUIRE_ALL") == "1" {
			t.Fatalf("seeds not found at %s: %v", dir, err)
		}
		t.Skipf("seeds not found at %s", dir)
	}
	return dir
}

func seed(t *testing.T, dir, prefix string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, prefix+"_*.txt"))
	if len(m) != 1 {
		t.Fatalf("seed %s: found %v", prefix, m)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSeeds is issue 2 part 14: the user's own documents load as a site.
func TestSeeds(t *testing.T) {
	dir := seedsDir(t)
	s := load(t, map[string]string{
		"config.toml": baseConfig,
		"data/occupations.yaml": `
- en: Programmer
  cs: Programátor
- en: Tester
  cs: Tester
- en: Call centre operator
  cs: Operátor call centra
`,
		"content/about/index.en.md":         seed(t, dir, "000"),
		"content/events/introduction.en.md": seed(t, dir, "001"),
		"content/declaration/index.cs.md":   seed(t, dir, "002"),
		"content/news/uni-europa.en.md":     seed(t, dir, "003"),
		"content/unitech/index.en.md":       seed(t, dir, "004"),
	})
	for _, p := range s.Problems {
		if p.Severity == SevError {
			t.Errorf("problem: %s", p)
		}
	}

	about := page(t, s, "/en/about-us/")
	if about.Title != "About Us" || about.Type != "about" {
		t.Errorf("about: title %q type %q", about.Title, about.Type)
	}
	desc := string(about.Description)
	for _, want := range []string{
		`<ul class="contacts"`, `href="mailto:info@example.org"`, `info@example.org`,
		`href="tel:+420739547927"`, `+420 739 547 927`, "community of workers",
	} {
		if !strings.Contains(desc, want) {
			t.Errorf("about description lacks %q:\n%s", want, desc)
		}
	}
	body := string(about.Body())
	for _, want := range []string{`<ul class="occupations">`, "<li>Programmer</li>", "<li>Call centre operator</li>",
		`<h2 id="what-do-we-do">What do we do?</h2>`, `rel="noopener noreferrer"`, "OSPPP"} {
		if !strings.Contains(body, want) {
			t.Errorf("about body lacks %q", want)
		}
	}
	if strings.Contains(body+desc, "{{") {
		t.Error("a shortcode was printed raw")
	}
	if strings.Contains(about.DescriptionText, "mailto") || !strings.HasPrefix(about.DescriptionText, "We are a community") {
		t.Errorf("description text %q", about.DescriptionText)
	}

	ev := page(t, s, "/en/events/introduction/")
	loc := prague(t)
	if want := time.Date(2024, 1, 24, 18, 30, 0, 0, loc); !ev.StartDate.Equal(want) {
		t.Errorf("start %v, want %v", ev.StartDate, want)
	}
	if want := time.Date(2024, 1, 24, 20, 0, 0, 0, loc); !ev.End().Equal(want) {
		t.Errorf("end %v, want %v", ev.End(), want)
	}
	if st := ev.EventState(time.Now()); st != EventPast {
		t.Errorf("state %q, want past", st)
	}
	if st := ev.EventState(time.Date(2024, 1, 24, 19, 0, 0, 0, loc)); st != EventOngoing {
		t.Errorf("state at 19:00 %q, want ongoing", st)
	}
	if got := s.FormatDateRange("en", ev.StartDate, ev.End()); got != "24 January 2024, 18:30–20:00" {
		t.Errorf("range %q", got)
	}
	if got := s.FormatDateRange("cs", ev.StartDate, ev.End()); got != "24. ledna 2024, 18:30–20:00" {
		t.Errorf("cs range %q", got)
	}
	if ev.Title != "Introduction to Unions in IT" || ev.SubTitle != "an open online meeting" || ev.CTAType != "register" ||
		!strings.HasPrefix(ev.RegisterURL, "https://cryptpad.fr/") || ev.Duration != "1,5 hours" || ev.Place != "Online" {
		t.Errorf("event fields: %+v", ev)
	}
	if !strings.Contains(string(ev.Body()), "is anonymous.") {
		t.Errorf("event body text missing: %s", ev.Body())
	}
	if !ev.PublishDate.Equal(time.Date(2024, 1, 16, 0, 0, 0, 0, loc)) {
		t.Errorf("publishDate %v", ev.PublishDate)
	}

	decl := page(t, s, "/cs/deklarace/")
	if decl.Lang != "cs" || decl.Title != "ICT worker declaration" || decl.Type != "declaration" ||
		decl.SubTitle != "Odborová organizace pracujících v ICT" {
		t.Errorf("declaration: %+v", decl)
	}
	if !strings.Contains(string(decl.Body()), "<strong>") && !strings.Contains(string(decl.Body()), "community-oriented tools") {
		t.Error("declaration body missing")
	}
	if decl.SubDescription != "" {
		t.Errorf("blank subDescription rendered as %q", decl.SubDescription)
	}

	news := page(t, s, "/en/news/uni-europa/")
	if news.Title != "ICT sector unions across Europe gather to determine common strategy" || !news.Plain {
		t.Errorf("news title %q plain %v", news.Title, news.Plain)
	}
	if strings.Count(string(news.Body()), "gather to determine common strategy") != 0 {
		t.Error("repeated title kept in the body")
	}
	if !strings.Contains(string(news.Body()), "<p>The Conference, held every four years, will this year be exceptionally held online.</p>") {
		t.Errorf("news paragraphs:\n%s", news.Body())
	}

	uni := page(t, s, "/en/unitech/")
	if uni.Title != "Our work - our voice! First ICT union in Serbia" {
		t.Errorf("unitech title %q", uni.Title)
	}
	if !strings.Contains(string(uni.Body()), "we never put each other at risk of losing our jobs") {
		t.Error("unitech text missing")
	}
}

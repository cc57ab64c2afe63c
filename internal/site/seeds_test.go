package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unionhall/internal/testenv"
)

// TestSeedsRendered is issue 2 part 14 as a visitor sees it: the union's own
// documents, dropped into a site folder, render with their titles and text,
// shortcodes expanded, the event shown as past in Prague time, and the Czech
// declaration under /cs/.
func TestSeedsRendered(t *testing.T) {
	dir := testenv.SeedsDir(t)
	seed := func(prefix string) string {
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
	f := newFixtureFiles(t, map[string]string{
		"config.toml": `title = "ICT Union"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
[languages.en]
languageName = "English"
weight = 1
[languages.cs]
languageName = "Čeština"
weight = 2
[params]
supportEmail = "info@ictunion.example"
supportPhone = "+420 739 547 927"
`,
		"data/occupations.yaml":             "- en: Programmer\n  cs: Programátor\n- en: Tester\n  cs: Tester\n- en: Call centre operator\n  cs: Operátor call centra\n",
		"content/about/index.en.md":         seed("000"),
		"content/events/introduction.en.md": seed("001"),
		"content/declaration/index.cs.md":   seed("002"),
		"content/news/uni-europa.en.md":     seed("003"),
		"content/unitech/index.en.md":       seed("004"),
	})
	f.clock.Set(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))

	about := mainOf(f.page(t, "/en/about-us/"))
	mustContain(t, "about", about, "About Us", "community of workers",
		`href="mailto:info@ictunion.example"`, `href="tel:+420739547927"`,
		"<li>Programmer</li>", "<li>Call centre operator</li>", "What do we do?")
	mustNotContain(t, "about", about, "{{<", "{{%")

	ev := f.page(t, "/en/events/introduction/")
	evMain := mainOf(ev)
	mustContain(t, "event", evMain, "Introduction to Unions in IT", "an open online meeting",
		"24 January 2024", "18:30", "20:00", "is anonymous")
	// Past: the call to action is no longer a link to the registration form.
	mustNotContain(t, "past event", evMain, `href="https://cryptpad.fr/form/`+"#/2/form/view/CiXSwaSdD2SnGgj9+X8QR8DdiaunwHnVbwO4wFfL5WA/\" class")
	if !strings.Contains(strings.ToLower(evMain), "past") && !strings.Contains(evMain, "ended") {
		t.Errorf("event is not shown as past:\n%.2000s", evMain)
	}

	decl := f.page(t, "/cs/deklarace/")
	mustContain(t, "declaration", decl, `lang="cs"`, "ICT worker declaration", "This is our solidarity.")

	for _, p := range []string{"/en/news/uni-europa/", "/en/unitech/"} {
		body := mainOf(f.page(t, p))
		if p == "/en/news/uni-europa/" {
			mustContain(t, p, body, "ICT sector unions across Europe gather to determine common strategy", "<p>ICT workers’ unions from across Europe")
		} else {
			mustContain(t, p, body, "Our work - our voice! First ICT union in Serbia", "Courage and prudence")
		}
	}
}

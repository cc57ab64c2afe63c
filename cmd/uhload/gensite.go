package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// generateSite writes a Hugo-style site of n Markdown pages to dir, for
// measuring start-up time and memory with a big site. Pages are split over
// the sections statements, events and pages, each item in English and Czech
// (same file base name, so they are translations of each other), with
// realistic front matter and about 2 KB of body.
func generateSite(dir string, n int) error {
	if n < 1 || n > 200_000 {
		return fmt.Errorf("-pages %d: want 1 to 200000", n)
	}
	// Never write into a folder with something in it: a typo in the path
	// must not scatter files over someone's work.
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("gen-site: %s exists and is not empty", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("gen-site: %w", err)
	}
	files := map[string]string{
		"config.toml":                     genConfig,
		"content/_index.en.md":            "---\ntitle: Generated union\n---\nA generated site for load tests.\n",
		"content/_index.cs.md":            "---\ntitle: Vygenerovaná odborová organizace\n---\nVygenerovaný web pro zátěžové testy.\n",
		"data/occupations.yaml":           "- en: Programmer\n  cs: Programátor/ka\n- en: Tester\n  cs: Tester/ka\n",
		"content/statements/_index.en.md": "---\ntitle: Statements\n---\n",
		"content/statements/_index.cs.md": "---\ntitle: Prohlášení\n---\n",
		"content/events/_index.en.md":     "---\ntitle: Events\n---\n",
		"content/events/_index.cs.md":     "---\ntitle: Akce\n---\n",
		"content/pages/_index.en.md":      "---\ntitle: Pages\n---\n",
		"content/pages/_index.cs.md":      "---\ntitle: Stránky\n---\n",
	}
	sections := []string{"statements", "events", "pages"}
	langs := []string{"en", "cs"}
	base := time.Date(2019, 1, 7, 17, 0, 0, 0, time.UTC)
	for i := range n {
		sec := sections[i%len(sections)]
		lang := langs[(i/len(sections))%len(langs)]
		item := i / (len(sections) * len(langs))
		name := fmt.Sprintf("item-%05d", item)
		when := base.Add(time.Duration(item) * 37 * time.Hour)
		files[filepath.Join("content", sec, name+"."+lang+".md")] = genPage(sec, lang, item, when)
	}
	for rel, body := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("gen-site: %w", err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return fmt.Errorf("gen-site: %w", err)
		}
	}
	return nil
}

const genConfig = `title = "Generated union"
baseURL = "http://127.0.0.1:8080/"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
timeZone = "Europe/Prague"

[params]
supportEmail = "help@union.example"
supportPhone = "+420 000 000 000"

[permalinks]
events = "/events/:year/:slug/"
statements = "/statements/:year/:slug/"

[languages.en]
languageName = "English"
weight = 1

[languages.cs]
languageName = "Čeština"
weight = 2

[languages.cs.permalinks]
events = "/akce/:year/:slug/"
statements = "/prohlaseni/:year/:slug/"
`

var genWords = map[string][]string{
	"en": strings.Fields("workers union meeting contract wages hours overtime colleagues workplace rights solidarity committee members vote agreement safety remote office call centre programmers testers support"),
	"cs": strings.Fields("pracující odbory schůze smlouva mzdy hodiny přesčasy kolegyně pracoviště práva solidarita výbor členové hlasování dohoda bezpečnost práce z domova kancelář zákaznické centrum programátoři"),
}

func genText(lang string, seed, words int) string {
	ws := genWords[lang]
	var b strings.Builder
	for i := range words {
		w := ws[(seed*7+i*13)%len(ws)]
		if i%12 == 0 {
			if i > 0 {
				b.WriteString(". ")
			}
			r, size := utf8.DecodeRuneInString(w)
			w = string(unicode.ToUpper(r)) + w[size:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	b.WriteString(".")
	return b.String()
}

func genPage(section, lang string, item int, when time.Time) string {
	title := genText(lang, item, 5)
	title = strings.TrimSuffix(title, ".") + fmt.Sprintf(" %d", item)
	var fm strings.Builder
	fmt.Fprintf(&fm, "---\ntitle: %q\nslug: item-%d\ndescription: %q\n", title, item, genText(lang, item+1, 20))
	switch section {
	case "events":
		fmt.Fprintf(&fm, "startDate: %s\ndate: %s\nplace: Online\nctaType: register\n",
			when.Format("2006-01-02T15:04:05Z"), when.Add(90*time.Minute).Format("2006-01-02T15:04:05Z"))
	case "statements":
		fmt.Fprintf(&fm, "date: %s\nauthor: The committee\n", when.Format("2006-01-02T15:04:05Z"))
	default:
		fmt.Fprintf(&fm, "weight: %d\n", item)
	}
	fm.WriteString("---\n\n")
	for p := range 4 {
		fmt.Fprintf(&fm, "## %s\n\n%s\n\n", strings.TrimSuffix(genText(lang, item+p+2, 4), "."), genText(lang, item+p, 40))
	}
	fmt.Fprintf(&fm, "- %s\n- %s\n- %s\n\n[%s](/%s/)\n",
		genText(lang, item+10, 6), genText(lang, item+11, 6), genText(lang, item+12, 6), genText(lang, item+13, 2), lang)
	return fm.String()
}

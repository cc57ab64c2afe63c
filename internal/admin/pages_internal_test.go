package admin

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/events"
	"unionhall/internal/surveys"
	votepages "unionhall/internal/votes/pages"
	"unionhall/internal/web/catalogtest"
)

// TestAllPagesParse: console pages are parsed on first use (Console.page),
// so this parses every one in every language, as start-up once did — the
// console's own and every page of the sections the server plugs in.
func TestAllPagesParse(t *testing.T) {
	ev := new(events.Service).ConsoleSection() // only its templates are used
	c := New(Deps{Sections: []console.Section{ev, votepages.ConsoleSection(votepages.ConsoleDeps{}), new(surveys.Service).ConsoleSection()}})
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) < 10 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, lang := range auth.Languages {
		for _, n := range names {
			base := strings.TrimPrefix(n, "templates/")
			if base == "layout.html" {
				if _, err := c.page(nil, lang, base); err == nil {
					t.Error("the layout alone is not a page")
				}
				continue
			}
			if _, err := c.page(nil, lang, base); err != nil {
				t.Errorf("%s %s: %v", lang, base, err)
			}
		}
	}
	for i := range c.d.Sections {
		sec := &c.d.Sections[i]
		pages, err := fs.Glob(sec.Templates, "*.html")
		if err != nil || len(pages) == 0 {
			t.Fatalf("section %s: templates %v %v", sec.Name, pages, err)
		}
		for _, lang := range auth.Languages {
			for _, n := range pages {
				if _, err := c.page(sec, lang, n); err != nil {
					t.Errorf("%s %s %s: %v", sec.Name, lang, n, err)
				}
			}
		}
	}
	for _, bad := range []string{"nope.html", "../console.go", ""} {
		if _, err := c.page(nil, "en", bad); err == nil {
			t.Errorf("page %q parsed", bad)
		}
	}
}

// TestSectionTextsKnown: every text a section's pages and handlers use is
// in the console's texts (the section's own or the shell's), in both
// languages, and the section's own catalog is complete.
func TestSectionTextsKnown(t *testing.T) {
	ev := new(events.Service).ConsoleSection()
	uses := catalogtest.Used(t, ev.Templates, "*.html", tmplKeyRE, tmplFieldRE)
	uses = append(uses, catalogtest.Used(t, os.DirFS("../events"), "console*.go", sectionKeyRE)...)
	for _, call := range catalogtest.Used(t, os.DirFS("../events"), "console*.go", formCallRE) {
		for _, m := range formKeyRE.FindAllStringSubmatch(call.Key, -1) {
			uses = append(uses, catalogtest.Use{Where: call.Where, Key: m[1]})
		}
	}
	for _, n := range ev.Nav {
		uses = append(uses, catalogtest.Use{Where: "nav", Key: n.Label}, catalogtest.Use{Where: "nav", Key: n.Hint})
	}
	for _, f := range ev.Flashes {
		uses = append(uses, catalogtest.Use{Where: "flashes", Key: "flash." + f})
	}
	for _, c := range []string{events.StatusConfirmed, events.StatusWaiting, events.StatusCancelled} {
		uses = append(uses, catalogtest.Use{Where: "regstatus", Key: "reg." + c})
	}
	if len(uses) < 60 {
		t.Fatalf("only %d texts found in the events section: has the call pattern changed?", len(uses))
	}
	cat := console.Catalog()
	catalogtest.Known(t, cat, auth.Languages, uses...)
	// Counts ({{tn "key" n}}) need each plural form of each language.
	counts := catalogtest.Used(t, ev.Templates, "*.html", tmplCountRE)
	for _, lang := range auth.Languages {
		catalogtest.Known(t, cat, []string{lang}, pluralUses(counts, lang)...)
	}
	catalogtest.Complete(t, events.ConsoleTexts(), auth.Languages, wantForms)
}

// sectionKeyRE finds texts a section's handlers name: console.Tr(r, "key"),
// p.Fail(w, r, a, status, "key"), the events' eventOp(…, "key", …).
var sectionKeyRE = regexp.MustCompile(`(?:console\.Tr\(r, |p\.Fail\(w, r, a, [^,]+, |cp\.eventOp\(p, w, r, a, )"([a-z_.]+)"`)

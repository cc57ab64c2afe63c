package petitions_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/petitions"
	"unionhall/internal/web/catalogtest"
)

// Translation calls of the petitions console: {{t "key"}} and the labels
// of (field $f "name" "key") in the templates, {{tn "key" n}} counts, and
// in the Go code every literal of the section's own families.
var (
	consTmplKeyRE   = regexp.MustCompile(`[({]\s*t "([^"]+)"`)
	consTmplFieldRE = regexp.MustCompile(`\(field \S+ "[^"]+" "([^"]+)"`)
	consTmplCountRE = regexp.MustCompile(`[({]\s*tn "([^"]+)"`)
	consGoKeyRE     = regexp.MustCompile(`"((?:pet|err|flash|nav|dash)\.[a-z_.-]*[a-z_-])"`)
	// The audit codes the petitions code writes: audit(…, "petition.x", …)
	// and consoleAudit(…, "x.y", …).
	consAuditRE = regexp.MustCompile(`(?:s\.audit\(ctx, tx, actor|consoleAudit\([a-z]+, a(?:ctor)?), "([a-z.-]+)"`)
)

func consForms(lang string) []string {
	if lang == "cs" {
		return []string{"few", "one", "other"}
	}
	return []string{"one", "other"}
}

// TestConsoleTextsKnown: the petitions console's catalog is complete in cs
// and en, and every text its pages, handlers, PDF, flashes, navigation and
// audit codes need exists in both.
func TestConsoleTextsKnown(t *testing.T) {
	catalogtest.Complete(t, petitions.ConsoleTexts(), auth.Languages, consForms)
	tmpl := os.DirFS("console")
	uses := catalogtest.Used(t, tmpl, "*.html", consTmplKeyRE, consTmplFieldRE)
	uses = append(uses, catalogtest.Used(t, os.DirFS("."), "console*.go", consGoKeyRE)...)
	uses = append(uses, catalogtest.Used(t, os.DirFS("."), "pdf.go", consGoKeyRE)...)
	// Prefixes completed at run time ("pet.field.subject_" + language).
	uses = slices.DeleteFunc(uses, func(u catalogtest.Use) bool {
		return strings.HasSuffix(u.Key, "_") || strings.HasSuffix(u.Where, "_test.go")
	})
	for _, u := range catalogtest.Used(t, tmpl, "*.html", consTmplCountRE) {
		for _, lang := range auth.Languages {
			for _, f := range consForms(lang) {
				catalogtest.Known(t, console.Catalog(), []string{lang}, catalogtest.Use{Where: u.Where, Key: u.Key + "." + f})
			}
		}
	}
	for _, kind := range []string{"subject", "text"} {
		for _, l := range []string{"cs", "en", "other"} {
			uses = append(uses, catalogtest.Use{Where: "message fields", Key: "pet.field." + kind + "_" + l})
		}
	}
	sec := (&petitions.Service{}).ConsoleSection()
	for _, n := range sec.Nav {
		uses = append(uses, catalogtest.Use{Where: "nav", Key: n.Label}, catalogtest.Use{Where: "nav", Key: n.Hint})
	}
	for _, f := range sec.Flashes {
		uses = append(uses, catalogtest.Use{Where: "flashes", Key: "flash." + f})
	}
	audits := catalogtest.Used(t, os.DirFS("."), "*.go", consAuditRE)
	for _, u := range audits {
		if !strings.HasSuffix(u.Where, "_test.go") {
			uses = append(uses, catalogtest.Use{Where: u.Where, Key: "audit." + u.Key})
		}
	}
	uses = append(uses, catalogtest.Use{Where: "audit subject", Key: "subject.petition"})
	if len(audits) < 6 || len(uses) < 120 {
		t.Fatalf("only %d audit codes and %d texts found: has the pattern changed?", len(audits), len(uses))
	}
	catalogtest.Known(t, console.Catalog(), auth.Languages, uses...)
}

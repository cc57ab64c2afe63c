package pages_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/votes"
	"unionhall/internal/votes/count"
	"unionhall/internal/votes/pages"
	"unionhall/internal/web/catalogtest"
)

// Translation calls of the console pages: {{t "key"}} and the labels of
// (field $f "name" "key") in the templates, {{tn "key" n}} counts, and in
// the Go code every literal of the section's own families.
var (
	consoleTmplKeyRE   = regexp.MustCompile(`[({]\s*t "([^"]+)"`)
	consoleTmplFieldRE = regexp.MustCompile(`\(field \S+ "[^"]+" "([^"]+)"`)
	consoleTmplCountRE = regexp.MustCompile(`[({]\s*tn "([^"]+)"`)
	consoleGoKeyRE     = regexp.MustCompile(`"((?:votes|err|flash|nav|dash)\.[a-z_.-]*[a-z_-])"`)
	// The service's message keys: every dotted literal of internal/votes.
	serviceKeyRE = regexp.MustCompile(`"([a-z_]+(?:\.[a-z_]+)+)"`)
	// Why a due vote did not open: what the service stores in open_problem.
	openProblemRE = regexp.MustCompile(`open_problem = '([a-z_]+\.[a-z_.]+)'`)
)

// consoleForms are the plural forms of whole numbers: English one/other,
// Czech one/few/other (as the console's Tn picks them).
func consoleForms(lang string) []string {
	if lang == "cs" {
		return []string{"few", "one", "other"}
	}
	return []string{"one", "other"}
}

// TestConsoleTextsKnown: the votes section's catalog is complete in cs and
// en, and every text its pages, handlers and the service's problems,
// open problems and audit codes need exists in both.
func TestConsoleTextsKnown(t *testing.T) {
	catalogtest.Complete(t, pages.ConsoleTexts(), auth.Languages, consoleForms)
	tmpl := os.DirFS("templates/console")
	uses := catalogtest.Used(t, tmpl, "*.html", consoleTmplKeyRE, consoleTmplFieldRE)
	uses = append(uses, catalogtest.Used(t, os.DirFS("."), "console*.go", consoleGoKeyRE)...)
	// Prefixes ("votes.problem." + key) are checked with the families.
	uses = slices.DeleteFunc(uses, func(u catalogtest.Use) bool {
		return strings.HasSuffix(u.Key, ".") || strings.HasSuffix(u.Key, ".html") || strings.Contains(u.Key, "%s") || strings.HasSuffix(u.Key, "_")
	})
	for _, u := range catalogtest.Used(t, tmpl, "*.html", consoleTmplCountRE) {
		for _, lang := range auth.Languages {
			for _, f := range consoleForms(lang) {
				catalogtest.Known(t, console.Catalog(), []string{lang}, catalogtest.Use{Where: u.Where, Key: u.Key + "." + f})
			}
		}
	}
	family := func(where, prefix string, codes ...string) {
		for _, c := range codes {
			uses = append(uses, catalogtest.Use{Where: where, Key: prefix + c})
		}
	}
	kinds := []string{string(votes.KindSingle), string(votes.KindMultiple), string(votes.KindYesNo), string(votes.KindRanked)}
	family("kinds", "votes.kind.", kinds...)
	family("kinds", "votes.kind_hint.", kinds...)
	family("states", "votes.state.", votes.StateDraft, votes.StateScheduled, votes.StateOpen, votes.StateClosed, votes.StateCancelled)
	family("thresholds", "votes.threshold.", votes.ThresholdPlurality, votes.ThresholdMajority, votes.ThresholdTwoThirds, votes.ThresholdThreeQuarters)
	family("outcomes", "votes.outcome.", count.OutcomeAdopted, count.OutcomeRejected, count.OutcomeElected, count.OutcomeNoQuorum, count.OutcomeNoMajority)
	family("rounds", "votes.round.", "first", "surplus", "exclude")
	family("lots", "votes.lot.", count.LotElect, count.LotExclude, count.LotSurplus)
	family("yes/no", "votes.option.", count.OptionYes, count.OptionNo)
	for _, n := range pages.ConsoleSection(pages.ConsoleDeps{}).Nav {
		family("nav", "", n.Label, n.Hint)
	}
	family("flashes", "flash.", pages.ConsoleSection(pages.ConsoleDeps{}).Flashes...)
	family("locked", "votes.err.locked_", votes.StateClosed, votes.StateCancelled)

	// The service's keys: problems ("votes.problem.<key>"), why a vote did
	// not open ("votes.open_problem.<key>"), audit codes ("audit.<code>").
	svc := catalogtest.Used(t, os.DirFS(".."), "*.go", serviceKeyRE)
	openProblems := map[string]bool{}
	for _, u := range catalogtest.Used(t, os.DirFS(".."), "*.go", openProblemRE) {
		openProblems[u.Key] = true
	}
	if !openProblems["eligible.too_few"] {
		t.Fatalf("the service's open problems not found (%v): has the pattern changed?", openProblems)
	}
	problems := 0
	for _, u := range svc {
		if strings.HasSuffix(u.Where, "_test.go") {
			continue
		}
		switch {
		case strings.HasPrefix(u.Key, "votes."):
			// the service's own names (locks, jobs), not texts
		case strings.HasPrefix(u.Key, "vote."):
			uses = append(uses, catalogtest.Use{Where: u.Where, Key: "audit." + u.Key})
		case openProblems[u.Key]:
			uses = append(uses, catalogtest.Use{Where: u.Where, Key: "votes.open_problem." + u.Key})
		default:
			problems++
			uses = append(uses, catalogtest.Use{Where: u.Where, Key: "votes.problem." + u.Key})
		}
	}
	if problems < 20 || len(uses) < 150 {
		t.Fatalf("only %d problem keys of the service and %d texts found: has the pattern changed?", problems, len(uses))
	}
	catalogtest.Known(t, console.Catalog(), auth.Languages, uses...)
}

package pages

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"unionhall/internal/votes/count"
)

// TestMemberTextsComplete: every text the member and board pages use
// exists in Czech and in English, and both languages have the same keys
// (a missing one would show its key on the page). Keys built at run time
// (outcomes, thresholds, ballot error codes, STV actions, lots) are listed
// from their sources.
func TestMemberTextsComplete(t *testing.T) {
	cat := MemberTexts()
	for key := range cat["en"] {
		if cat["cs"][key] == "" {
			t.Errorf("%s: no Czech text", key)
		}
	}
	for key := range cat["cs"] {
		if cat["en"][key] == "" {
			t.Errorf("%s: no English text", key)
		}
	}
	used := map[string]bool{}
	keyRE := regexp.MustCompile(`(?:\.T|memberTexts\.T\([a-z.]+,|m\.mview\([a-z]+,|m\.message\(w, r, lang,|castError[^"]*return) "([a-z_.-]+)"`)
	quoted := regexp.MustCompile(`"((?:list|ballot|board|change|confirm|receipt|err|meeting|result|rules|notfound|failed)\.[a-z_.-]+)"`)
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(filepath.Base(p), "console") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		if !strings.HasSuffix(p, ".go") && !(strings.HasSuffix(p, ".html") && (strings.Contains(p, "member") || strings.Contains(p, "board"))) {
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasPrefix(filepath.Base(p), "member") && !strings.HasPrefix(filepath.Base(p), "board") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix: its keys are listed below
				used[m[1]] = true
			}
		}
		for _, m := range quoted.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") {
				used[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{count.OutcomeAdopted, count.OutcomeRejected, count.OutcomeElected, count.OutcomeNoQuorum, count.OutcomeNoMajority, "none_elected"} {
		used["outcome."+o] = true
	}
	for _, th := range []string{count.ThresholdPlurality, count.ThresholdMajority, count.ThresholdTwoThirds, count.ThresholdThreeQuarters} {
		used["threshold."+th] = true
	}
	for _, c := range []string{count.CodeEmpty, count.CodeTooMany, count.CodeAbstainAndMarks, count.CodeYesNo, count.CodeRepeat, count.CodeGap, count.CodeBadRank, count.CodeUnknownOption} {
		used["ballot.err."+c] = true
	}
	for _, a := range []string{"first", "surplus", "exclude"} {
		used["board.action."+a] = true
	}
	for _, l := range []string{count.LotElect, count.LotExclude, count.LotSurplus} {
		used["board.lot."+l] = true
	}
	used["option.yes"], used["option.no"] = true, true
	if len(used) < 100 {
		t.Fatalf("only %d keys found in the sources: the scan is broken", len(used))
	}
	for key := range used {
		if cat["en"][key] == "" {
			t.Errorf("%s is used but has no text", key)
		}
	}
}

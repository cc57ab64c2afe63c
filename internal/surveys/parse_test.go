package surveys

import (
	"testing"
	"time"
)

// The example site's survey is read from both language versions as one.
func TestExampleSiteSurvey(t *testing.T) {
	cs := loadSite(t, testStart, nil)
	idx, problems := index(cs)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	sv, ok := idx["working-conditions"]
	if !ok {
		t.Fatalf("no example survey; have %v", idx)
	}
	if !sv.Members() || !sv.Anonymous() || !sv.PublicResults || sv.Closes.Before(testStart.Add(29*24*time.Hour)) {
		t.Fatalf("survey %+v", sv)
	}
	if len(sv.Pages) != 2 || sv.Questions("cs")[0].Text == sv.Questions("en")[0].Text {
		t.Fatalf("pages %v", sv.Pages)
	}
	for _, p := range cs.Problems {
		t.Logf("site problem: %v", p)
	}
}

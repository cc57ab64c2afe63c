package count

import "testing"

// Wikipedia, "Instant-runoff voting", section "Examples" (the Tennessee
// capital example, also used by "Condorcet method"): 100 voters, 42 % live
// near Memphis (Memphis > Nashville > Chattanooga > Knoxville), 26 % near
// Nashville (Nashville > Chattanooga > Knoxville > Memphis), 15 % near
// Chattanooga (Chattanooga > Knoxville > Nashville > Memphis), 17 % near
// Knoxville (Knoxville > Chattanooga > Nashville > Memphis). The article's
// count: Chattanooga (15) is eliminated first and its votes go to
// Knoxville (32); then Nashville (26) is eliminated and its votes go to
// Knoxville, which wins with 58 against Memphis's 42.
func TestTennesseeInstantRunoff(t *testing.T) {
	r := Rule{Kind: KindRanked, Options: []string{"memphis", "nashville", "chattanooga", "knoxville"}, Seats: 1, Eligible: 100, Threshold: ThresholdMajority}
	res := mustCount(t, r, profile(t,
		"42:memphis>nashville>chattanooga>knoxville",
		"26:nashville>chattanooga>knoxville>memphis",
		"15:chattanooga>knoxville>nashville>memphis",
		"17:knoxville>chattanooga>nashville>memphis",
	))
	if !equalStrings(res.Elected, []string{"knoxville"}) || res.Outcome != OutcomeElected {
		t.Fatalf("elected %v outcome %s, want knoxville", res.Elected, res.Outcome)
	}
	if res.Quota != val(t, "51") {
		t.Errorf("quota %v, want 51 (a majority of 100)", res.Quota)
	}
	want := []struct {
		excluded string
		values   map[string]string
	}{
		{"", map[string]string{"memphis": "42", "nashville": "26", "chattanooga": "15", "knoxville": "17"}},
		{"chattanooga", map[string]string{"memphis": "42", "nashville": "26", "knoxville": "32"}},
		{"nashville", map[string]string{"memphis": "42", "knoxville": "58"}},
	}
	if len(res.Rounds) != len(want) {
		t.Fatalf("%d rounds, want %d: %+v", len(res.Rounds), len(want), res.Rounds)
	}
	for i, w := range want {
		rd := res.Rounds[i]
		if w.excluded != "" && !equalStrings(rd.Excluded, []string{w.excluded}) {
			t.Errorf("stage %d excluded %v, want %s", rd.Stage, rd.Excluded, w.excluded)
		}
		if len(rd.Values) != len(w.values) {
			t.Errorf("stage %d values %v, want %v", rd.Stage, rd.Values, w.values)
		}
		for _, cv := range rd.Values {
			if cv.Value != val(t, w.values[cv.Option]) {
				t.Errorf("stage %d %s = %v, want %s", rd.Stage, cv.Option, cv.Value, w.values[cv.Option])
			}
		}
	}
	if len(res.Lots) != 0 {
		t.Errorf("lots drawn: %+v", res.Lots)
	}
}

// Wikipedia, "Single transferable vote", section "Example" (the food
// election as the article gave it until 2023, mirrored at
// https://www.liquisearch.com/single_transferable_vote/example): 20
// guests, 3 to be chosen; 4 Oranges; 2 Pears > Oranges; 8 Chocolate >
// Strawberries; 4 Chocolate > Sweets; 1 Strawberries; 1 Sweets. Droop
// quota 6. Round 1: Chocolate (12) elected. Round 2: Chocolate's surplus of
// 6 goes to Strawberries (+4 → 5) and Sweets (+2 → 3); Pears (2), the
// fewest, are eliminated. Round 3: Pears' votes go to Oranges, which reach
// the quota exactly (6) and are elected. Round 4: Sweets are eliminated and
// Strawberries win the last seat. Result: Chocolate, Oranges, Strawberries.
func TestWikipediaFoodElection(t *testing.T) {
	r := Rule{Kind: KindRanked, Options: []string{"oranges", "pears", "chocolate", "strawberries", "sweets"}, Seats: 3, Eligible: 20}
	res := mustCount(t, r, profile(t,
		"4:oranges",
		"2:pears>oranges",
		"8:chocolate>strawberries",
		"4:chocolate>sweets",
		"1:strawberries",
		"1:sweets",
	))
	if !equalStrings(res.Elected, []string{"chocolate", "oranges", "strawberries"}) {
		t.Fatalf("elected %v", res.Elected)
	}
	if res.Quota != val(t, "6") {
		t.Errorf("quota %v, want 6", res.Quota)
	}
	type stage struct {
		action, option string
		values         map[string]string
		elected        []string
	}
	want := []stage{
		{"first", "", map[string]string{"oranges": "4", "pears": "2", "chocolate": "12", "strawberries": "1", "sweets": "1"}, []string{"chocolate"}},
		{"surplus", "chocolate", map[string]string{"oranges": "4", "pears": "2", "chocolate": "6", "strawberries": "5", "sweets": "3"}, nil},
		{"exclude", "pears", map[string]string{"oranges": "6", "chocolate": "6", "strawberries": "5", "sweets": "3"}, []string{"oranges"}},
		{"exclude", "sweets", map[string]string{"oranges": "6", "chocolate": "6", "strawberries": "5"}, nil},
	}
	if len(res.Rounds) != len(want) {
		t.Fatalf("%d rounds, want %d: %+v", len(res.Rounds), len(want), res.Rounds)
	}
	for i, w := range want {
		rd := res.Rounds[i]
		if rd.Action != w.action || rd.Option != w.option || !equalStrings(rd.Elected, w.elected) {
			t.Errorf("stage %d: %s %s elected %v, want %s %s %v", rd.Stage, rd.Action, rd.Option, rd.Elected, w.action, w.option, w.elected)
		}
		for _, cv := range rd.Values {
			if cv.Value != val(t, w.values[cv.Option]) {
				t.Errorf("stage %d %s = %v, want %s", rd.Stage, cv.Option, cv.Value, w.values[cv.Option])
			}
		}
	}
	if last := res.Rounds[3]; !equalStrings(last.Remaining, []string{"strawberries"}) {
		t.Errorf("last stage remaining %v, want strawberries (rule 52)", last.Remaining)
	}
	// Sweets' 5 papers: 4 at 0.5 from Chocolate and 1 whole, none with a
	// further preference.
	if nt := res.Rounds[3].NonTransferable; nt != val(t, "3") {
		t.Errorf("non-transferable at the last exclusion %v, want 3", nt)
	}
}

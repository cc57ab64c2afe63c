package count

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func code(err error) string {
	var be *BallotError
	if errors.As(err, &be) {
		return be.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func TestValidBallot(t *testing.T) {
	abc := []string{"a", "b", "c"}
	single := Rule{Kind: KindSingle, Options: abc, Eligible: 10}
	multi := Rule{Kind: KindMultiple, Options: abc, Seats: 2, MaxChoices: 2, Eligible: 10}
	yesno := Rule{Kind: KindYesNo, Options: []string{"yes", "no"}, Eligible: 10}
	ranked := Rule{Kind: KindRanked, Options: abc, Seats: 1, Eligible: 10}
	ranked2 := Rule{Kind: KindRanked, Options: abc, Seats: 1, MaxChoices: 2, Eligible: 10}
	cases := []struct {
		name string
		r    Rule
		b    Ballot
		want string
	}{
		{"single ok", single, Ballot{Choices: []string{"b"}}, ""},
		{"single two", single, Ballot{Choices: []string{"a", "b"}}, CodeTooMany},
		{"single unknown", single, Ballot{Choices: []string{"<script>"}}, CodeUnknownOption},
		{"single empty", single, Ballot{}, CodeEmpty},
		{"single abstain", single, Ballot{Abstain: true}, ""},
		{"abstain and choice", single, Ballot{Abstain: true, Choices: []string{"a"}}, CodeAbstainAndMarks},
		{"multiple ok", multi, Ballot{Choices: []string{"a", "c"}}, ""},
		{"multiple too many", multi, Ballot{Choices: []string{"a", "b", "c"}}, CodeTooMany},
		{"multiple repeat", multi, Ballot{Choices: []string{"a", "a"}}, CodeRepeat},
		{"yes", yesno, Ballot{Choices: []string{"yes"}}, ""},
		{"no", yesno, Ballot{Choices: []string{"no"}}, ""},
		{"yes and no", yesno, Ballot{Choices: []string{"yes", "no"}}, CodeYesNo},
		{"yesno other", yesno, Ballot{Choices: []string{"maybe"}}, CodeUnknownOption},
		{"yesno abstain", yesno, Ballot{Abstain: true}, ""},
		{"yesno empty", yesno, Ballot{Choices: []string{}}, CodeEmpty},
		{"ranked full", ranked, Ballot{Choices: []string{"c", "a", "b"}}, ""},
		{"ranked partial", ranked, Ballot{Choices: []string{"c"}}, ""},
		{"ranked repeat", ranked, Ballot{Choices: []string{"a", "b", "a"}}, CodeRepeat},
		{"ranked longer than options", ranked, Ballot{Choices: []string{"a", "b", "c", "a"}}, CodeRepeat},
		{"ranked over max", ranked2, Ballot{Choices: []string{"a", "b", "c"}}, CodeTooMany},
		{"empty id", ranked, Ballot{Choices: []string{""}}, CodeUnknownOption},
		{"RTL override id", ranked, Ballot{Choices: []string{"a\u202e"}}, CodeUnknownOption},
	}
	for _, c := range cases {
		if got := code(ValidBallot(c.r, c.b)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// The error names the option concerned.
	var be *BallotError
	if err := ValidBallot(ranked, Ballot{Choices: []string{"a", "b", "a"}}); !errors.As(err, &be) || be.Option != "a" || err.Error() == "" {
		t.Errorf("repeat error %#v", err)
	}
}

func TestOrderFromRanks(t *testing.T) {
	opts := []string{"a", "b", "c", "d"}
	cases := []struct {
		name  string
		ranks map[string]int
		want  []string
		code  string
	}{
		{"full", map[string]int{"a": 2, "b": 1, "c": 4, "d": 3}, []string{"b", "a", "d", "c"}, ""},
		{"partial, unranked as 0 or absent", map[string]int{"c": 1, "a": 2, "b": 0}, []string{"c", "a"}, ""},
		{"none", map[string]int{}, []string{}, ""},
		{"gap", map[string]int{"a": 1, "b": 3}, nil, CodeGap},
		{"no first", map[string]int{"a": 2}, nil, CodeGap},
		{"repeat", map[string]int{"a": 1, "b": 1}, nil, CodeRepeat},
		{"too high", map[string]int{"a": 5}, nil, CodeBadRank},
		{"negative", map[string]int{"a": -1}, nil, CodeBadRank},
		{"unknown", map[string]int{"z": 1}, nil, CodeUnknownOption},
	}
	for _, c := range cases {
		got, err := OrderFromRanks(opts, c.ranks)
		if code(err) != c.code || (c.code == "" && !equalStrings(got, c.want)) {
			t.Errorf("%s: %v %v, want %v %q", c.name, got, err, c.want, c.code)
		}
	}
	var be *BallotError
	if _, err := OrderFromRanks(opts, map[string]int{"a": 1, "c": 1}); !errors.As(err, &be) || be.Option != "c" {
		t.Errorf("repeat names %v, want c (the later one)", err)
	}
}

func TestRuleCheck(t *testing.T) {
	bad := []Rule{
		{Kind: "approval", Options: []string{"a"}},
		{Kind: KindSingle},
		{Kind: KindSingle, Options: []string{"a", "a"}},
		{Kind: KindSingle, Options: []string{""}},
		{Kind: KindYesNo, Options: []string{"yes", "nope"}},
		{Kind: KindMultiple, Options: []string{"a", "b"}, Seats: 1, MaxChoices: 3},
		{Kind: KindMultiple, Options: []string{"a", "b"}, Seats: 0, MaxChoices: 1},
		{Kind: KindRanked, Options: []string{"a", "b"}, Seats: 0},
		{Kind: KindSingle, Options: []string{"a"}, QuorumPercent: 101},
		{Kind: KindSingle, Options: []string{"a"}, Threshold: "unanimous"},
		{Kind: KindSingle, Options: []string{"a"}, Eligible: -1},
		{Kind: KindSingle, Options: manyOptions(65)},
		{Kind: KindRanked, Options: []string{"a", "b"}, Seats: 65},
	}
	for _, r := range bad {
		if err := r.Check(); !errors.Is(err, ErrRule) {
			t.Errorf("%+v: %v, want ErrRule", r, err)
		}
		if err := ValidBallot(r, Ballot{Abstain: true}); !errors.Is(err, ErrRule) {
			t.Errorf("ValidBallot %+v: %v, want ErrRule", r, err)
		}
		if _, err := Count(r, nil); !errors.Is(err, ErrRule) {
			t.Errorf("Count %+v: %v, want ErrRule", r, err)
		}
	}
}

func TestCountRefuses(t *testing.T) {
	r := Rule{Kind: KindSingle, Options: []string{"a", "b"}, Eligible: 2}
	if _, err := Count(r, profile(t, "3:a")); !errors.Is(err, ErrOverEligible) {
		t.Errorf("over eligible: %v", err)
	}
	if _, err := Count(r, []Ballot{{Receipt: "X", Choices: []string{"a"}}, {Receipt: "X", Choices: []string{"b"}}}); !errors.Is(err, ErrDuplicateReceipt) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := Count(r, []Ballot{{Choices: []string{"a"}}}); !errors.Is(err, ErrNoReceipt) {
		t.Errorf("no receipt: %v", err)
	}
	_, err := Count(r, []Ballot{{Receipt: "X", Choices: []string{"a"}}, {Receipt: "Y", Choices: []string{"c"}}})
	var ce *CountError
	if !errors.As(err, &ce) || ce.Index != 1 || ce.Receipt != "Y" || code(err) != CodeUnknownOption {
		t.Errorf("invalid ballot: %v", err)
	}
}

func TestValueJSON(t *testing.T) {
	for _, s := range []string{"0", "1", "130.40863", "0.00001", "-2.5", "1300.00000"} {
		v := val(t, s)
		b, _ := json.Marshal(v)
		var back Value
		if err := json.Unmarshal(b, &back); err != nil || back != v {
			t.Errorf("%s → %s → %v (%v)", s, b, back, err)
		}
	}
	if val(t, "130.40863") != 13040863 || val(t, "-2.5") != -250000 {
		t.Error("ParseValue scale")
	}
	for _, s := range []string{"", "1.123456", "1e5", "abc", "--1", "1.-2", ".5", "+1", "99999999999999"} {
		if _, err := ParseValue(s); err == nil {
			t.Errorf("ParseValue(%q) accepted", s)
		}
	}
}

func manyOptions(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("o%d", i)
	}
	return out
}

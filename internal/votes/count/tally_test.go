package count

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func yesno(th string, quorum, eligible int) Rule {
	return Rule{Kind: KindYesNo, Options: []string{"yes", "no"}, Threshold: th, QuorumPercent: quorum, Eligible: eligible}
}

func TestYesNoThresholds(t *testing.T) {
	cases := []struct {
		th      string
		yes, no int
		abstain int
		want    string
	}{
		{ThresholdMajority, 6, 5, 0, OutcomeAdopted},
		{ThresholdMajority, 5, 5, 0, OutcomeRejected}, // equal = not adopted
		{ThresholdMajority, 5, 5, 7, OutcomeRejected}, // abstentions count for neither
		{ThresholdPlurality, 3, 2, 10, OutcomeAdopted},
		{"", 2, 2, 0, OutcomeRejected},
		{ThresholdTwoThirds, 6, 3, 0, OutcomeAdopted},      // exactly 2/3
		{ThresholdTwoThirds, 5, 3, 0, OutcomeRejected},     // 62.5 %
		{ThresholdTwoThirds, 7, 4, 0, OutcomeRejected},     // 63.6 %
		{ThresholdThreeQuarters, 9, 3, 0, OutcomeAdopted},  // exactly 3/4
		{ThresholdThreeQuarters, 8, 3, 0, OutcomeRejected}, // 72.7 %
		{ThresholdTwoThirds, 0, 0, 4, OutcomeRejected},     // all abstain
	}
	for _, c := range cases {
		var lines []string
		lines = append(lines, itoa(c.yes)+":yes", itoa(c.no)+":no", itoa(c.abstain)+":")
		b := profile(t, lines...)
		res := mustCount(t, yesno(c.th, 0, 100), b)
		if res.Outcome != c.want || res.Adopted != (c.want == OutcomeAdopted) {
			t.Errorf("%s %d:%d (+%d abstain): %s adopted=%v, want %s", c.th, c.yes, c.no, c.abstain, res.Outcome, res.Adopted, c.want)
		}
		if res.Valid != c.yes+c.no || res.Abstained != c.abstain || res.Cast != c.yes+c.no+c.abstain {
			t.Errorf("cast %d valid %d abstained %d", res.Cast, res.Valid, res.Abstained)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestQuorum(t *testing.T) {
	// 40 % of 25 eligible = 10 ballots; abstentions count.
	res := mustCount(t, yesno(ThresholdMajority, 40, 25), profile(t, "6:yes", "1:no", "3:"))
	if !res.QuorumMet || res.Outcome != OutcomeAdopted || res.TurnoutPercent != 40 {
		t.Errorf("exactly met: %+v", res)
	}
	res = mustCount(t, yesno(ThresholdMajority, 40, 25), profile(t, "6:yes", "1:no", "2:"))
	if res.QuorumMet || res.Outcome != OutcomeNoQuorum || res.Adopted || res.TurnoutPercent != 36 {
		t.Errorf("one short: %+v", res)
	}
	// 33 % of 7 eligible: 3 ballots are 42.86 %, 2 are 28.57 %.
	res = mustCount(t, yesno(ThresholdMajority, 33, 7), profile(t, "2:yes", "1:"))
	if !res.QuorumMet || res.TurnoutPercent != 42.86 {
		t.Errorf("3 of 7: %+v", res)
	}
	res = mustCount(t, yesno(ThresholdMajority, 33, 7), profile(t, "2:yes"))
	if res.QuorumMet || res.TurnoutPercent != 28.57 {
		t.Errorf("2 of 7: %+v", res)
	}
	// No quorum: a ranked vote shows its first preferences but elects nobody.
	r := Rule{Kind: KindRanked, Options: []string{"a", "b"}, Seats: 1, QuorumPercent: 50, Eligible: 10}
	res = mustCount(t, r, profile(t, "4:a>b"))
	if res.Outcome != OutcomeNoQuorum || len(res.Elected) != 0 || res.Counts[0].Votes != 4 || len(res.Rounds) != 0 {
		t.Errorf("ranked no quorum: %+v", res)
	}
}

func TestZeroBallotsAndAllAbstain(t *testing.T) {
	abc := []string{"a", "b", "c"}
	for _, r := range []Rule{
		{Kind: KindSingle, Options: abc, Eligible: 5},
		{Kind: KindMultiple, Options: abc, Seats: 2, MaxChoices: 2, Eligible: 5},
		{Kind: KindRanked, Options: abc, Seats: 2, Eligible: 5},
		yesno("", 0, 5),
	} {
		for _, b := range [][]Ballot{nil, profile(t, "3:")} {
			res := mustCount(t, r, b)
			want := OutcomeNoMajority
			if r.Kind == KindYesNo {
				want = OutcomeRejected
			}
			if res.Outcome != want || len(res.Elected) != 0 || res.Valid != 0 || len(res.Lots) != 0 {
				t.Errorf("%s with %d ballots: %+v", r.Kind, len(b), res)
			}
			if r.Kind != KindYesNo && res.Unfilled != r.seats() {
				t.Errorf("%s: unfilled %d", r.Kind, res.Unfilled)
			}
			if res.Seed != hex.EncodeToString(sha256New(receiptsOf(b))) {
				t.Errorf("seed %s", res.Seed)
			}
		}
	}
	// Eligible 0, nobody voted: turnout 0, quorum trivially met.
	res := mustCount(t, Rule{Kind: KindSingle, Options: abc, QuorumPercent: 50}, nil)
	if res.TurnoutPercent != 0 || !res.QuorumMet {
		t.Errorf("empty roll: %+v", res)
	}
}

func receiptsOf(b []Ballot) []string {
	var out []string
	for _, x := range b {
		out = append(out, x.Receipt)
	}
	sort.Strings(out)
	return out
}

// sha256New is the seed computed the way doc.go describes it, independently
// of Seed.
func sha256New(sorted []string) []byte {
	s := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return s[:]
}

// lotFirst is the option a lot picks, computed the way doc.go describes it.
func lotFirst(seed string, ids ...string) string {
	sb, _ := hex.DecodeString(seed)
	best, bestKey := "", ""
	for _, id := range ids {
		k := sha256.Sum256(append(append(append([]byte{}, sb...), 0), id...))
		if best == "" || string(k[:]) < bestKey {
			best, bestKey = id, string(k[:])
		}
	}
	return best
}

func TestSingleAndMultiple(t *testing.T) {
	abcd := []string{"a", "b", "c", "d"}
	single := Rule{Kind: KindSingle, Options: abcd, Eligible: 100}
	res := mustCount(t, single, profile(t, "5:a", "7:b", "2:c", "3:"))
	if !equalStrings(res.Elected, []string{"b"}) || res.Outcome != OutcomeElected || res.Unfilled != 0 {
		t.Errorf("single: %+v", res)
	}
	// With a majority threshold 7 of 14 is not enough; 8 of 15 is.
	single.Threshold = ThresholdMajority
	res = mustCount(t, single, profile(t, "5:a", "7:b", "2:c", "3:"))
	if len(res.Elected) != 0 || res.Outcome != OutcomeNoMajority || res.Unfilled != 1 {
		t.Errorf("single majority not reached: %+v", res)
	}
	res = mustCount(t, single, profile(t, "5:a", "8:b", "2:c", "3:"))
	if !equalStrings(res.Elected, []string{"b"}) {
		t.Errorf("single majority reached: %+v", res)
	}
	// Tie for first: the lot decides and is recorded.
	single.Threshold = ""
	ballots := profile(t, "4:a", "4:c", "1:b")
	res = mustCount(t, single, ballots)
	want := lotFirst(res.Seed, "a", "c")
	if !equalStrings(res.Elected, []string{want}) || len(res.Lots) != 1 || res.Lots[0].Chosen != want || res.Lots[0].Purpose != LotElect || len(res.Lots[0].Among) != 2 {
		t.Errorf("single tie: %+v (lot says %s)", res, want)
	}

	// Approval, 2 seats: a 6, b 4, c 4, d 1 → a wins, b/c tied for the
	// second seat → lot.
	multi := Rule{Kind: KindMultiple, Options: abcd, Seats: 2, MaxChoices: 3, Eligible: 100}
	res = mustCount(t, multi, profile(t, "3:a>b", "3:a>c", "1:b>c>d", "1:"))
	if res.Counts[0].Votes != 6 || res.Counts[1].Votes != 4 || res.Counts[2].Votes != 4 || res.Counts[3].Votes != 1 {
		t.Errorf("approval counts %+v", res.Counts)
	}
	want = lotFirst(res.Seed, "b", "c")
	if !equalStrings(res.Elected, []string{"a", want}) || len(res.Lots) != 1 {
		t.Errorf("approval tie: %+v", res)
	}
	// Two seats tied three ways after the first: two lots, each recorded.
	multi.Seats = 3
	res = mustCount(t, multi, profile(t, "2:a", "1:b", "1:c", "1:d"))
	if len(res.Elected) != 3 || res.Elected[0] != "a" || len(res.Lots) != 2 || len(res.Lots[1].Among) != 2 {
		t.Errorf("three-way tie for two seats: %+v", res)
	}
	// Two-thirds of 7 valid ballots (≥ 4.67): a with 5 wins, b with 4 does not.
	multi.Seats, multi.Threshold = 2, ThresholdTwoThirds
	res = mustCount(t, multi, profile(t, "4:a>b", "1:a", "2:c"))
	if !equalStrings(res.Elected, []string{"a"}) || res.Unfilled != 1 || res.Outcome != OutcomeElected {
		t.Errorf("approval two-thirds: %+v", res)
	}
	// More seats than options with votes: nobody without a vote wins.
	multi.Seats, multi.Threshold = 4, ""
	res = mustCount(t, multi, profile(t, "2:a>b", "1:c"))
	if !equalStrings(res.Elected, []string{"a", "b", "c"}) || res.Unfilled != 1 || len(res.Lots) != 0 {
		t.Errorf("seats ≥ options: %+v", res)
	}
}

func TestRankedTies(t *testing.T) {
	// Droop's Scottish test "weak-defeat" (test/blt/scotland/weak-defeat.blt):
	// 2 seats, A 1 (A>B), B 2, C 3, D 4, E 5; quota 6. A is excluded, B and
	// C then tie at 3; at the stage before B had 2 and C 3, so B goes
	// (rule 51(2)(a)). C is excluded next, and D and E fill the seats.
	r := Rule{Kind: KindRanked, Options: []string{"a", "b", "c", "d", "e"}, Seats: 2, Eligible: 15}
	res := mustCount(t, r, profile(t, "1:a>b", "2:b", "3:c", "4:d", "5:e"))
	var excl []string
	for _, rd := range res.Rounds {
		excl = append(excl, rd.Excluded...)
	}
	if !equalStrings(excl, []string{"a", "b", "c"}) || len(res.Lots) != 0 || !equalStrings(res.Elected, []string{"e", "d"}) {
		t.Errorf("backward tie-break: excluded %v elected %v lots %+v", excl, res.Elected, res.Lots)
	}
	if last := res.Rounds[len(res.Rounds)-1]; !equalStrings(last.Remaining, []string{"e", "d"}) {
		t.Errorf("rule 52: %+v", last)
	}

	// Lowest tied at every stage: the lot excludes one, and it is recorded
	// with the stage it decides.
	r = Rule{Kind: KindRanked, Options: []string{"a", "b", "c"}, Seats: 1, Eligible: 10}
	res = mustCount(t, r, profile(t, "4:a", "2:b>a", "2:c>a"))
	lost := lotFirst(res.Seed, "b", "c")
	if len(res.Lots) != 1 || res.Lots[0].Purpose != LotExclude || res.Lots[0].Chosen != lost || res.Lots[0].Stage != 2 {
		t.Fatalf("exclusion lot: %+v (want %s)", res.Lots, lost)
	}
	if !equalStrings(res.Rounds[1].Excluded, []string{lost}) || !equalStrings(res.Elected, []string{"a"}) {
		t.Errorf("after lot: %+v", res)
	}

	// Equal surpluses at every stage: the lot decides whose goes first.
	// 25 ballots, 3 seats, quota 25/4+1 = 7; b and c both open with 9.
	r = Rule{Kind: KindRanked, Options: []string{"a", "b", "c", "d", "e"}, Seats: 3, Eligible: 30}
	res = mustCount(t, r, profile(t, "9:c>d", "9:b>e", "3:d", "2:e", "2:a"))
	if len(res.Lots) != 1 || res.Lots[0].Purpose != LotSurplus || res.Lots[0].Stage != 2 {
		t.Fatalf("surplus lot: %+v", res.Lots)
	}
	first := lotFirst(res.Seed, "b", "c")
	if res.Rounds[1].Action != "surplus" || res.Rounds[1].Option != first {
		t.Errorf("surplus order: stage 2 %+v, lot said %s", res.Rounds[1], first)
	}
}

func TestRankedSurplusOrder(t *testing.T) {
	// 30 ballots, 4 seats, quota 30/5+1 = 7. Stage 1: a 10, c 9 (both
	// elected), b 6, d 3, e 2. The largest surplus, a's 3, goes first, at
	// 3/10 = 0.3 a paper, all to b: b 9. Now b and c have equal surpluses
	// of 2; at stage 1 c had more (9 against 6), so c's goes first (rule
	// 49(2)), then b's. No lot.
	r := Rule{Kind: KindRanked, Options: []string{"a", "b", "c", "d", "e"}, Seats: 4, Eligible: 30}
	res := mustCount(t, r, profile(t, "10:a>b", "9:c>d", "6:b>e", "3:d", "2:e"))
	var order []string
	for _, rd := range res.Rounds[1:] {
		if rd.Action == "surplus" {
			order = append(order, rd.Option)
		}
	}
	if len(order) < 2 || order[0] != "a" || order[1] != "c" || len(res.Lots) != 0 {
		t.Fatalf("surplus order %v lots %+v, want a then c", order, res.Lots)
	}
	if res.Rounds[1].Transfers[0] != (CandidateValue{Option: "b", Value: 3 * Unit}) || res.Rounds[1].Fractions != 0 {
		t.Errorf("a's transfer %+v", res.Rounds[1])
	}

	// Truncation: 31 ballots, 3 seats, quota 8. a 12 (surplus 4), all
	// a>c: each paper carries 4/12 = 0.33333 (truncated), c gains 3.99996
	// and 0.00004 is lost to fractions.
	r = Rule{Kind: KindRanked, Options: []string{"a", "b", "c", "d"}, Seats: 3, Eligible: 40}
	res = mustCount(t, r, profile(t, "12:a>c", "10:b>d", "6:c>d", "3:d"))
	if res.Rounds[1].Option != "a" || res.Rounds[1].Fractions != 4 || res.Rounds[1].Transfers[0].Value != val(t, "3.99996") {
		t.Errorf("truncated transfer %+v", res.Rounds[1])
	}
	// c is elected by it; with every seat filled nothing more is
	// transferred (b's surplus stays).
	if len(res.Rounds) != 2 || !equalStrings(res.Elected, []string{"a", "b", "c"}) {
		t.Errorf("after the seats are filled: %d stages, elected %v", len(res.Rounds), res.Elected)
	}
}

func TestRankedExhaustedAndSeats(t *testing.T) {
	// Exhausted papers: b's voters rank nobody else.
	r := Rule{Kind: KindRanked, Options: []string{"a", "b", "c"}, Seats: 1, Eligible: 20}
	res := mustCount(t, r, profile(t, "6:a", "3:b", "5:c>a"))
	// Quota 8. Exclude b (3, non-transferable), then c (5) → a 11.
	if !equalStrings(res.Elected, []string{"a"}) || res.Rounds[1].NonTransferable != 3*Unit {
		t.Errorf("exhausted: %+v", res)
	}
	// One seat with a majority threshold: a ends with 6 of 14 valid → none.
	r.Threshold = ThresholdMajority
	res = mustCount(t, r, profile(t, "6:a", "3:b", "5:c"))
	if len(res.Elected) != 0 || res.Outcome != OutcomeNoMajority {
		t.Errorf("IRV majority of all valid: %+v", res)
	}
	// Seats ≥ candidates: every candidate is elected at once (rule 52),
	// the extra seats stay empty.
	r = Rule{Kind: KindRanked, Options: []string{"a", "b"}, Seats: 3, Eligible: 20}
	res = mustCount(t, r, profile(t, "1:a", "5:b"))
	if !equalStrings(res.Elected, []string{"b", "a"}) || res.Unfilled != 1 || len(res.Rounds) != 1 {
		t.Errorf("seats ≥ candidates: %+v", res)
	}
	// Seats = candidates, one with no first preference: still deemed elected.
	r.Seats = 2
	res = mustCount(t, r, profile(t, "3:b"))
	if !equalStrings(res.Elected, []string{"b", "a"}) || res.Unfilled != 0 {
		t.Errorf("seats = candidates: %+v", res)
	}
}

package count

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// FuzzBoard feeds arbitrary bytes to the board decoder and Verify: no
// panic, and a board that verifies cleanly still does after being encoded
// again.
func FuzzBoard(f *testing.F) {
	for _, b := range seedBoards(f) {
		js, _ := MarshalBoard(b)
		f.Add(js)
	}
	f.Add([]byte(`{"format":"unionhall-vote-board","version":1,"vote":{"kind":"ranked","options":[{"id":"a"},{"id":"b"}],"seats":64,"eligible":2},"ballots":[{"receipt":"x","choices":["b","a"]}],"result":{"quota":0.00001}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBoard(bytes.NewReader(data))
		if err != nil {
			return
		}
		res, problems := Verify(b)
		if len(problems) > 0 {
			return
		}
		js, err := MarshalBoard(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := ReadBoard(bytes.NewReader(js))
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, js)
		}
		res2, problems := Verify(b2)
		if len(problems) > 0 || res2.Outcome != res.Outcome {
			t.Fatalf("clean board no longer verifies: %v", problems)
		}
	})
}

func seedBoards(tb testing.TB) []Board {
	var out []Board
	add := func(v BoardVote, lines ...string) {
		ballots := profile(tb, lines...)
		res, err := Count(v.Rule(), ballots)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, MakeBoard(v, ballots, res))
	}
	add(BoardVote{ID: "r", Kind: KindRanked, Options: opts("a", "b", "c", "d"), Seats: 2, Eligible: 20}, "5:a>b", "4:b>c>d", "3:c", "2:d>a", "1:")
	add(BoardVote{ID: "y", Kind: KindYesNo, Options: opts("yes", "no"), Threshold: ThresholdTwoThirds, QuorumPercent: 30, Eligible: 9}, "2:yes", "1:no", "1:")
	add(BoardVote{ID: "m", Kind: KindMultiple, Options: opts("a", "b", "c"), Seats: 2, MaxChoices: 2, Eligible: 9}, "2:a>b", "2:c", "1:b>c")
	add(BoardVote{ID: "s", Kind: KindSingle, Options: opts("a", "b"), Eligible: 4}, "1:a", "1:b")
	return out
}

func opts(ids ...string) []BoardOption {
	out := make([]BoardOption, len(ids))
	for i, id := range ids {
		out[i] = BoardOption{ID: id, Label: map[string]string{"en": id}}
	}
	return out
}

// fuzzElection derives a rule and ballots from bytes: the first bytes set
// the kind, options, seats, marks, quorum and threshold; then each ballot
// is a length byte and that many option bytes (some outside the options,
// to make invalid ballots).
func fuzzElection(data []byte) (Rule, []Ballot) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	kinds := []Kind{KindSingle, KindMultiple, KindYesNo, KindRanked}
	r := Rule{Kind: kinds[next()%4]}
	n := 1 + int(next()%10)
	if r.Kind == KindYesNo {
		r.Options = []string{OptionYes, OptionNo}
	} else {
		for i := range n {
			r.Options = append(r.Options, fmt.Sprintf("o%d", i))
		}
	}
	r.Seats = 1 + int(next()%6)
	r.MaxChoices = 1 + int(next())%len(r.Options)
	if r.Kind == KindRanked && next()%2 == 0 {
		r.MaxChoices = 0
	}
	r.QuorumPercent = int(next() % 101)
	r.Threshold = []string{"", ThresholdPlurality, ThresholdMajority, ThresholdTwoThirds, ThresholdThreeQuarters}[next()%5]
	var ballots []Ballot
	for len(data) > 0 {
		l := int(next() % 12)
		b := Ballot{Receipt: fmt.Sprintf("F%05d", len(ballots))}
		if l == 11 {
			b.Abstain = true
		}
		for range l % 11 {
			c := int(next())
			if c >= 250 {
				b.Choices = append(b.Choices, "nope")
			} else {
				b.Choices = append(b.Choices, r.Options[c%len(r.Options)])
			}
		}
		ballots = append(ballots, b)
	}
	r.Eligible = len(ballots) + int(next()%8)
	return r, ballots
}

// FuzzCount checks ValidBallot and Count on generated elections: no panic;
// every valid ballot is counted once; each STV stage conserves the votes;
// winners are distinct options, no more than the seats; the count does not
// depend on the ballots' order; Verify agrees with its own board.
func FuzzCount(f *testing.F) {
	f.Add([]byte{3, 4, 1, 0, 1, 0, 0, 3, 0, 1, 2, 3, 1, 2, 3, 2, 3, 0, 2, 1, 3, 1, 0})
	f.Add([]byte{3, 9, 2, 0, 0, 0, 0, 4, 1, 2, 3, 4, 4, 4, 3, 2, 1, 2, 5, 6, 11, 1, 7, 1, 7})
	f.Add([]byte{0, 2, 0, 0, 0, 50, 2, 1, 0, 1, 1, 1, 0, 11})
	f.Add([]byte{1, 5, 2, 2, 0, 0, 3, 2, 0, 1, 2, 1, 4, 2, 2, 3, 9, 255, 1})
	f.Add([]byte{2, 0, 0, 0, 0, 60, 3, 1, 0, 1, 1, 1, 1, 2, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, all := fuzzElection(data)
		var valid []Ballot
		for _, b := range all {
			if ValidBallot(r, b) == nil {
				valid = append(valid, b)
			}
		}
		res, err := Count(r, valid)
		if err != nil {
			t.Fatalf("count of valid ballots: %v (rule %+v)", err, r)
		}
		checkConservation(t, r, res)
		if res.Cast != len(valid) {
			t.Fatalf("cast %d, gave %d", res.Cast, len(valid))
		}
		if len(res.Elected) > r.seats() || len(res.Elected)+res.Unfilled != r.seats() && r.Kind != KindYesNo {
			t.Fatalf("elected %v unfilled %d for %d seats", res.Elected, res.Unfilled, r.seats())
		}
		seen := map[string]bool{}
		for _, e := range res.Elected {
			if seen[e] || !slices.Contains(r.Options, e) {
				t.Fatalf("elected %v", res.Elected)
			}
			seen[e] = true
		}
		if r.Kind == KindRanked {
			for _, rd := range res.Rounds {
				for _, v := range rd.Values {
					if v.Value < 0 {
						t.Fatalf("negative value %+v", rd)
					}
				}
			}
		}
		rev := slices.Clone(valid)
		slices.Reverse(rev)
		res2, err := Count(r, rev)
		if err != nil || !sameResult(res, res2) {
			t.Fatalf("order changes the count: %+v\n%+v", res, res2)
		}
		v := BoardVote{ID: "f", Kind: r.Kind, Seats: r.Seats, MaxChoices: r.MaxChoices, QuorumPercent: r.QuorumPercent, Threshold: r.Threshold, Eligible: r.Eligible}
		for _, o := range r.Options {
			v.Options = append(v.Options, BoardOption{ID: o})
		}
		b := MakeBoard(v, valid, res)
		js, _ := MarshalBoard(b)
		b2, err := ReadBoard(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if _, problems := Verify(b2); len(problems) > 0 {
			t.Fatalf("own board: %v", problems)
		}
	})
}

func sameResult(a, b Result) bool {
	var p problems
	diffResults(&p, a, b, Rule{})
	return len(p.list) == 0
}

// FuzzOrderFromRanks reads rank forms as the ballot page receives them:
// an order comes back only when the ranks are 1…k without a hole or a
// repeat, it holds exactly the ranked options in rank order, and it is a
// valid ranked ballot.
func FuzzOrderFromRanks(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4})
	f.Add([]byte{1, 3, 0, 0})
	f.Add([]byte{2, 2, 1, 0})
	f.Add([]byte{0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		options := []string{"o1", "o2", "o3", "o4", "o5"}
		ranks := map[string]int{}
		for i, b := range data {
			if i >= len(options)+1 {
				break
			}
			id := "zz"
			if i < len(options) {
				id = options[i]
			} else if b%2 == 0 {
				break // only sometimes an unknown id
			}
			ranks[id] = int(int8(b)) % 8
		}
		order, err := OrderFromRanks(options, ranks)
		if err != nil {
			if _, ok := err.(*BallotError); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		ranked := 0
		for id, n := range ranks {
			if n != 0 {
				ranked++
				if n < 1 || n > len(order) || order[n-1] != id {
					t.Fatalf("ranks %v → %v", ranks, order)
				}
			}
		}
		if ranked != len(order) {
			t.Fatalf("ranks %v → %v", ranks, order)
		}
		r := Rule{Kind: KindRanked, Options: options, Seats: 1, Eligible: 1}
		if err := ValidBallot(r, Ballot{Choices: order}); len(order) > 0 && err != nil {
			t.Fatalf("order %v not a valid ballot: %v", order, err)
		}
	})
}

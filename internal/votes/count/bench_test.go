package count

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchBallots makes n ranked ballots over the given options the way an
// electorate might fill them in: each voter leans to one of a few
// factions, ranks between one and all options, and orders them by weights
// with noise (a Plackett–Luce draw). Identical rankings recur, as they do
// in real elections, but thousands are distinct.
func benchBallots(n int, options []string) []Ballot {
	rng := rand.New(rand.NewPCG(2026, 10))
	factions := make([][]float64, 4)
	for f := range factions {
		factions[f] = make([]float64, len(options))
		for i := range options {
			factions[f][i] = rng.ExpFloat64()
		}
	}
	out := make([]Ballot, n)
	w := make([]float64, len(options))
	for i := range out {
		copy(w, factions[rng.IntN(len(factions))])
		length := 1 + rng.IntN(len(options))
		if rng.IntN(3) == 0 {
			length = 1 + rng.IntN(3) // many voters rank only a few
		}
		choices := make([]string, 0, length)
		for len(choices) < length {
			var sum float64
			for _, x := range w {
				sum += x
			}
			pick := rng.Float64() * sum
			for j, x := range w {
				if x == 0 {
					continue
				}
				pick -= x
				if pick <= 0 || j == len(w)-1 {
					choices = append(choices, options[j])
					w[j] = 0
					break
				}
			}
		}
		out[i] = Ballot{Receipt: fmt.Sprintf("%08X", rng.Uint32()) + fmt.Sprintf("%06d", i), Choices: choices}
	}
	return out
}

func benchRule(seats int) (Rule, []Ballot) {
	options := []string{"o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10"}
	ballots := benchBallots(100_000, options)
	return Rule{Kind: KindRanked, Options: options, Seats: seats, Eligible: 150_000, QuorumPercent: 25}, ballots
}

// BenchmarkCountRanked100k: the tally of 100,000 ranked ballots over 10
// options (issue 10 asks for tally and board in under a second).
func BenchmarkCountRanked100k(b *testing.B) {
	for _, seats := range []int{3, 1} {
		r, ballots := benchRule(seats)
		b.Run(fmt.Sprintf("seats=%d", seats), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Count(r, ballots); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBoard100k: sort and encode the board JSON of that count.
func BenchmarkBoard100k(b *testing.B) {
	r, ballots := benchRule(3)
	res, err := Count(r, ballots)
	if err != nil {
		b.Fatal(err)
	}
	v := BoardVote{ID: "v", Kind: r.Kind, Seats: r.Seats, Eligible: r.Eligible, QuorumPercent: r.QuorumPercent}
	for _, o := range r.Options {
		v.Options = append(v.Options, BoardOption{ID: o, Label: map[string]string{"cs": o, "en": o}})
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		js, err := MarshalBoard(MakeBoard(v, ballots, res))
		if err != nil {
			b.Fatal(err)
		}
		size = len(js)
	}
	b.ReportMetric(float64(size), "bytes/board")
}

// BenchmarkCountAndBoard100k is the whole close: count, then the board.
func BenchmarkCountAndBoard100k(b *testing.B) {
	r, ballots := benchRule(3)
	v := BoardVote{ID: "v", Kind: r.Kind, Seats: r.Seats, Eligible: r.Eligible, QuorumPercent: r.QuorumPercent}
	for _, o := range r.Options {
		v.Options = append(v.Options, BoardOption{ID: o, Label: map[string]string{"cs": o, "en": o}})
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Count(r, ballots)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := MarshalBoard(MakeBoard(v, ballots, res)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify100k: what `unionhall votes verify` does after reading.
func BenchmarkVerify100k(b *testing.B) {
	r, ballots := benchRule(3)
	res, _ := Count(r, ballots)
	v := BoardVote{ID: "v", Kind: r.Kind, Seats: r.Seats, Eligible: r.Eligible, QuorumPercent: r.QuorumPercent}
	for _, o := range r.Options {
		v.Options = append(v.Options, BoardOption{ID: o})
	}
	board := MakeBoard(v, ballots, res)
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := Verify(board); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

func TestBenchBallotsShape(t *testing.T) {
	r, ballots := benchRule(3)
	res := mustCount(t, r, ballots)
	if len(res.Elected) != 3 || len(res.Rounds) < 3 {
		t.Errorf("benchmark election too trivial: %+v", res.Elected)
	}
	p := parsed{groups: map[string]int{}}
	ix := newIndex(r.Options)
	for _, b := range ballots {
		c, _ := parseBallot(r, ix, b, nil)
		p.add(false, c)
	}
	t.Logf("%d ballots, %d distinct rankings, %d stages", len(ballots), len(p.lists), len(res.Rounds))
}

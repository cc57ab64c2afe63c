package count

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// referenceSTV is a second, deliberately plain reading of rules 45–52:
// paper by paper (no grouping), candidates by name, values recomputed from
// the papers at every step. Count must agree with it on every stage.
func referenceSTV(r Rule, ballots []Ballot, seed [32]byte) (elected []string, stages [][]CandidateValue, lots []Lot) {
	type paper struct {
		prefs []string
		at    int
		value Value
	}
	var papers []*paper
	for _, b := range ballots {
		if !b.Abstain {
			papers = append(papers, &paper{prefs: b.Choices, value: Unit})
		}
	}
	state := map[string]string{} // "" continuing, "e" elected, "x" excluded
	pending := map[string]bool{}
	quota := Value(len(papers)/(r.Seats+1)+1) * Unit
	holder := func(p *paper) string {
		if p.at < len(p.prefs) {
			return p.prefs[p.at]
		}
		return ""
	}
	votes := func(c string) Value {
		var v Value
		for _, p := range papers {
			if holder(p) == c {
				v += p.value
			}
		}
		return v
	}
	kept := map[string]Value{} // an elected candidate's value once its surplus has gone
	value := func(c string) Value {
		if v, ok := kept[c]; ok {
			return v
		}
		return votes(c)
	}
	var hist []map[string]Value
	endStage := func() {
		h := map[string]Value{}
		var vals []CandidateValue
		for _, c := range r.Options {
			h[c] = value(c)
			if state[c] != "x" {
				vals = append(vals, CandidateValue{Option: c, Value: h[c]})
			}
		}
		hist = append(hist, h)
		var now []string
		for _, c := range r.Options {
			if state[c] == "" && h[c] >= quota {
				now = append(now, c)
			}
		}
		slices.SortStableFunc(now, func(a, b string) int { return int(h[b] - h[a]) })
		for _, c := range now {
			state[c], pending[c] = "e", h[c] > quota
			elected = append(elected, c)
		}
		stages = append(stages, vals)
	}
	moveOn := func(p *paper) {
		for p.at++; p.at < len(p.prefs) && state[p.prefs[p.at]] != ""; p.at++ {
		}
	}
	choose := func(tied []string, high bool, purpose string) string {
		for st := len(hist) - 1; st >= 0 && len(tied) > 1; st-- {
			best := hist[st][tied[0]]
			for _, c := range tied {
				if (high && hist[st][c] > best) || (!high && hist[st][c] < best) {
					best = hist[st][c]
				}
			}
			var keep []string
			for _, c := range tied {
				if hist[st][c] == best {
					keep = append(keep, c)
				}
			}
			tied = keep
		}
		if len(tied) == 1 {
			return tied[0]
		}
		order := LotOrder(seed, tied)
		lots = append(lots, Lot{Stage: len(hist) + 1, Purpose: purpose, Among: order, Chosen: order[0]})
		return order[0]
	}
	endStage()
	for len(elected) < r.Seats {
		var cont, pend []string
		for _, c := range r.Options {
			if state[c] == "" {
				cont = append(cont, c)
			}
			if pending[c] {
				pend = append(pend, c)
			}
		}
		if len(cont) <= r.Seats-len(elected) {
			slices.SortStableFunc(cont, func(a, b string) int { return int(value(b) - value(a)) })
			return append(elected, cont...), stages, lots
		}
		if len(pend) > 0 {
			c := choose(pend, true, LotSurplus)
			total := value(c)
			surplus := total - quota
			for _, p := range papers {
				if holder(p) == c {
					p.value = surplus * p.value / total
					moveOn(p)
				}
			}
			pending[c] = false
			kept[c] = quota
		} else {
			c := choose(cont, false, LotExclude)
			state[c] = "x"
			for _, p := range papers {
				if holder(p) == c {
					moveOn(p)
				}
			}
		}
		endStage()
	}
	return elected, stages, lots
}

func randomRanked(rng *rand.Rand, n, nopt int) []Ballot {
	out := make([]Ballot, n)
	for i := range out {
		out[i].Receipt = fmt.Sprintf("P%05d", i)
		if rng.IntN(15) == 0 {
			out[i].Abstain = true
			continue
		}
		perm := rng.Perm(nopt)
		for _, c := range perm[:1+rng.IntN(nopt)] {
			out[i].Choices = append(out[i].Choices, fmt.Sprintf("c%d", c))
		}
	}
	return out
}

// TestCountMatchesPaperByPaper compares Count with referenceSTV on a few
// thousand small random elections, where ties and lots are frequent.
func TestCountMatchesPaperByPaper(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 52))
	lotsSeen := 0
	for i := 0; i < 3000; i++ {
		nopt := 2 + rng.IntN(6)
		r := Rule{Kind: KindRanked, Seats: 1 + rng.IntN(nopt), Eligible: 100}
		for c := 0; c < nopt; c++ {
			r.Options = append(r.Options, fmt.Sprintf("c%d", c))
		}
		ballots := randomRanked(rng, 1+rng.IntN(40), nopt)
		res := mustCount(t, r, ballots)
		if res.Valid == 0 {
			continue
		}
		var sorted []string
		for _, b := range ballots {
			sorted = append(sorted, b.Receipt)
		}
		slices.Sort(sorted)
		elected, stages, lots := referenceSTV(r, ballots, Seed(sorted))
		if !slices.Equal(elected, res.Elected) || len(stages) != len(res.Rounds) || len(lots) != len(res.Lots) {
			t.Fatalf("election %d (%+v): Count elected %v in %d stages with lots %+v; reference %v in %d stages with %+v",
				i, r, res.Elected, len(res.Rounds), res.Lots, elected, len(stages), lots)
		}
		for s := range stages {
			if !slices.Equal(stages[s], res.Rounds[s].Values) {
				t.Fatalf("election %d stage %d: %v, reference %v", i, s+1, res.Rounds[s].Values, stages[s])
			}
		}
		for l := range lots {
			if !slices.Equal(lots[l].Among, res.Lots[l].Among) || lots[l].Stage != res.Lots[l].Stage || lots[l].Purpose != res.Lots[l].Purpose {
				t.Fatalf("election %d lot %d: %+v, reference %+v", i, l, res.Lots[l], lots[l])
			}
		}
		lotsSeen += len(lots)
	}
	if lotsSeen == 0 {
		t.Error("no lot drawn in the random elections: the comparison misses the lot rules")
	}
	t.Logf("%d lots compared", lotsSeen)
}

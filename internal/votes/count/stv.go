package count

import "sort"

// Candidate states during an STV count.
const (
	continuing = iota
	elected
	excluded
)

// group is a set of identical ballot papers; they always travel together,
// so one group stands for all of them: its value is each paper's value.
type group struct {
	prefs []int // candidate indices, most preferred first
	n     Value // number of papers
	pos   int   // prefs[pos] holds the papers now
	value Value // value of each paper (Unit until a surplus transfer)
}

// stv counts ranked ballots by the Scottish rules (see doc.go).
type stv struct {
	r       Rule
	seats   int
	lots    *lotter
	groups  []group
	held    [][]int // candidate → groups it holds
	total   []Value
	state   []int
	pending []bool // elected with a surplus not yet transferred
	elected []int
	quota   Value
	hist    [][]Value // every candidate's value at the end of each stage
	rounds  []Round
}

func newSTV(r Rule, p *parsed, lots *lotter) *stv {
	n := len(r.Options)
	s := &stv{r: r, seats: r.seats(), lots: lots,
		held: make([][]int, n), total: make([]Value, n), state: make([]int, n), pending: make([]bool, n)}
	s.groups = make([]group, len(p.lists))
	for i, l := range p.lists {
		s.groups[i] = group{prefs: l, n: Value(p.counts[i]), value: Unit}
	}
	valid := p.cast - p.abstained
	s.quota = Value(valid/(s.seats+1)+1) * Unit // rule 46
	return s
}

func (s *stv) run() {
	// Rule 45: first preferences.
	for i := range s.groups {
		g := &s.groups[i]
		c := g.prefs[0]
		s.held[c] = append(s.held[c], i)
		s.total[c] += g.n * g.value
	}
	s.endStage(Round{Stage: 1, Action: "first"})
	for len(s.elected) < s.seats {
		left := s.seats - len(s.elected)
		var cont []int
		for c, st := range s.state {
			if st == continuing {
				cont = append(cont, c)
			}
		}
		if len(cont) <= left {
			// Rule 52: the continuing candidates are deemed elected and
			// nothing more is transferred.
			s.byValue(cont)
			last := &s.rounds[len(s.rounds)-1]
			for _, c := range cont {
				s.state[c] = elected
				s.elected = append(s.elected, c)
				last.Remaining = append(last.Remaining, s.r.Options[c])
			}
			return
		}
		var pend []int
		for c, p := range s.pending {
			if p {
				pend = append(pend, c)
			}
		}
		if len(pend) > 0 {
			s.transferSurplus(s.pick(pend, true, LotSurplus)) // rules 48, 49
		} else {
			s.exclude(s.pick(cont, false, LotExclude)) // rules 50, 51
		}
	}
}

// byValue orders candidates by their value, highest first, equal values in
// ballot order (the order among candidates elected at one stage decides
// nothing: surpluses follow rule 49).
func (s *stv) byValue(cs []int) {
	sort.SliceStable(cs, func(a, b int) bool { return s.total[cs[a]] > s.total[cs[b]] })
}

// endStage records the stage and elects whoever reached the quota (rule 47).
func (s *stv) endStage(r Round) {
	s.hist = append(s.hist, append([]Value(nil), s.total...))
	var now []int
	for c, st := range s.state {
		if st == continuing && s.total[c] >= s.quota {
			now = append(now, c)
		}
	}
	s.byValue(now)
	for _, c := range now {
		s.state[c] = elected
		s.pending[c] = s.total[c] > s.quota
		s.elected = append(s.elected, c)
		r.Elected = append(r.Elected, s.r.Options[c])
	}
	for c, st := range s.state {
		if st != excluded {
			r.Values = append(r.Values, CandidateValue{Option: s.r.Options[c], Value: s.total[c]})
		}
	}
	s.rounds = append(s.rounds, r)
}

// pick chooses among candidates the one with the highest (surplus) or
// lowest (exclusion) value. A tie looks back at the most recent earlier
// stage where the tied candidates' values differed, keeps those with the
// highest (lowest) value there and goes on back while several remain;
// candidates equal at every stage are separated by lot (rules 49, 51).
func (s *stv) pick(cs []int, highest bool, purpose string) int {
	better := func(a, b Value) bool {
		if highest {
			return a > b
		}
		return a < b
	}
	tied := extreme(cs, s.hist[len(s.hist)-1], better)
	for st := len(s.hist) - 2; st >= 0 && len(tied) > 1; st-- {
		tied = extreme(tied, s.hist[st], better)
	}
	if len(tied) == 1 {
		return tied[0]
	}
	return s.lots.draw(len(s.rounds)+1, purpose, tied)
}

// extreme returns the candidates of cs whose value in vals is best.
func extreme(cs []int, vals []Value, better func(a, b Value) bool) []int {
	best := vals[cs[0]]
	for _, c := range cs[1:] {
		if better(vals[c], best) {
			best = vals[c]
		}
	}
	var out []int
	for _, c := range cs {
		if vals[c] == best {
			out = append(out, c)
		}
	}
	return out
}

// advance moves a group to its next preference for a continuing candidate
// and returns that candidate, or -1 when there is none (non-transferable).
func (s *stv) advance(g *group) int {
	for g.pos++; g.pos < len(g.prefs); g.pos++ {
		if c := g.prefs[g.pos]; s.state[c] == continuing {
			return c
		}
	}
	return -1
}

// transferSurplus transfers every paper of an elected candidate at
// surplus × (the paper's value) / (the candidate's votes), truncated to
// five decimals (rule 48: weighted inclusive Gregory).
func (s *stv) transferSurplus(c int) {
	r := Round{Stage: len(s.rounds) + 1, Action: "surplus", Option: s.r.Options[c]}
	surplus, votes := s.total[c]-s.quota, s.total[c]
	received := make([]Value, len(s.total))
	var moved Value
	for _, gi := range s.held[c] {
		g := &s.groups[gi]
		g.value = surplus * g.value / votes // integer division truncates
		amount := g.value * g.n
		if next := s.advance(g); next >= 0 {
			s.held[next] = append(s.held[next], gi)
			received[next] += amount
			s.total[next] += amount
		} else {
			r.NonTransferable += amount
		}
		moved += amount
	}
	s.held[c] = nil
	s.total[c] = s.quota
	s.pending[c] = false
	r.Fractions = surplus - moved
	r.Transfers = s.transfers(received)
	s.endStage(r)
}

// exclude transfers every paper of the candidate with the lowest value at
// the value it had when that candidate received it (rule 50).
func (s *stv) exclude(c int) {
	r := Round{Stage: len(s.rounds) + 1, Action: "exclude", Option: s.r.Options[c], Excluded: []string{s.r.Options[c]}}
	s.state[c] = excluded
	received := make([]Value, len(s.total))
	for _, gi := range s.held[c] {
		g := &s.groups[gi]
		amount := g.value * g.n
		if next := s.advance(g); next >= 0 {
			s.held[next] = append(s.held[next], gi)
			received[next] += amount
			s.total[next] += amount
		} else {
			r.NonTransferable += amount
		}
	}
	s.held[c] = nil
	s.total[c] = 0
	r.Transfers = s.transfers(received)
	s.endStage(r)
}

func (s *stv) transfers(received []Value) []CandidateValue {
	var out []CandidateValue
	for c, v := range received {
		if v != 0 {
			out = append(out, CandidateValue{Option: s.r.Options[c], Value: v})
		}
	}
	return out
}

func (s *stv) electedIDs() []string {
	out := make([]string, len(s.elected))
	for i, c := range s.elected {
		out[i] = s.r.Options[c]
	}
	return out
}

// final is a candidate's value at the end of the count.
func (s *stv) final(id string) Value {
	for c, o := range s.r.Options {
		if o == id {
			return s.total[c]
		}
	}
	return 0
}

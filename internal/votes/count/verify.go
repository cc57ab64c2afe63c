package count

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MakeBoard assembles the board of a counted vote: the ballots sorted by
// receipt (a copy; the caller's slice is left alone) and the result.
func MakeBoard(v BoardVote, ballots []Ballot, res Result) Board {
	sorted := slices.Clone(ballots)
	slices.SortFunc(sorted, func(a, b Ballot) int { return strings.Compare(a.Receipt, b.Receipt) })
	if sorted == nil {
		sorted = []Ballot{}
	}
	return Board{Format: BoardFormat, Version: BoardVersion, Vote: v, Ballots: sorted, Result: res}
}

// ReadBoard decodes one board JSON document. Unknown fields and trailing
// data are errors: a verifier must not skip what it does not understand.
// The caller bounds the size (the command reads at most a set number of bytes).
func ReadBoard(r io.Reader) (Board, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var b Board
	if err := dec.Decode(&b); err != nil {
		return Board{}, fmt.Errorf("read board: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Board{}, errors.New("read board: data after the board's JSON object")
	}
	return b, nil
}

// maxSame bounds how many disagreements of one kind Verify spells out (a
// board with 100,000 bad ballots gets 20 lines and a count, not 100,000).
const maxSame = 20

type problems struct {
	list   []string
	counts map[string]int
}

func (p *problems) add(kind, format string, a ...any) {
	if p.counts == nil {
		p.counts = map[string]int{}
	}
	p.counts[kind]++
	if p.counts[kind] <= maxSame {
		p.list = append(p.list, fmt.Sprintf(format, a...))
	}
}

func (p *problems) done() []string {
	kinds := make([]string, 0, len(p.counts))
	for k := range p.counts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if n := p.counts[k]; n > maxSame {
			p.list = append(p.list, fmt.Sprintf("… and %d more problems of the kind %q", n-maxSame, k))
		}
	}
	return p.list
}

// Verify recounts a board from its ballots and its vote's rule, and lists
// every disagreement in words: the format, receipts that are empty,
// repeated or out of order, ballots not valid under the rule, more ballots
// than eligible voters, and every figure of the published result that the
// recount does not reproduce (turnout, quorum, counts, each stage, lots,
// who won, the outcome). No disagreement means the board is consistent.
// The recount leaves out invalid ballots; it is returned either way.
func Verify(b Board) (Result, []string) {
	var p problems
	if b.Format != BoardFormat {
		p.add("format", "format is %q, expected %q", b.Format, BoardFormat)
	}
	if b.Version != BoardVersion {
		p.add("format", "version is %d, this verifier knows version %d", b.Version, BoardVersion)
	}
	r := b.Vote.Rule()
	if err := r.Check(); err != nil {
		p.add("rule", "the vote's rule cannot be counted: %v", err)
		return Result{}, p.done()
	}
	if len(b.Ballots) > r.Eligible {
		p.add("eligible", "%d ballots on the board but only %d eligible voters", len(b.Ballots), r.Eligible)
	}
	ix := newIndex(r.Options)
	pr := parsed{groups: make(map[string]int)}
	receipts := make([]string, 0, len(b.Ballots))
	var buf []int
	for i, bal := range b.Ballots {
		receipts = append(receipts, bal.Receipt)
		switch {
		case bal.Receipt == "":
			p.add("receipt", "ballot %d has no receipt", i+1)
		case i > 0 && bal.Receipt == b.Ballots[i-1].Receipt:
			p.add("receipt", "receipt %s appears more than once", bal.Receipt)
		case i > 0 && bal.Receipt < b.Ballots[i-1].Receipt:
			p.add("order", "ballots are not sorted by receipt: %s comes after %s", bal.Receipt, b.Ballots[i-1].Receipt)
		}
		var err error
		buf, err = parseBallot(r, ix, bal, buf[:0])
		if err != nil {
			p.add("ballot", "ballot %s is not valid: %s", bal.Receipt, describe(err))
			continue
		}
		pr.add(bal.Abstain, buf)
	}
	// A repeat anywhere, not only next to its twin, when the order is off.
	sorted := slices.Clone(receipts)
	slices.Sort(sorted)
	if !slices.Equal(sorted, receipts) {
		for i := 1; i < len(sorted); i++ {
			if sorted[i] == sorted[i-1] && sorted[i] != "" {
				p.add("receipt", "receipt %s appears more than once", sorted[i])
			}
		}
	}
	res := tally(r, &pr, Seed(sorted))
	diffResults(&p, b.Result, res, r)
	return res, p.done()
}

func describe(err error) string {
	var be *BallotError
	if errors.As(err, &be) {
		if be.Option != "" {
			return fmt.Sprintf("%s (option %q)", be.Code, be.Option)
		}
		return be.Code
	}
	return err.Error()
}

// diffResults compares the board's result (got) with the recount (want).
func diffResults(p *problems, got, want Result, r Rule) {
	num := func(name string, g, w any) {
		if g != w {
			p.add("result", "%s: the board says %v, the recount gives %v", name, g, w)
		}
	}
	num("ballots cast", got.Cast, want.Cast)
	num("abstentions", got.Abstained, want.Abstained)
	num("valid ballots", got.Valid, want.Valid)
	num("eligible voters", got.Eligible, want.Eligible)
	num("turnout percent", got.TurnoutPercent, want.TurnoutPercent)
	if got.QuorumMet != want.QuorumMet {
		p.add("result", "quorum: the board says %s, but %d of %d eligible cast a ballot and %d %% are needed, so it was %s",
			metWord(got.QuorumMet), want.Cast, want.Eligible, r.QuorumPercent, metWord(want.QuorumMet))
	}
	if len(got.Counts) != len(want.Counts) {
		p.add("result", "counts: the board lists %d options, the vote has %d", len(got.Counts), len(want.Counts))
	} else {
		for i := range want.Counts {
			if got.Counts[i] != want.Counts[i] {
				p.add("result", "votes for %s: the board says %s has %d, the recount gives %d",
					want.Counts[i].Option, got.Counts[i].Option, got.Counts[i].Votes, want.Counts[i].Votes)
			}
		}
	}
	num("quota", got.Quota, want.Quota)
	diffRounds(p, got.Rounds, want.Rounds)
	if !slices.Equal(got.Elected, want.Elected) {
		p.add("result", "elected: the board says [%s], the recount gives [%s]", joinIDs(got.Elected), joinIDs(want.Elected))
	}
	if got.Adopted != want.Adopted {
		msg := fmt.Sprintf("adopted: the board says %v, the recount gives %v", got.Adopted, want.Adopted)
		if r.Kind == KindYesNo && len(want.Counts) == 2 {
			yes, no := votesOf(want, OptionYes), votesOf(want, OptionNo)
			th := r.Threshold
			if th == "" {
				th = ThresholdPlurality
			}
			msg += fmt.Sprintf(" (%d yes, %d no, threshold %s, quorum %s)", yes, no, th, metWord(want.QuorumMet))
		}
		p.add("result", "%s", msg)
	}
	num("outcome", got.Outcome, want.Outcome)
	num("unfilled seats", got.Unfilled, want.Unfilled)
	num("lot seed", got.Seed, want.Seed)
	if len(got.Lots) != len(want.Lots) {
		p.add("result", "lots: the board records %d, the recount draws %d", len(got.Lots), len(want.Lots))
	}
	for i := 0; i < min(len(got.Lots), len(want.Lots)); i++ {
		g, w := got.Lots[i], want.Lots[i]
		if g.Stage != w.Stage || g.Purpose != w.Purpose || g.Chosen != w.Chosen || !slices.Equal(g.Among, w.Among) {
			p.add("result", "lot %d: the board says %s at stage %d among [%s] chose %s; the recount: %s at stage %d among [%s] chose %s",
				i+1, g.Purpose, g.Stage, joinIDs(g.Among), g.Chosen, w.Purpose, w.Stage, joinIDs(w.Among), w.Chosen)
		}
	}
}

func metWord(b bool) string {
	if b {
		return "met"
	}
	return "not met"
}

func diffRounds(p *problems, got, want []Round) {
	if len(got) != len(want) {
		p.add("result", "stages: the board shows %d, the recount has %d", len(got), len(want))
	}
	for i := 0; i < min(len(got), len(want)); i++ {
		g, w := got[i], want[i]
		at := fmt.Sprintf("stage %d", w.Stage)
		if g.Stage != w.Stage || g.Action != w.Action || g.Option != w.Option {
			p.add("result", "%s: the board says %s %s (stage %d), the recount %s %s", at, g.Action, g.Option, g.Stage, w.Action, w.Option)
		}
		diffValues(p, at+" value", g.Values, w.Values)
		diffValues(p, at+" transfer", g.Transfers, w.Transfers)
		if g.NonTransferable != w.NonTransferable {
			p.add("result", "%s non-transferable: the board says %v, the recount gives %v", at, g.NonTransferable, w.NonTransferable)
		}
		if g.Fractions != w.Fractions {
			p.add("result", "%s fractions lost: the board says %v, the recount gives %v", at, g.Fractions, w.Fractions)
		}
		for _, l := range []struct {
			name string
			g, w []string
		}{{"elected", g.Elected, w.Elected}, {"excluded", g.Excluded, w.Excluded}, {"deemed elected", g.Remaining, w.Remaining}} {
			if !slices.Equal(l.g, l.w) {
				p.add("result", "%s %s: the board says [%s], the recount gives [%s]", at, l.name, joinIDs(l.g), joinIDs(l.w))
			}
		}
	}
}

func diffValues(p *problems, what string, got, want []CandidateValue) {
	gm := make(map[string]Value, len(got))
	for _, v := range got {
		gm[v.Option] = v.Value
	}
	wm := make(map[string]Value, len(want))
	for _, v := range want {
		wm[v.Option] = v.Value
		if g, ok := gm[v.Option]; !ok {
			p.add("result", "%s of %s: missing on the board, the recount gives %v", what, v.Option, v.Value)
		} else if g != v.Value {
			p.add("result", "%s of %s: the board says %v, the recount gives %v", what, v.Option, g, v.Value)
		}
	}
	for _, v := range got {
		if _, ok := wm[v.Option]; !ok {
			p.add("result", "%s of %s: the board shows %v, the recount has none", what, v.Option, v.Value)
		}
	}
}

// MarshalBoard encodes a board as the JSON the board page serves.
func MarshalBoard(b Board) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func votesOf(res Result, option string) int {
	for _, c := range res.Counts {
		if c.Option == option {
			return c.Votes
		}
	}
	return 0
}

package count

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ErrRule is wrapped by every error about a Rule that cannot be counted.
var ErrRule = errors.New("count: invalid rule")

// Bounds of a rule: ballots hold their marks in a 64-bit set, and
// turnout arithmetic (cast × 20,000) must not overflow int64.
const (
	maxOptions  = 64
	maxSeats    = 64
	maxEligible = 1_000_000_000_000
)

func ruleErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRule, fmt.Sprintf(format, a...))
}

// Check reports whether r can be counted: a known kind, 1 to 64 distinct
// non-empty option ids ("yes" and "no" for yesno), seats and marks in range,
// a quorum of 0–100 and a known threshold ("" counts as plurality).
func (r Rule) Check() error {
	switch r.Kind {
	case KindSingle, KindMultiple, KindYesNo, KindRanked:
	default:
		return ruleErr("unknown kind %q", r.Kind)
	}
	if len(r.Options) == 0 || len(r.Options) > maxOptions {
		return ruleErr("%d options (1 to %d)", len(r.Options), maxOptions)
	}
	seen := make(map[string]bool, len(r.Options))
	for _, o := range r.Options {
		if o == "" || seen[o] {
			return ruleErr("option id %q empty or repeated", o)
		}
		seen[o] = true
	}
	if r.Kind == KindYesNo && (len(r.Options) != 2 || !seen[OptionYes] || !seen[OptionNo]) {
		return ruleErr("a yes/no vote has exactly the options %q and %q", OptionYes, OptionNo)
	}
	if (r.Kind == KindMultiple || r.Kind == KindRanked) && (r.Seats < 1 || r.Seats > maxSeats) {
		return ruleErr("seats %d (1 to %d)", r.Seats, maxSeats)
	}
	if r.Kind == KindMultiple && (r.MaxChoices < 1 || r.MaxChoices > len(r.Options)) {
		return ruleErr("max choices %d (1 to %d)", r.MaxChoices, len(r.Options))
	}
	if r.Kind == KindRanked && (r.MaxChoices < 0 || r.MaxChoices > len(r.Options)) {
		return ruleErr("max choices %d (0 = all, up to %d)", r.MaxChoices, len(r.Options))
	}
	if r.QuorumPercent < 0 || r.QuorumPercent > 100 {
		return ruleErr("quorum %d%% (0 to 100)", r.QuorumPercent)
	}
	switch r.Threshold {
	case "", ThresholdPlurality, ThresholdMajority, ThresholdTwoThirds, ThresholdThreeQuarters:
	default:
		return ruleErr("unknown threshold %q", r.Threshold)
	}
	if r.Eligible < 0 || r.Eligible > maxEligible {
		return ruleErr("eligible %d", r.Eligible)
	}
	return nil
}

// seats is how many options win under r.
func (r Rule) seats() int {
	if r.Kind == KindSingle || r.Kind == KindYesNo {
		return 1
	}
	return r.Seats
}

// maxMarks is how many choices a ballot may hold.
func (r Rule) maxMarks() int {
	switch r.Kind {
	case KindSingle, KindYesNo:
		return 1
	case KindMultiple:
		return r.MaxChoices
	default:
		if r.MaxChoices > 0 {
			return r.MaxChoices
		}
		return len(r.Options)
	}
}

// index maps option ids to their position.
type index map[string]int

func newIndex(options []string) index {
	ix := make(index, len(options))
	for i, o := range options {
		ix[o] = i
	}
	return ix
}

// ValidBallot reports whether b is a well-formed ballot under r; the error
// is a *BallotError (or, for a rule that cannot be counted, the error of
// Rule.Check). It does not look at the receipt.
func ValidBallot(r Rule, b Ballot) error {
	if err := r.Check(); err != nil {
		return err
	}
	_, err := parseBallot(r, newIndex(r.Options), b, nil)
	return err
}

// parseBallot validates b and appends its choices as option indices to dst.
func parseBallot(r Rule, ix index, b Ballot, dst []int) ([]int, error) {
	if b.Abstain {
		if len(b.Choices) > 0 {
			return dst, &BallotError{Code: CodeAbstainAndMarks}
		}
		return dst, nil
	}
	if len(b.Choices) == 0 {
		return dst, &BallotError{Code: CodeEmpty}
	}
	var set uint64
	for _, c := range b.Choices {
		i, ok := ix[c]
		if !ok {
			return dst, &BallotError{Code: CodeUnknownOption, Option: c}
		}
		if set&(1<<uint(i)) != 0 {
			return dst, &BallotError{Code: CodeRepeat, Option: c}
		}
		set |= 1 << uint(i)
		dst = append(dst, i)
	}
	if r.Kind == KindYesNo && len(b.Choices) != 1 {
		return dst, &BallotError{Code: CodeYesNo}
	}
	if len(b.Choices) > r.maxMarks() {
		return dst, &BallotError{Code: CodeTooMany}
	}
	return dst, nil
}

// OrderFromRanks turns a rank form (option id → rank 1, 2, …; an option
// left out or given 0 is unranked) into a preference order, most preferred
// first. It refuses ranks out of range ("bad-rank"), two options with one
// rank ("repeat", Option = the later option in ballot order), a hole such
// as 1, 3 ("gap") and ids that are not options ("unknown-option"). No ranks
// at all gives an empty order and no error (ValidBallot then says "empty").
func OrderFromRanks(options []string, ranks map[string]int) ([]string, error) {
	ix := newIndex(options)
	// Report unknown ids in a stable order, whatever the map's order.
	keys := make([]string, 0, len(ranks))
	for k := range ranks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := ix[k]; !ok {
			return nil, &BallotError{Code: CodeUnknownOption, Option: k}
		}
	}
	byRank := make([]string, len(options)+1)
	top := 0
	for _, o := range options {
		n, ok := ranks[o]
		if !ok || n == 0 {
			continue
		}
		if n < 0 || n > len(options) {
			return nil, &BallotError{Code: CodeBadRank, Option: o}
		}
		if byRank[n] != "" {
			return nil, &BallotError{Code: CodeRepeat, Option: o}
		}
		byRank[n] = o
		top = max(top, n)
	}
	order := make([]string, 0, top)
	for n := 1; n <= top; n++ {
		if byRank[n] == "" {
			return nil, &BallotError{Code: CodeGap}
		}
		order = append(order, byRank[n])
	}
	return order, nil
}

// CountError says which ballot stopped a count.
type CountError struct {
	Index   int    // position in the slice given to Count
	Receipt string // its receipt
	Err     error  // a *BallotError, or what is wrong with the receipt
}

func (e *CountError) Error() string {
	return fmt.Sprintf("count: ballot %d (%q): %v", e.Index, e.Receipt, e.Err)
}

func (e *CountError) Unwrap() error { return e.Err }

// Errors about receipts and turnout that stop a count.
var (
	ErrNoReceipt        = errors.New("ballot without a receipt")
	ErrDuplicateReceipt = errors.New("receipt appears twice")
	ErrOverEligible     = errors.New("count: more ballots than eligible voters")
)

// Count counts ballots under r. Every ballot must be valid and carry a
// distinct receipt (the lot's seed is made of them); the order of ballots
// does not matter. Ties are broken as doc.go says.
func Count(r Rule, ballots []Ballot) (Result, error) {
	if err := r.Check(); err != nil {
		return Result{}, err
	}
	if len(ballots) > r.Eligible {
		return Result{}, fmt.Errorf("%w: %d ballots, %d eligible", ErrOverEligible, len(ballots), r.Eligible)
	}
	ix := newIndex(r.Options)
	p := parsed{groups: make(map[string]int)}
	var buf []int
	for i, b := range ballots {
		if b.Receipt == "" {
			return Result{}, &CountError{Index: i, Err: ErrNoReceipt}
		}
		var err error
		buf, err = parseBallot(r, ix, b, buf[:0])
		if err != nil {
			return Result{}, &CountError{Index: i, Receipt: b.Receipt, Err: err}
		}
		p.add(b.Abstain, buf)
	}
	receipts := make([]string, len(ballots))
	for i, b := range ballots {
		receipts[i] = b.Receipt
	}
	slices.Sort(receipts)
	for i := 1; i < len(receipts); i++ {
		if receipts[i] == receipts[i-1] {
			return Result{}, &CountError{Index: -1, Receipt: receipts[i], Err: ErrDuplicateReceipt}
		}
	}
	return tally(r, &p, Seed(receipts)), nil
}

// Seed is the lot's seed for a set of receipts: SHA-256 of the receipts in
// ascending byte order joined by "\n". sorted must already be sorted.
func Seed(sorted []string) [32]byte {
	h := sha256.New()
	for i, s := range sorted {
		if i > 0 {
			h.Write([]byte{'\n'})
		}
		h.Write([]byte(s))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// parsed is the ballots reduced to what the count needs: abstentions and
// identical choice lists grouped with their number (100,000 ranked
// ballots over 10 options hold far fewer distinct rankings).
type parsed struct {
	cast, abstained int
	groups          map[string]int // key of choice indices → position in lists
	lists           [][]int
	counts          []int
	key             []byte
}

func (p *parsed) add(abstain bool, choices []int) {
	p.cast++
	if abstain {
		p.abstained++
		return
	}
	p.key = p.key[:0]
	for _, c := range choices {
		p.key = append(p.key, byte(c))
	}
	if g, ok := p.groups[string(p.key)]; ok {
		p.counts[g]++
		return
	}
	p.groups[string(p.key)] = len(p.lists)
	p.lists = append(p.lists, slices.Clone(choices))
	p.counts = append(p.counts, 1)
}

// tally counts parsed ballots under a checked rule.
func tally(r Rule, p *parsed, seed [32]byte) Result {
	res := Result{
		Cast:      p.cast,
		Abstained: p.abstained,
		Valid:     p.cast - p.abstained,
		Eligible:  r.Eligible,
		QuorumMet: p.cast*100 >= r.QuorumPercent*r.Eligible,
		Seed:      hex.EncodeToString(seed[:]),
	}
	if r.Eligible > 0 {
		bp := (p.cast*10000*2 + r.Eligible) / (2 * r.Eligible) // basis points, half up
		res.TurnoutPercent = float64(bp) / 100
	}
	votes := make([]int, len(r.Options))
	for g, list := range p.lists {
		if r.Kind == KindRanked {
			votes[list[0]] += p.counts[g]
			continue
		}
		for _, c := range list {
			votes[c] += p.counts[g]
		}
	}
	res.Counts = make([]OptionCount, len(r.Options))
	for i, o := range r.Options {
		res.Counts[i] = OptionCount{Option: o, Votes: votes[i]}
	}
	lots := lotter{seed: seed, options: r.Options}
	switch r.Kind {
	case KindYesNo:
		yes, no := votes[slices.Index(r.Options, OptionYes)], votes[slices.Index(r.Options, OptionNo)]
		res.Adopted = res.QuorumMet && yes > 0 && meets(yes, yes+no, r.Threshold)
		switch {
		case !res.QuorumMet:
			res.Outcome = OutcomeNoQuorum
		case res.Adopted:
			res.Outcome = OutcomeAdopted
		default:
			res.Outcome = OutcomeRejected
		}
	case KindSingle, KindMultiple:
		if !res.QuorumMet {
			res.Outcome = OutcomeNoQuorum
			break
		}
		res.Elected = mostVotes(r, votes, res.Valid, &lots)
	case KindRanked:
		if !res.QuorumMet {
			res.Outcome = OutcomeNoQuorum
			break
		}
		if res.Valid > 0 {
			s := newSTV(r, p, &lots)
			s.run()
			res.Quota, res.Rounds, res.Elected = s.quota, s.rounds, s.electedIDs()
			if r.seats() == 1 && len(res.Elected) == 1 && r.Threshold != "" && r.Threshold != ThresholdPlurality {
				// One seat: the winner's final value must reach the
				// threshold's share of all non-abstaining ballots.
				if !meetsValue(s.final(res.Elected[0]), Value(res.Valid)*Unit, r.Threshold) {
					res.Elected = nil
				}
			}
		}
	}
	if r.Kind != KindYesNo {
		res.Unfilled = r.seats() - len(res.Elected)
	}
	if r.Kind != KindYesNo && res.Outcome == "" {
		if len(res.Elected) > 0 {
			res.Outcome = OutcomeElected
		} else {
			res.Outcome = OutcomeNoMajority
		}
	}
	res.Lots = lots.drawn
	return res
}

// meets reports whether v of total reaches the threshold. Plurality asks
// for more than the rest (used for yes/no, where it equals majority).
func meets(v, total int, threshold string) bool {
	switch threshold {
	case ThresholdTwoThirds:
		return 3*v >= 2*total
	case ThresholdThreeQuarters:
		return 4*v >= 3*total
	default: // majority, plurality
		return 2*v > total
	}
}

func meetsValue(v, total Value, threshold string) bool {
	switch threshold {
	case ThresholdTwoThirds:
		return 3*v >= 2*total
	case ThresholdThreeQuarters:
		return 4*v >= 3*total
	default:
		return 2*v > total
	}
}

// mostVotes picks up to seats options with the most votes (at least one
// each); a tie for the last place(s) is drawn by lot. With a threshold
// other than plurality each winner must also reach its share of the valid
// (non-abstaining) ballots; a seat nobody reaches stays empty.
func mostVotes(r Rule, votes []int, valid int, lots *lotter) []string {
	order := make([]int, 0, len(votes))
	for i, v := range votes {
		if v > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return votes[order[a]] > votes[order[b]] })
	seats := r.seats()
	var won []int
	for len(won) < seats && len(won) < len(order) {
		// The run of options with the same votes as the next place.
		i := len(won)
		j := i
		for j < len(order) && votes[order[j]] == votes[order[i]] {
			j++
		}
		tied := order[i:j]
		if len(won)+len(tied) <= seats {
			won = append(won, tied...)
			continue
		}
		rest := slices.Clone(tied)
		for len(won) < seats {
			c := lots.draw(0, LotElect, rest)
			won = append(won, c)
			rest = slices.DeleteFunc(rest, func(x int) bool { return x == c })
		}
	}
	var ids []string
	for _, c := range won {
		if r.Threshold == "" || r.Threshold == ThresholdPlurality || meets(votes[c], valid, r.Threshold) {
			ids = append(ids, r.Options[c])
		}
	}
	return ids
}

// lotter draws lots: the tied options ordered by SHA-256(seed ‖ 0x00 ‖ id),
// the first drawn. Anyone can redo it from the board's receipts.
type lotter struct {
	seed    [32]byte
	options []string
	drawn   []Lot
}

// LotOrder orders option ids as the lot of a board with this seed does.
func LotOrder(seed [32]byte, ids []string) []string {
	type keyed struct {
		id  string
		key [32]byte
	}
	ks := make([]keyed, len(ids))
	for i, id := range ids {
		h := sha256.New()
		h.Write(seed[:])
		h.Write([]byte{0})
		h.Write([]byte(id))
		ks[i].id = id
		h.Sum(ks[i].key[:0])
	}
	sort.Slice(ks, func(a, b int) bool { return string(ks[a].key[:]) < string(ks[b].key[:]) })
	out := make([]string, len(ids))
	for i, k := range ks {
		out[i] = k.id
	}
	return out
}

// draw picks one of the tied option indices by lot and records it.
func (l *lotter) draw(stage int, purpose string, tied []int) int {
	ids := make([]string, len(tied))
	for i, c := range tied {
		ids[i] = l.options[c]
	}
	ordered := LotOrder(l.seed, ids)
	l.drawn = append(l.drawn, Lot{Stage: stage, Purpose: purpose, Among: ordered, Chosen: ordered[0]})
	return slices.Index(l.options, ordered[0])
}

// joinIDs is for messages.
func joinIDs(ids []string) string { return strings.Join(ids, ", ") }

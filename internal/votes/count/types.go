package count

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is how a vote's ballots are marked and counted.
type Kind string

// The kinds of vote.
const (
	KindSingle   Kind = "single"   // one option; most votes wins one seat
	KindMultiple Kind = "multiple" // approval: up to MaxChoices marks, Seats winners
	KindYesNo    Kind = "yesno"    // options "yes" and "no"
	KindRanked   Kind = "ranked"   // preferences; STV (Seats > 1) or instant run-off (Seats = 1)
)

// Thresholds a winner or a motion must reach (see doc.go for the arithmetic).
const (
	ThresholdPlurality     = "plurality"
	ThresholdMajority      = "majority"
	ThresholdTwoThirds     = "two-thirds"
	ThresholdThreeQuarters = "three-quarters"
)

// Outcome codes of a Result. The web layer maps them to texts in cs and en.
const (
	OutcomeAdopted    = "adopted"
	OutcomeRejected   = "rejected"
	OutcomeElected    = "elected"
	OutcomeNoQuorum   = "no-quorum"
	OutcomeNoMajority = "no-majority"
)

// Option ids of a yes/no vote.
const (
	OptionYes = "yes"
	OptionNo  = "no"
)

// Rule is everything about a vote that the count depends on.
type Rule struct {
	Kind          Kind     `json:"kind"`
	Options       []string `json:"options"` // option ids in ballot order
	Seats         int      `json:"seats"`
	MaxChoices    int      `json:"max_choices"`
	QuorumPercent int      `json:"quorum_percent"`
	Threshold     string   `json:"threshold"`
	Eligible      int      `json:"eligible"`
}

// Ballot is one counted ballot as the board shows it.
type Ballot struct {
	Receipt string   `json:"receipt"`
	Abstain bool     `json:"abstain,omitempty"`
	Choices []string `json:"choices,omitempty"` // option ids; ranked: most preferred first
}

// BallotError says why a ballot (or a rank form) is refused. Code is stable
// (doc.go lists the codes); Option names the option concerned, if any.
type BallotError struct {
	Code   string `json:"code"`
	Option string `json:"option,omitempty"`
}

func (e *BallotError) Error() string {
	if e.Option != "" {
		return fmt.Sprintf("invalid ballot: %s (option %q)", e.Code, e.Option)
	}
	return "invalid ballot: " + e.Code
}

// Ballot error codes.
const (
	CodeUnknownOption   = "unknown-option"    // a choice that is not one of the options
	CodeRepeat          = "repeat"            // the same option twice (or, in a rank form, the same rank twice)
	CodeTooMany         = "too-many"          // more marks than MaxChoices (single: more than one; ranked: more than the options)
	CodeYesNo           = "yesno"             // a yes/no ballot without exactly one of yes or no
	CodeAbstainAndMarks = "abstain-and-marks" // abstention together with choices
	CodeEmpty           = "empty"             // no choice and no abstention
	CodeGap             = "gap"               // rank form: ranks not 1, 2, 3… without a hole
	CodeBadRank         = "bad-rank"          // rank form: a rank below 1 or above the number of options
)

// Value is a number of votes in hundred-thousandths (STV transfer values are
// truncated to five decimal places, so integers hold every value exactly).
// In JSON it is a plain number with up to five decimals, e.g. 123.45678,
// parsed back without floating point.
type Value int64

// Unit is one whole vote.
const Unit Value = 100000

// String formats v with five decimals.
func (v Value) String() string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%05d", sign, int64(v/Unit), int64(v%Unit))
}

// MarshalJSON writes v as a JSON number with five decimals.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalJSON reads a JSON number with at most five decimals exactly.
func (v *Value) UnmarshalJSON(b []byte) error {
	p, err := ParseValue(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// ParseValue reads a decimal such as "12", "-3.5" or "0.33333".
func ParseValue(s string) (Value, error) {
	orig := s
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 5 || len(whole) > 13 || strings.ContainsAny(whole+frac, "+-eE ") {
		return 0, fmt.Errorf("bad vote value %q", orig)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad vote value %q", orig)
	}
	var f int64
	if frac != "" {
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 5-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bad vote value %q", orig)
		}
	}
	out := Value(w)*Unit + Value(f)
	if neg {
		out = -out
	}
	return out, nil
}

// OptionCount is one option's tally (yes/no, single and multiple: votes;
// ranked: first preferences).
type OptionCount struct {
	Option string `json:"option"`
	Votes  int    `json:"votes"`
}

// CandidateValue is a candidate's value at some point of an STV count.
type CandidateValue struct {
	Option string `json:"option"`
	Value  Value  `json:"value"`
}

// Round is one stage of a ranked count: the first preferences, the transfer
// of one surplus or the exclusion of one candidate.
type Round struct {
	Stage  int    `json:"stage"`
	Action string `json:"action"` // "first", "surplus", "exclude"
	// Option is whose surplus is transferred or who is excluded (empty at the first stage).
	Option string `json:"option,omitempty"`
	// Transfers is what each continuing candidate received at this stage.
	Transfers []CandidateValue `json:"transfers,omitempty"`
	// NonTransferable is the value of the papers set aside at this stage
	// because they show no further preference for a continuing candidate.
	NonTransferable Value `json:"non_transferable"`
	// Fractions is the value lost at this stage by truncating transfer
	// values to five decimals (surplus transfers only).
	Fractions Value `json:"fractions,omitempty"`
	// Values is every candidate's value at the end of the stage, in option
	// order (elected candidates keep the quota after their surplus goes).
	Values []CandidateValue `json:"values"`
	// Elected and Excluded are who was elected or excluded at this stage.
	Elected  []string `json:"elected,omitempty"`
	Excluded []string `json:"excluded,omitempty"`
	// Remaining is who was deemed elected after this stage because only
	// as many continuing candidates remained as seats were left (rule 52).
	Remaining []string `json:"remaining,omitempty"`
}

// Lot is one tie that no rule resolved, drawn by lot from the seed.
type Lot struct {
	Stage   int      `json:"stage,omitempty"` // ranked: the stage the tie arose at
	Purpose string   `json:"purpose"`         // "elect", "exclude", "surplus-order"
	Among   []string `json:"among"`           // the tied options, in lot order
	Chosen  string   `json:"chosen"`          // the first of Among in lot order
}

// Lot purposes.
const (
	LotElect   = "elect"         // which tied option wins the last seat(s)
	LotExclude = "exclude"       // which tied lowest candidate is excluded
	LotSurplus = "surplus-order" // whose equal surplus is transferred first
)

// Result is the outcome of a count.
type Result struct {
	Cast           int           `json:"cast"`
	Abstained      int           `json:"abstained"`
	Valid          int           `json:"valid"` // ballots with a choice (cast − abstained)
	Eligible       int           `json:"eligible"`
	TurnoutPercent float64       `json:"turnout_percent"` // cast/eligible, two decimals, half up
	QuorumMet      bool          `json:"quorum_met"`
	Counts         []OptionCount `json:"counts"`
	Quota          Value         `json:"quota,omitempty"` // ranked: the Droop quota
	Rounds         []Round       `json:"rounds,omitempty"`
	Elected        []string      `json:"elected,omitempty"` // in order of election
	Adopted        bool          `json:"adopted"`
	Outcome        string        `json:"outcome"`
	Unfilled       int           `json:"unfilled,omitempty"` // seats left empty (not enough candidates or none reached the threshold)
	Seed           string        `json:"seed"`               // hex SHA-256 of the sorted receipts joined by "\n"
	Lots           []Lot         `json:"lots,omitempty"`
}

// BoardFormat and BoardVersion identify the board JSON.
const (
	BoardFormat  = "unionhall-vote-board"
	BoardVersion = 1
)

// BoardOption is an option with its label in each site language.
type BoardOption struct {
	ID    string            `json:"id"`
	Label map[string]string `json:"label"`
}

// BoardVote is what the board says about the vote.
type BoardVote struct {
	ID            string            `json:"id"`
	Title         map[string]string `json:"title"`
	Kind          Kind              `json:"kind"`
	Options       []BoardOption     `json:"options"`
	Seats         int               `json:"seats"`
	MaxChoices    int               `json:"max_choices"`
	QuorumPercent int               `json:"quorum_percent"`
	Threshold     string            `json:"threshold"`
	Eligible      int               `json:"eligible"`
	OpensAt       time.Time         `json:"opens_at"`
	ClosesAt      time.Time         `json:"closes_at"`
}

// Rule is the counting rule the board's vote declares.
func (v BoardVote) Rule() Rule {
	ids := make([]string, len(v.Options))
	for i, o := range v.Options {
		ids[i] = o.ID
	}
	return Rule{Kind: v.Kind, Options: ids, Seats: v.Seats, MaxChoices: v.MaxChoices,
		QuorumPercent: v.QuorumPercent, Threshold: v.Threshold, Eligible: v.Eligible}
}

// Board is the public bulletin board of a closed vote.
type Board struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Vote    BoardVote `json:"vote"`
	Ballots []Ballot  `json:"ballots"` // sorted by receipt
	Result  Result    `json:"result"`
}

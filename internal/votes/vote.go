package votes

import (
	"context"
	"errors"
	"time"

	"unionhall/internal/votes/count"
)

// Kind is how a vote is decided (count.Kind): "single", "multiple",
// "yesno", "ranked".
type Kind = count.Kind

// Kinds of vote.
const (
	KindSingle   = count.KindSingle
	KindMultiple = count.KindMultiple
	KindYesNo    = count.KindYesNo
	KindRanked   = count.KindRanked
)

// States of a vote.
const (
	StateDraft     = "draft"
	StateScheduled = "scheduled"
	StateOpen      = "open"
	StateClosed    = "closed"
	StateCancelled = "cancelled"
)

// Thresholds a vote may require.
const (
	ThresholdPlurality     = "plurality"
	ThresholdMajority      = "majority"
	ThresholdTwoThirds     = "two-thirds"
	ThresholdThreeQuarters = "three-quarters"
)

// Option is one choice on the ballot.
type Option struct {
	ID    string            // short stable id, e.g. "o1"… ("yes","no" for yesno)
	Label map[string]string // by site language
}

// Vote is a vote as the committee set it up, with its state and counts.
type Vote struct {
	ID            string
	Title, Text   map[string]string // by language; Text is Markdown, rendered sanitised
	Kind          Kind
	Options       []Option
	MaxChoices    int      // multiple: at most this many (1..len(Options))
	Seats         int      // multiple, ranked: how many win (ranked 1 = instant run-off)
	Workplaces    []string // workplace ids; empty = all current members
	OpensAt       time.Time
	ClosesAt      time.Time
	QuorumPercent int    // 0..100 of the eligible who must cast a ballot (abstaining counts)
	Threshold     string // "plurality", "majority", "two-thirds", "three-quarters"
	AllowChange   bool   // a member may replace their ballot until the close (last counts)
	Invite        bool   // email each eligible member a personal link when it opens
	Meeting       string // optional content path of a member meeting page
	State         string // "draft", "scheduled", "open", "closed", "cancelled"
	CancelReason  string
	// OpenProblem is why Tick could not open a scheduled vote that is due
	// (a message key: "eligible.too_few", or "closes.passed" once its
	// closing time passed without it opening); "" otherwise.
	OpenProblem                   string
	Eligible                      int // fixed when it opens
	Cast                          int // ballots cast so far (a count, never who)
	CreatedAt, OpenedAt, ClosedAt time.Time
	// Result is the count, set when the vote closed (nil before).
	Result *count.Result
}

// Rule is the counting rule of the vote, for count.ValidBallot and
// count.Count.
func (v *Vote) Rule() count.Rule {
	ids := make([]string, len(v.Options))
	for i, o := range v.Options {
		ids[i] = o.ID
	}
	return count.Rule{Kind: v.Kind, Options: ids, Seats: v.Seats, MaxChoices: v.MaxChoices,
		QuorumPercent: v.QuorumPercent, Threshold: v.Threshold, Eligible: v.Eligible}
}

// Editable reports whether the committee may still change the vote.
func (v *Vote) Editable() bool { return v.State == StateDraft || v.State == StateScheduled }

// Input is the vote form as typed, so a refused form comes back unchanged.
// Languages are the site's; the default language's title is required.
type Input struct {
	Title map[string]string // by language
	Text  map[string]string // by language, Markdown
	Kind  string
	// Options holds, by language, one option per line; line n of every
	// language labels option n. Blank lines are ignored. yesno votes have
	// fixed options (yes, no) and ignore this.
	Options       map[string]string
	MaxChoices    string // multiple; "" = as many as there are options
	Seats         string // multiple, ranked; "" = 1
	Workplaces    []string
	OpensAt       string // "2006-01-02T15:04" (HTML datetime-local) in the site's time zone
	ClosesAt      string
	QuorumPercent string // "" = 0
	Threshold     string // "" = plurality
	AllowChange   bool
	Invite        bool
	Meeting       string
}

// InputOf is the form of an existing vote, for editing.
func InputOf(v *Vote, loc *time.Location) Input {
	return inputOf(v, loc)
}

// Problems maps a form field to a message key (e.g. "closes.before_opens").
// Field names: "title.<lang>", "text.<lang>", "kind", "options",
// "options.<lang>", "max_choices", "seats", "workplaces", "opens", "closes",
// "quorum", "threshold", "meeting", "reason".
type Problems map[string]string

// OK reports that there are no problems.
func (p Problems) OK() bool { return len(p) == 0 }

// MemberVote is a vote as one member sees it in their list.
type MemberVote struct {
	Vote
	// OnRoll: the member is on the vote's roll (eligible). An open vote of
	// all members that they are not on is listed with OnRoll false: they
	// joined after it opened.
	OnRoll bool
	// Voted: the roll records their ballot.
	Voted bool
}

// Receipt is what a voter gets after casting. Tracker and ChangeCode are
// shown once and stored nowhere with the member.
type Receipt struct {
	VoteID string
	// Tracker is the public receipt code on the board, "K7Q2-9XMA".
	Tracker string
	// ChangeCode replaces the ballot later, "P4TR-WW3C-H8JD"; "" unless the
	// vote allows change (and "" on a change: the code stays the same).
	ChangeCode string
	// Changed: this replaced the member's earlier ballot.
	Changed bool
}

// LinkIssuer makes a single-use sign-in link to the portal that lands on
// next and is valid until expires (portal.Service.IssueLink). The
// invitation job calls it once per roll member.
type LinkIssuer interface {
	IssueLink(ctx context.Context, memberID, next string, expires time.Time) (url string, err error)
}

// Errors the service answers with; pages map them to messages.
var (
	ErrNotFound      = errors.New("votes: no such vote")
	ErrNotOpen       = errors.New("votes: the vote is not open yet")
	ErrClosed        = errors.New("votes: the vote has closed")
	ErrCancelled     = errors.New("votes: the vote was cancelled")
	ErrNotEligible   = errors.New("votes: not on this vote's roll")
	ErrJoinedLater   = errors.New("votes: joined after this vote opened")
	ErrAlreadyVoted  = errors.New("votes: already voted")
	ErrBadChangeCode = errors.New("votes: the change code does not match a ballot of this vote")
	ErrLocked        = errors.New("votes: the vote is open and can no longer be changed")
	ErrNotClosed     = errors.New("votes: the vote has not closed")
	// ErrTooFewEligible: fewer eligible members than [votes]
	// min_eligible. Tick does not return it (the vote stays scheduled with
	// Vote.OpenProblem "eligible.too_few" and is retried); it is for
	// callers that check ahead.
	ErrTooFewEligible = errors.New("votes: too few eligible members to keep the ballot secret")
	// ErrWrongState: the action is not possible in the vote's state (e.g.
	// scheduling a cancelled vote).
	ErrWrongState = errors.New("votes: not possible in the vote's current state")
)

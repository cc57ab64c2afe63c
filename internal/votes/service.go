package votes

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/seal"
	"unionhall/internal/votes/count"
)

// Outbox queues an email inside the caller's transaction (*mail.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error
}

// Registry is what votes asks the member registry (*members.Registry):
// who may be written to, with address and language, for invitations.
type Registry interface {
	Recipients(ctx context.Context, workplaceID string) ([]members.Recipient, error)
}

// Deps is what the service needs. DB, Keys and Site are required; Queue,
// Outbox, Registry and Links are required for invitations.
type Deps struct {
	DB       *db.DB
	Keys     *seal.Keyring
	Queue    *jobs.Queue
	Outbox   Outbox
	Registry Registry
	// Links issues the personal sign-in links of invitations
	// (portal.Service.IssueLink).
	Links LinkIssuer
	// Site returns the current site: its languages (the first-listed
	// default's title is required) and time zone.
	Site func() *content.Site
	// BaseURL is where people reach the server, without a trailing slash.
	BaseURL string
	// BallotPath is the path of a vote's ballot page in a language
	// (default "/<lang>/member/votes/<id>/").
	BallotPath func(lang, voteID string) string
	// MinEligible refuses to open a vote with fewer eligible members
	// ([votes] min_eligible, default 10): results of small groups identify
	// people.
	MinEligible int
	// Batcher group-commits casts; nil builds one on DB.
	Batcher *db.Batcher
	Now     func() time.Time
	Logger  *slog.Logger
}

// Service is votes: the store, the lifecycle, casting and the board.
type Service struct {
	d   Deps
	log *slog.Logger
}

// DefaultMinEligible is [votes] min_eligible's default.
const DefaultMinEligible = 10

// New builds the service and registers its jobs on the queue.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.MinEligible <= 0 {
		d.MinEligible = DefaultMinEligible
	}
	s := &Service{d: d, log: d.Logger.With("component", "votes")}
	return s
}

var errTODO = errors.New("votes: not built yet")

// Create stores a new draft vote.
func (s *Service) Create(ctx context.Context, actor string, in Input) (id string, p Problems, err error) {
	return "", nil, errTODO
}

// Update changes a draft or scheduled vote (ErrLocked once open).
func (s *Service) Update(ctx context.Context, actor, id string, in Input) (Problems, error) {
	return nil, errTODO
}

// Schedule moves a draft to scheduled: it opens at OpensAt.
func (s *Service) Schedule(ctx context.Context, actor, id string) error { return errTODO }

// Cancel cancels a draft, scheduled or open vote with a reason voters see;
// its ballots are deleted unread.
func (s *Service) Cancel(ctx context.Context, actor, id, reason string) error { return errTODO }

// Get returns a vote (ErrNotFound).
func (s *Service) Get(ctx context.Context, id string) (*Vote, error) { return nil, errTODO }

// List returns every vote, newest opening first.
func (s *Service) List(ctx context.Context) ([]Vote, error) { return nil, errTODO }

// Tick opens and closes what is due by the clock.
func (s *Service) Tick(ctx context.Context) error { return errTODO }

// ForMember lists the votes a member sees in the portal.
func (s *Service) ForMember(ctx context.Context, memberID string) ([]MemberVote, error) {
	return nil, errTODO
}

// Status is one vote as a member sees it (ErrNotFound).
func (s *Service) Status(ctx context.Context, voteID, memberID string) (*MemberVote, error) {
	return nil, errTODO
}

// Cast records a member's ballot. changeCode replaces their earlier ballot
// when the vote allows change.
func (s *Service) Cast(ctx context.Context, voteID, memberID string, b count.Ballot, changeCode string) (Receipt, error) {
	return Receipt{}, errTODO
}

// Board is the public bulletin board of a closed vote (ErrNotClosed).
func (s *Service) Board(ctx context.Context, id string) (*count.Board, error) { return nil, errTODO }

// OfMeeting lists the votes that belong to a meeting page (content path),
// except drafts and cancelled-before-opening ones.
func (s *Service) OfMeeting(ctx context.Context, path string) ([]Vote, error) { return nil, errTODO }

func inputOf(v *Vote, loc *time.Location) Input { return Input{} }

package votes

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/seal"
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
	// (default "/<lang>/member/votes/<id>/", in Czech
	// "/cs/clen/hlasovani/<id>/").
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
	d     Deps
	log   *slog.Logger
	batch *db.Batcher
	// ownBatch: New made the batcher, Close stops it.
	ownBatch  bool
	openVotes sync.Map // vote id → *Vote, open votes (castVote)
	stmts     sync.Map // query → *sql.Stmt on the writer (stmt)
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
	if d.BallotPath == nil {
		// The member pages' paths (pages.BallotPath; that package
		// imports this one, so the app may pass it instead).
		d.BallotPath = func(lang, id string) string {
			if lang == "cs" {
				return "/cs/clen/hlasovani/" + id + "/"
			}
			return "/" + lang + "/member/votes/" + id + "/"
		}
	}
	s := &Service{d: d, log: d.Logger.With("component", "votes"), batch: d.Batcher}
	if s.batch == nil {
		s.batch, s.ownBatch = db.NewBatcher(d.DB, db.BatchOptions{}), true
	}
	if d.Queue != nil {
		d.Queue.Handle(JobInvite, s.runInvite)
	}
	s.prepare(context.Background())
	return s
}

// Close stops the batcher the service made (after the casts in progress).
func (s *Service) Close() {
	if s.ownBatch {
		s.batch.Close()
	}
	s.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
}

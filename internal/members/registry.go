package members

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Deps is what the registry needs. DB and Keys are required.
type Deps struct {
	DB   *db.DB
	Keys *seal.Keyring
	// Auth lists accounts, for a workplace's representatives; nil leaves
	// representatives empty and refuses to set them.
	Auth *auth.Service
	// Erasers erase what other features keep about a member when the
	// member's personal data is erased (see Eraser).
	Erasers []Eraser
	Now     func() time.Time
	Logger  *slog.Logger
}

// Eraser erases, inside tx, the personal data a feature keeps about member
// memberID: the signed applications (membership.EraseMemberApplications),
// later a petition's signatures or a vote's register. It returns a short
// detail for the audit entry ("with application …", ids and counts, never
// values), or "" when there was nothing. Erasure commits only if every
// eraser succeeds, so a member is never half-forgotten.
type Eraser func(ctx context.Context, tx *sql.Tx, memberID string) (detail string, err error)

// Registry is the member registry: members, their numbers, occupation
// history, workplaces and representatives, notes, leaving and erasure.
type Registry struct {
	d      Deps
	log    *slog.Logger
	search searchCache
}

// New builds the registry.
func New(d Deps) *Registry {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Registry{d: d, log: d.Logger.With("component", "members")}
}

// Errors the registry answers with; callers map them to clear messages.
var (
	ErrNotFound    = errors.New("not found")
	ErrWrongState  = errors.New("this action is not possible in the record's current state")
	ErrNumberTaken = errors.New("this member number is already taken")
	ErrBadNumber   = errors.New("a member number must be a whole number from 1 to 999999999")
	// ErrDuplicate: the email belongs to a member already (the error is a
	// *DuplicateError, which names them).
	ErrDuplicate = errors.New("a member with this email exists already")
	// ErrNothingToLink: "link to the existing member" was chosen, but no
	// member has the email (any more).
	ErrNothingToLink = errors.New("no member has this email to link to")
	// ErrLinkNumber: a member number was chosen together with linking to
	// an existing member, who keeps theirs.
	ErrLinkNumber = errors.New("linking keeps the existing member's number")
	// ErrBadLang: a preferred language the registry does not know.
	ErrBadLang = errors.New("unknown language")
)

// SelfActor is the audit actor of a member acting on their own record
// (the portal): "member:" and the member's id, so the trail tells a
// member's own change from a committee member's (account ids are plain).
func SelfActor(memberID string) string { return "member:" + memberID }

func aadMember(col, id string) []byte { return seal.AAD("members", col, id) }

// EmailIndex is the blind index of a member's email (members.email_bidx):
// the keyed HMAC of the normalised address, nil for no address.
func (reg *Registry) EmailIndex(email string) []byte {
	if email == "" {
		return nil
	}
	return reg.d.Keys.BlindIndex("member.email", seal.NormaliseEmail(email))
}

// audit writes an entry of the shared trail (auth.Audit) inside tx.
func (reg *Registry) audit(ctx context.Context, tx *sql.Tx, actorID, action, typ, id, detail string) error {
	return auth.Audit(ctx, reg.d.DB, tx, auth.Entry{At: reg.d.Now(), ActorID: actorID, Action: action, SubjectType: typ, SubjectID: id, Detail: detail})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package portal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/members"
	"unionhall/internal/seal"
)

// Registry is what the portal needs from the member registry
// (internal/members), in the portal's own terms: a small interface
// defined where it is used, so the pages can be read (and tested) without
// the registry's console-facing API. registryAdapter answers it from
// *members.Registry.
type Registry interface {
	// MemberByEmail returns the id of the not erased member whose email
	// is email; ErrNoMember if there is none.
	MemberByEmail(ctx context.Context, email string) (string, error)
	// Member loads a member with contact data, number, language,
	// workplaces and occupation history; ErrNoMember if there is none.
	Member(ctx context.Context, id string) (*Member, error)
	// UpdateContact saves the member's own corrections and preferred
	// language, audited as the member's, and names the changed fields
	// (never values); ErrEmailTaken for another member's email.
	UpdateContact(ctx context.Context, id string, c Contact, lang string) ([]string, error)
	// RequestLeave records the member's request to leave (the committee's
	// queue) and returns when they asked; ErrNoMember once they have left.
	RequestLeave(ctx context.Context, id string) (time.Time, error)
	// WithdrawLeave withdraws a pending request.
	WithdrawLeave(ctx context.Context, id string) error
	// LeftBefore lists members who left before t and are not erased yet.
	LeftBefore(ctx context.Context, t time.Time) ([]string, error)
	// Erase erases the member's personal data as the console does,
	// keeping the member number, dates and workplaces; actor is the audit
	// actor.
	Erase(ctx context.Context, actor, id string) error
	// ApplicationPDF returns the signed application PDF the record is
	// linked to; ErrNoFile when there is none.
	ApplicationPDF(ctx context.Context, id string) ([]byte, error)
	// Notes returns the committee's notes on the member.
	Notes(ctx context.Context, id string) ([]Note, error)
}

// Errors of a Registry.
var (
	ErrNoMember = errors.New("portal: no such member")
	ErrNoFile   = errors.New("portal: no such file")
	// ErrEmailTaken refuses an email another member's record has (as the
	// console does without its "shared address" box, which only the
	// committee may tick).
	ErrEmailTaken = errors.New("portal: another member has this email")
)

// Note is a committee note on a member.
type Note struct {
	Text string    `json:"text"`
	At   time.Time `json:"written_at"`
}

// Contact is what a member may correct themselves.
type Contact struct {
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	DateOfBirth string `json:"date_of_birth"`
	Address     string `json:"address"`
	City        string `json:"city"`
	PostalCode  string `json:"postal_code"`
	Phone       string `json:"phone_number"`
	Company     string `json:"company_name"`
}

// Name is the display name.
func (c Contact) Name() string {
	switch {
	case c.FirstName == "":
		return c.LastName
	case c.LastName == "":
		return c.FirstName
	}
	return c.FirstName + " " + c.LastName
}

// Member is a member as the portal shows them.
type Member struct {
	ID     string
	Number int64
	// Contact and Lang are empty once erased.
	Contact          Contact
	Lang             string
	ApplicationID    string
	AppliedAt        *time.Time // when the linked application was signed
	JoinedAt         time.Time
	OnboardedAt      *time.Time
	LeftAt           *time.Time
	LeaveRequestedAt *time.Time
	Erased           bool
	Workplaces       []string // names
	Occupations      []Occupation
}

// Occupation is one entry of the occupation history.
type Occupation struct {
	Text  string    `json:"text"`
	Since time.Time `json:"since"`
}

// registryAdapter is Registry over the member registry. The signed
// application's PDF and date are read from the applications table
// (internal/membership's, sealed under AAD applications/pdf/<id>): the
// registry holds only the link to it.
type registryAdapter struct {
	reg  *members.Registry
	db   *db.DB
	keys *seal.Keyring
}

// NewRegistry is the portal's Registry over reg.
func NewRegistry(reg *members.Registry, d *db.DB, keys *seal.Keyring) Registry {
	return &registryAdapter{reg: reg, db: d, keys: keys}
}

func mapErr(err error) error {
	switch {
	case errors.Is(err, members.ErrNotFound), errors.Is(err, members.ErrWrongState):
		return ErrNoMember
	case errors.Is(err, members.ErrDuplicate):
		return ErrEmailTaken
	}
	return err
}

func (a *registryAdapter) MemberByEmail(ctx context.Context, email string) (string, error) {
	m, err := a.reg.FindByEmail(ctx, email)
	if err != nil {
		return "", mapErr(err)
	}
	return m.ID, nil
}

func (a *registryAdapter) Member(ctx context.Context, id string) (*Member, error) {
	d, err := a.reg.Get(ctx, id)
	if err != nil {
		return nil, mapErr(err)
	}
	md := d.Data
	m := &Member{ID: d.ID, Number: d.Number, Lang: md.Lang, ApplicationID: d.ApplicationID, JoinedAt: d.JoinedAt,
		OnboardedAt: d.OnboardedAt, LeftAt: d.LeftAt, LeaveRequestedAt: d.LeaveRequestedAt, Erased: d.Erased,
		Contact: Contact{Email: md.Email, FirstName: md.FirstName, LastName: md.LastName, DateOfBirth: md.DateOfBirth,
			Address: md.Address, City: md.City, PostalCode: md.PostalCode, Phone: md.Phone, Company: md.Company}}
	for _, w := range d.Workplaces {
		m.Workplaces = append(m.Workplaces, w.Name)
	}
	for _, o := range d.Occupations {
		m.Occupations = append(m.Occupations, Occupation{Text: o.Text, Since: o.Since})
	}
	if m.ApplicationID != "" {
		var created db.Time
		err := a.db.QueryRow(ctx, `SELECT created_at FROM applications WHERE id = ?`, m.ApplicationID).Scan(&created)
		switch {
		case err == nil:
			m.AppliedAt = &created.Time
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("application of member %s: %w", id, err)
		}
	}
	return m, nil
}

func (a *registryAdapter) UpdateContact(ctx context.Context, id string, c Contact, lang string) ([]string, error) {
	changed, err := a.reg.UpdateContact(ctx, members.SelfActor(id), id, members.MemberData{Email: c.Email, FirstName: c.FirstName,
		LastName: c.LastName, DateOfBirth: c.DateOfBirth, Address: c.Address, City: c.City, PostalCode: c.PostalCode,
		Phone: c.Phone, Company: c.Company, Lang: lang})
	return changed, mapErr(err)
}

func (a *registryAdapter) RequestLeave(ctx context.Context, id string) (time.Time, error) {
	at, err := a.reg.RequestLeave(ctx, members.SelfActor(id), id)
	return at, mapErr(err)
}

func (a *registryAdapter) WithdrawLeave(ctx context.Context, id string) error {
	return mapErr(a.reg.WithdrawLeave(ctx, members.SelfActor(id), id))
}

func (a *registryAdapter) LeftBefore(ctx context.Context, t time.Time) ([]string, error) {
	return a.reg.LeftBefore(ctx, t)
}

func (a *registryAdapter) Erase(ctx context.Context, actor, id string) error {
	return mapErr(a.reg.Erase(ctx, actor, id))
}

func (a *registryAdapter) ApplicationPDF(ctx context.Context, id string) ([]byte, error) {
	var appID string
	var pdf []byte
	err := a.db.QueryRow(ctx, `SELECT a.id, a.pdf FROM members m JOIN applications a ON a.id = m.application_id
		WHERE m.id = ? AND m.erased = ?`, id, false).Scan(&appID, &pdf)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && pdf == nil) {
		return nil, ErrNoFile
	}
	if err != nil {
		return nil, fmt.Errorf("application of member %s: %w", id, err)
	}
	b, err := a.keys.Open(pdf, seal.AAD("applications", "pdf", appID))
	if err != nil {
		return nil, fmt.Errorf("open application pdf of member %s: %w", id, err)
	}
	return b, nil
}

func (a *registryAdapter) Notes(ctx context.Context, id string) ([]Note, error) {
	ns, err := a.reg.Notes(ctx, "member", id)
	if err != nil {
		return nil, err
	}
	out := make([]Note, len(ns))
	for i, n := range ns {
		out[i] = Note{Text: n.Body, At: n.CreatedAt}
	}
	return out, nil
}

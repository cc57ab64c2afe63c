package portal

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Registry is what the portal needs from the member registry. It is defined
// here, where it is used, so the portal depends on a handful of functions
// rather than on a package: until internal/members exists the portal's own
// tableRegistry (tables.go) answers it from the members tables, and the
// console is never imported.
type Registry interface {
	// MemberByEmail returns the id of the not yet erased member whose email
	// (the one they joined with, or changed to) is email; ErrNoMember if
	// there is none. When several share an address, the highest number.
	MemberByEmail(ctx context.Context, email string) (string, error)
	// Member loads a member with contact data, number, language,
	// workplaces and occupation history; ErrNoMember if there is none.
	Member(ctx context.Context, id string) (*Member, error)
	// UpdateContact replaces the member's contact details and preferred
	// language inside tx and names the fields that changed (never values).
	UpdateContact(ctx context.Context, tx *sql.Tx, id string, c Contact, lang string) ([]string, error)
	// RecordLeaveRequest marks, inside tx, that the member asked to leave
	// at at, and when their personal data is to be erased.
	RecordLeaveRequest(ctx context.Context, tx *sql.Tx, id string, at, eraseDue time.Time) error
	// Erase erases the member's personal data inside tx, keeping the member
	// number, dates and workplaces (dues history is keyed by the number),
	// as the console's erasure does.
	Erase(ctx context.Context, tx *sql.Tx, id string) error
	// ApplicationPDF returns the signed application PDF the member's record
	// is linked to; ErrNoFile when there is none (added by hand, erased).
	ApplicationPDF(ctx context.Context, id string) ([]byte, error)
	// Notes returns the committee's notes on the member (text and date;
	// the export includes them: they are data about the member).
	Notes(ctx context.Context, id string) ([]Note, error)
}

// Note is a committee note on a member.
type Note struct {
	Text string    `json:"text"`
	At   time.Time `json:"written_at"`
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
	Contact       Contact
	Lang          string
	ApplicationID string
	// AppliedAt is when the linked application was signed.
	AppliedAt        *time.Time
	JoinedAt         time.Time
	OnboardedAt      *time.Time
	LeftAt           *time.Time
	LeaveRequestedAt *time.Time
	EraseDueAt       *time.Time
	Erased           bool
	Workplaces       []string // names
	Occupations      []Occupation
}

// Occupation is one entry of the occupation history.
type Occupation struct {
	Text  string    `json:"text"`
	Since time.Time `json:"since"`
}

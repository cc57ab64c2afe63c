package admin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/members"
	"unionhall/internal/membership"
	"unionhall/internal/seal"
)

// Application states, as internal/membership stores them.
const (
	StateUnverified = membership.StateUnverified
	StateProcessing = membership.StateProcessing
	StateAccepted   = membership.StateAccepted
	StateRejected   = membership.StateRejected
	StateInvalid    = membership.StateInvalid
)

// States in tab order.
var States = []string{StateUnverified, StateProcessing, StateAccepted, StateRejected, StateInvalid}

// jobVerification is internal/membership's job that (re)sends the
// verification email; the console queues it for "re-send verification".
const jobVerification = membership.JobVerification

// Applicant is the sealed JSON in applications.data. It is membership's own
// type, so the console can never drift from what the join flow stores; the
// console reads and writes the table itself (see doc.go).
type Applicant = membership.Applicant

func aadApp(col, id string) []byte { return seal.AAD("applications", col, id) }

// Application is a row with its sealed parts opened.
type Application struct {
	ID                 string
	State              string
	Lang               string
	CreatedAt          time.Time
	VerificationSentAt *time.Time
	ConfirmedAt        *time.Time
	Applicant          Applicant
	HasSignature       bool
	HasPDF             bool
	Typed              bool
	// MemberID is the member the application was accepted as or linked
	// to (applications.member_id): also for an earlier application of a
	// member whose record now points to a newer one.
	MemberID     string
	MemberNumber int64
	// Erased: the member's personal data was erased, and with it this
	// application's (members.go, RecordLeaving).
	Erased bool
}

// Errors shown to the user as clear messages: the registry's (the
// console maps them in failErr and forms.go).
var (
	ErrNotFound      = members.ErrNotFound
	ErrWrongState    = members.ErrWrongState
	ErrNumberTaken   = members.ErrNumberTaken
	ErrBadNumber     = members.ErrBadNumber
	ErrDuplicate     = members.ErrDuplicate
	ErrNothingToLink = members.ErrNothingToLink
	ErrLinkNumber    = members.ErrLinkNumber
)

// CountApplications returns the number of applications per state.
func (c *Console) CountApplications(ctx context.Context) (map[string]int, error) {
	rows, err := c.d.DB.Query(ctx, `SELECT state, COUNT(*) FROM applications GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count applications: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count applications: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// pageSize is the number of rows on one list page.
const pageSize = 50

// ListApplications returns one page of applications in a state, oldest
// first (a queue is worked from its oldest end).
func (c *Console) ListApplications(ctx context.Context, state string, page int) ([]Application, error) {
	rows, err := c.d.DB.Query(ctx, `SELECT id, state, lang, data, created_at, confirmed_at FROM applications
		WHERE state = ? ORDER BY created_at, id LIMIT ? OFFSET ?`, state, pageSize, page*pageSize)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		var a Application
		var data []byte
		var created db.Time
		var confirmed sql.Null[db.Time]
		if err := rows.Scan(&a.ID, &a.State, &a.Lang, &data, &created, &confirmed); err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		a.CreatedAt = created.Time
		if confirmed.Valid {
			a.ConfirmedAt = &confirmed.V.Time
		}
		if err := c.d.Keys.OpenJSON(data, aadApp("data", a.ID), &a.Applicant); err != nil {
			return nil, fmt.Errorf("application %s: %w", a.ID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LoadApplication reads one application and opens its data.
func (c *Console) LoadApplication(ctx context.Context, id string) (*Application, error) {
	if !db.ValidID(id) {
		return nil, ErrNotFound
	}
	var (
		a               Application
		data            []byte
		created         db.Time
		sent, confirmed sql.Null[db.Time]
		memberID        sql.NullString
		number          sql.NullInt64
		erased          sql.NullBool
	)
	err := c.d.DB.QueryRow(ctx, `SELECT a.id, a.state, a.lang, a.data, a.signature IS NOT NULL, a.pdf IS NOT NULL,
		a.typed_signature, a.created_at, a.verification_sent_at, a.confirmed_at, m.id, m.number, m.erased
		FROM applications a LEFT JOIN members m ON m.id = a.member_id WHERE a.id = ?`, id).
		Scan(&a.ID, &a.State, &a.Lang, &data, &a.HasSignature, &a.HasPDF, &a.Typed, &created, &sent, &confirmed, &memberID, &number, &erased)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load application %s: %w", id, err)
	}
	a.CreatedAt = created.Time
	if sent.Valid {
		a.VerificationSentAt = &sent.V.Time
	}
	if confirmed.Valid {
		a.ConfirmedAt = &confirmed.V.Time
	}
	a.MemberID, a.MemberNumber, a.Erased = memberID.String, number.Int64, erased.Bool
	if err := c.d.Keys.OpenJSON(data, aadApp("data", id), &a.Applicant); err != nil {
		return nil, fmt.Errorf("application %s: %w", id, err)
	}
	return &a, nil
}

// ApplicationFile returns the opened signature PNG or PDF ("signature" or
// "pdf") of an application.
func (c *Console) ApplicationFile(ctx context.Context, id, col string) ([]byte, error) {
	if !db.ValidID(id) || (col != "signature" && col != "pdf") {
		return nil, ErrNotFound
	}
	var sealed []byte
	err := c.d.DB.QueryRow(ctx, `SELECT `+col+` FROM applications WHERE id = ?`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load %s of %s: %w", col, id, err)
	}
	b, err := c.d.Keys.Open(sealed, aadApp(col, id))
	if err != nil {
		return nil, fmt.Errorf("open %s of %s: %w", col, id, err)
	}
	return b, nil
}

// OpenApplicationFile is ApplicationFile for viewer, with the opening
// recorded on the application's trail: a signature or PDF is the person's
// whole record, and every opening of a person's data is in the audit
// trail. The file is served only once the entry is written.
func (c *Console) OpenApplicationFile(ctx context.Context, viewer *auth.Account, id, col string) ([]byte, error) {
	b, err := c.ApplicationFile(ctx, id, col)
	if err != nil {
		return nil, err
	}
	action := "application.pdf"
	if col == "signature" {
		action = "application.signature"
	}
	if err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return c.audit(ctx, tx, viewer, action, "application", id, "")
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// transitions says which states each action leaves from, and where to.
var transitions = map[string]struct {
	from []string
	to   string
}{
	"verify":     {[]string{StateUnverified}, StateProcessing},
	"reject":     {[]string{StateProcessing}, StateRejected},
	"invalidate": {[]string{StateUnverified, StateProcessing, StateRejected}, StateInvalid},
	"reevaluate": {[]string{StateRejected, StateInvalid}, ""}, // back to processing, or unverified if never confirmed
}

// Actions lists what may be done to an application in its state, for the
// buttons on the detail page.
func Actions(state string) []string {
	var out []string
	for name, t := range transitions {
		for _, f := range t.from {
			if f == state {
				out = append(out, name)
			}
		}
	}
	switch state {
	case StateUnverified:
		out = append(out, "resend")
	case StateProcessing:
		out = append(out, "accept")
	case StateInvalid:
		out = append(out, "delete")
	}
	sort.Strings(out)
	return out
}

// Transition moves an application by a simple action (verify, reject,
// invalidate, reevaluate) and records it. A wrong state is ErrWrongState.
func (c *Console) Transition(ctx context.Context, actor *auth.Account, id, action string) error {
	t, ok := transitions[action]
	if !ok || !db.ValidID(id) {
		return ErrNotFound
	}
	now := c.d.Now()
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var state string
		var confirmed sql.Null[db.Time]
		err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT state, confirmed_at FROM applications WHERE id = ?`), id).Scan(&state, &confirmed)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("%s application %s: %w", action, id, err)
		}
		if !contains(t.from, state) {
			return ErrWrongState
		}
		to := t.to
		if to == "" {
			to = StateUnverified
			if confirmed.Valid {
				to = StateProcessing
			}
		}
		// resolved_at starts the retention clock of rejected applications
		// (membership.PurgeExpired); any other state stops it.
		var resolved sql.Null[db.Time]
		if to == StateRejected || to == StateInvalid {
			resolved = sql.Null[db.Time]{V: db.T(now), Valid: true}
		}
		q := `UPDATE applications SET state = ?, resolved_at = ? WHERE id = ? AND state = ?`
		args := []any{to, resolved, id, state}
		if action == "verify" {
			q = `UPDATE applications SET state = ?, confirmed_at = ? WHERE id = ? AND state = ?`
			args = []any{to, db.T(now), id, state}
		}
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(q), args...); err != nil {
			return fmt.Errorf("%s application %s: %w", action, id, err)
		}
		return c.audit(ctx, tx, actor, "application."+action, "application", id, state+" → "+to)
	})
}

// ResendVerification queues the verification email of an unverified
// application again (internal/membership's job does the sending).
func (c *Console) ResendVerification(ctx context.Context, actor *auth.Account, id string) error {
	if !db.ValidID(id) {
		return ErrNotFound
	}
	payload, _ := json.Marshal(map[string]string{"application_id": id, "send_id": db.NewID()})
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		state, err := c.appState(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != StateUnverified {
			return ErrWrongState
		}
		if c.d.Queue == nil {
			return errors.New("resend verification: no job queue")
		}
		if _, err := c.d.Queue.Enqueue(ctx, tx, jobVerification, payload, time.Time{}); err != nil {
			return fmt.Errorf("queue verification of %s: %w", id, err)
		}
		return c.audit(ctx, tx, actor, "application.resend", "application", id, "")
	})
}

func (c *Console) appState(ctx context.Context, tx *sql.Tx, id string) (string, error) {
	var state string
	err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT state FROM applications WHERE id = ?`), id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("application %s: %w", id, err)
	}
	return state, nil
}

// DeleteApplication removes an invalid application with its files and
// notes for good (spam clean-up). Only invalid applications can go.
func (c *Console) DeleteApplication(ctx context.Context, actor *auth.Account, id string) error {
	if !db.ValidID(id) {
		return ErrNotFound
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		state, err := c.appState(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != StateInvalid {
			return ErrWrongState
		}
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`DELETE FROM notes WHERE subject_type = 'application' AND subject_id = ?`), id); err != nil {
			return fmt.Errorf("delete notes of %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`DELETE FROM applications WHERE id = ? AND state = 'invalid'`), id); err != nil {
			return fmt.Errorf("delete application %s: %w", id, err)
		}
		return c.audit(ctx, tx, actor, "application.delete", "application", id, "hard delete of an invalid application")
	})
}

// AcceptOptions are the committee's choices when accepting.
type AcceptOptions struct {
	// Number is the member number to give (0: the next free one).
	Number int64
	// Duplicate says what to do when the applicant's email belongs to a
	// member already (members.Joining.Duplicate).
	Duplicate string
}

// Accept turns a processing application into a member: AcceptWith with
// only a number, so an email that belongs to a member is refused.
func (c *Console) Accept(ctx context.Context, actor *auth.Account, id string, number int64) (memberID string, got int64, err error) {
	return c.AcceptWith(ctx, actor, id, AcceptOptions{Number: number})
}

// AcceptWith turns a processing application into a member through the
// registry (members.Registry.Join, which assigns the number, looks for
// members with the email and links or refuses): the application moves to
// accepted and the member is made in one transaction. o.Number 0 takes
// the next free member number; otherwise that number is used if free
// (ErrNumberTaken if not). It returns the member's id and number. A
// unique violation (a hand-chosen number racing the counter) re-runs the
// transaction.
func (c *Console) AcceptWith(ctx context.Context, actor *auth.Account, id string, o AcceptOptions) (memberID string, got int64, err error) {
	if !db.ValidID(id) {
		return "", 0, ErrNotFound
	}
	j := members.Joining{ApplicationID: id, Number: o.Number, Duplicate: o.Duplicate}
	if err := j.Validate(); err != nil {
		return "", 0, err
	}
	app, err := c.LoadApplication(ctx, id)
	if err != nil {
		return "", 0, err
	}
	a := app.Applicant
	j.Data = members.MemberData{Email: a.Email, FirstName: a.FirstName, LastName: a.LastName, DateOfBirth: a.DateOfBirth,
		Address: a.Address, City: a.City, PostalCode: a.PostalCode, Phone: a.Phone, Company: a.Company, Lang: a.Lang}
	j.Occupation = a.Occupation
	for attempt := 0; ; attempt++ {
		var joined members.Joined
		err = c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			state, err := c.appState(ctx, tx, id)
			if err != nil {
				return err
			}
			if state != StateProcessing {
				return ErrWrongState
			}
			if joined, err = c.reg.Join(ctx, tx, actor.ID, j); err != nil {
				return err
			}
			if err := c.markAccepted(ctx, tx, id, joined.MemberID); err != nil {
				return err
			}
			detail := fmt.Sprintf("member number %d", joined.Number)
			switch {
			case joined.Linked:
				detail = fmt.Sprintf("linked to the existing member number %d", joined.Number)
			case joined.Match != nil:
				// Accepted anyway: the trail says the committee knew.
				detail += fmt.Sprintf(", a new member although the email is member number %d's", joined.Match.Number)
			}
			return c.audit(ctx, tx, actor, "application.accept", "application", id, detail)
		})
		if err != nil && db.IsUniqueViolation(err) && attempt < 5 {
			if o.Number != 0 {
				return "", 0, ErrNumberTaken
			}
			continue
		}
		if err != nil {
			return "", 0, err
		}
		return joined.MemberID, joined.Number, nil
	}
}

// markAccepted moves application appID from processing to accepted as the
// application of member memberID. applications.member_id is what erasure
// goes by (RecordLeaving): members.application_id names only the latest
// application, and a re-join link moves it, so without member_id a
// member's earlier signed application would be left out of the erasure.
func (c *Console) markAccepted(ctx context.Context, tx *sql.Tx, appID, memberID string) error {
	if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`UPDATE applications SET state = 'accepted', member_id = ? WHERE id = ? AND state = 'processing'`),
		memberID, appID); err != nil {
		return fmt.Errorf("accept application %s: %w", appID, err)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

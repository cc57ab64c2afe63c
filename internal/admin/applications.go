package admin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
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

// Errors shown to the user as clear messages.
var (
	ErrNotFound    = errors.New("not found")
	ErrWrongState  = errors.New("this action is not possible in the application's current state")
	ErrNumberTaken = errors.New("this member number is already taken")
	ErrBadNumber   = errors.New("a member number must be a whole number from 1 to 999999999")
	// ErrDuplicate: the email belongs to a member already (the error is a
	// *DuplicateError, which names them).
	ErrDuplicate = errors.New("a member with this email exists already")
	// ErrNothingToLink: "link to the existing member" was chosen, but no
	// member has the applicant's email (any more).
	ErrNothingToLink = errors.New("no member has this email to link to")
	// ErrLinkNumber: a member number was chosen together with linking to
	// an existing member, who keeps theirs.
	ErrLinkNumber = errors.New("linking keeps the existing member's number")
)

// MemberMatch is a member whose email is the one being looked up: only
// what deciding about a duplicate needs, no personal data.
type MemberMatch struct {
	ID     string
	Number int64
	Left   bool
	// Category is new, current or past (see Member.Category).
	Category string
	// ApplicationID is the application the member record is linked to.
	ApplicationID string
}

// DuplicateError reports the members that already have an email; it is
// ErrDuplicate for errors.Is.
type DuplicateError struct{ Members []MemberMatch }

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%v (member number %d)", ErrDuplicate, e.Members[0].Number)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// What accepting does when the applicant's email belongs to a member (see
// AcceptOptions and doc.go).
const (
	DuplicateNew  = "new"  // accept anyway: a second member with a new number
	DuplicateLink = "link" // link the application to the existing member
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
		if err := c.openJSON(data, aadApp("data", a.ID), &a.Applicant); err != nil {
			return nil, fmt.Errorf("application %s: %w", a.ID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (c *Console) openJSON(sealed, aad []byte, v any) error {
	plain, err := c.d.Keys.Open(sealed, aad)
	if err != nil {
		return fmt.Errorf("open sealed data: %w", err)
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("decode sealed data: %w", err)
	}
	return nil
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
	if err := c.openJSON(data, aadApp("data", id), &a.Applicant); err != nil {
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
	// member already: "" refuses (*DuplicateError), DuplicateNew creates a
	// second member anyway, DuplicateLink links the application to the
	// existing member (see linkMember).
	Duplicate string
}

// Accept turns a processing application into a member: AcceptWith with
// only a number, so an email that belongs to a member is refused.
func (c *Console) Accept(ctx context.Context, actor *auth.Account, id string, number int64) (memberID string, got int64, err error) {
	return c.AcceptWith(ctx, actor, id, AcceptOptions{Number: number})
}

// AcceptWith turns a processing application into a member. o.Number 0
// takes the next free member number; otherwise that number is used if free
// (ErrNumberTaken if not). It returns the member's id and number.
//
// The next free number comes from the counters row, which the UPDATE locks
// until commit: concurrent accepts queue on that row (PostgreSQL) or on the
// single writer (SQLite), so no two get the same number. A number taken by
// hand is skipped. A unique violation (a hand-chosen number racing the
// counter) re-runs the transaction.
//
// Before anything is written the transaction locks the applicant's email
// (db.LockKey on its blind index) and looks for members with it, so two
// accepts of two applications with the same email take turns and the
// second sees the member the first created: without o.Duplicate that is a
// *DuplicateError and nothing changes.
func (c *Console) AcceptWith(ctx context.Context, actor *auth.Account, id string, o AcceptOptions) (memberID string, got int64, err error) {
	number := o.Number
	if !db.ValidID(id) {
		return "", 0, ErrNotFound
	}
	if number < 0 || number > 999999999 {
		return "", 0, ErrBadNumber
	}
	if o.Duplicate != "" && o.Duplicate != DuplicateNew && o.Duplicate != DuplicateLink {
		return "", 0, fmt.Errorf("accept: unknown duplicate choice %q", o.Duplicate)
	}
	if o.Duplicate == DuplicateLink && number != 0 {
		return "", 0, ErrLinkNumber
	}
	app, err := c.LoadApplication(ctx, id)
	if err != nil {
		return "", 0, err
	}
	newID := db.NewID()
	a := app.Applicant
	md := MemberData{Email: a.Email, FirstName: a.FirstName, LastName: a.LastName, DateOfBirth: a.DateOfBirth,
		Address: a.Address, City: a.City, PostalCode: a.PostalCode, Phone: a.Phone, Company: a.Company, Lang: a.Lang}
	data, err := c.sealJSON(md, aadMember("data", newID))
	if err != nil {
		return "", 0, err
	}
	var occ []byte
	occID := db.NewID()
	if a.Occupation != "" {
		if occ, err = c.d.Keys.SealString(a.Occupation, aadMember("occupation", occID)); err != nil {
			return "", 0, fmt.Errorf("seal occupation: %w", err)
		}
	}
	bidx := c.memberEmailIndex(a.Email)
	now := c.d.Now()
	for attempt := 0; ; attempt++ {
		err = c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			memberID = newID
			state, err := c.appState(ctx, tx, id)
			if err != nil {
				return err
			}
			if state != StateProcessing {
				return ErrWrongState
			}
			var matches []MemberMatch
			if bidx != nil {
				if err := c.d.DB.LockKey(ctx, tx, "member.email", bidx); err != nil {
					return err
				}
				if matches, err = c.membersByEmail(ctx, tx, c.memberEmailLookup(a.Email)); err != nil {
					return err
				}
			}
			switch {
			case o.Duplicate == DuplicateLink && len(matches) == 0:
				return ErrNothingToLink
			case o.Duplicate == DuplicateLink:
				memberID, got = matches[0].ID, matches[0].Number
				return c.linkMember(ctx, tx, actor, id, matches[0], md, a.Occupation, occ, occID, now)
			case len(matches) > 0 && o.Duplicate != DuplicateNew:
				return &DuplicateError{Members: matches}
			}
			if got, err = c.assignNumber(ctx, tx, number); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO members (id, number, application_id, email_bidx, data, joined_at)
				VALUES (?, ?, ?, ?, ?, ?)`), memberID, got, id, bidx, data, db.T(now)); err != nil {
				return fmt.Errorf("insert member: %w", err)
			}
			if occ != nil {
				if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since)
					VALUES (?, ?, ?, ?)`), occID, memberID, occ, db.T(now)); err != nil {
					return fmt.Errorf("insert occupation: %w", err)
				}
			}
			if err := c.markAccepted(ctx, tx, id, memberID); err != nil {
				return err
			}
			detail := fmt.Sprintf("member number %d", got)
			if len(matches) > 0 {
				// Accepted anyway: the trail says the committee knew.
				detail += fmt.Sprintf(", a new member although the email is member number %d's", matches[0].Number)
			}
			if err := c.audit(ctx, tx, actor, "application.accept", "application", id, detail); err != nil {
				return err
			}
			return c.audit(ctx, tx, actor, "member.create", "member", memberID, fmt.Sprintf("from application %s, member number %d", id, got))
		})
		if err != nil && db.IsUniqueViolation(err) && attempt < 5 {
			if number != 0 {
				return "", 0, ErrNumberTaken
			}
			continue
		}
		if err != nil {
			return "", 0, err
		}
		return memberID, got, nil
	}
}

// membersByEmail lists the members whose email has one of the blind
// indexes idx (memberEmailLookup), those who have not left first, then the
// highest number: the first is the one "link to the existing member" links
// to. Erased members have no index and are never found.
func (c *Console) membersByEmail(ctx context.Context, tx *sql.Tx, idx [2][]byte) ([]MemberMatch, error) {
	rows, err := tx.QueryContext(ctx, c.d.DB.Rebind(membersByEmailQuery), lookupArgs(idx)...)
	if err != nil {
		return nil, fmt.Errorf("members by email: %w", err)
	}
	return scanMatches(rows, "")
}

const membersByEmailQuery = `SELECT id, number, left_at IS NOT NULL, onboarded_at IS NOT NULL, application_id FROM members
	WHERE email_bidx IN (?, ?) ORDER BY CASE WHEN left_at IS NULL THEN 0 ELSE 1 END, number DESC`

// MembersWithEmail lists the members who have email (as membersByEmail),
// but for the one linked to application exceptApp (an accepted
// application's own member is no duplicate of it).
func (c *Console) MembersWithEmail(ctx context.Context, email, exceptApp string) ([]MemberMatch, error) {
	if email == "" {
		return nil, nil
	}
	rows, err := c.d.DB.Query(ctx, membersByEmailQuery, lookupArgs(c.memberEmailLookup(email))...)
	if err != nil {
		return nil, fmt.Errorf("members by email: %w", err)
	}
	return scanMatches(rows, exceptApp)
}

func scanMatches(rows *sql.Rows, exceptApp string) ([]MemberMatch, error) {
	defer rows.Close()
	var out []MemberMatch
	for rows.Next() {
		var m MemberMatch
		var app sql.NullString
		var onboarded bool
		if err := rows.Scan(&m.ID, &m.Number, &m.Left, &onboarded, &app); err != nil {
			return nil, fmt.Errorf("members by email: %w", err)
		}
		m.ApplicationID = app.String
		switch {
		case m.Left:
			m.Category = CatPast
		case onboarded:
			m.Category = CatCurrent
		default:
			m.Category = CatNew
		}
		if exceptApp == "" || m.ApplicationID != exceptApp {
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

// linkMember accepts application appID as the application of the existing
// member m instead of creating a second member (the choice is explained in
// doc.go): the member keeps their number; one who had left is a member
// again (left_at cleared, onboarding to be done anew); their contact data
// becomes the application's, which the person has just signed; the
// occupation is added to the history unless it is the latest entry
// already; and the member record points to this application (its PDF and
// signature are the member's files now; the previous application stays,
// accepted, and the trail names it).
func (c *Console) linkMember(ctx context.Context, tx *sql.Tx, actor *auth.Account, appID string, m MemberMatch, md MemberData,
	occupation string, occ []byte, occID string, now time.Time) error {
	var sealed []byte
	if err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT data FROM members WHERE id = ?`), m.ID).Scan(&sealed); err != nil {
		return fmt.Errorf("member %s: %w", m.ID, err)
	}
	var cur MemberData
	if err := c.openJSON(sealed, aadMember("data", m.ID), &cur); err != nil {
		return fmt.Errorf("member %s: %w", m.ID, err)
	}
	changed := changedFields(cur, md)
	if md.Lang == "" {
		md.Lang = cur.Lang
	}
	data, err := c.sealJSON(md, aadMember("data", m.ID))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`UPDATE members SET data = ?, email_bidx = ?, application_id = ?, left_at = NULL,
		onboarded_at = CASE WHEN left_at IS NULL THEN onboarded_at ELSE NULL END WHERE id = ?`),
		data, c.memberEmailIndex(md.Email), appID, m.ID); err != nil {
		return fmt.Errorf("link application %s to member %s: %w", appID, m.ID, err)
	}
	if occ != nil {
		last, err := c.latestOccupation(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if last != occupation {
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since)
				VALUES (?, ?, ?, ?)`), occID, m.ID, occ, db.T(now)); err != nil {
				return fmt.Errorf("insert occupation: %w", err)
			}
		}
	}
	if err := c.markAccepted(ctx, tx, appID, m.ID); err != nil {
		return err
	}
	if err := c.audit(ctx, tx, actor, "application.accept", "application", appID, fmt.Sprintf("linked to the existing member number %d", m.Number)); err != nil {
		return err
	}
	action, detail := "member.link", "application "+appID+" linked"
	if m.Left {
		action, detail = "member.rejoin", "rejoined with application "+appID
	}
	if m.ApplicationID != "" && m.ApplicationID != appID {
		detail += " (previous application " + m.ApplicationID + ")"
	}
	if len(changed) > 0 {
		detail += "; changed: " + strings.Join(changed, ", ")
	}
	return c.audit(ctx, tx, actor, action, "member", m.ID, detail)
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

// latestOccupation is the newest entry of a member's occupation history
// ("" if none).
func (c *Console) latestOccupation(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
	var oid string
	var sealed []byte
	err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT id, occupation FROM member_occupations WHERE member_id = ?
		ORDER BY since DESC, id DESC LIMIT 1`), memberID).Scan(&oid, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("occupations of %s: %w", memberID, err)
	}
	text, err := c.d.Keys.OpenString(sealed, aadMember("occupation", oid))
	if err != nil {
		return "", fmt.Errorf("open occupation of %s: %w", memberID, err)
	}
	return text, nil
}

// nextNumber takes the next member number no member holds yet.
func (c *Console) nextNumber(ctx context.Context, tx *sql.Tx) (int64, error) {
	for {
		var n int64
		if err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`UPDATE counters SET value = value + 1 WHERE name = 'member_number' RETURNING value`)).Scan(&n); err != nil {
			return 0, fmt.Errorf("next member number: %w", err)
		}
		taken, err := c.numberTaken(ctx, tx, n)
		if err != nil {
			return 0, err
		}
		if !taken {
			return n, nil
		}
	}
}

func (c *Console) numberTaken(ctx context.Context, tx *sql.Tx, n int64) (bool, error) {
	var k int
	if err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT COUNT(*) FROM members WHERE number = ?`), n).Scan(&k); err != nil {
		return false, fmt.Errorf("check member number: %w", err)
	}
	return k > 0, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

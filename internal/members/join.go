package members

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"unionhall/internal/db"
)

// Joining is a signed application becoming a member (Join): what the
// applicant wrote, and the committee's choices.
type Joining struct {
	// ApplicationID is the accepted application (members.application_id).
	ApplicationID string
	Data          MemberData
	Occupation    string
	// Number is the member number to give (0: the next free one).
	Number int64
	// Duplicate says what to do when the email belongs to a member
	// already: "" refuses (*DuplicateError), DuplicateNew creates a
	// second member anyway, DuplicateLink links the application to the
	// existing member (see linkMember).
	Duplicate string
}

// Validate checks the committee's choices before anything is read or
// written.
func (j Joining) Validate() error {
	if j.Number < 0 || j.Number > 999999999 {
		return ErrBadNumber
	}
	if j.Duplicate != "" && j.Duplicate != DuplicateNew && j.Duplicate != DuplicateLink {
		return fmt.Errorf("join: unknown duplicate choice %q", j.Duplicate)
	}
	if j.Duplicate == DuplicateLink && j.Number != 0 {
		return ErrLinkNumber
	}
	return nil
}

// Joined is what Join did.
type Joined struct {
	MemberID string
	Number   int64
	// Linked: the application was linked to an existing member (the
	// Match) instead of making a new one.
	Linked bool
	// Match is the first member who had the email already (nil: none):
	// the one linked to, or, for DuplicateNew, the one the trail names.
	Match *MemberMatch
}

// Join makes the member of an accepted application inside tx, the caller's
// transaction, which also moves the application to accepted (the
// application's state and its own audit entry belong to the caller, the
// member and theirs to the registry, and both commit together).
//
// The email is locked first (db.LockKey on its blind index) and members
// with it are looked up, so two accepts of one person's two applications
// take turns and the second sees the member the first created: without
// j.Duplicate that is a *DuplicateError. A new member gets j.Number or the
// next free one from the counters row, which the UPDATE holds locked until
// commit, so concurrent joins never share a number (numbers taken by hand
// are skipped). A unique violation (a chosen number racing the counter)
// comes back as the database's error: the caller re-runs the transaction
// (see db.IsUniqueViolation), or reports ErrNumberTaken for a chosen one.
func (reg *Registry) Join(ctx context.Context, tx *sql.Tx, actorID string, j Joining) (Joined, error) {
	if err := j.Validate(); err != nil {
		return Joined{}, err
	}
	out := Joined{MemberID: db.NewID()}
	data, err := reg.d.Keys.SealJSON(j.Data, aadMember("data", out.MemberID))
	if err != nil {
		return Joined{}, err
	}
	var occ []byte
	occID := db.NewID()
	if j.Occupation != "" {
		if occ, err = reg.d.Keys.SealString(j.Occupation, aadMember("occupation", occID)); err != nil {
			return Joined{}, fmt.Errorf("seal occupation: %w", err)
		}
	}
	bidx := reg.EmailIndex(j.Data.Email)
	now := reg.d.Now()
	var matches []MemberMatch
	if bidx != nil {
		if err := reg.d.DB.LockKey(ctx, tx, "member.email", bidx); err != nil {
			return Joined{}, err
		}
		if matches, err = reg.membersByEmail(ctx, tx, bidx); err != nil {
			return Joined{}, err
		}
	}
	if len(matches) > 0 {
		out.Match = &matches[0]
	}
	switch {
	case j.Duplicate == DuplicateLink && len(matches) == 0:
		return Joined{}, ErrNothingToLink
	case j.Duplicate == DuplicateLink:
		out.MemberID, out.Number, out.Linked = matches[0].ID, matches[0].Number, true
		return out, reg.linkMember(ctx, tx, actorID, j.ApplicationID, matches[0], j.Data, j.Occupation, occ, occID, now)
	case len(matches) > 0 && j.Duplicate != DuplicateNew:
		return Joined{}, &DuplicateError{Members: matches}
	}
	if out.Number, err = reg.assignNumber(ctx, tx, j.Number); err != nil {
		return Joined{}, err
	}
	if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO members (id, number, application_id, email_bidx, data, joined_at)
		VALUES (?, ?, ?, ?, ?, ?)`), out.MemberID, out.Number, j.ApplicationID, bidx, data, db.T(now)); err != nil {
		return Joined{}, fmt.Errorf("insert member: %w", err)
	}
	if occ != nil {
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since)
			VALUES (?, ?, ?, ?)`), occID, out.MemberID, occ, db.T(now)); err != nil {
			return Joined{}, fmt.Errorf("insert occupation: %w", err)
		}
	}
	return out, reg.audit(ctx, tx, actorID, "member.create", "member", out.MemberID,
		fmt.Sprintf("from application %s, member number %d", j.ApplicationID, out.Number))
}

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
// Joining.Duplicate and doc.go).
const (
	DuplicateNew  = "new"  // accept anyway: a second member with a new number
	DuplicateLink = "link" // link the application to the existing member
)

// membersByEmail lists the members whose email has blind index bidx, those
// who have not left first, then the highest number: the first is the one
// "link to the existing member" links to. Erased members have no index and
// are never found.
func (reg *Registry) membersByEmail(ctx context.Context, tx *sql.Tx, bidx []byte) ([]MemberMatch, error) {
	rows, err := tx.QueryContext(ctx, reg.d.DB.Rebind(membersByEmailQuery), bidx)
	if err != nil {
		return nil, fmt.Errorf("members by email: %w", err)
	}
	return scanMatches(rows, "")
}

const membersByEmailQuery = `SELECT id, number, left_at IS NOT NULL, onboarded_at IS NOT NULL, application_id FROM members
	WHERE email_bidx = ? ORDER BY CASE WHEN left_at IS NULL THEN 0 ELSE 1 END, number DESC`

// MembersWithEmail lists the members who have email (as membersByEmail),
// but for the one linked to application exceptApp (an accepted
// application's own member is no duplicate of it).
func (reg *Registry) MembersWithEmail(ctx context.Context, email, exceptApp string) ([]MemberMatch, error) {
	bidx := reg.EmailIndex(email)
	if bidx == nil {
		return nil, nil
	}
	rows, err := reg.d.DB.Query(ctx, membersByEmailQuery, bidx)
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
// accepted, and the trail names it). The caller marks the application
// accepted in the same transaction.
func (reg *Registry) linkMember(ctx context.Context, tx *sql.Tx, actorID, appID string, m MemberMatch, md MemberData,
	occupation string, occ []byte, occID string, now time.Time) error {
	var sealed []byte
	if err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT data FROM members WHERE id = ?`), m.ID).Scan(&sealed); err != nil {
		return fmt.Errorf("member %s: %w", m.ID, err)
	}
	var cur MemberData
	if err := reg.d.Keys.OpenJSON(sealed, aadMember("data", m.ID), &cur); err != nil {
		return fmt.Errorf("member %s: %w", m.ID, err)
	}
	changed := changedFields(cur, md)
	if md.Lang == "" {
		md.Lang = cur.Lang
	}
	data, err := reg.d.Keys.SealJSON(md, aadMember("data", m.ID))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE members SET data = ?, email_bidx = ?, application_id = ?, left_at = NULL,
		onboarded_at = CASE WHEN left_at IS NULL THEN onboarded_at ELSE NULL END WHERE id = ?`),
		data, reg.EmailIndex(md.Email), appID, m.ID); err != nil {
		return fmt.Errorf("link application %s to member %s: %w", appID, m.ID, err)
	}
	if occ != nil {
		last, err := reg.latestOccupation(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if last != occupation {
			if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since)
				VALUES (?, ?, ?, ?)`), occID, m.ID, occ, db.T(now)); err != nil {
				return fmt.Errorf("insert occupation: %w", err)
			}
		}
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
	return reg.audit(ctx, tx, actorID, action, "member", m.ID, detail)
}

// latestOccupation is the newest entry of a member's occupation history
// ("" if none).
func (reg *Registry) latestOccupation(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
	var oid string
	var sealed []byte
	err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT id, occupation FROM member_occupations WHERE member_id = ?
		ORDER BY since DESC, id DESC LIMIT 1`), memberID).Scan(&oid, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("occupations of %s: %w", memberID, err)
	}
	text, err := reg.d.Keys.OpenString(sealed, aadMember("occupation", oid))
	if err != nil {
		return "", fmt.Errorf("open occupation of %s: %w", memberID, err)
	}
	return text, nil
}

// nextNumber takes the next member number no member holds yet.
func (reg *Registry) nextNumber(ctx context.Context, tx *sql.Tx) (int64, error) {
	for {
		var n int64
		if err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`UPDATE counters SET value = value + 1 WHERE name = 'member_number' RETURNING value`)).Scan(&n); err != nil {
			return 0, fmt.Errorf("next member number: %w", err)
		}
		taken, err := reg.numberTaken(ctx, tx, n)
		if err != nil {
			return 0, err
		}
		if !taken {
			return n, nil
		}
	}
}

func (reg *Registry) numberTaken(ctx context.Context, tx *sql.Tx, n int64) (bool, error) {
	var k int
	if err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT COUNT(*) FROM members WHERE number = ?`), n).Scan(&k); err != nil {
		return false, fmt.Errorf("check member number: %w", err)
	}
	return k > 0, nil
}

package portal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/membership"
	"unionhall/internal/seal"
)

// tableRegistry answers Registry from the member tables themselves (members,
// member_occupations, member_workplaces, workplaces, applications), with the
// same sealing and blind indexes as the console. It stands in for the
// member registry package until that lands (see doc.go); it knows nothing
// of the console.
type tableRegistry struct {
	db   *db.DB
	keys *seal.Keyring
}

// NewTableRegistry is the Registry over the members tables.
func NewTableRegistry(d *db.DB, keys *seal.Keyring) Registry {
	return &tableRegistry{db: d, keys: keys}
}

func aadMember(col, id string) []byte { return seal.AAD("members", col, id) }

func (t *tableRegistry) emailIndex(email string) []byte {
	return t.keys.BlindIndex("member.email", seal.NormaliseEmail(email))
}

func (t *tableRegistry) MemberByEmail(ctx context.Context, email string) (string, error) {
	var id string
	err := t.db.QueryRow(ctx, `SELECT id FROM members WHERE email_bidx = ? AND erased = ? ORDER BY number DESC LIMIT 1`,
		t.emailIndex(email), false).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoMember
	}
	if err != nil {
		return "", fmt.Errorf("find member by email: %w", err)
	}
	return id, nil
}

// memberData is members.data: the contact fields plus the language. Fields
// the portal does not know are kept as they are when it writes the record.
type memberData struct {
	Contact
	Lang string `json:"lang"`
}

func (t *tableRegistry) Member(ctx context.Context, id string) (*Member, error) {
	if !db.ValidID(id) {
		return nil, ErrNoMember
	}
	m := &Member{ID: id}
	var data []byte
	var app sql.NullString
	var joined db.Time
	var onb, left, req, due sql.Null[db.Time]
	err := t.db.QueryRow(ctx, `SELECT number, application_id, data, joined_at, onboarded_at, left_at, leave_requested_at, erase_due_at, erased
		FROM members WHERE id = ?`, id).Scan(&m.Number, &app, &data, &joined, &onb, &left, &req, &due, &m.Erased)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoMember
	}
	if err != nil {
		return nil, fmt.Errorf("load member: %w", err)
	}
	m.ApplicationID, m.JoinedAt = app.String, joined.Time
	for _, p := range []struct {
		v   sql.Null[db.Time]
		dst **time.Time
	}{{onb, &m.OnboardedAt}, {left, &m.LeftAt}, {req, &m.LeaveRequestedAt}, {due, &m.EraseDueAt}} {
		if p.v.Valid {
			tm := p.v.V.Time
			*p.dst = &tm
		}
	}
	plain, err := t.keys.Open(data, aadMember("data", id))
	if err != nil {
		return nil, fmt.Errorf("open member %s: %w", id, err)
	}
	var md memberData
	if err := json.Unmarshal(plain, &md); err != nil {
		return nil, fmt.Errorf("decode member %s: %w", id, err)
	}
	m.Contact, m.Lang = md.Contact, md.Lang
	if m.ApplicationID != "" {
		var created db.Time
		if err := t.db.QueryRow(ctx, `SELECT created_at FROM applications WHERE id = ?`, m.ApplicationID).Scan(&created); err == nil {
			m.AppliedAt = &created.Time
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("application of member %s: %w", id, err)
		}
	}
	if m.Occupations, err = t.occupations(ctx, id); err != nil {
		return nil, err
	}
	if m.Workplaces, err = t.workplaces(ctx, id); err != nil {
		return nil, err
	}
	return m, nil
}

func (t *tableRegistry) occupations(ctx context.Context, id string) ([]Occupation, error) {
	rows, err := t.db.Query(ctx, `SELECT id, occupation, since FROM member_occupations WHERE member_id = ? ORDER BY since, id`, id)
	if err != nil {
		return nil, fmt.Errorf("occupations of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Occupation
	for rows.Next() {
		var oid string
		var sealed []byte
		var since db.Time
		if err := rows.Scan(&oid, &sealed, &since); err != nil {
			return nil, fmt.Errorf("occupations of %s: %w", id, err)
		}
		text, err := t.keys.OpenString(sealed, aadMember("occupation", oid))
		if err != nil {
			return nil, fmt.Errorf("open occupation of %s: %w", id, err)
		}
		out = append(out, Occupation{Text: text, Since: since.Time})
	}
	return out, rows.Err()
}

func (t *tableRegistry) workplaces(ctx context.Context, id string) ([]string, error) {
	rows, err := t.db.Query(ctx, `SELECT w.id, w.data FROM workplaces w JOIN member_workplaces mw ON mw.workplace_id = w.id
		WHERE mw.member_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("workplaces of %s: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var wid string
		var data []byte
		if err := rows.Scan(&wid, &data); err != nil {
			return nil, fmt.Errorf("workplaces of %s: %w", id, err)
		}
		if data == nil {
			continue // not sealed yet (the console seals them at start)
		}
		plain, err := t.keys.Open(data, seal.AAD("workplaces", "data", wid))
		if err != nil {
			return nil, fmt.Errorf("open workplace %s: %w", wid, err)
		}
		var w struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(plain, &w); err != nil {
			return nil, fmt.Errorf("decode workplace %s: %w", wid, err)
		}
		out = append(out, w.Name)
	}
	slices.Sort(out)
	return out, rows.Err()
}

func (t *tableRegistry) UpdateContact(ctx context.Context, tx *sql.Tx, id string, c Contact, lang string) ([]string, error) {
	var sealed []byte
	var erased bool
	err := tx.QueryRowContext(ctx, t.db.Rebind(`SELECT data, erased FROM members WHERE id = ?`), id).Scan(&sealed, &erased)
	if errors.Is(err, sql.ErrNoRows) || erased {
		return nil, ErrNoMember
	}
	if err != nil {
		return nil, fmt.Errorf("update member %s: %w", id, err)
	}
	plain, err := t.keys.Open(sealed, aadMember("data", id))
	if err != nil {
		return nil, fmt.Errorf("open member %s: %w", id, err)
	}
	// Keep any field this package does not know.
	var raw map[string]any
	var cur memberData
	if err := json.Unmarshal(plain, &raw); err != nil {
		return nil, fmt.Errorf("decode member %s: %w", id, err)
	}
	_ = json.Unmarshal(plain, &cur)
	changed := ChangedFields(cur.Contact, c)
	if cur.Lang != lang {
		changed = append(changed, "language")
	}
	if len(changed) == 0 {
		return nil, nil
	}
	bidx := t.emailIndex(c.Email)
	if cur.Email != c.Email {
		// As the console: under a lock on the new address, so two edits
		// giving one address to two records take turns.
		if err := t.db.LockKey(ctx, tx, "member.email", bidx); err != nil {
			return nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, t.db.Rebind(`SELECT COUNT(*) FROM members WHERE email_bidx = ? AND id <> ? AND erased = ?`),
			bidx, id, false).Scan(&n); err != nil {
			return nil, fmt.Errorf("check email of %s: %w", id, err)
		}
		if n > 0 {
			return nil, ErrEmailTaken
		}
	}
	b, _ := json.Marshal(memberData{Contact: c, Lang: lang})
	var next map[string]any
	_ = json.Unmarshal(b, &next)
	for k, v := range next {
		raw[k] = v
	}
	b, err = json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("encode member %s: %w", id, err)
	}
	if sealed, err = t.keys.Seal(b, aadMember("data", id)); err != nil {
		return nil, fmt.Errorf("seal member %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, t.db.Rebind(`UPDATE members SET data = ?, email_bidx = ? WHERE id = ?`),
		sealed, bidx, id); err != nil {
		return nil, fmt.Errorf("update member %s: %w", id, err)
	}
	return changed, nil
}

// ChangedFields names the contact fields that differ between a and b, for
// an audit detail (names, never values).
func ChangedFields(a, b Contact) []string {
	var out []string
	for _, f := range [][3]string{{"email", a.Email, b.Email}, {"first name", a.FirstName, b.FirstName},
		{"last name", a.LastName, b.LastName}, {"birth date", a.DateOfBirth, b.DateOfBirth},
		{"address", a.Address, b.Address}, {"city", a.City, b.City}, {"postal code", a.PostalCode, b.PostalCode},
		{"phone", a.Phone, b.Phone}, {"employer", a.Company, b.Company}} {
		if f[1] != f[2] {
			out = append(out, f[0])
		}
	}
	return out
}

func (t *tableRegistry) RecordLeaveRequest(ctx context.Context, tx *sql.Tx, id string, at, eraseDue time.Time) error {
	res, err := tx.ExecContext(ctx, t.db.Rebind(`UPDATE members SET left_at = COALESCE(left_at, ?), leave_requested_at = ?, erase_due_at = ?
		WHERE id = ? AND erased = ? AND leave_requested_at IS NULL`), db.T(at), db.T(at), db.T(eraseDue), id, false)
	if err != nil {
		return fmt.Errorf("record leave request of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoMember
	}
	return nil
}

func (t *tableRegistry) Erase(ctx context.Context, tx *sql.Tx, id string) error {
	empty, err := t.keys.Seal([]byte(`{}`), aadMember("data", id))
	if err != nil {
		return fmt.Errorf("seal empty member: %w", err)
	}
	rows, err := tx.QueryContext(ctx, t.db.Rebind(`SELECT id, lang FROM applications
		WHERE member_id = ? OR id = (SELECT application_id FROM members WHERE id = ?)`), id, id)
	if err != nil {
		return fmt.Errorf("applications of member %s: %w", id, err)
	}
	type app struct{ id, lang string }
	var apps []app
	for rows.Next() {
		var a app
		if err := rows.Scan(&a.id, &a.lang); err != nil {
			rows.Close()
			return fmt.Errorf("applications of member %s: %w", id, err)
		}
		apps = append(apps, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("applications of member %s: %w", id, err)
	}
	type stmt struct {
		q    string
		args []any
	}
	sts := []stmt{
		{`UPDATE members SET data = ?, email_bidx = NULL, erased = ?, left_at = COALESCE(left_at, erase_due_at) WHERE id = ?`, []any{empty, true, id}},
		{`DELETE FROM member_occupations WHERE member_id = ?`, []any{id}},
		{`DELETE FROM notes WHERE subject_type = 'member' AND subject_id = ?`, []any{id}},
		{`DELETE FROM member_sessions WHERE member_id = ?`, []any{id}},
		{`DELETE FROM member_login_tokens WHERE member_id = ?`, []any{id}},
	}
	for _, a := range apps {
		b, _ := json.Marshal(membership.Applicant{Lang: a.lang})
		sealed, err := t.keys.Seal(b, seal.AAD("applications", "data", a.id))
		if err != nil {
			return fmt.Errorf("seal empty application: %w", err)
		}
		sts = append(sts,
			stmt{`UPDATE applications SET data = ?, email_bidx = ?, signature = NULL, pdf = NULL, typed_signature = ? WHERE id = ?`, []any{sealed, []byte{}, false, a.id}},
			stmt{`DELETE FROM notes WHERE subject_type = 'application' AND subject_id = ?`, []any{a.id}},
			stmt{`DELETE FROM application_tokens WHERE application_id = ?`, []any{a.id}})
	}
	for _, st := range sts {
		if _, err := tx.ExecContext(ctx, t.db.Rebind(st.q), st.args...); err != nil {
			return fmt.Errorf("erase member %s: %w", id, err)
		}
	}
	return nil
}

func (t *tableRegistry) ApplicationPDF(ctx context.Context, id string) ([]byte, error) {
	var appID sql.NullString
	var pdf []byte
	err := t.db.QueryRow(ctx, `SELECT a.id, a.pdf FROM members m JOIN applications a ON a.id = m.application_id
		WHERE m.id = ? AND m.erased = ?`, id, false).Scan(&appID, &pdf)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && pdf == nil) {
		return nil, ErrNoFile
	}
	if err != nil {
		return nil, fmt.Errorf("application of member %s: %w", id, err)
	}
	b, err := t.keys.Open(pdf, seal.AAD("applications", "pdf", appID.String))
	if err != nil {
		return nil, fmt.Errorf("open application pdf of member %s: %w", id, err)
	}
	return b, nil
}

func (t *tableRegistry) Notes(ctx context.Context, id string) ([]Note, error) {
	rows, err := t.db.Query(ctx, `SELECT id, body, created_at FROM notes WHERE subject_type = 'member' AND subject_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("notes of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var nid string
		var sealed []byte
		var at db.Time
		if err := rows.Scan(&nid, &sealed, &at); err != nil {
			return nil, fmt.Errorf("notes of %s: %w", id, err)
		}
		text, err := t.keys.OpenString(sealed, seal.AAD("notes", "body", nid))
		if err != nil {
			return nil, fmt.Errorf("open note %s: %w", nid, err)
		}
		out = append(out, Note{Text: text, At: at.Time})
	}
	return out, rows.Err()
}

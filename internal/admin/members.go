package admin

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// MemberData is a member's sealed contact data (members.data).
type MemberData struct {
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	DateOfBirth string `json:"date_of_birth"`
	Address     string `json:"address,omitempty"`
	City        string `json:"city"`
	PostalCode  string `json:"postal_code,omitempty"`
	Phone       string `json:"phone_number"`
	Company     string `json:"company_name"`
	Lang        string `json:"lang"`
}

// Name is the display name.
func (m MemberData) Name() string { return strings.TrimSpace(m.FirstName + " " + m.LastName) }

func aadMember(col, id string) []byte { return seal.AAD("members", col, id) }

func (c *Console) sealJSON(v any, aad []byte) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	s, err := c.d.Keys.Seal(b, aad)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return s, nil
}

func (c *Console) memberEmailIndex(email string) []byte {
	if email == "" {
		return nil
	}
	return c.d.Keys.BlindIndex("member.email", seal.NormaliseEmail(email))
}

// memberEmailLookup is what a look-up by email matches (`email_bidx IN
// (?, ?)`): the index under the newest key and, during a key rotation, the
// oldest (seal.LookupIndexes).
func (c *Console) memberEmailLookup(email string) [2][]byte {
	return c.d.Keys.LookupIndexes("member.email", seal.NormaliseEmail(email))
}

func (c *Console) audit(ctx context.Context, tx *sql.Tx, actor *auth.Account, action, typ, id, detail string) error {
	return auth.Audit(ctx, c.d.DB, tx, auth.Entry{At: c.d.Now(), ActorID: actor.ID, Action: action, SubjectType: typ, SubjectID: id, Detail: detail})
}

// Member categories for the lists.
const (
	CatNew     = "new"     // accepted, onboarding not finished
	CatCurrent = "current" // onboarded, not left
	CatPast    = "past"    // left
	CatAll     = "all"
)

// Member is a member row with its data opened.
type Member struct {
	ID            string
	Number        int64
	ApplicationID string
	Data          MemberData
	JoinedAt      time.Time
	OnboardedAt   *time.Time
	LeftAt        *time.Time
	Erased        bool
}

// Category is new, current or past.
func (m *Member) Category() string {
	switch {
	case m.LeftAt != nil:
		return CatPast
	case m.OnboardedAt == nil:
		return CatNew
	default:
		return CatCurrent
	}
}

// MemberFilter selects members for a list.
type MemberFilter struct {
	Category  string // new, current, past or all ("" = all)
	Workplace string // a workplace id, "none" for members without one, "" for any
	Query     string // name, email or member number
	Page      int
}

// MemberList is one page of a filtered list.
type MemberList struct {
	Members []Member
	Total   int
}

const memberCols = `m.id, m.number, m.application_id, m.data, m.joined_at, m.onboarded_at, m.left_at, m.erased`

func scanMember(rs interface{ Scan(...any) error }, m *Member, data *[]byte) error {
	var app sql.NullString
	var joined db.Time
	var onb, left sql.Null[db.Time]
	if err := rs.Scan(&m.ID, &m.Number, &app, data, &joined, &onb, &left, &m.Erased); err != nil {
		return err
	}
	m.ApplicationID = app.String
	m.JoinedAt = joined.Time
	if onb.Valid {
		m.OnboardedAt = &onb.V.Time
	}
	if left.Valid {
		m.LeftAt = &left.V.Time
	}
	return nil
}

// scope builds the SQL condition that limits members to what the viewer may
// see for permission perm: everything for a role holder, only members of
// their workplaces for a representative. The condition is part of every
// member query, so scoping holds on the data, not only on the route.
func scope(viewer *auth.Account, perm string) (string, []any) {
	if !viewer.Scoped(perm) {
		if viewer.Has(perm) {
			return "1=1", nil
		}
		return "1=0", nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(viewer.Workplaces)), ", ")
	args := make([]any, len(viewer.Workplaces))
	for i, w := range viewer.Workplaces {
		args[i] = w
	}
	return `EXISTS (SELECT 1 FROM member_workplaces sw WHERE sw.member_id = m.id AND sw.workplace_id IN (` + ph + `))`, args
}

func (f MemberFilter) where(viewer *auth.Account, perm string) (string, []any) {
	cond, args := scope(viewer, perm)
	conds := []string{cond}
	switch f.Category {
	case CatNew:
		conds = append(conds, "m.left_at IS NULL AND m.onboarded_at IS NULL")
	case CatCurrent:
		conds = append(conds, "m.left_at IS NULL AND m.onboarded_at IS NOT NULL")
	case CatPast:
		conds = append(conds, "m.left_at IS NOT NULL")
	}
	switch {
	case f.Workplace == "none":
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM member_workplaces fw WHERE fw.member_id = m.id)")
	case db.ValidID(f.Workplace):
		conds = append(conds, "EXISTS (SELECT 1 FROM member_workplaces fw WHERE fw.member_id = m.id AND fw.workplace_id = ?)")
		args = append(args, f.Workplace)
	}
	return strings.Join(conds, " AND "), args
}

// maxQuery bounds a search text.
const maxQuery = 200

// ListMembers returns one page of the members the viewer may see, newest
// number first. Without a search only the page's rows are opened. A search
// by name has to open every row in scope (names are sealed; a blind index
// finds only exact values): at 10,000 members that is a few tens of
// milliseconds (see BenchmarkMembers); an email or a number is found by
// index.
func (c *Console) ListMembers(ctx context.Context, viewer *auth.Account, f MemberFilter) (MemberList, error) {
	where, args := f.where(viewer, auth.ListMembers)
	q := strings.TrimSpace(f.Query)
	if len([]rune(q)) > maxQuery {
		q = string([]rune(q)[:maxQuery])
	}
	var out MemberList
	switch {
	case q == "":
		if err := c.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM members m WHERE `+where, args...).Scan(&out.Total); err != nil {
			return out, fmt.Errorf("count members: %w", err)
		}
		ms, err := c.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` ORDER BY m.number DESC LIMIT ? OFFSET ?`,
			append(args, pageSize, f.Page*pageSize)...)
		out.Members = ms
		return out, err
	case isNumber(q):
		n, _ := strconv.ParseInt(q, 10, 64)
		ms, err := c.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` AND m.number = ?`, append(args, n)...)
		out.Members, out.Total = ms, len(ms)
		return out, err
	case strings.Contains(q, "@"):
		ms, err := c.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` AND m.email_bidx IN (?, ?) ORDER BY m.number DESC`,
			append(args, lookupArgs(c.memberEmailLookup(q))...)...)
		out.Members, out.Total = ms, len(ms)
		return out, err
	}
	matches, err := c.searchNames(ctx, where, args, fold(q))
	if err != nil {
		return out, err
	}
	out.Total = len(matches)
	start := min(f.Page*pageSize, len(matches))
	end := min(start+pageSize, len(matches))
	if start == end {
		return out, nil
	}
	ids := matches[start:end]
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	idArgs := make([]any, len(ids))
	for i, id := range ids {
		idArgs[i] = id
	}
	out.Members, err = c.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id IN (`+ph+`) ORDER BY m.number DESC`, idArgs...)
	return out, err
}

// searchNames returns the ids, highest member number first, of the members
// in scope whose folded name or email contains needle.
func (c *Console) searchNames(ctx context.Context, where string, args []any, needle string) ([]string, error) {
	rows, err := c.d.DB.Query(ctx, `SELECT m.id, m.data FROM members m WHERE `+where+` ORDER BY m.number DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("search members: %w", err)
		}
		text, ok := c.search.get(id, data)
		if !ok {
			var md MemberData
			if err := c.openJSON(data, aadMember("data", id), &md); err != nil {
				return nil, fmt.Errorf("member %s: %w", id, err)
			}
			text = fold(md.Name()) + "\x00" + fold(md.Email)
			c.search.put(id, data, text)
		}
		if strings.Contains(text, needle) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

func isNumber(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (c *Console) queryMembers(ctx context.Context, q string, args ...any) ([]Member, error) {
	rows, err := c.d.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var data []byte
		if err := scanMember(rows, &m, &data); err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		if err := c.openJSON(data, aadMember("data", m.ID), &m.Data); err != nil {
			return nil, fmt.Errorf("member %s: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountMembers returns member counts per category within the viewer's scope.
func (c *Console) CountMembers(ctx context.Context, viewer *auth.Account) (map[string]int, error) {
	cond, args := scope(viewer, auth.ListMembers)
	var n, past, onb int
	err := c.d.DB.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN m.left_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.left_at IS NULL AND m.onboarded_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM members m WHERE `+cond, args...).Scan(&n, &past, &onb)
	if err != nil {
		return nil, fmt.Errorf("count members: %w", err)
	}
	return map[string]int{CatAll: n, CatPast: past, CatCurrent: onb, CatNew: n - past - onb}, nil
}

// MemberDetail is everything on a member's page.
type MemberDetail struct {
	Member
	Occupations []Occupation
	Workplaces  []Workplace
	Notes       []Note
	Timeline    []auth.Entry
	// Files are the files of the linked application: "pdf", "signature".
	Files []string
}

// Occupation is one entry of a member's occupation history.
type Occupation struct {
	Text  string
	Since time.Time
}

// Note is a sealed note on an application or a member.
type Note struct {
	Author    string
	Body      string
	CreatedAt time.Time
}

// LoadMember reads a member the viewer may see (ErrNotFound otherwise, also
// for a representative asking for another workplace's member: the answer
// does not reveal that the member exists).
func (c *Console) LoadMember(ctx context.Context, viewer *auth.Account, id string, perm string) (*MemberDetail, error) {
	if !db.ValidID(id) {
		return nil, ErrNotFound
	}
	cond, args := scope(viewer, perm)
	ms, err := c.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id = ? AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, ErrNotFound
	}
	d := &MemberDetail{Member: ms[0]}
	rows, err := c.d.DB.Query(ctx, `SELECT id, occupation, since FROM member_occupations WHERE member_id = ? ORDER BY since, id`, id)
	if err != nil {
		return nil, fmt.Errorf("occupations of %s: %w", id, err)
	}
	for rows.Next() {
		var oid string
		var sealed []byte
		var since db.Time
		if err := rows.Scan(&oid, &sealed, &since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("occupations of %s: %w", id, err)
		}
		text, err := c.d.Keys.OpenString(sealed, aadMember("occupation", oid))
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("open occupation of %s: %w", id, err)
		}
		d.Occupations = append(d.Occupations, Occupation{Text: text, Since: since.Time})
	}
	rows.Close()
	if d.Workplaces, err = c.memberWorkplaces(ctx, id); err != nil {
		return nil, err
	}
	if d.Notes, err = c.notes(ctx, "member", id); err != nil {
		return nil, err
	}
	if d.Timeline, err = c.AuditFor(ctx, "member", id); err != nil {
		return nil, err
	}
	if d.Files, err = c.memberFiles(ctx, d.ApplicationID); err != nil {
		return nil, err
	}
	return d, nil
}

// CanSeeMember reports whether viewer may open member id's page: they can
// view members, and a representative only those of their workplaces.
func (c *Console) CanSeeMember(ctx context.Context, viewer *auth.Account, id string) (bool, error) {
	if !viewer.Can(auth.ViewMember) || !db.ValidID(id) {
		return false, nil
	}
	cond, args := scope(viewer, auth.ViewMember)
	var n int
	if err := c.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM members m WHERE m.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return false, fmt.Errorf("member %s: %w", id, err)
	}
	return n > 0, nil
}

// Viewed records that viewer opened a person's page.
func (c *Console) Viewed(ctx context.Context, viewer *auth.Account, typ, id string) error {
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return c.audit(ctx, tx, viewer, typ+".view", typ, id, "")
	})
}

// UpdateMember replaces a member's contact data. A new email that another
// member has already is refused with a *DuplicateError (ErrDuplicate),
// like adding a member by hand: the same person would otherwise end up
// with two records, and a later "link to the existing member" could pick
// the wrong one.
func (c *Console) UpdateMember(ctx context.Context, actor *auth.Account, id string, md MemberData) error {
	return c.updateMember(ctx, actor, id, md, false)
}

// updateMember is UpdateMember; with shared, a new email another member has
// is kept all the same (two people sharing an address), and the trail says
// so. The check runs only when the email changes, so a record that already
// shares its address can still be edited, and it runs under db.LockKey on
// the new email's blind index, so two edits (or an edit and an accept) that
// give one address to two records take turns and the second sees the
// first.
func (c *Console) updateMember(ctx context.Context, actor *auth.Account, id string, md MemberData, shared bool) error {
	cur, err := c.LoadMember(ctx, actor, id, auth.ManageMembers)
	if err != nil {
		return err
	}
	if cur.Erased {
		return ErrWrongState
	}
	changed := changedFields(cur.Data, md)
	md.Lang = cur.Data.Lang
	data, err := c.sealJSON(md, aadMember("data", id))
	if err != nil {
		return err
	}
	bidx := c.memberEmailIndex(md.Email)
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		detail := "changed: " + strings.Join(changed, ", ")
		var old []byte
		var erased bool
		err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT email_bidx, erased FROM members WHERE id = ?`), id).Scan(&old, &erased)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("update member %s: %w", id, err)
		}
		if erased {
			return ErrWrongState
		}
		if bidx != nil && !bytes.Equal(bidx, old) {
			if err := c.d.DB.LockKey(ctx, tx, "member.email", bidx); err != nil {
				return err
			}
			matches, err := c.membersByEmail(ctx, tx, c.memberEmailLookup(md.Email))
			if err != nil {
				return err
			}
			matches = slices.DeleteFunc(matches, func(m MemberMatch) bool { return m.ID == id })
			if len(matches) > 0 && !shared {
				return &DuplicateError{Members: matches}
			}
			if len(matches) > 0 {
				detail += fmt.Sprintf(", although the email is member number %d's", matches[0].Number)
			}
		}
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`UPDATE members SET data = ?, email_bidx = ? WHERE id = ?`), data, bidx, id); err != nil {
			return fmt.Errorf("update member %s: %w", id, err)
		}
		// The detail names the fields, never their values.
		return c.audit(ctx, tx, actor, "member.edit", "member", id, detail)
	})
}

// changedFields names the contact fields that differ between cur and md,
// for an audit detail (names, never values).
func changedFields(cur, md MemberData) []string {
	var changed []string
	if cur.Email != md.Email {
		changed = append(changed, "email")
	}
	for _, f := range [][3]string{{"first name", cur.FirstName, md.FirstName}, {"last name", cur.LastName, md.LastName},
		{"birth date", cur.DateOfBirth, md.DateOfBirth}, {"address", cur.Address, md.Address}, {"city", cur.City, md.City},
		{"postal code", cur.PostalCode, md.PostalCode}, {"phone", cur.Phone, md.Phone}, {"employer", cur.Company, md.Company}} {
		if f[1] != f[2] {
			changed = append(changed, f[0])
		}
	}
	return changed
}

// SetOnboarded marks onboarding finished.
func (c *Console) SetOnboarded(ctx context.Context, actor *auth.Account, id string) error {
	return c.memberUpdate(ctx, actor, id, "member.onboarded", "",
		`UPDATE members SET onboarded_at = ? WHERE id = ? AND onboarded_at IS NULL AND left_at IS NULL`, db.T(c.d.Now()), id)
}

// RecordLeaving marks a member as having left. With erase, the personal data
// is replaced by an empty record, the occupation history and notes are
// deleted, and so is the personal data of every application the member
// signed (memberApplications: the one the record is linked to and earlier
// ones replaced by a re-join link; their sealed data, signatures, PDFs,
// notes, tokens and the blind indexes of their emails; the rows stay,
// accepted, so the trail's references resolve); the member number, dates,
// workplaces and the audit trail stay (dues history is keyed by the
// number). The console asks for the member number to be typed before it
// erases (handlers.go, memberErase).
func (c *Console) RecordLeaving(ctx context.Context, actor *auth.Account, id string, erase bool) error {
	if _, err := c.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	empty, err := c.sealJSON(MemberData{}, aadMember("data", id))
	if err != nil {
		return err
	}
	now := c.d.Now()
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, c.d.DB.Rebind(`UPDATE members SET left_at = ? WHERE id = ? AND left_at IS NULL`), db.T(now), id)
		if err != nil {
			return fmt.Errorf("record leaving of %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 && !erase {
			return ErrWrongState
		}
		detail := ""
		if erase {
			detail = "personal data erased"
			apps, err := c.memberApplications(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, q := range []string{
				`UPDATE members SET data = ?, email_bidx = NULL, erased = ? WHERE id = ?`,
				`DELETE FROM member_occupations WHERE member_id = ?`,
				`DELETE FROM notes WHERE subject_type = 'member' AND subject_id = ?`,
			} {
				args := []any{id}
				if strings.HasPrefix(q, "UPDATE") {
					args = []any{empty, true, id}
				}
				if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(q), args...); err != nil {
					return fmt.Errorf("erase member %s: %w", id, err)
				}
			}
			for _, app := range apps {
				if err := c.eraseApplication(ctx, tx, app); err != nil {
					return err
				}
			}
			switch len(apps) {
			case 0:
			case 1:
				detail += ", with application " + apps[0]
			default:
				detail += ", with applications " + strings.Join(apps, ", ")
			}
		}
		return c.audit(ctx, tx, actor, "member.leave", "member", id, detail)
	})
}

// memberApplicationsOf selects, with the member's id twice, every
// application the member signed: those accepted as or linked to the member
// (applications.member_id, migration 00043) and, should one lack it, the
// one members.application_id names.
const memberApplicationsOf = `(member_id = ? OR id = (SELECT application_id FROM members WHERE id = ?))`

// memberApplications lists the ids of every application member id signed
// (memberApplicationsOf), oldest first.
func (c *Console) memberApplications(ctx context.Context, tx *sql.Tx, id string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, c.d.DB.Rebind(`SELECT id FROM applications WHERE `+memberApplicationsOf+` ORDER BY created_at, id`), id, id)
	if err != nil {
		return nil, fmt.Errorf("applications of member %s: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var app string
		if err := rows.Scan(&app); err != nil {
			return nil, fmt.Errorf("applications of member %s: %w", id, err)
		}
		out = append(out, app)
	}
	return out, rows.Err()
}

// eraseApplication replaces an application's personal data by an empty
// record (keeping its language), and drops its signature, PDF, notes,
// tokens and the blind index of its email (an empty value: the column is
// NOT NULL, and an empty index matches no email).
func (c *Console) eraseApplication(ctx context.Context, tx *sql.Tx, appID string) error {
	var lang string
	if err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT lang FROM applications WHERE id = ?`), appID).Scan(&lang); err != nil {
		return fmt.Errorf("erase application %s: %w", appID, err)
	}
	empty, err := c.sealJSON(Applicant{Lang: lang}, aadApp("data", appID))
	if err != nil {
		return err
	}
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`UPDATE applications SET data = ?, email_bidx = ?, signature = NULL, pdf = NULL, typed_signature = ? WHERE id = ?`, []any{empty, []byte{}, false, appID}},
		{`DELETE FROM notes WHERE subject_type = 'application' AND subject_id = ?`, []any{appID}},
		{`DELETE FROM application_tokens WHERE application_id = ?`, []any{appID}},
	} {
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(st.q), st.args...); err != nil {
			return fmt.Errorf("erase application %s: %w", appID, err)
		}
	}
	return nil
}

func (c *Console) memberUpdate(ctx context.Context, actor *auth.Account, id, action, detail, q string, args ...any) error {
	if _, err := c.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, c.d.DB.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("%s %s: %w", action, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrWrongState
		}
		return c.audit(ctx, tx, actor, action, "member", id, detail)
	})
}

// AddMember creates a member by hand (someone who joined on paper), with
// the next free number or a chosen one. An email a member has already is
// refused with a *DuplicateError (ErrDuplicate), checked under a lock on
// the email (db.LockKey), so two hands adding the same person at once do
// not make two members.
func (c *Console) AddMember(ctx context.Context, actor *auth.Account, md MemberData, occupation string, number int64) (string, int64, error) {
	return c.addMember(ctx, actor, md, occupation, number, false)
}

// addMember is AddMember; with anyway, a member is added although the email
// belongs to another (two people sharing an address), and the trail says so.
func (c *Console) addMember(ctx context.Context, actor *auth.Account, md MemberData, occupation string, number int64, anyway bool) (string, int64, error) {
	if number < 0 || number > 999999999 {
		return "", 0, ErrBadNumber
	}
	id := db.NewID()
	data, err := c.sealJSON(md, aadMember("data", id))
	if err != nil {
		return "", 0, err
	}
	occID := db.NewID()
	var occ []byte
	if occupation != "" {
		if occ, err = c.d.Keys.SealString(occupation, aadMember("occupation", occID)); err != nil {
			return "", 0, fmt.Errorf("seal occupation: %w", err)
		}
	}
	bidx := c.memberEmailIndex(md.Email)
	now := c.d.Now()
	var got int64
	err = c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		detail := ""
		if bidx != nil {
			if err := c.d.DB.LockKey(ctx, tx, "member.email", bidx); err != nil {
				return err
			}
			matches, err := c.membersByEmail(ctx, tx, c.memberEmailLookup(md.Email))
			if err != nil {
				return err
			}
			if len(matches) > 0 && !anyway {
				return &DuplicateError{Members: matches}
			}
			if len(matches) > 0 {
				detail = fmt.Sprintf(", although the email is member number %d's", matches[0].Number)
			}
		}
		if got, err = c.assignNumber(ctx, tx, number); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO members (id, number, email_bidx, data, joined_at)
			VALUES (?, ?, ?, ?, ?)`), id, got, bidx, data, db.T(now)); err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
		if occ != nil {
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`),
				occID, id, occ, db.T(now)); err != nil {
				return fmt.Errorf("insert occupation: %w", err)
			}
		}
		return c.audit(ctx, tx, actor, "member.create", "member", id, fmt.Sprintf("added by hand, member number %d", got)+detail)
	})
	if db.IsUniqueViolation(err) {
		return "", 0, ErrNumberTaken
	}
	if err != nil {
		return "", 0, err
	}
	return id, got, nil
}

// memberFiles lists the files of a member's record: the PDF and the
// signature image ("pdf", "signature") that application appID ("": none),
// the one the member is linked to, has.
func (c *Console) memberFiles(ctx context.Context, appID string) ([]string, error) {
	if appID == "" {
		return nil, nil
	}
	var sig, pdf bool
	err := c.d.DB.QueryRow(ctx, `SELECT signature IS NOT NULL, pdf IS NOT NULL FROM applications WHERE id = ?`, appID).Scan(&sig, &pdf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("files of application %s: %w", appID, err)
	}
	var out []string
	if pdf {
		out = append(out, "pdf")
	}
	if sig {
		out = append(out, "signature")
	}
	return out, nil
}

// OpenMemberFile returns the PDF or signature ("pdf", "signature") of the
// application member id is linked to, to a viewer who may view that member
// (scoped as LoadMember: a representative gets only their workplaces'
// members; anyone else gets "not found"), and records the opening on the
// member's trail. The file is served only once the entry is written: no
// record, no file.
func (c *Console) OpenMemberFile(ctx context.Context, viewer *auth.Account, id, col string) ([]byte, error) {
	if !db.ValidID(id) || (col != "signature" && col != "pdf") {
		return nil, ErrNotFound
	}
	cond, args := scope(viewer, auth.ViewMember)
	var app sql.NullString
	err := c.d.DB.QueryRow(ctx, `SELECT m.application_id FROM members m WHERE m.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&app)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !app.Valid) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", id, err)
	}
	b, err := c.ApplicationFile(ctx, app.String, col)
	if err != nil {
		return nil, err
	}
	action := "member.pdf"
	if col == "signature" {
		action = "member.signature"
	}
	if err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return c.audit(ctx, tx, viewer, action, "member", id, "application "+app.String)
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// SetMemberWorkplaces replaces the workplaces a member belongs to.
func (c *Console) SetMemberWorkplaces(ctx context.Context, actor *auth.Account, id string, workplaceIDs []string) error {
	if _, err := c.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	slices.Sort(workplaceIDs)
	workplaceIDs = slices.Compact(workplaceIDs)
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`DELETE FROM member_workplaces WHERE member_id = ?`), id); err != nil {
			return fmt.Errorf("clear workplaces of %s: %w", id, err)
		}
		for _, w := range workplaceIDs {
			if !db.ValidID(w) {
				return ErrNotFound
			}
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_workplaces (member_id, workplace_id)
				SELECT ?, id FROM workplaces WHERE id = ?`), id, w); err != nil {
				return fmt.Errorf("link member %s to workplace: %w", id, err)
			}
		}
		return c.audit(ctx, tx, actor, "member.workplaces", "member", id, strings.Join(workplaceIDs, " "))
	})
}

// AddOccupation appends an entry to a member's occupation history.
func (c *Console) AddOccupation(ctx context.Context, actor *auth.Account, id, text string) error {
	if _, err := c.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	oid := db.NewID()
	occ, err := c.d.Keys.SealString(text, aadMember("occupation", oid))
	if err != nil {
		return fmt.Errorf("seal occupation: %w", err)
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`),
			oid, id, occ, db.T(c.d.Now())); err != nil {
			return fmt.Errorf("insert occupation: %w", err)
		}
		return c.audit(ctx, tx, actor, "member.occupation", "member", id, "")
	})
}

func aadNote(id string) []byte { return seal.AAD("notes", "body", id) }

// AddNote stores a sealed note on an application or member.
func (c *Console) AddNote(ctx context.Context, actor *auth.Account, typ, subjectID, body string) error {
	id := db.NewID()
	sealed, err := c.d.Keys.SealString(body, aadNote(id))
	if err != nil {
		return fmt.Errorf("seal note: %w", err)
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO notes (id, subject_type, subject_id, author_id, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), id, typ, subjectID, actor.ID, sealed, db.T(c.d.Now())); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		return c.audit(ctx, tx, actor, typ+".note", typ, subjectID, "")
	})
}

func (c *Console) notes(ctx context.Context, typ, id string) ([]Note, error) {
	rows, err := c.d.DB.Query(ctx, `SELECT id, author_id, body, created_at FROM notes WHERE subject_type = ? AND subject_id = ? ORDER BY created_at, id`, typ, id)
	if err != nil {
		return nil, fmt.Errorf("notes of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var nid string
		var sealed []byte
		var at db.Time
		var n Note
		if err := rows.Scan(&nid, &n.Author, &sealed, &at); err != nil {
			return nil, fmt.Errorf("notes of %s: %w", id, err)
		}
		if n.Body, err = c.d.Keys.OpenString(sealed, aadNote(nid)); err != nil {
			return nil, fmt.Errorf("open note %s: %w", nid, err)
		}
		n.CreatedAt = at.Time
		out = append(out, n)
	}
	return out, rows.Err()
}

var errEmpty = errors.New("empty")

// assignNumber gives a new member their number inside tx: the chosen one
// when number > 0 (ErrNumberTaken if someone has it), else the next free one
// from the counter row, which the transaction holds locked, so concurrent
// accepts never share a number.
func (c *Console) assignNumber(ctx context.Context, tx *sql.Tx, number int64) (int64, error) {
	if number == 0 {
		return c.nextNumber(ctx, tx)
	}
	taken, err := c.numberTaken(ctx, tx, number)
	if err != nil {
		return 0, err
	}
	if taken {
		return 0, ErrNumberTaken
	}
	return number, nil
}

package members

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
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
	// LeaveRequestedAt is when the member asked to leave from the portal
	// (RequestLeave); nil if they have not, or withdrew the request.
	LeaveRequestedAt *time.Time
	Erased           bool
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

const memberCols = `m.id, m.number, m.application_id, m.data, m.joined_at, m.onboarded_at, m.left_at, m.leave_requested_at, m.erased`

func scanMember(rs interface{ Scan(...any) error }, m *Member, data *[]byte) error {
	var app sql.NullString
	var joined db.Time
	var onb, left, asked sql.Null[db.Time]
	if err := rs.Scan(&m.ID, &m.Number, &app, data, &joined, &onb, &left, &asked, &m.Erased); err != nil {
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
	if asked.Valid {
		m.LeaveRequestedAt = &asked.V.Time
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

// PageSize is the number of members on one page of a list.
const PageSize = 50

// MaxQuery bounds a search text (longer ones are cut).
const MaxQuery = 200

// ListMembers returns one page of the members the viewer may see, newest
// number first. Without a search only the page's rows are opened. A search
// by name has to open every row in scope (names are sealed; a blind index
// finds only exact values): at 10,000 members that is a few tens of
// milliseconds (see BenchmarkMembers); an email or a number is found by
// index.
func (reg *Registry) ListMembers(ctx context.Context, viewer *auth.Account, f MemberFilter) (MemberList, error) {
	where, args := f.where(viewer, auth.ListMembers)
	q := strings.TrimSpace(f.Query)
	if len([]rune(q)) > MaxQuery {
		q = string([]rune(q)[:MaxQuery])
	}
	var out MemberList
	switch {
	case q == "":
		if err := reg.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM members m WHERE `+where, args...).Scan(&out.Total); err != nil {
			return out, fmt.Errorf("count members: %w", err)
		}
		ms, err := reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` ORDER BY m.number DESC LIMIT ? OFFSET ?`,
			append(args, PageSize, f.Page*PageSize)...)
		out.Members = ms
		return out, err
	case isNumber(q):
		n, _ := strconv.ParseInt(q, 10, 64)
		ms, err := reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` AND m.number = ?`, append(args, n)...)
		out.Members, out.Total = ms, len(ms)
		return out, err
	case strings.Contains(q, "@"):
		ms, err := reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where+` AND m.email_bidx = ? ORDER BY m.number DESC`,
			append(args, reg.EmailIndex(q))...)
		out.Members, out.Total = ms, len(ms)
		return out, err
	}
	matches, err := reg.searchNames(ctx, where, args, Fold(q))
	if err != nil {
		return out, err
	}
	out.Total = len(matches)
	start := min(f.Page*PageSize, len(matches))
	end := min(start+PageSize, len(matches))
	if start == end {
		return out, nil
	}
	ids := matches[start:end]
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	idArgs := make([]any, len(ids))
	for i, id := range ids {
		idArgs[i] = id
	}
	out.Members, err = reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE m.id IN (`+ph+`) ORDER BY m.number DESC`, idArgs...)
	return out, err
}

// searchNames returns the ids, highest member number first, of the members
// in scope whose folded name or email contains needle.
func (reg *Registry) searchNames(ctx context.Context, where string, args []any, needle string) ([]string, error) {
	rows, err := reg.d.DB.Query(ctx, `SELECT m.id, m.data FROM members m WHERE `+where+` ORDER BY m.number DESC`, args...)
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
		text, ok := reg.search.get(id, data)
		if !ok {
			var md MemberData
			if err := reg.d.Keys.OpenJSON(data, aadMember("data", id), &md); err != nil {
				return nil, fmt.Errorf("member %s: %w", id, err)
			}
			text = Fold(md.Name()) + "\x00" + Fold(md.Email)
			reg.search.put(id, data, text)
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

func (reg *Registry) queryMembers(ctx context.Context, q string, args ...any) ([]Member, error) {
	rows, err := reg.d.DB.Query(ctx, q, args...)
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
		if err := reg.d.Keys.OpenJSON(data, aadMember("data", m.ID), &m.Data); err != nil {
			return nil, fmt.Errorf("member %s: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountMembers returns member counts per category within the viewer's scope.
func (reg *Registry) CountMembers(ctx context.Context, viewer *auth.Account) (map[string]int, error) {
	cond, args := scope(viewer, auth.ListMembers)
	var n, past, onb int
	err := reg.d.DB.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN m.left_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.left_at IS NULL AND m.onboarded_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM members m WHERE `+cond, args...).Scan(&n, &past, &onb)
	if err != nil {
		return nil, fmt.Errorf("count members: %w", err)
	}
	return map[string]int{CatAll: n, CatPast: past, CatCurrent: onb, CatNew: n - past - onb}, nil
}

// MemberDetail is everything on a member's page. Notes and Timeline are
// the committee's (LoadMember fills them; Member, for the member
// themself, does not).
type MemberDetail struct {
	Member
	Occupations []Occupation
	Workplaces  []Workplace
	Notes       []Note
	Timeline    []auth.Entry
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
func (reg *Registry) LoadMember(ctx context.Context, viewer *auth.Account, id string, perm string) (*MemberDetail, error) {
	if !db.ValidID(id) {
		return nil, ErrNotFound
	}
	cond, args := scope(viewer, perm)
	d, err := reg.load(ctx, `m.id = ? AND `+cond, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if d.Notes, err = reg.Notes(ctx, "member", id); err != nil {
		return nil, err
	}
	if d.Timeline, err = auth.AuditFor(ctx, reg.d.DB, "member", id); err != nil {
		return nil, err
	}
	return d, nil
}

// load reads the member that the condition where selects (ErrNotFound if
// none) with their occupation history and workplaces.
func (reg *Registry) load(ctx context.Context, where string, args ...any) (*MemberDetail, error) {
	ms, err := reg.queryMembers(ctx, `SELECT `+memberCols+` FROM members m WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, ErrNotFound
	}
	d := &MemberDetail{Member: ms[0]}
	if err := reg.fill(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// fill reads d's occupation history and workplaces.
func (reg *Registry) fill(ctx context.Context, d *MemberDetail) error {
	id := d.ID
	rows, err := reg.d.DB.Query(ctx, `SELECT id, occupation, since FROM member_occupations WHERE member_id = ? ORDER BY since, id`, id)
	if err != nil {
		return fmt.Errorf("occupations of %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid string
		var sealed []byte
		var since db.Time
		if err := rows.Scan(&oid, &sealed, &since); err != nil {
			return fmt.Errorf("occupations of %s: %w", id, err)
		}
		text, err := reg.d.Keys.OpenString(sealed, aadMember("occupation", oid))
		if err != nil {
			return fmt.Errorf("open occupation of %s: %w", id, err)
		}
		d.Occupations = append(d.Occupations, Occupation{Text: text, Since: since.Time})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("occupations of %s: %w", id, err)
	}
	rows.Close()
	d.Workplaces, err = reg.memberWorkplaces(ctx, id)
	return err
}

// CanSeeMember reports whether viewer may open member id's page: they can
// view members, and a representative only those of their workplaces.
func (reg *Registry) CanSeeMember(ctx context.Context, viewer *auth.Account, id string) (bool, error) {
	if !viewer.Can(auth.ViewMember) || !db.ValidID(id) {
		return false, nil
	}
	cond, args := scope(viewer, auth.ViewMember)
	var n int
	if err := reg.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM members m WHERE m.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return false, fmt.Errorf("member %s: %w", id, err)
	}
	return n > 0, nil
}

// Viewed records that viewer opened a person's page.
func (reg *Registry) Viewed(ctx context.Context, viewer *auth.Account, typ, id string) error {
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return reg.audit(ctx, tx, viewer.ID, typ+".view", typ, id, "")
	})
}

// UpdateMember replaces the contact data of a member the actor may manage
// (the console's edit form; the member's language stays). A new email
// that another member has already is refused with a *DuplicateError
// (ErrDuplicate), like adding a member by hand: the same person would
// otherwise end up with two records, and a later "link to the existing
// member" could pick the wrong one. With shared it is kept all the same
// (two people sharing an address), and the trail says so.
func (reg *Registry) UpdateMember(ctx context.Context, actor *auth.Account, id string, md MemberData, shared bool) error {
	cur, err := reg.LoadMember(ctx, actor, id, auth.ManageMembers)
	if err != nil {
		return err
	}
	md.Lang = cur.Data.Lang
	_, err = reg.update(ctx, actor.ID, &cur.Member, md, shared, "")
	return err
}

// update replaces cur's sealed contact data by md in one transaction with
// its audit entry ("member.edit", naming the changed fields, and suffix),
// and returns the fields that changed. The duplicate check runs only when
// the email changes, so a record that already shares its address can
// still be edited, and it runs under db.LockKey on the new email's blind
// index, so two edits (or an edit and an accept) that give one address to
// two records take turns and the second sees the first.
func (reg *Registry) update(ctx context.Context, actorID string, cur *Member, md MemberData, shared bool, suffix string) ([]string, error) {
	if cur.Erased {
		return nil, ErrWrongState
	}
	id := cur.ID
	changed := changedFields(cur.Data, md)
	data, err := reg.d.Keys.SealJSON(md, aadMember("data", id))
	if err != nil {
		return nil, err
	}
	bidx := reg.EmailIndex(md.Email)
	return changed, reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		detail := "changed: " + strings.Join(changed, ", ")
		var old []byte
		var erased bool
		err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT email_bidx, erased FROM members WHERE id = ?`), id).Scan(&old, &erased)
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
			if err := reg.d.DB.LockKey(ctx, tx, "member.email", bidx); err != nil {
				return err
			}
			matches, err := reg.membersByEmail(ctx, tx, bidx)
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
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE members SET data = ?, email_bidx = ? WHERE id = ?`), data, bidx, id); err != nil {
			return fmt.Errorf("update member %s: %w", id, err)
		}
		// The detail names the fields, never their values.
		return reg.audit(ctx, tx, actorID, "member.edit", "member", id, detail+suffix)
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
func (reg *Registry) SetOnboarded(ctx context.Context, actor *auth.Account, id string) error {
	return reg.memberUpdate(ctx, actor, id, "member.onboarded", "",
		`UPDATE members SET onboarded_at = ? WHERE id = ? AND onboarded_at IS NULL AND left_at IS NULL`, db.T(reg.d.Now()), id)
}

// RecordLeaving marks a member the actor may manage as having left (the
// console's "left" and "erase" buttons). With erase, the personal data is
// erased as Erase does; the console asks for the member number to be typed
// before it erases (admin, memberErase).
func (reg *Registry) RecordLeaving(ctx context.Context, actor *auth.Account, id string, erase bool) error {
	if _, err := reg.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	return reg.leave(ctx, actor.ID, id, erase)
}

// Erase records that member id has left (if not yet) and erases their
// personal data, for the actor actorID (an account id, or SelfActor for
// the portal's retention job acting on the member's own request): the
// sealed data becomes an empty record, the email index goes, the
// occupation history and notes are deleted, and every Eraser runs in the
// same transaction (the applications the member signed: their sealed
// data, signatures, PDFs, notes, tokens and email indexes; the rows stay,
// accepted, so the trail's references resolve). The member number, dates,
// workplaces and the audit trail stay: dues history is keyed by the
// number. An erased member is ErrWrongState.
func (reg *Registry) Erase(ctx context.Context, actorID, id string) error {
	if !db.ValidID(id) {
		return ErrNotFound
	}
	return reg.leave(ctx, actorID, id, true)
}

// leave sets left_at (ErrWrongState if it was set already, unless erase)
// and, with erase, erases the personal data (see Erase).
func (reg *Registry) leave(ctx context.Context, actorID, id string, erase bool) error {
	empty, err := reg.d.Keys.SealJSON(MemberData{}, aadMember("data", id))
	if err != nil {
		return err
	}
	now := reg.d.Now()
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var erased bool
		err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT erased FROM members WHERE id = ?`), id).Scan(&erased)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("record leaving of %s: %w", id, err)
		}
		if erased && erase {
			return ErrWrongState
		}
		res, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE members SET left_at = ? WHERE id = ? AND left_at IS NULL`), db.T(now), id)
		if err != nil {
			return fmt.Errorf("record leaving of %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 && !erase {
			return ErrWrongState
		}
		detail := ""
		if erase {
			detail = "personal data erased"
			for _, st := range []struct {
				q    string
				args []any
			}{
				{`UPDATE members SET data = ?, email_bidx = NULL, erased = ? WHERE id = ?`, []any{empty, true, id}},
				{`DELETE FROM member_occupations WHERE member_id = ?`, []any{id}},
				{`DELETE FROM notes WHERE subject_type = 'member' AND subject_id = ?`, []any{id}},
			} {
				if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(st.q), st.args...); err != nil {
					return fmt.Errorf("erase member %s: %w", id, err)
				}
			}
			for _, e := range reg.d.Erasers {
				more, err := e(ctx, tx, id)
				if err != nil {
					return fmt.Errorf("erase member %s: %w", id, err)
				}
				if more != "" {
					detail += ", " + more
				}
			}
		}
		return reg.audit(ctx, tx, actorID, "member.leave", "member", id, detail)
	})
}

func (reg *Registry) memberUpdate(ctx context.Context, actor *auth.Account, id, action, detail, q string, args ...any) error {
	if _, err := reg.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, reg.d.DB.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("%s %s: %w", action, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrWrongState
		}
		return reg.audit(ctx, tx, actor.ID, action, "member", id, detail)
	})
}

func (reg *Registry) AddMember(ctx context.Context, actor *auth.Account, md MemberData, occupation string, number int64, anyway bool) (string, int64, error) {
	if number < 0 || number > 999999999 {
		return "", 0, ErrBadNumber
	}
	id := db.NewID()
	data, err := reg.d.Keys.SealJSON(md, aadMember("data", id))
	if err != nil {
		return "", 0, err
	}
	occID := db.NewID()
	var occ []byte
	if occupation != "" {
		if occ, err = reg.d.Keys.SealString(occupation, aadMember("occupation", occID)); err != nil {
			return "", 0, fmt.Errorf("seal occupation: %w", err)
		}
	}
	bidx := reg.EmailIndex(md.Email)
	now := reg.d.Now()
	var got int64
	err = reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		detail := ""
		if bidx != nil {
			if err := reg.d.DB.LockKey(ctx, tx, "member.email", bidx); err != nil {
				return err
			}
			matches, err := reg.membersByEmail(ctx, tx, bidx)
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
		if got, err = reg.assignNumber(ctx, tx, number); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO members (id, number, email_bidx, data, joined_at)
			VALUES (?, ?, ?, ?, ?)`), id, got, bidx, data, db.T(now)); err != nil {
			return fmt.Errorf("insert member: %w", err)
		}
		if occ != nil {
			if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`),
				occID, id, occ, db.T(now)); err != nil {
				return fmt.Errorf("insert occupation: %w", err)
			}
		}
		return reg.audit(ctx, tx, actor.ID, "member.create", "member", id, fmt.Sprintf("added by hand, member number %d", got)+detail)
	})
	if db.IsUniqueViolation(err) {
		return "", 0, ErrNumberTaken
	}
	if err != nil {
		return "", 0, err
	}
	return id, got, nil
}

// LinkedApplication is the application member id's record is linked to
// (members.application_id, the latest one the member signed), for a
// viewer who may view that member, scoped as LoadMember: ErrNotFound for
// anyone else, and for a member with no application.
func (reg *Registry) LinkedApplication(ctx context.Context, viewer *auth.Account, id string) (string, error) {
	if !db.ValidID(id) {
		return "", ErrNotFound
	}
	cond, args := scope(viewer, auth.ViewMember)
	var app sql.NullString
	err := reg.d.DB.QueryRow(ctx, `SELECT m.application_id FROM members m WHERE m.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&app)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !app.Valid) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("member %s: %w", id, err)
	}
	return app.String, nil
}

// SetMemberWorkplaces replaces the workplaces a member belongs to.
func (reg *Registry) SetMemberWorkplaces(ctx context.Context, actor *auth.Account, id string, workplaceIDs []string) error {
	if _, err := reg.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	slices.Sort(workplaceIDs)
	workplaceIDs = slices.Compact(workplaceIDs)
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`DELETE FROM member_workplaces WHERE member_id = ?`), id); err != nil {
			return fmt.Errorf("clear workplaces of %s: %w", id, err)
		}
		for _, w := range workplaceIDs {
			if !db.ValidID(w) {
				return ErrNotFound
			}
			if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_workplaces (member_id, workplace_id)
				SELECT ?, id FROM workplaces WHERE id = ?`), id, w); err != nil {
				return fmt.Errorf("link member %s to workplace: %w", id, err)
			}
		}
		return reg.audit(ctx, tx, actor.ID, "member.workplaces", "member", id, strings.Join(workplaceIDs, " "))
	})
}

// AddOccupation appends an entry to a member's occupation history.
func (reg *Registry) AddOccupation(ctx context.Context, actor *auth.Account, id, text string) error {
	if _, err := reg.LoadMember(ctx, actor, id, auth.ManageMembers); err != nil {
		return err
	}
	oid := db.NewID()
	occ, err := reg.d.Keys.SealString(text, aadMember("occupation", oid))
	if err != nil {
		return fmt.Errorf("seal occupation: %w", err)
	}
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`),
			oid, id, occ, db.T(reg.d.Now())); err != nil {
			return fmt.Errorf("insert occupation: %w", err)
		}
		return reg.audit(ctx, tx, actor.ID, "member.occupation", "member", id, "")
	})
}

// assignNumber gives a new member their number inside tx: the chosen one
// when number > 0 (ErrNumberTaken if someone has it), else the next free one
// from the counter row, which the transaction holds locked, so concurrent
// accepts never share a number.
func (reg *Registry) assignNumber(ctx context.Context, tx *sql.Tx, number int64) (int64, error) {
	if number == 0 {
		return reg.nextNumber(ctx, tx)
	}
	taken, err := reg.numberTaken(ctx, tx, number)
	if err != nil {
		return 0, err
	}
	if taken {
		return 0, ErrNumberTaken
	}
	return number, nil
}

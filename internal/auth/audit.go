package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"unionhall/internal/db"
)

// Entry is one line of the audit trail: who did what to which record. Detail
// must never hold personal data (it is not sealed): write state names,
// column lists, member numbers — not names or emails.
type Entry struct {
	ID          string
	At          time.Time
	ActorID     string
	Action      string
	SubjectType string
	SubjectID   string
	Detail      string
}

// maxDetail bounds a detail text.
const maxDetail = 500

// Audit appends e to the audit trail inside tx, so the record of an action
// commits if and only if the action does. The trail is append-only: nothing
// in Unionhall updates or deletes its rows.
func Audit(ctx context.Context, d *db.DB, tx *sql.Tx, e Entry) error {
	if e.ID == "" {
		e.ID = db.NewID()
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	if e.Action == "" || e.ActorID == "" {
		return fmt.Errorf("audit: actor and action are required")
	}
	e.Detail = strings.ToValidUTF8(e.Detail, "")
	for len(e.Detail) > maxDetail {
		_, n := utf8.DecodeLastRuneInString(e.Detail)
		e.Detail = e.Detail[:len(e.Detail)-n]
	}
	_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO audit (id, at, actor_id, action, subject_type, subject_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), e.ID, db.T(e.At), e.ActorID, e.Action, e.SubjectType, e.SubjectID, e.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// The trail's readers: the console's audit page and every record's
// timeline (member, application, event) read through these, so features
// need not import the console to show a record's history.

// auditLimit bounds an audit page.
const auditLimit = 200

func queryAudit(ctx context.Context, d *db.DB, q string, args ...any) ([]Entry, error) {
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit trail: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at db.Time
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Action, &e.SubjectType, &e.SubjectID, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit trail: %w", err)
		}
		e.At = at.Time
		out = append(out, e)
	}
	return out, rows.Err()
}

const auditCols = `id, at, actor_id, action, subject_type, subject_id, detail`

// AuditFor is the timeline of one record, oldest first (its first
// auditLimit entries).
func AuditFor(ctx context.Context, d *db.DB, typ, id string) ([]Entry, error) {
	return queryAudit(ctx, d, `SELECT `+auditCols+` FROM audit WHERE subject_type = ? AND subject_id = ? ORDER BY at, id LIMIT ?`, typ, id, auditLimit)
}

// SearchAudit returns the newest entries matching q: an action prefix
// ("member." or "login"), or the id of an actor or a record.
func SearchAudit(ctx context.Context, d *db.DB, q string) ([]Entry, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return queryAudit(ctx, d, `SELECT `+auditCols+` FROM audit ORDER BY at DESC, id DESC LIMIT ?`, auditLimit)
	}
	if len(q) > 100 {
		q = q[:100]
	}
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	return queryAudit(ctx, d, `SELECT `+auditCols+` FROM audit
		WHERE actor_id = ? OR subject_id = ? OR action LIKE ? ESCAPE '\'
		ORDER BY at DESC, id DESC LIMIT ?`, q, q, like, auditLimit)
}

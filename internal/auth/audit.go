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

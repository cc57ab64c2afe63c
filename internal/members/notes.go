package members

import (
	"context"
	"database/sql"
	"fmt"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/seal"
)

func aadNote(id string) []byte { return seal.AAD("notes", "body", id) }

// AddNote stores a sealed note on a record (typ "member" or
// "application": the committee's notes share one table, sealed the same
// way), with its audit entry in the same transaction.
func (reg *Registry) AddNote(ctx context.Context, actor *auth.Account, typ, subjectID, body string) error {
	id := db.NewID()
	sealed, err := reg.d.Keys.SealString(body, aadNote(id))
	if err != nil {
		return fmt.Errorf("seal note: %w", err)
	}
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO notes (id, subject_type, subject_id, author_id, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), id, typ, subjectID, actor.ID, sealed, db.T(reg.d.Now())); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		return reg.audit(ctx, tx, actor.ID, typ+".note", typ, subjectID, "")
	})
}

// Notes lists the notes on a record, oldest first.
func (reg *Registry) Notes(ctx context.Context, typ, id string) ([]Note, error) {
	rows, err := reg.d.DB.Query(ctx, `SELECT id, author_id, body, created_at FROM notes WHERE subject_type = ? AND subject_id = ? ORDER BY created_at, id`, typ, id)
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
		if n.Body, err = reg.d.Keys.OpenString(sealed, aadNote(nid)); err != nil {
			return nil, fmt.Errorf("open note %s: %w", nid, err)
		}
		n.CreatedAt = at.Time
		out = append(out, n)
	}
	return out, rows.Err()
}

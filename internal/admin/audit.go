package admin

import (
	"context"
	"fmt"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/db"
)

// auditLimit bounds an audit page.
const auditLimit = 200

func (c *Console) queryAudit(ctx context.Context, q string, args ...any) ([]auth.Entry, error) {
	rows, err := c.d.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit trail: %w", err)
	}
	defer rows.Close()
	var out []auth.Entry
	for rows.Next() {
		var e auth.Entry
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

// AuditFor is the timeline of one record, oldest first.
func (c *Console) AuditFor(ctx context.Context, typ, id string) ([]auth.Entry, error) {
	return c.queryAudit(ctx, `SELECT `+auditCols+` FROM audit WHERE subject_type = ? AND subject_id = ? ORDER BY at, id LIMIT ?`, typ, id, auditLimit)
}

// SearchAudit returns the newest entries matching q: an action prefix
// ("member." or "login"), or the id of an actor or a record.
func (c *Console) SearchAudit(ctx context.Context, q string) ([]auth.Entry, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return c.queryAudit(ctx, `SELECT `+auditCols+` FROM audit ORDER BY at DESC, id DESC LIMIT ?`, auditLimit)
	}
	if len(q) > 100 {
		q = q[:100]
	}
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	return c.queryAudit(ctx, `SELECT `+auditCols+` FROM audit
		WHERE actor_id = ? OR subject_id = ? OR action LIKE ? ESCAPE '\'
		ORDER BY at DESC, id DESC LIMIT ?`, q, q, like, auditLimit)
}

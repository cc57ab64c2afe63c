package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
)

// Workplace is a workplace record. Its name, contact and description are
// about an organisation, not a person, so they are stored in plain text.
type Workplace struct {
	ID           string
	Name         string
	ContactEmail string
	Description  string
	CreatedAt    time.Time
	Members      int
}

// ListWorkplaces returns the workplaces the viewer may see with their
// member counts: all of them for list-workplaces holders, their own for a
// representative.
func (c *Console) ListWorkplaces(ctx context.Context, viewer *auth.Account) ([]Workplace, error) {
	q := `SELECT w.id, w.name, w.contact_email, w.description, w.created_at,
		(SELECT COUNT(*) FROM member_workplaces mw WHERE mw.workplace_id = w.id) FROM workplaces w`
	var args []any
	if viewer.Scoped(auth.ListWorkplaces) {
		q += ` WHERE w.id IN (SELECT workplace_id FROM account_workplaces WHERE account_id = ?)`
		args = append(args, viewer.ID)
	}
	rows, err := c.d.DB.Query(ctx, q+` ORDER BY w.name, w.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list workplaces: %w", err)
	}
	defer rows.Close()
	var out []Workplace
	for rows.Next() {
		var w Workplace
		var at db.Time
		if err := rows.Scan(&w.ID, &w.Name, &w.ContactEmail, &w.Description, &at, &w.Members); err != nil {
			return nil, fmt.Errorf("list workplaces: %w", err)
		}
		w.CreatedAt = at.Time
		out = append(out, w)
	}
	return out, rows.Err()
}

// LoadWorkplace reads one workplace the viewer may see.
func (c *Console) LoadWorkplace(ctx context.Context, viewer *auth.Account, id string) (*Workplace, error) {
	if !db.ValidID(id) || (viewer.Scoped(auth.ListWorkplaces) && !viewer.Represents(id)) {
		return nil, ErrNotFound
	}
	var w Workplace
	var at db.Time
	err := c.d.DB.QueryRow(ctx, `SELECT id, name, contact_email, description, created_at FROM workplaces WHERE id = ?`, id).
		Scan(&w.ID, &w.Name, &w.ContactEmail, &w.Description, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load workplace %s: %w", id, err)
	}
	w.CreatedAt = at.Time
	return &w, nil
}

// SaveWorkplace creates (empty id) or updates a workplace; it returns its id.
func (c *Console) SaveWorkplace(ctx context.Context, actor *auth.Account, w Workplace) (string, error) {
	create := w.ID == ""
	if create {
		w.ID = db.NewID()
	} else if !db.ValidID(w.ID) {
		return "", ErrNotFound
	}
	err := c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if create {
			if _, err := tx.ExecContext(ctx, c.d.DB.Rebind(`INSERT INTO workplaces (id, name, contact_email, description, created_at)
				VALUES (?, ?, ?, ?, ?)`), w.ID, w.Name, w.ContactEmail, w.Description, db.T(c.d.Now())); err != nil {
				return fmt.Errorf("create workplace: %w", err)
			}
			return c.audit(ctx, tx, actor, "workplace.create", "workplace", w.ID, "")
		}
		res, err := tx.ExecContext(ctx, c.d.DB.Rebind(`UPDATE workplaces SET name = ?, contact_email = ?, description = ? WHERE id = ?`),
			w.Name, w.ContactEmail, w.Description, w.ID)
		if err != nil {
			return fmt.Errorf("update workplace %s: %w", w.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return c.audit(ctx, tx, actor, "workplace.edit", "workplace", w.ID, "")
	})
	return w.ID, err
}

// Representative is an account representing a workplace.
type Representative struct {
	AccountID string
	Email     string
}

// Representatives lists the accounts representing a workplace.
func (c *Console) Representatives(ctx context.Context, workplaceID string) ([]Representative, error) {
	accts, err := c.d.Auth.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []Representative
	for _, a := range accts {
		if contains(a.Workplaces, workplaceID) {
			out = append(out, Representative{AccountID: a.ID, Email: a.Email})
		}
	}
	return out, nil
}

// SetRepresentative adds (on) or removes (off) an account as a
// representative of a workplace.
func (c *Console) SetRepresentative(ctx context.Context, actor *auth.Account, workplaceID, accountID string, on bool) error {
	if !db.ValidID(workplaceID) || !db.ValidID(accountID) {
		return ErrNotFound
	}
	accts, err := c.d.Auth.Accounts(ctx)
	if err != nil {
		return err
	}
	var ws []string
	found := false
	for _, a := range accts {
		if a.ID == accountID {
			found = true
			for _, w := range a.Workplaces {
				if w != workplaceID {
					ws = append(ws, w)
				}
			}
		}
	}
	if !found {
		return ErrNotFound
	}
	if on {
		ws = append(ws, workplaceID)
	}
	action := "workplace.representative-removed"
	if on {
		action = "workplace.representative-added"
	}
	return c.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, c.d.DB.Rebind(`SELECT COUNT(*) FROM workplaces WHERE id = ?`), workplaceID).Scan(&n); err != nil {
			return fmt.Errorf("look up workplace: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := auth.SetWorkplaces(ctx, c.d.DB, tx, accountID, ws); err != nil {
			return err
		}
		return c.audit(ctx, tx, actor, action, "workplace", workplaceID, "account "+accountID)
	})
}

// memberWorkplaces lists a member's workplaces.
func (c *Console) memberWorkplaces(ctx context.Context, memberID string) ([]Workplace, error) {
	rows, err := c.d.DB.Query(ctx, `SELECT w.id, w.name FROM workplaces w JOIN member_workplaces mw ON mw.workplace_id = w.id
		WHERE mw.member_id = ? ORDER BY w.name`, memberID)
	if err != nil {
		return nil, fmt.Errorf("workplaces of %s: %w", memberID, err)
	}
	defer rows.Close()
	var out []Workplace
	for rows.Next() {
		var w Workplace
		if err := rows.Scan(&w.ID, &w.Name); err != nil {
			return nil, fmt.Errorf("workplaces of %s: %w", memberID, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

package members

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Workplace is a workplace record with its sealed part opened.
//
// The name is an employer's ("Kvádr Software"), the contact email is often
// a representative's private address, and member_workplaces links members
// to the row: in plain text, a stolen database would tell which employer
// each member works for even though the member's own employer field is
// sealed. So name, contact and description are sealed together (one JSON
// value in workplaces.data, associated data bound to the row id), and the
// name is found and kept unique through a keyed blind index of its
// normalised form (workplaces.name_bidx, auth.WorkplaceNameIndex).
type Workplace struct {
	ID           string
	Name         string
	ContactEmail string
	Description  string
	CreatedAt    time.Time
	Members      int
}

// ErrWorkplaceNameTaken: another workplace has the same name (compared as
// auth.NormaliseWorkplaceName does). The console answers 409 and keeps the
// form; two rows for one employer would split its members and its
// representatives, and single sign-on could not tell them apart by name.
var ErrWorkplaceNameTaken = errors.New("another workplace has this name")

// workplaceData is the sealed part of a workplace (workplaces.data).
type workplaceData struct {
	Name         string `json:"name"`
	ContactEmail string `json:"contact_email,omitempty"`
	Description  string `json:"description,omitempty"`
}

func aadWorkplace(id string) []byte { return seal.AAD("workplaces", "data", id) }

// workplaceNameIndex is the blind index of a workplace name.
func (reg *Registry) workplaceNameIndex(name string) []byte {
	return auth.WorkplaceNameIndex(reg.d.Keys, name)
}

// openWorkplace fills w's sealed fields from data. A NULL data is a row
// from before sealing that SealLegacyWorkplaces has not reached, which
// happens only if the server started without running it: that is an error,
// not a reason to read the plaintext columns.
func (reg *Registry) openWorkplace(w *Workplace, data []byte) error {
	if data == nil {
		return fmt.Errorf("workplace %s is not sealed yet (SealLegacyWorkplaces runs at start)", w.ID)
	}
	var wd workplaceData
	if err := reg.d.Keys.OpenJSON(data, aadWorkplace(w.ID), &wd); err != nil {
		return fmt.Errorf("workplace %s: %w", w.ID, err)
	}
	w.Name, w.ContactEmail, w.Description = wd.Name, wd.ContactEmail, wd.Description
	return nil
}

// sortWorkplaces orders workplaces by name for people: case and diacritics
// folded first (so "Čistírna" sits among the C's whoever typed it), then
// the exact name and the id so that the order is stable. Names are sealed,
// so the database cannot sort them; a union has tens to hundreds of
// workplaces, which sort in microseconds.
func sortWorkplaces(ws []Workplace) {
	slices.SortFunc(ws, func(a, b Workplace) int {
		return cmp.Or(cmp.Compare(Fold(a.Name), Fold(b.Name)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

// ListWorkplaces returns the workplaces the viewer may see with their
// member counts, sorted by name: all of them for list-workplaces holders,
// their own for a representative.
func (reg *Registry) ListWorkplaces(ctx context.Context, viewer *auth.Account) ([]Workplace, error) {
	q := `SELECT w.id, w.data, w.created_at,
		(SELECT COUNT(*) FROM member_workplaces mw WHERE mw.workplace_id = w.id) FROM workplaces w`
	var args []any
	if viewer.Scoped(auth.ListWorkplaces) {
		q += ` WHERE w.id IN (SELECT workplace_id FROM account_workplaces WHERE account_id = ?)`
		args = append(args, viewer.ID)
	}
	rows, err := reg.d.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list workplaces: %w", err)
	}
	defer rows.Close()
	var out []Workplace
	for rows.Next() {
		var w Workplace
		var data []byte
		var at db.Time
		if err := rows.Scan(&w.ID, &data, &at, &w.Members); err != nil {
			return nil, fmt.Errorf("list workplaces: %w", err)
		}
		if err := reg.openWorkplace(&w, data); err != nil {
			return nil, err
		}
		w.CreatedAt = at.Time
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list workplaces: %w", err)
	}
	sortWorkplaces(out)
	return out, nil
}

// LoadWorkplace reads one workplace the viewer may see.
func (reg *Registry) LoadWorkplace(ctx context.Context, viewer *auth.Account, id string) (*Workplace, error) {
	if !db.ValidID(id) || (viewer.Scoped(auth.ListWorkplaces) && !viewer.Represents(id)) {
		return nil, ErrNotFound
	}
	w := Workplace{ID: id}
	var data []byte
	var at db.Time
	err := reg.d.DB.QueryRow(ctx, `SELECT data, created_at FROM workplaces WHERE id = ?`, id).Scan(&data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load workplace %s: %w", id, err)
	}
	if err := reg.openWorkplace(&w, data); err != nil {
		return nil, err
	}
	w.CreatedAt = at.Time
	return &w, nil
}

// SaveWorkplace creates (empty id) or updates a workplace; it returns its
// id. A name another workplace has is ErrWorkplaceNameTaken.
func (reg *Registry) SaveWorkplace(ctx context.Context, actor *auth.Account, w Workplace) (string, error) {
	create := w.ID == ""
	if create {
		w.ID = db.NewID()
	} else if !db.ValidID(w.ID) {
		return "", ErrNotFound
	}
	data, err := reg.d.Keys.SealJSON(workplaceData{Name: w.Name, ContactEmail: w.ContactEmail, Description: w.Description}, aadWorkplace(w.ID))
	if err != nil {
		return "", err
	}
	bidx := reg.workplaceNameIndex(w.Name)
	err = reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		// The unique index on name_bidx is the guarantee; looking first
		// (under a lock on the name, for PostgreSQL) gives a clear answer
		// instead of a constraint error that aborts the transaction.
		if err := reg.d.DB.LockKey(ctx, tx, auth.WorkplaceIndexPurpose, bidx); err != nil {
			return err
		}
		var other string
		err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT id FROM workplaces WHERE name_bidx = ? AND id <> ?`), bidx, w.ID).Scan(&other)
		switch {
		case err == nil:
			return ErrWorkplaceNameTaken
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up workplace name: %w", err)
		}
		if create {
			if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`INSERT INTO workplaces (id, name, contact_email, description, data, name_bidx, created_at)
				VALUES (?, '', '', '', ?, ?, ?)`), w.ID, data, bidx, db.T(reg.d.Now())); err != nil {
				return fmt.Errorf("create workplace: %w", err)
			}
			return reg.audit(ctx, tx, actor.ID, "workplace.create", "workplace", w.ID, "")
		}
		res, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE workplaces SET data = ?, name_bidx = ?, name = '', contact_email = '', description = '' WHERE id = ?`),
			data, bidx, w.ID)
		if err != nil {
			return fmt.Errorf("update workplace %s: %w", w.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return reg.audit(ctx, tx, actor.ID, "workplace.edit", "workplace", w.ID, "")
	})
	if db.IsUniqueViolation(err) {
		return "", ErrWorkplaceNameTaken
	}
	if err != nil {
		return "", err
	}
	return w.ID, nil
}

// SealLegacyWorkplaces seals the workplaces stored in plain text before
// migration 00042 (SQL holds no key, so the migration could only add the
// columns), and returns how many it sealed. The server runs it at every
// start, before serving; once nothing is left in plain text it is one
// query. For each such row, in one transaction: the plain name, contact
// and description are sealed into data (over what data already held, so a
// row an older binary edited after sealing keeps the newer text), name_bidx
// is set, and the plaintext columns are blanked.
//
// Rows written before names had to be unique may share a name. The oldest
// id keeps the index (single sign-on matched the lowest id before, too);
// the others are sealed with no index and logged by id, and saving them
// asks for a different name.
//
// On SQLite the overwritten text would otherwise linger in the file's free
// space and in the write-ahead log, so the update runs with secure_delete
// and the log is checkpointed and truncated afterwards. On PostgreSQL the
// table is rewritten (VACUUM FULL) so the old row versions leave the data
// files. Backups taken before remain readable: they have to be replaced.
func (reg *Registry) SealLegacyWorkplaces(ctx context.Context) (int, error) {
	var sealed int
	var dupes []string
	err := reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		sealed, dupes = 0, nil
		// Two servers starting at once on PostgreSQL take turns (SQLite's
		// write lock does that already).
		if err := reg.d.DB.LockKey(ctx, tx, "workplaces.seal-legacy", nil); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, name, contact_email, description, data FROM workplaces
			WHERE data IS NULL OR name <> '' OR contact_email <> '' OR description <> '' ORDER BY id`)
		if err != nil {
			return fmt.Errorf("seal workplaces: %w", err)
		}
		type legacy struct {
			id   string
			wd   workplaceData
			data []byte
		}
		var todo []legacy
		for rows.Next() {
			var l legacy
			var plain workplaceData
			if err := rows.Scan(&l.id, &plain.Name, &plain.ContactEmail, &plain.Description, &l.data); err != nil {
				rows.Close()
				return fmt.Errorf("seal workplaces: %w", err)
			}
			if l.data != nil {
				if err := reg.d.Keys.OpenJSON(l.data, aadWorkplace(l.id), &l.wd); err != nil {
					rows.Close()
					return fmt.Errorf("seal workplaces: workplace %s: %w", l.id, err)
				}
			}
			for _, f := range [][2]*string{{&l.wd.Name, &plain.Name}, {&l.wd.ContactEmail, &plain.ContactEmail}, {&l.wd.Description, &plain.Description}} {
				if *f[1] != "" {
					*f[0] = *f[1]
				}
			}
			todo = append(todo, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("seal workplaces: %w", err)
		}
		if len(todo) == 0 {
			return nil
		}
		if reg.d.DB.Dialect() == db.SQLite {
			// Zero the space the plaintext leaves, for this update only
			// (the setting belongs to the connection; put it back).
			var prev int
			if err := tx.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&prev); err != nil {
				return fmt.Errorf("seal workplaces: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
				return fmt.Errorf("seal workplaces: %w", err)
			}
			defer tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA secure_delete = %d`, prev))
		}
		for _, l := range todo {
			data, err := reg.d.Keys.SealJSON(l.wd, aadWorkplace(l.id))
			if err != nil {
				return err
			}
			var bidx []byte
			if auth.NormaliseWorkplaceName(l.wd.Name) != "" {
				bidx = reg.workplaceNameIndex(l.wd.Name)
				var other string
				err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT id FROM workplaces WHERE name_bidx = ? AND id <> ?`), bidx, l.id).Scan(&other)
				switch {
				case err == nil:
					bidx = nil
					dupes = append(dupes, l.id)
				case !errors.Is(err, sql.ErrNoRows):
					return fmt.Errorf("seal workplaces: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, reg.d.DB.Rebind(`UPDATE workplaces SET data = ?, name_bidx = ?, name = '', contact_email = '', description = '' WHERE id = ?`),
				data, bidx, l.id); err != nil {
				return fmt.Errorf("seal workplace %s: %w", l.id, err)
			}
			sealed++
		}
		return nil
	})
	if err != nil || sealed == 0 {
		return 0, err
	}
	reg.log.Info("sealed workplaces stored in plain text; replace backups taken before now", "count", sealed)
	for _, id := range dupes {
		reg.log.Warn("workplace has the same name as another; rename one of them", "workplace", id)
	}
	reg.scrubAfterSealing(ctx)
	return sealed, nil
}

// scrubAfterSealing removes the old plaintext versions of rewritten rows
// from the database files (see SealLegacyWorkplaces). The rows are sealed
// already when it runs, so a failure is logged for the operator rather
// than stopping the server (which would not retry it at the next start).
func (reg *Registry) scrubAfterSealing(ctx context.Context) {
	const hint = "old plain-text workplace names may remain in the database files until the database is vacuumed"
	if reg.d.DB.Dialect() != db.SQLite {
		if _, err := reg.d.DB.Exec(ctx, `VACUUM FULL workplaces`); err != nil {
			reg.log.Warn(hint, "err", err)
		}
		return
	}
	// The writer, not the read pool: readers are query_only.
	var busy, frames, done int
	err := reg.d.DB.Writer().QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done)
	if err != nil || busy != 0 {
		reg.log.Warn(hint, "err", err, "busy", busy)
	}
}

// Representative is an account representing a workplace.
type Representative struct {
	AccountID string
	Email     string
}

// Representatives lists the accounts representing a workplace.
func (reg *Registry) Representatives(ctx context.Context, workplaceID string) ([]Representative, error) {
	accts, err := reg.d.Auth.Accounts(ctx)
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
func (reg *Registry) SetRepresentative(ctx context.Context, actor *auth.Account, workplaceID, accountID string, on bool) error {
	if !db.ValidID(workplaceID) || !db.ValidID(accountID) {
		return ErrNotFound
	}
	accts, err := reg.d.Auth.Accounts(ctx)
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
	return reg.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, reg.d.DB.Rebind(`SELECT COUNT(*) FROM workplaces WHERE id = ?`), workplaceID).Scan(&n); err != nil {
			return fmt.Errorf("look up workplace: %w", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := auth.SetWorkplaces(ctx, reg.d.DB, tx, accountID, ws); err != nil {
			return err
		}
		return reg.audit(ctx, tx, actor.ID, action, "workplace", workplaceID, "account "+accountID)
	})
}

// memberWorkplaces lists a member's workplaces, sorted by name.
func (reg *Registry) memberWorkplaces(ctx context.Context, memberID string) ([]Workplace, error) {
	rows, err := reg.d.DB.Query(ctx, `SELECT w.id, w.data FROM workplaces w JOIN member_workplaces mw ON mw.workplace_id = w.id
		WHERE mw.member_id = ?`, memberID)
	if err != nil {
		return nil, fmt.Errorf("workplaces of %s: %w", memberID, err)
	}
	defer rows.Close()
	var out []Workplace
	for rows.Next() {
		var w Workplace
		var data []byte
		if err := rows.Scan(&w.ID, &data); err != nil {
			return nil, fmt.Errorf("workplaces of %s: %w", memberID, err)
		}
		if err := reg.openWorkplace(&w, data); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("workplaces of %s: %w", memberID, err)
	}
	sortWorkplaces(out)
	return out, nil
}

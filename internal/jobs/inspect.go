package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/db"
)

// Info is a job's row as seen by an operator (no payload).
type Info struct {
	ID        string
	Kind      string
	State     string // pending, running, done, dead
	Attempts  int
	RunAt     time.Time
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ErrNotFound is returned for an unknown job id.
var ErrNotFound = errors.New("jobs: no such job")

// Get returns a job's state.
func (q *Queue) Get(ctx context.Context, id string) (Info, error) {
	var i Info
	var runAt, created, updated db.Time
	var lastErr sql.NullString
	err := q.d.QueryRow(ctx, `SELECT id, kind, state, attempts, run_at, last_error, created_at, updated_at
		FROM jobs WHERE id = ?`, id).Scan(&i.ID, &i.Kind, &i.State, &i.Attempts, &runAt, &lastErr, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("jobs: get: %w", err)
	}
	i.RunAt, i.CreatedAt, i.UpdatedAt, i.LastError = runAt.Time, created.Time, updated.Time, lastErr.String
	return i, nil
}

// Counts returns how many jobs are in each state, for the admin console and
// metrics.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := q.d.Query(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("jobs: counts: %w", err)
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Retry moves a dead job back to pending with a fresh attempt budget, for an
// operator who fixed the cause (say, the SMTP password).
func (q *Queue) Retry(ctx context.Context, id string) error {
	now := q.opts.Now()
	var n int64
	err := q.d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q.d.Rebind(`UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?,
			updated_at = ? WHERE id = ? AND state = 'dead'`), db.T(now), db.T(now), id)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		q.d.AfterCommit(tx, q.Wake)
		return nil
	})
	if err != nil {
		return fmt.Errorf("jobs: retry %s: %w", id, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Dead lists dead jobs, newest first, at most limit of them (no payloads:
// those may hold sealed personal data and are of no use to an operator).
func (q *Queue) Dead(ctx context.Context, limit int) ([]Info, error) {
	rows, err := q.d.Query(ctx, `SELECT id, kind, state, attempts, run_at, last_error, created_at, updated_at
		FROM jobs WHERE state = 'dead' ORDER BY updated_at DESC, id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs: list dead: %w", err)
	}
	defer rows.Close()
	var out []Info
	for rows.Next() {
		var i Info
		var runAt, created, updated db.Time
		var lastErr sql.NullString
		if err := rows.Scan(&i.ID, &i.Kind, &i.State, &i.Attempts, &runAt, &lastErr, &created, &updated); err != nil {
			return nil, fmt.Errorf("jobs: list dead: %w", err)
		}
		i.RunAt, i.CreatedAt, i.UpdatedAt, i.LastError = runAt.Time, created.Time, updated.Time, lastErr.String
		out = append(out, i)
	}
	return out, rows.Err()
}

// RetryDead moves every dead job back to pending with a fresh attempt
// budget (see Retry) and reports how many it moved.
func (q *Queue) RetryDead(ctx context.Context) (int64, error) {
	now := q.opts.Now()
	var n int64
	err := q.d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q.d.Rebind(`UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?,
			updated_at = ? WHERE state = 'dead'`), db.T(now), db.T(now))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		q.d.AfterCommit(tx, q.Wake)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: retry dead: %w", err)
	}
	return n, nil
}

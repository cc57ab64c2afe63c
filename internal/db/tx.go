package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// maxTxAttempts bounds how often Tx re-runs fn after a retryable error.
const maxTxAttempts = 6

// Tx runs fn in a write transaction and commits it if fn returns nil.
//
// On SQLite the transaction starts with BEGIN IMMEDIATE, so it holds the
// write lock from the start and can never fail by upgrading a read lock.
// If the engine reports a transient conflict — SQLITE_BUSY/LOCKED (another
// process held the lock past busy_timeout), or PostgreSQL serialization
// failure or deadlock — the whole transaction is rolled back and fn runs
// again, up to a few times. fn must therefore be safe to re-run: do slow or
// external work (sealing, HTTP, email) before Tx, not inside it.
//
// fn must not call Commit or Rollback. Functions registered with AfterCommit
// run after a successful commit.
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = d.txOnce(ctx, fn)
		if err == nil || !Retryable(err) || attempt >= maxTxAttempts || ctx.Err() != nil {
			return err
		}
		// Short randomised pause so competing processes do not retry in
		// lockstep.
		pause := time.Duration(attempt*attempt)*5*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond
		d.log.Debug("db: retrying transaction", "attempt", attempt, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (d *DB) txOnce(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	select {
	case d.gate <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("begin transaction: %w", ctx.Err())
	}
	defer func() { <-d.gate }()
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// Mark tx as ours so AfterCommit can tell it from a foreign *sql.Tx.
	d.hooksMu.Lock()
	d.hooks[tx] = nil
	d.hooksMu.Unlock()
	defer func() {
		hooks := d.takeHooks(tx)
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
			return
		}
		for _, h := range hooks {
			h()
		}
	}()
	return fn(tx)
}

// AfterCommit registers f to run after tx — a transaction started by d.Tx —
// commits. It is dropped if the transaction rolls back (including before a
// retry, where fn runs again and registers anew). It reports false if tx was
// not started by d.Tx, in which case f is not registered. The job queue uses
// it to wake workers the moment an enqueued job becomes visible.
func (d *DB) AfterCommit(tx *sql.Tx, f func()) bool {
	d.hooksMu.Lock()
	defer d.hooksMu.Unlock()
	hs, ok := d.hooks[tx]
	if !ok {
		return false
	}
	d.hooks[tx] = append(hs, f)
	return true
}

func (d *DB) takeHooks(tx *sql.Tx) []func() {
	d.hooksMu.Lock()
	defer d.hooksMu.Unlock()
	hs := d.hooks[tx]
	delete(d.hooks, tx)
	return hs
}

// Retryable reports whether err is a transient conflict after which the
// whole transaction may simply be run again.
func Retryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either engine, so callers can turn a duplicate into a friendly outcome.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and _PRIMARYKEY (1555).
		return se.Code() == 2067 || se.Code() == 1555
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

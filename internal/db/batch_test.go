package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestBatchGoodAndFailingItems: many concurrent items, every third of
// which fails after writing; the good ones commit, the failing ones leave
// nothing, and each caller gets its own answer.
func TestBatchGoodAndFailingItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		scratch(t, d)
		b := db.NewBatcher(d, db.BatchOptions{})
		defer b.Close()
		errBad := errors.New("bad item")
		const n = 120
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = b.Do(t.Context(), func(tx *sql.Tx) error {
					if _, err := tx.Exec(d.Rebind(`INSERT INTO scratch (id, n) VALUES (?, ?)`), fmt.Sprint("r", i), i); err != nil {
						return err
					}
					if i%3 == 0 {
						return errBad // after writing: the savepoint must undo it
					}
					if i == 7 {
						// A statement error inside an item (a duplicate key)
						// aborts only that item, on PostgreSQL too.
						_, err := tx.Exec(d.Rebind(`INSERT INTO scratch (id, n) VALUES (?, ?)`), "r7", 0)
						return err
					}
					return nil
				})
			}()
		}
		wg.Wait()
		want := 0
		for i, err := range errs {
			switch {
			case i%3 == 0:
				if !errors.Is(err, errBad) {
					t.Errorf("item %d: err %v, want its own error", i, err)
				}
			case i == 7:
				if !db.IsUniqueViolation(err) {
					t.Errorf("item 7: err %v, want a unique violation", err)
				}
			default:
				want++
				if err != nil {
					t.Errorf("item %d: %v", i, err)
				}
			}
		}
		var got int
		if err := d.QueryRow(t.Context(), `SELECT COUNT(*) FROM scratch`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%d rows committed, want %d", got, want)
		}
		var bad int
		if err := d.QueryRow(t.Context(), `SELECT COUNT(*) FROM scratch WHERE n % 3 = 0 OR id = 'r7'`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Fatalf("%d rows of failed items committed", bad)
		}
	})
}

// TestBatchCommitFailure: a deferred constraint fails at COMMIT; every
// caller of that batch gets the error and nothing of the batch stays.
func TestBatchCommitFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		for _, q := range []string{
			`CREATE TABLE parent (id TEXT PRIMARY KEY)`,
			`CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`,
		} {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		b := db.NewBatcher(d, db.BatchOptions{Workers: 1})
		defer b.Close()
		// Hold the worker busy in a first batch, so that the next items
		// gather into one batch behind it.
		release := make(chan struct{})
		started := make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- b.Do(ctx, func(tx *sql.Tx) error { close(started); <-release; return nil })
		}()
		<-started
		const n = 5
		errs := make(chan error, n)
		var queued sync.WaitGroup
		for i := range n {
			queued.Add(1)
			go func() {
				queued.Done()
				errs <- b.Do(ctx, func(tx *sql.Tx) error {
					parent := "p" // item 0 names a parent nobody creates
					if i > 0 {
						parent = fmt.Sprint("p", i)
						if _, err := tx.Exec(d.Rebind(`INSERT INTO parent (id) VALUES (?)`), parent); err != nil {
							return err
						}
					}
					_, err := tx.Exec(d.Rebind(`INSERT INTO child (id, parent_id) VALUES (?, ?)`), fmt.Sprint("c", i), parent)
					return err
				})
			}()
		}
		queued.Wait()
		waitQueued(t, b, n)
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first batch: %v", err)
		}
		for range n {
			if err := <-errs; err == nil || !strings.Contains(err.Error(), "commit") {
				t.Errorf("an item of the failed batch got %v, want the commit error", err)
			}
		}
		var rows int
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM parent) + (SELECT COUNT(*) FROM child)`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 0 {
			t.Fatalf("%d rows of a batch whose commit failed remain", rows)
		}
		// The connection is usable afterwards (SQLite keeps a transaction
		// open after a failed COMMIT unless it is rolled back).
		if err := b.Do(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO parent (id) VALUES ('after')`)
			return err
		}); err != nil {
			t.Fatalf("a batch after the failed commit: %v", err)
		}
	})
}

// waitQueued polls until n items wait in b's queue (a deadline, no sleep
// guessing how long goroutines take to start).
func waitQueued(t *testing.T, b *db.Batcher, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Queued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d items queued", b.Queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatchCancelledBeforeRun: a caller whose context ends before its batch
// starts gets the context's error and its item never runs.
func TestBatchCancelledBeforeRun(t *testing.T) {
	d := dbtest.SQLite(t)
	b := db.NewBatcher(d, db.BatchOptions{Workers: 1})
	defer b.Close()
	release, started := make(chan struct{}), make(chan struct{})
	go b.Do(t.Context(), func(tx *sql.Tx) error { close(started); <-release; return nil })
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	ran := false
	done := make(chan error, 1)
	go func() { done <- b.Do(ctx, func(tx *sql.Tx) error { ran = true; return nil }) }()
	waitQueued(t, b, 1)
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if ran {
		t.Fatal("the cancelled item ran")
	}
	b.Close()
	if err := b.Do(t.Context(), func(*sql.Tx) error { return nil }); !errors.Is(err, db.ErrBatcherClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// TestBatchPanickingItem: a panic in one item is that item's error.
func TestBatchPanickingItem(t *testing.T) {
	d := dbtest.SQLite(t)
	scratch(t, d)
	b := db.NewBatcher(d, db.BatchOptions{})
	defer b.Close()
	if err := b.Do(t.Context(), func(tx *sql.Tx) error { panic("boom") }); err == nil {
		t.Fatal("a panicking item returned nil")
	}
	if err := b.Do(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO scratch (id) VALUES ('after')`)
		return err
	}); err != nil {
		t.Fatalf("the batcher after a panic: %v", err)
	}
}

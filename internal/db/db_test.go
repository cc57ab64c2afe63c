package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func scratch(t *testing.T, d *db.DB) {
	t.Helper()
	timeType, blob := "TEXT", "BLOB"
	if d.Dialect() == db.Postgres {
		timeType, blob = "timestamptz", "bytea"
	}
	_, err := d.Exec(t.Context(), "CREATE TABLE scratch (id TEXT PRIMARY KEY, at "+timeType+", data "+blob+", n INTEGER NOT NULL DEFAULT 0)")
	if err != nil {
		t.Fatalf("create scratch table: %v", err)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		scratch(t, d)
		ctx := t.Context()
		prague, _ := time.LoadLocation("Europe/Prague")
		want := time.Date(2026, 3, 29, 2, 30, 0, 123456789, prague) // nanos are truncated
		id := db.NewID()
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO scratch (id, at) VALUES (?, ?)"), id, db.T(want))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got db.Time
		if err := d.QueryRow(ctx, "SELECT at FROM scratch WHERE id = ?", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want.Truncate(time.Microsecond)) || got.Location() != time.UTC {
			t.Fatalf("got %v, want %v in UTC", got.Time, want.UTC().Truncate(time.Microsecond))
		}
		// Comparisons in SQL follow time order on both engines.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM scratch WHERE at < ? AND at > ?",
			db.T(want.Add(time.Microsecond)), db.T(want.Add(-time.Hour))).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("range query found %d rows, want 1", n)
		}
		// NULL through sql.Null.
		var null sql.Null[db.Time]
		if err := d.QueryRow(ctx, "SELECT NULL").Scan(&null); err != nil || null.Valid {
			t.Fatalf("scan NULL: valid=%v err=%v", null.Valid, err)
		}
	})
}

func TestTxCommitRollbackAndHooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		scratch(t, d)
		ctx := t.Context()
		boom := errors.New("boom")
		hookRan := 0
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO scratch (id) VALUES (?)"), "rolled-back"); err != nil {
				return err
			}
			d.AfterCommit(tx, func() { hookRan++ })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx error = %v, want boom", err)
		}
		if hookRan != 0 {
			t.Fatal("AfterCommit hook ran after rollback")
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if !d.AfterCommit(tx, func() { hookRan++ }) {
				t.Error("AfterCommit refused a transaction from d.Tx")
			}
			_, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO scratch (id) VALUES (?)"), "kept")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if hookRan != 1 {
			t.Fatalf("hook ran %d times, want 1", hookRan)
		}
		var ids []string
		rows, err := d.Query(ctx, "SELECT id FROM scratch ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			ids = append(ids, s)
		}
		rows.Close()
		if strings.Join(ids, ",") != "kept" {
			t.Fatalf("rows = %v, want [kept]", ids)
		}
		// A transaction not made by d.Tx is refused.
		foreign, err := d.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.AfterCommit(foreign, func() {}) {
			t.Error("AfterCommit accepted a foreign transaction")
		}
		foreign.Rollback()
		// Unique violations are recognised on both engines.
		_, err = d.Exec(ctx, "INSERT INTO scratch (id) VALUES (?)", "kept")
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate insert error %v not recognised as unique violation", err)
		}
	})
}

// Many goroutines writing at once must all succeed: SQLite's single writer
// queues them instead of failing with SQLITE_BUSY, and a second handle on
// the same file (another process) is absorbed by BEGIN IMMEDIATE + retry.
func TestConcurrentWriters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		scratch(t, d)
		other := dbtest.Reopen(t, d)
		ctx := t.Context()
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for g := range 20 {
			h := d
			if g%2 == 1 {
				h = other
			}
			wg.Go(func() {
				for range 10 {
					errs <- h.Tx(ctx, func(tx *sql.Tx) error {
						// Read then write: with deferred transactions two
						// handles doing this deadlock on lock upgrade.
						var n int
						if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM scratch").Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, h.Rebind("INSERT INTO scratch (id, n) VALUES (?, ?)"), db.NewID(), n)
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent write failed: %v", err)
			}
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM scratch").Scan(&n); err != nil || n != 200 {
			t.Fatalf("count = %d (err %v), want 200", n, err)
		}
	})
}

func TestSQLiteSettings(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := t.Context()
	check := func(pool *sql.DB, pragma, want string) {
		t.Helper()
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if !strings.EqualFold(got, want) {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	for _, pool := range []*sql.DB{d.Writer(), d.Reader()} {
		check(pool, "journal_mode", "wal")
		check(pool, "foreign_keys", "1")
		check(pool, "synchronous", "2") // FULL: fsync at every commit
		check(pool, "busy_timeout", "10000")
		check(pool, "secure_delete", "1") // erased rows leave no bytes in free pages
	}
	if _, err := d.Reader().ExecContext(ctx, "CREATE TABLE nope (x)"); err == nil {
		t.Error("the read pool accepted a write")
	}
	fi, err := os.Stat(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, want 0600", fi.Mode().Perm())
	}
	if d.Dialect() != db.SQLite || d.Rebind("a = ?") != "a = ?" {
		t.Error("SQLite must keep ? placeholders")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := db.Open(ctx, db.Options{}); err == nil {
		t.Error("Open with neither DataDir nor URL succeeded")
	}
	_, err := db.Open(ctx, db.Options{URL: "mysql://root:hunter2@localhost/x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad scheme: err = %v (must fail and not echo the password)", err)
	}
	// Nobody listens on port 1: the error names the host but not the password.
	_, err = db.Open(ctx, db.Options{URL: "postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("unreachable server: err = %v (must fail and not echo the password)", err)
	}
	// A data folder path that is a file.
	f := t.TempDir() + "/file"
	os.WriteFile(f, nil, 0o600)
	if _, err := db.Open(ctx, db.Options{DataDir: f}); err == nil {
		t.Error("Open with a file as DataDir succeeded")
	}
	// A file that is not a database.
	dir := t.TempDir()
	os.WriteFile(dir+"/"+db.FileName, []byte(strings.Repeat("not a database ", 500)), 0o600)
	if _, err := db.Open(ctx, db.Options{DataDir: dir}); err == nil {
		t.Error("Open of a corrupt database file succeeded")
	}
}

func TestMigrationsIdempotentAndVersioned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if err := d.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		cur, target, err := d.MigrationVersion(t.Context())
		if err != nil || cur != target || cur < 1 {
			t.Fatalf("versions current=%d target=%d err=%v", cur, target, err)
		}
	})
}

// Every migration must exist for both dialects with the same number and
// name, so the two histories never drift apart.
func TestMigrationPairs(t *testing.T) {
	names := map[db.Dialect][]string{}
	for _, dl := range []db.Dialect{db.SQLite, db.Postgres} {
		sub, err := db.Migrations(dl)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := fs.ReadDir(sub, ".")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			n := e.Name()
			if len(n) < 10 || strings.Trim(n[:5], "0123456789") != "" || n[5] != '_' || !strings.HasSuffix(n, ".sql") {
				t.Errorf("%s/%s: want NNNNN_name.sql", dl, n)
			}
			names[dl] = append(names[dl], n)
		}
	}
	if strings.Join(names[db.SQLite], ",") != strings.Join(names[db.Postgres], ",") {
		t.Errorf("migration histories differ:\n sqlite:   %v\n postgres: %v", names[db.SQLite], names[db.Postgres])
	}
}

// TestPreparedReadsSeeEveryWrite: reads go through prepared statements on
// SQLite (readStmt); each must see every write committed before it, from
// any of the read pool's connections, and a query that cannot be prepared
// still reports its own error.
func TestPreparedReadsSeeEveryWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		// Before the table exists: the error is the database's, and the
		// statement is prepared once it can be.
		var n int
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM scratch").Scan(&n); err == nil {
			t.Fatal("query of a missing table succeeded")
		}
		if _, err := d.Query(ctx, "SELEC nonsense ?", 1); err == nil {
			t.Fatal("malformed query succeeded")
		}
		scratch(t, d)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					id := fmt.Sprintf("w%d-%d", w, i)
					if _, err := d.Exec(ctx, "INSERT INTO scratch (id, n) VALUES (?, ?)", id, i); err != nil {
						t.Error(err)
						return
					}
					var got int
					if err := d.QueryRow(ctx, "SELECT n FROM scratch WHERE id = ?", id).Scan(&got); err != nil || got != i {
						t.Errorf("read own write %s: %d, %v", id, got, err)
						return
					}
					rows, err := d.Query(ctx, "SELECT id FROM scratch WHERE id LIKE ? ORDER BY id", fmt.Sprintf("w%d-%%", w))
					if err != nil {
						t.Error(err)
						return
					}
					k := 0
					for rows.Next() {
						k++
					}
					rows.Close()
					if k != i+1 {
						t.Errorf("writer %d after %d inserts sees %d rows", w, i+1, k)
						return
					}
				}
			}()
		}
		wg.Wait()
		if err := d.QueryRow(ctx, "SELECT COUNT(*) FROM scratch").Scan(&n); err != nil || n != 100 {
			t.Fatalf("count %d, %v", n, err)
		}
	})
}

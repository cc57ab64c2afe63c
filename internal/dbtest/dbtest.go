// Package dbtest gives tests a real, fresh, migrated database on both engines.
//
// Every store test runs twice through Each: on a temporary SQLite file and on
// a freshly created PostgreSQL database (when UNIONHALL_TEST_POSTGRES names a
// server). Real engines rather than fakes, because the bugs worth catching —
// placeholder syntax, type affinity, locking, SKIP LOCKED — live in the
// engine. A missing PostgreSQL skips the subtest locally and fails it under
// UNIONHALL_TEST_REQUIRE_ALL=1 (see internal/testenv), so CI cannot go green
// by skipping. Each PostgreSQL database gets a random name and is dropped at
// cleanup, so parallel packages sharing one server never see each other.
package dbtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/testenv"
)

// Each runs fn as the subtests "sqlite" and "postgres", each with its own
// fresh migrated database that is closed (and on PostgreSQL dropped) when the
// subtest ends.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// Logger is the logger test databases use: warnings and errors to stderr.
// It never calls t.Log, because background workers may log after a test
// has finished.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// SQLite opens a migrated database in a fresh temporary folder.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	return open(t, db.Options{DataDir: t.TempDir(), Logger: Logger()})
}

// Postgres creates a randomly named database on the test server, opens it
// migrated, and drops it at cleanup. Without a server it skips (or fails
// under UNIONHALL_TEST_REQUIRE_ALL=1).
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	return open(t, db.Options{URL: NewPostgresDatabase(t), Logger: Logger()})
}

// NewPostgresDatabase creates an empty, randomly named database on the test
// server and returns its URL; the database is dropped at cleanup (after
// cleanups registered later, such as closing handles to it).
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("dbtest: open postgres admin connection: %v", err)
	}
	var rb [6]byte
	rand.Read(rb[:])
	name := "unionhall_test_" + hex.EncodeToString(rb[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		testenv.SkipOrFail(t, fmt.Sprintf("cannot create a test database on %s: %v", testenv.EnvPostgres, err))
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: parse %s: %v", testenv.EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Reopen opens a second, independent handle on d's database — what a second
// server process, or the same one after a restart, would see. It is closed at
// cleanup.
func Reopen(t testing.TB, d *db.DB) *db.DB {
	t.Helper()
	o := d.Options()
	return open(t, db.Options{DataDir: o.DataDir, URL: o.URL, Logger: o.Logger})
}

func open(t testing.TB, o db.Options) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, err := db.Open(ctx, o)
	if err != nil {
		t.Fatalf("dbtest: open %v database: %v", dialectOf(o), err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("dbtest: close: %v", err)
		}
	})
	return d
}

func dialectOf(o db.Options) string {
	if o.URL != "" {
		return "postgres"
	}
	return "sqlite"
}

// DumpPostgres returns a plain-SQL pg_dump of the database at url, for tests
// that prove no plaintext personal data reaches the database. A missing
// pg_dump skips (or fails under UNIONHALL_TEST_REQUIRE_ALL=1).
func DumpPostgres(t testing.TB, url string) []byte {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		testenv.SkipOrFail(t, "pg_dump not found in PATH (Debian: apt-get install postgresql-client)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--no-owner", "--no-privileges", "--dbname="+url)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dbtest: pg_dump: %v: %s", err, stderr.Bytes())
	}
	if !bytes.Contains(out, []byte("PostgreSQL database dump")) {
		t.Fatalf("dbtest: pg_dump output does not look like a dump (%d bytes)", len(out))
	}
	return out
}

// RawSQLite returns the raw bytes of d's SQLite files: the database, its
// write-ahead log and shared-memory index, concatenated — everything a thief
// who copies the data folder gets. Missing -wal/-shm files are fine.
func RawSQLite(t testing.TB, d *db.DB) []byte {
	t.Helper()
	if d.Dialect() != db.SQLite {
		t.Fatalf("dbtest: RawSQLite on a %s database", d.Dialect())
	}
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(d.Path() + suffix)
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatalf("dbtest: read %s: %v", filepath.Base(d.Path()+suffix), err)
		}
		all = append(all, b...)
	}
	return all
}

// Raw returns what a thief gets from d: the raw SQLite files, or a
// PostgreSQL dump.
func Raw(t testing.TB, d *db.DB) []byte {
	t.Helper()
	if d.Dialect() == db.SQLite {
		return RawSQLite(t, d)
	}
	return DumpPostgres(t, d.Options().URL)
}

// Strings runs q on d and returns its one text column, failing t on any
// error (the secrecy tests read tables and catalogs this way).
func Strings(t testing.TB, d *db.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := d.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// Columns are the column names of table, sorted, on either engine.
func Columns(t testing.TB, d *db.DB, table string) []string {
	t.Helper()
	q := `SELECT name FROM pragma_table_info(?)`
	if d.Dialect() == db.Postgres {
		q = `SELECT column_name FROM information_schema.columns WHERE table_name = ?`
	}
	return slices.Sorted(slices.Values(Strings(t, d, q, table)))
}

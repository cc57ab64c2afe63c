package rekey

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestRegistryCoversMigrations fails when a migration adds a BLOB / bytea
// column that is not in Sealed, Indexes or NotSealed (registry.go), and when
// the registry names a column no migration creates. If you are here because
// your new column failed it: add the column to registry.go — Sealed if it
// holds seal output, Indexes if it is a blind index, NotSealed (with why) if
// it is neither — so that key rotation re-seals it.
func TestRegistryCoversMigrations(t *testing.T) {
	known := map[string]bool{}
	for _, c := range Sealed {
		known[c.Table+"."+c.Column] = true
	}
	for _, c := range Indexes {
		known[c.Table+"."+c.Column] = true
	}
	for _, c := range NotSealed {
		known[c.Table+"."+c.Column] = true
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		cols := binaryColumns(t, filepath.Join("..", "db", "migrations", dialect))
		for col := range cols {
			if !known[col] {
				t.Errorf("%s: column %s is BLOB/bytea but not in internal/rekey/registry.go: add it to Sealed, Indexes or NotSealed, or key rotation will leave it under the old key", dialect, col)
			}
		}
		for col := range known {
			if !cols[col] {
				t.Errorf("%s: registry.go names %s, which no migration creates as BLOB/bytea", dialect, col)
			}
		}
	}
	for _, c := range Indexes {
		found := false
		for _, s := range Sealed {
			found = found || (s.Table == c.Table && s.Column == c.Source)
		}
		if !found {
			t.Errorf("index %s.%s: its source %s is not a sealed column", c.Table, c.Column, c.Source)
		}
	}
}

var (
	createTable = regexp.MustCompile(`(?is)CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(\w+)\s*\((.*?)\n\)(?:\s*WITHOUT ROWID)?;`)
	addColumn   = regexp.MustCompile(`(?i)ALTER TABLE\s+(\w+)\s+ADD COLUMN\s+(?:IF NOT EXISTS\s+)?(\w+)\s+(\w+)`)
	dropColumn  = regexp.MustCompile(`(?i)ALTER TABLE\s+(\w+)\s+DROP COLUMN\s+(?:IF EXISTS\s+)?(\w+)`)
	dropTable   = regexp.MustCompile(`(?i)DROP TABLE\s+(?:IF EXISTS\s+)?(\w+)`)
	columnDef   = regexp.MustCompile(`^\s*(\w+)\s+(\w+)`)
)

// binaryColumns reads the Up halves of the migrations in dir, in order, and
// returns the BLOB / bytea columns that exist after them, as table.column.
func binaryColumns(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations in %s: %v", dir, err)
	}
	sort.Strings(files)
	cols := map[string]bool{}
	isBinary := func(typ string) bool { return strings.EqualFold(typ, "blob") || strings.EqualFold(typ, "bytea") }
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		// Comments may mention types; only statements count.
		var lines []string
		for _, l := range strings.Split(up, "\n") {
			if i := strings.Index(l, "--"); i >= 0 {
				l = l[:i]
			}
			lines = append(lines, l)
		}
		up = strings.Join(lines, "\n")
		for _, m := range dropTable.FindAllStringSubmatch(up, -1) {
			for k := range cols {
				if strings.HasPrefix(k, strings.ToLower(m[1])+".") {
					delete(cols, k)
				}
			}
		}
		for _, m := range createTable.FindAllStringSubmatch(up, -1) {
			table := strings.ToLower(m[1])
			for _, def := range strings.Split(m[2], "\n") {
				c := columnDef.FindStringSubmatch(def)
				if c != nil && isBinary(c[2]) {
					cols[table+"."+strings.ToLower(c[1])] = true
				}
			}
		}
		for _, m := range addColumn.FindAllStringSubmatch(up, -1) {
			if isBinary(m[3]) {
				cols[strings.ToLower(m[1])+"."+strings.ToLower(m[2])] = true
			}
		}
		for _, m := range dropColumn.FindAllStringSubmatch(up, -1) {
			delete(cols, strings.ToLower(m[1])+"."+strings.ToLower(m[2]))
		}
	}
	return cols
}

// TestBinaryColumnsParser: the parser behind the registry test finds what
// it must, so the registry test cannot pass by reading nothing.
func TestBinaryColumnsParser(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "00001_a.sql"), []byte("-- a BLOB in a comment\n-- +goose Up\nCREATE TABLE things (\n    id TEXT PRIMARY KEY,\n    secret BLOB NOT NULL, -- sealed\n    n INTEGER\n);\n-- +goose Down\nDROP TABLE things;\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "00002_b.sql"), []byte("-- +goose Up\nALTER TABLE things ADD COLUMN extra bytea;\nALTER TABLE others ADD COLUMN t TEXT;\n-- +goose Down\nALTER TABLE things DROP COLUMN extra;\n"), 0o600)
	got := binaryColumns(t, dir)
	if len(got) != 2 || !got["things.secret"] || !got["things.extra"] {
		t.Fatalf("parsed %v", got)
	}
}

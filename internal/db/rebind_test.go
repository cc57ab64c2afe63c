package db

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	pg := &DB{dialect: Postgres}
	cases := map[string]string{
		"SELECT 1":                         "SELECT 1",
		"a = ? AND b IN (?, ?)":            "a = $1 AND b IN ($2, $3)",
		"x = '?' AND y = ?":                "x = '?' AND y = $1",
		"x = 'it''s ?' AND y = ?":          "x = 'it''s ?' AND y = $1",
		`"we?ird" = ?`:                     `"we?ird" = $1`,
		"-- what?\nv = ?":                  "-- what?\nv = $1",
		"/* why? */ v = ? /* ? */":         "/* why? */ v = $1 /* ? */",
		"unterminated = ? AND s = 'oops ?": "unterminated = $1 AND s = 'oops ?",
		"unterminated comment /* ?":        "unterminated comment /* ?",
		"trailing --?":                     "trailing --?",
	}
	for in, want := range cases {
		if got := pg.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
	lite := &DB{dialect: SQLite}
	if got := lite.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("SQLite Rebind changed the query: %q", got)
	}
}

func FuzzRebind(f *testing.F) {
	f.Add("a = ? AND b = '?' -- ?\n/* ? */ c = ?")
	f.Fuzz(func(t *testing.T, q string) {
		out := rebindDollar(q)
		if !strings.Contains(q, "?") && out != q {
			t.Fatalf("query without placeholders changed: %q → %q", q, out)
		}
	})
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) {
			t.Fatalf("NewID() = %q is not ValidID", id)
		}
		if seen[id] {
			t.Fatalf("duplicate ID %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "abc", strings.Repeat("a", 25), strings.Repeat("A", 26),
		strings.Repeat("1", 26), "'; DROP TABLE jobs; --aaaa", strings.Repeat("a", 25) + "\u202e"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// archive builds a plain backup file from tar entries.
func archive(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var out bytes.Buffer
	w, _ := encryptWriter(&out, Encryption{})
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o600, Size: int64(len(e[1]))})
		tw.Write([]byte(e[1]))
	}
	tw.Close()
	gz.Close()
	w.Close()
	return out.Bytes()
}

// TestRestoreRefusesHostileArchives: a crafted file cannot write outside
// the data folder, pass off junk as a database, or skip its manifest.
func TestRestoreRefusesHostileArchives(t *testing.T) {
	manifest := `{"format":1,"dialect":"sqlite","schema_version":70}`
	cases := map[string][]byte{
		"path traversal":  archive(t, [2]string{manifestName, manifest}, [2]string{"../../evil.db", "x"}),
		"no manifest":     archive(t, [2]string{sqliteName, "x"}),
		"bad manifest":    archive(t, [2]string{manifestName, `<script>alert(1)</script>`}),
		"future format":   archive(t, [2]string{manifestName, `{"format":2,"dialect":"sqlite"}`}),
		"junk database":   archive(t, [2]string{manifestName, manifest}, [2]string{sqliteName, "not a database \u202e"}),
		"no database":     archive(t, [2]string{manifestName, manifest}),
		"postgres no url": archive(t, [2]string{manifestName, `{"format":1,"dialect":"postgres"}`}, [2]string{pgDumpName, "x"}),
		"not gzip":        append([]byte(magic+"p"), "plain text"...),
		"empty":           {},
		"huge manifest":   archive(t, [2]string{manifestName, strings.Repeat(" ", 2<<20) + manifest}),
	}
	for name, file := range cases {
		parent := t.TempDir()
		dir := filepath.Join(parent, "data")
		_, err := Restore(context.Background(), bytes.NewReader(file), Target{DataDir: dir}, Decryption{}, nil)
		if err == nil {
			t.Errorf("%s: restored", name)
		}
		if _, err := os.Stat(filepath.Join(dir, dbFileName)); err == nil {
			t.Errorf("%s: left a database behind", name)
		}
		if _, err := os.Stat(filepath.Join(parent, "evil.db")); err == nil {
			t.Errorf("%s: wrote outside the data folder", name)
		}
	}
}

// TestPgEnv: the password travels in PGPASSWORD, never on a command line;
// a URL that is not postgres:// is refused without echoing it.
func TestPgEnv(t *testing.T) {
	env, err := pgEnv("postgres://svaz:tajn%C3%A9@db.example:5433/unionhall?sslmode=verify-full")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PGHOST=db.example", "PGPORT=5433", "PGUSER=svaz", "PGPASSWORD=tajné", "PGDATABASE=unionhall", "PGSSLMODE=verify-full"}
	for _, w := range want {
		found := false
		for _, e := range env {
			found = found || e == w
		}
		if !found {
			t.Errorf("missing %s", w)
		}
	}
	for _, a := range PgDumpArgs {
		if strings.Contains(a, "tajn") {
			t.Error("password on the command line")
		}
	}
	for _, bad := range []string{"mysql://u:secretpw@h/db", "", "::", "postgres//x"} {
		if _, err := pgEnv(bad); err == nil || strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

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

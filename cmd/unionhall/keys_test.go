package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// TestKeysCommand: listing the key ids, a rotation with no server running,
// and the refusals (bad batch size, keys in the environment, no key file).
func TestKeysCommand(t *testing.T) {
	t.Setenv("UNIONHALL_DATABASE_URL", "")
	t.Setenv(seal.EnvKey, "")
	dir := t.TempDir()
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	runCmd := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := runCmd("keys", "rotate", "--data", dir); code != 1 || !strings.Contains(out, "no key file") {
		t.Fatalf("rotate without a key file: %d %s", code, out)
	}
	kr, _, err := seal.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	old := kr.KeyIDs()[0]
	if code, out := runCmd("keys", "--data", dir); code != 0 || !strings.Contains(out, old) {
		t.Fatalf("keys: %d %s", code, out)
	}
	for _, bad := range [][]string{{"--batch", "0"}, {"--batch", "abc"}, {"--batch", "99999999"}, {"extra"}} {
		if code, _ := runCmd(append([]string{"keys", "rotate", "--data", dir}, bad...)...); code != 2 {
			t.Errorf("keys rotate %v: exit %d, want 2", bad, code)
		}
	}
	if code, out := runCmd("keys", "rotate", "--data", dir); code != 0 || !strings.Contains(out, "done: key") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	after, err := seal.LoadFile(filepath.Join(dir, seal.KeyFileName))
	if err != nil || len(after.KeyIDs()) != 1 || after.KeyIDs()[0] == old {
		t.Fatalf("key file after rotation: %v %v", after.KeyIDs(), err)
	}
	t.Setenv(seal.EnvKey, "c2VjcmV0LWtleS1vZi1leGFjdGx5LTMyLWJ5dGVzISE=")
	if code, out := runCmd("keys", "rotate", "--data", dir); code != 1 || !strings.Contains(out, "UNIONHALL_SEAL_KEY") || strings.Contains(out, "c2VjcmV0") {
		t.Fatalf("rotate with keys in the environment: %d %s", code, out)
	}
}

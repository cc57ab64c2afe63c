package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDevSeed(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("UNIONHALL_DATABASE_URL", "")
	var out, errb bytes.Buffer
	if code := devCmd([]string{"seed", "--data", dir, "--members", "120", "--applications", "30"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "Seeded 120 members and 30 applications") {
		t.Fatalf("output: %s", out.String())
	}
	// A second run refuses: the database is no longer empty.
	out.Reset()
	errb.Reset()
	if code := devCmd([]string{"seed", "--data", dir, "--members", "1"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "already has 120 members") {
		t.Fatalf("second seed: exit %d, %s", code, errb.String())
	}
	for _, args := range [][]string{nil, {"wipe"}, {"seed", "--members", "-1"}, {"seed", "--members", "x"}} {
		if code := devCmd(args, &out, &errb); code != 2 {
			t.Errorf("args %q: exit %d", args, code)
		}
	}
}

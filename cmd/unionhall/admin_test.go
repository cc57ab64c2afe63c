package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestAdminCreate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("UNIONHALL_DATABASE_URL", "")
	var out, errb bytes.Buffer
	code := adminCmd([]string{"create", "--data", dir, "--email", "chair@example.org", "--role", "list-members", "--role", "super-powers"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "/auth/link?token=") {
		t.Fatalf("no link in output: %s", out.String())
	}
	// A permission a feature declares from its own folder (the events
	// pages' list-events) is grantable from the command line too.
	out.Reset()
	if code := adminCmd([]string{"create", "--data", dir, "--email", "door@example.org", "--role", "list-events", "--role", "manage-events"}, &out, &errb); code != 0 {
		t.Fatalf("a section's permissions: exit %d: %s", code, errb.String())
	}
	// The same email again is a clear error.
	out.Reset()
	errb.Reset()
	if code := adminCmd([]string{"create", "--data", dir, "--email", "CHAIR@example.org", "--role", "list-members"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "exists") {
		t.Fatalf("duplicate: exit %d, %s", code, errb.String())
	}
	for _, args := range [][]string{
		nil, {"delete"}, {"create"}, {"create", "--email", "x@example.org"},
		{"create", "--data", dir, "--email", "x@example.org", "--role", "root"},
		{"create", "--data", dir, "--email", "<script>@x", "--role", "list-members"},
	} {
		out.Reset()
		errb.Reset()
		if code := adminCmd(args, &out, &errb); code == 0 || out.Len() != 0 {
			t.Errorf("args %q: exit %d, out %q", args, code, out.String())
		}
	}
}

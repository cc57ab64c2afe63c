package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/jobs"
)

// TestJobsCommand: an operator lists dead jobs (never their payloads) and
// sends them again, one or all, on a real SQLite data folder.
func TestJobsCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("UNIONHALL_DATABASE_URL", "")
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(d, jobs.Options{MaxAttempts: 1})
	q.Handle("membership.verification", func(context.Context, jobs.Job) error {
		return errors.New("smtp: 535 authentication failed\nserver said no")
	})
	var ids []string
	for range 3 {
		id, err := q.Enqueue(ctx, nil, "membership.verification", []byte(`{"secret":"jana@example.org"}`), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := q.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	d.Close()

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := jobsCmd(append(args, "--data", dir), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, _ := run()
	if code != 0 || !strings.Contains(out, "dead 3") || !strings.Contains(out, ids[0]) ||
		!strings.Contains(out, "535 authentication failed server said no") || strings.Contains(out, "jana@") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if code, out, _ = run("retry", ids[1]); code != 0 || !strings.Contains(out, ids[1]) {
		t.Fatalf("retry one: %d %s", code, out)
	}
	if code, _, errs := run("retry", ids[1]); code != 1 || !strings.Contains(errs, "no dead job") {
		t.Fatalf("retry a job that is not dead: %d %s", code, errs)
	}
	if code, out, _ = run("retry", "--all"); code != 0 || !strings.Contains(out, "2 dead jobs") {
		t.Fatalf("retry all: %d %s", code, out)
	}
	if code, out, _ = run(); code != 0 || !strings.Contains(out, "pending 3") || !strings.Contains(out, "dead 0") {
		t.Fatalf("after retry: %s", out)
	}
	for _, args := range [][]string{{"retry"}, {"retry", "x", "--all"}, {"--all"}, {"x"}, {"retry", "a", "b"}, {"--bogus"}} {
		if code, out, _ := run(args...); code != 2 || out != "" {
			t.Errorf("args %q: exit %d, out %q", args, code, out)
		}
	}
	if code, _, errs := run("retry", "'; DROP TABLE jobs; --"); code != 1 || !strings.Contains(errs, "no dead job") {
		t.Errorf("hostile id: %d %s", code, errs)
	}
}

package health

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func get(t *testing.T, h http.Handler, method, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q", method, target, cc)
	}
	return rec.Code, rec.Body.String()
}

func TestReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		overdue := time.Duration(0)
		var queueErr error
		listening := true
		c := New(Deps{DB: d,
			Overdue:   func(context.Context) (time.Duration, error) { return overdue, queueErr },
			Listening: func() bool { return listening }})

		if code, body := get(t, c, "GET", LivePath); code != 200 || body != "ok\n" {
			t.Fatalf("healthz: %d %q", code, body)
		}
		code, body := get(t, c, "GET", ReadyPath)
		if code != 200 || body != "database: ok\nmigrations: ok\njobs: ok\nchanges: listening\n" {
			t.Fatalf("readyz: %d %q", code, body)
		}
		if code, _ := get(t, c, "HEAD", ReadyPath); code != 200 {
			t.Fatalf("HEAD readyz: %d", code)
		}
		for _, m := range []string{"POST", "DELETE", "PUT"} {
			if code, _ := get(t, c, m, ReadyPath); code != http.StatusMethodNotAllowed {
				t.Errorf("%s readyz: %d", m, code)
			}
		}

		// Busy is not stuck; past StuckAfter it is, and skip=jobs leaves it out.
		overdue = 3 * time.Minute
		if code, body := get(t, c, "GET", ReadyPath); code != 200 || !strings.Contains(body, "jobs: ok (oldest due job waiting 3m0s)") {
			t.Fatalf("busy queue: %d %q", code, body)
		}
		overdue = DefaultStuckAfter + time.Second
		code, body = get(t, c, "GET", ReadyPath)
		if code != 503 || !strings.Contains(body, "jobs: FAIL stuck: a due job has waited 10m1s") || !strings.Contains(body, "database: ok") {
			t.Fatalf("stuck queue: %d %q", code, body)
		}
		if code, body := get(t, c, "GET", ReadyPath+"?skip=jobs"); code != 200 || strings.Contains(body, "jobs") {
			t.Fatalf("skip=jobs: %d %q", code, body)
		}
		overdue, queueErr = 0, errors.New("boom")
		if code, body := get(t, c, "GET", ReadyPath); code != 503 || !strings.Contains(body, "jobs: FAIL cannot read the queue") || strings.Contains(body, "boom") {
			t.Fatalf("queue error: %d %q", code, body)
		}
		queueErr = nil

		listening = false
		if code, body := get(t, c, "GET", ReadyPath); code != 503 || !strings.Contains(body, "changes: FAIL not listening") {
			t.Fatalf("not listening: %d %q", code, body)
		}
		listening = true
		// Hostile query strings change nothing and are not echoed.
		if code, body := get(t, c, "GET", ReadyPath+"?skip=%3Cscript%3E&x=%00"); code != 200 || strings.Contains(body, "script") {
			t.Fatalf("hostile query: %d %q", code, body)
		}
	})
}

// A database that is gone, or one not yet migrated, is not ready.
func TestNotReady(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		opts := d.Options()
		opts.SkipMigrate = true
		if opts.URL != "" {
			opts.URL = dbtest.NewPostgresDatabase(t)
		} else {
			opts.DataDir = t.TempDir()
		}
		empty, err := db.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		c := New(Deps{DB: empty})
		code, body := get(t, c, "GET", ReadyPath)
		if code != 503 || !strings.Contains(body, "migrations: FAIL pending: database at 0") {
			t.Fatalf("unmigrated: %d %q", code, body)
		}
		if err := empty.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if code, body := get(t, c, "GET", ReadyPath); code != 200 {
			t.Fatalf("after migrating: %d %q", code, body)
		}
		empty.Close()
		code, body = get(t, c, "GET", ReadyPath)
		if code != 503 || !strings.Contains(body, "database: FAIL the database does not answer") {
			t.Fatalf("closed database: %d %q", code, body)
		}
		// The process itself is still up.
		if code, _ := get(t, c, "GET", LivePath); code != 200 {
			t.Fatalf("healthz with the database gone: %d", code)
		}
	})
}

package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestMonitoring: with metrics on, requests full of personal data —
// an email and a name in a registration, a member id and a login token in
// paths, a made-up URL — are counted by route pattern, and the scrape
// holds none of them; emails, jobs and the database pool are there. The
// health paths answer and stay out of the access log. Both databases.
func TestMonitoring(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.SiteDir = meetingSite(t)
			// The site's own join section: routed by content, like events.
			os.MkdirAll(filepath.Join(cfg.SiteDir, "content/signup"), 0o755)
			os.WriteFile(filepath.Join(cfg.SiteDir, "content/signup/_index.en.md"), []byte("---\ntitle: Sign up\ntype: register\n---\nJoin us.\n"), 0o644)
			cfg.MetricsAddr = "127.0.0.1:0"
			if engine == "postgres" {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			now := time.Date(2030, 1, 5, 10, 0, 0, 0, time.UTC)
			a, err := New(context.Background(), cfg, logger, Options{Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			do := func(method, path string, form url.Values) int {
				t.Helper()
				var res *http.Response
				var err error
				if form != nil {
					res, err = client.PostForm(srv.URL+path, form)
				} else {
					req, _ := http.NewRequest(method, srv.URL+path, nil)
					res, err = client.Do(req)
				}
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				return res.StatusCode
			}

			const (
				email    = "eva.tajna@posta.example"
				name     = "Eva Tajná"
				memberID = "q7w8e9r0t1y2u3i4o5p6a7s8d9"
				token    = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1"
				invented = "no-such-page-kjh3k4j5h"
			)
			// Three times: the second and third come from the page cache,
			// which must not skip the count (the fast path is off with
			// metrics on).
			for range 3 {
				if code := do("GET", "/en/events/meeting/", nil); code != 200 {
					t.Fatalf("event page: %d", code)
				}
			}
			form := url.Values{"name": {name}, "email": {email}, "lang": {"en"}, "consent": {"yes"}}
			if code := do("POST", "/en/events/meeting/register/", form); code >= 400 {
				t.Fatalf("register: %d", code)
			}
			if code := do("GET", "/en/signup/", nil); code != 200 {
				t.Fatalf("join form: %d", code)
			}
			do("GET", "/admin/members/"+memberID, nil)
			do("GET", "/auth/link?token="+token, nil)
			do("GET", "/en/"+invented+"/?email="+url.QueryEscape(email), nil)
			if code := do("GET", "/healthz", nil); code != 200 {
				t.Fatalf("healthz: %d", code)
			}
			// On PostgreSQL /readyz waits for the change listener (Start runs
			// it in production).
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go a.Changes.Run(ctx)
			deadline := time.Now().Add(20 * time.Second)
			for do("GET", "/readyz", nil) != 200 {
				if time.Now().After(deadline) {
					t.Fatal("readyz never 200")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if _, err := a.Queue.RunOnce(context.Background()); err != nil { // sends the confirmation
				t.Fatal(err)
			}

			rec := httptest.NewRecorder()
			a.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != 200 {
				t.Fatalf("scrape: %d", rec.Code)
			}
			scrape := rec.Body.String()
			for _, secret := range []string{email, "eva.tajna", "posta.example", name, "Tajn", memberID, token, invented, "meeting"} {
				if strings.Contains(scrape, secret) {
					t.Errorf("the scrape holds %q", secret)
				}
			}
			if m := regexp.MustCompile(`unionhall_http_requests_total\{code="200",method="GET",route="/"\} (\d+)`).FindStringSubmatch(scrape); m == nil {
				t.Error("no count of GET / answers")
			} else if n, _ := strconv.Atoi(m[1]); n < 3 {
				t.Errorf("%d GET / answers counted, want at least the 3 event page views", n)
			}
			for _, want := range []string{
				`unionhall_http_requests_total{code="200",method="GET",route="/"}`,
				`route="/admin/members/{id}"`,
				`method="POST",route="/{event}/register/"`,
				`method="GET",route="/{join-form}/"`,
				`route="/auth/link"`,
				`unionhall_jobs{state="done"}`,
				`unionhall_jobs_overdue_seconds 0`,
				`go_sql_open_connections{db_name="write"}`,
				`process_resident_memory_bytes`,
			} {
				if !strings.Contains(scrape, want) {
					t.Errorf("the scrape lacks %s", want)
				}
			}
			if m := regexp.MustCompile(`unionhall_emails_total\{result="sent"\} (\d+)`).FindStringSubmatch(scrape); m == nil || m[1] == "0" {
				t.Errorf("no email counted as sent: %v", m)
			}
			if (a.DB.Dialect() == db.Postgres) != strings.Contains(scrape, "unionhall_changes_listening") {
				t.Errorf("changes_listening gauge on %s: %v", engine, strings.Contains(scrape, "unionhall_changes_listening"))
			}
			if strings.Contains(scrape, `route="/healthz"`) || strings.Contains(scrape, `route="/readyz"`) {
				t.Error("health checks counted as requests")
			}

			log := logs.String()
			if !strings.Contains(log, "/en/events/meeting/") {
				t.Fatalf("access log not on? %s", log)
			}
			if strings.Contains(log, "healthz") || strings.Contains(log, "readyz") {
				t.Error("health checks in the access log")
			}
		})
	}
}

// Without metrics_addr nothing is collected and the health paths still
// answer.
func TestMetricsOffByDefault(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, srv := startApp(t, cfg, Options{})
	if a.Metrics != nil || a.MetricsHandler() != nil {
		t.Fatal("metrics on by default")
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public port: %d", res.StatusCode)
	}
}

package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/dbtest"
)

// TestCloseEarlyWiring: closing registration early (what the console's
// "close registration" does) takes the "Register" button off the cached
// public event page at once and the register POST is refused; reopening
// brings it back. It checks the wiring of events.Deps.PublicChanged to
// site.Server.DropCache, on both databases.
func TestCloseEarlyWiring(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			siteDir := t.TempDir()
			os.MkdirAll(filepath.Join(siteDir, "content/events"), 0o755)
			os.WriteFile(filepath.Join(siteDir, "config.toml"), []byte("title = \"Union\"\n[languages.en]\nweight = 1\n"), 0o644)
			os.WriteFile(filepath.Join(siteDir, "content/events/meeting.en.md"), []byte("---\ntitle: Meeting\nid: meeting\nstartDate: 2030-01-10T18:00:00Z\ndate: 2030-01-10T20:00:00Z\nregistration: internal\ncapacity: 10\n---\nCome.\n"), 0o644)
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.SiteDir = siteDir
			if engine == "postgres" {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			now := time.Date(2030, 1, 5, 10, 0, 0, 0, time.UTC)
			a, srv := startApp(t, cfg, Options{Now: func() time.Time { return now }})
			const link = `href="/en/events/meeting/register/"`
			page := func() string {
				t.Helper()
				res, err := http.Get(srv.URL + "/en/events/meeting/")
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("event page: %d", res.StatusCode)
				}
				return string(b)
			}
			ev, ok := a.Events.EventByKey("id:meeting", "en")
			if !ok {
				t.Fatal("event not known")
			}
			ctx := context.Background()

			if !strings.Contains(page(), link) || !strings.Contains(page(), link) {
				t.Fatal("no register link while open")
			}
			if err := a.Events.SetClosed(ctx, ev, true); err != nil {
				t.Fatal(err)
			}
			if body := page(); strings.Contains(body, link) || !strings.Contains(body, "Registration for this event has closed.") {
				t.Fatal("the cached event page still offers registration after closing early")
			}
			form := url.Values{"name": {"Eva"}, "email": {"eva@posta.example"}, "lang": {"en"}, "consent": {"yes"}}
			res, err := http.PostForm(srv.URL+"/en/events/meeting/register/", form)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusConflict || !strings.Contains(string(b), "Nothing was saved.") {
				t.Fatalf("register POST after closing early: %d", res.StatusCode)
			}
			if err := a.Events.SetClosed(ctx, ev, false); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(page(), link) {
				t.Fatal("no register link after reopening")
			}
		})
	}
}

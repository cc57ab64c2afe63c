package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/votes"
	votepages "unionhall/internal/votes/pages"
)

var consoleTokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`)

// TestVotesConsoleWiring: the server's console has the votes section (its
// navigation entry, its pages, its permissions grantable), on the example
// site's languages, meetings and time zone, on both databases.
func TestVotesConsoleWiring(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			if engine == "postgres" {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			now := time.Date(2030, 3, 2, 9, 0, 0, 0, time.UTC)
			a, srv := startApp(t, cfg, Options{Now: func() time.Time { return now }})
			ctx := context.Background()
			if !auth.ValidRole(votepages.ListVotes) || !auth.ValidRole(votepages.ManageVotes) {
				t.Fatal("the votes permissions are not grantable")
			}
			link, err := a.Auth.CreateAccount(ctx, "committee@example.org", []string{votepages.ListVotes, votepages.ManageVotes}, nil)
			if err != nil {
				t.Fatal(err)
			}
			sess, _, err := a.Auth.ConsumeLink(ctx, consoleTokenRE.FindStringSubmatch(link)[1])
			if err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			u, _ := url.Parse(srv.URL)
			jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: sess, Path: "/"}})
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			get := func(path string) (int, string) {
				t.Helper()
				res, err := c.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			if code, body := get("/admin/"); code != 200 || !strings.Contains(body, `href="/admin/votes"`) {
				t.Fatalf("dashboard: %d, no votes entry", code)
			}
			// The form has a field per site language and the example's
			// member-only meetings.
			code, body := get("/admin/votes/new")
			for _, want := range []string{`name="title.cs"`, `name="title.en"`, `value="meetings/autumn-assembly"`, "Europe/Prague"} {
				if !strings.Contains(body, want) {
					t.Errorf("new-vote form lacks %s", want)
				}
			}
			if code != 200 {
				t.Fatalf("new-vote form: %d", code)
			}
			loc, _ := time.LoadLocation("Europe/Prague")
			form := url.Values{"title.cs": {"Stávka"}, "title.en": {"Strike"}, "kind": {"yesno"}, "quorum": {"50"}, "threshold": {"majority"},
				"opens": {now.Add(time.Hour).In(loc).Format(votes.InputLayout)}, "closes": {now.Add(49 * time.Hour).In(loc).Format(votes.InputLayout)},
				"meeting": {"meetings/autumn-assembly"}}
			res, err := c.PostForm(srv.URL+"/admin/votes/new", form)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: %d", res.StatusCode)
			}
			where := res.Header.Get("Location")
			if code, body := get(where); code != 200 || !strings.Contains(body, "Stávka") || !strings.Contains(body, "Strike") {
				t.Fatalf("vote page: %d", code)
			}
			vs, err := a.Votes.List(ctx)
			if err != nil || len(vs) != 1 || vs[0].OpensAt != now.Add(time.Hour) || vs[0].Meeting != "meetings/autumn-assembly" {
				t.Fatalf("stored: %+v %v", vs, err)
			}
		})
	}
}

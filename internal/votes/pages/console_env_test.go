package pages_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/examplesite"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/seal"
	"unionhall/internal/votes"
	"unionhall/internal/votes/pages"
	"unionhall/internal/web"
)

// consoleOutbox keeps the emails the console and the service queue.
type consoleOutbox struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (o *consoleOutbox) Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// consoleClock is the injected clock the service and the console read.
type consoleClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *consoleClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *consoleClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// consoleRig is the real console (internal/admin) with the votes section,
// over a real database, behind a real HTTP server.
type consoleRig struct {
	d     *db.DB
	auth  *auth.Service
	reg   *members.Registry
	votes *votes.Service
	site  *content.Site
	clock *consoleClock
	srv   *httptest.Server
	c     *admin.Console
}

var consoleSuper = &auth.Account{ID: "tester", Roles: auth.Roles}

func newConsoleRig(t testing.TB, d *db.DB) *consoleRig {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	// A fixed start on a whole minute, so form times round-trip exactly.
	clock := &consoleClock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
	fsys, err := examplesite.FS(clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	site, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	box := &consoleOutbox{}
	a := auth.New(auth.Deps{DB: d, Keys: kr, Outbox: box, BaseURL: "http://console.test", Logger: dbtest.Logger(), PerAddress: 1 << 20, PerEmail: 1 << 20})
	reg := members.New(members.Deps{DB: d, Keys: kr, Auth: a, Logger: dbtest.Logger()})
	vs := votes.New(votes.Deps{DB: d, Keys: kr, Outbox: box, Registry: reg, Site: func() *content.Site { return site },
		BaseURL: "http://console.test", MinEligible: 2, Now: clock.Now, Logger: dbtest.Logger()})
	sec := pages.ConsoleSection(pages.ConsoleDeps{Votes: vs, Workplaces: reg, Site: func() *content.Site { return site }, Now: clock.Now})
	c := admin.New(admin.Deps{DB: d, Keys: kr, Auth: a, Outbox: box, Members: reg, Sections: []console.Section{sec},
		Location: site.Location, Now: clock.Now, Logger: dbtest.Logger()})
	mux := http.NewServeMux()
	a.Register(mux)
	c.Register(mux)
	srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
	t.Cleanup(srv.Close)
	return &consoleRig{d: d, auth: a, reg: reg, votes: vs, site: site, clock: clock, srv: srv, c: c}
}

var consoleTokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`)

// login creates an account and returns a client signed in as it.
func (r *consoleRig) login(t testing.TB, email string, roles, workplaces []string) *http.Client {
	t.Helper()
	ctx := context.Background()
	link, err := r.auth.CreateAccount(ctx, email, roles, workplaces)
	if err != nil {
		t.Fatal(err)
	}
	m := consoleTokenRE.FindStringSubmatch(link)
	sess, _, err := r.auth.ConsumeLink(ctx, m[1])
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(r.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: sess, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request in the browser language lang and returns the status
// and the body (the Location of a redirect).
func consoleDo(t testing.TB, c *http.Client, method, u, lang string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

// addMembers adds n current members (in no workplace, or in wp) and
// returns their ids.
func (r *consoleRig) addMembers(t testing.TB, n int, wp string) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for range n {
		id, _, err := r.reg.AddMember(ctx, consoleSuper, members.MemberData{FirstName: "M", LastName: "N", Email: db.NewID() + "@example.org", Lang: "en"}, "", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if wp != "" {
			if err := r.reg.SetMemberWorkplaces(ctx, consoleSuper, id, []string{wp}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// local is t as the form's datetime-local value in the site's zone.
func (r *consoleRig) local(t time.Time) string {
	return t.In(r.site.Location).Format(votes.InputLayout)
}

// goodForm is a valid single-choice vote opening in a day for a day.
func (r *consoleRig) goodForm() url.Values {
	now := r.clock.Now()
	return url.Values{
		"title.cs": {"Volba výboru"}, "title.en": {"Committee election"},
		"text.cs": {"Vyberte *jednoho* kandidáta."}, "text.en": {"Choose *one* candidate."},
		"kind":       {"single"},
		"options.cs": {"Alena\nBohdan\nCyril"}, "options.en": {"Alena\nBohdan\nCyril"},
		"seats": {"1"}, "opens": {r.local(now.Add(24 * time.Hour))}, "closes": {r.local(now.Add(48 * time.Hour))},
		"quorum": {"0"}, "threshold": {"plurality"},
	}
}

// create posts form to the new-vote page and returns the vote's id.
func (r *consoleRig) create(t testing.TB, c *http.Client, form url.Values) string {
	t.Helper()
	code, loc := consoleDo(t, c, "POST", r.srv.URL+"/admin/votes/new", "en", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/votes/") {
		t.Fatalf("create: %d %.2000s", code, loc)
	}
	id := strings.TrimPrefix(loc, "/admin/votes/")
	id, _, _ = strings.Cut(id, "?")
	return id
}

// tick advances the clock by d and runs the service's Tick.
func (r *consoleRig) tick(t testing.TB, d time.Duration) {
	t.Helper()
	r.clock.Add(d)
	if err := r.votes.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// setLang makes the account with email speak lang in the console.
func (r *consoleRig) setLang(ctx context.Context, email, lang string) error {
	as, err := r.auth.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Email == email {
			return r.auth.SetAccountLang(ctx, a.ID, lang)
		}
	}
	return fmt.Errorf("no account %s", email)
}

// consoleText is text key in lang, as the page's text shows it.
func consoleText(lang, key string, args ...any) string { return console.T(lang, key, args...) }

package pages

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/portal"
	"unionhall/internal/seal"
	"unionhall/internal/votes"
	"unionhall/internal/web"
)

// memberClock is a settable test clock.
type memberClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *memberClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *memberClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// memberOutbox takes the portal's emails (none are sent in these tests:
// sessions come from IssueLink).
type memberOutbox struct{}

func (memberOutbox) Enqueue(context.Context, *sql.Tx, mail.Message) error { return nil }

// memberRig is the whole of what a member meets: the registry, the votes
// service, the portal's sessions and these pages, over real HTTP on a
// real database.
type memberRig struct {
	t      testing.TB
	d      *db.DB
	keys   *seal.Keyring
	clock  *memberClock
	reg    *members.Registry
	votes  *votes.Service
	portal *portal.Service
	pages  *MemberPages
	srv    *httptest.Server
	site   *content.Site
	admin  *auth.Account
	n      int
}

var memberStart = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func newMemberRig(t testing.TB, d *db.DB) *memberRig {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &memberRig{t: t, d: d, keys: kr, clock: &memberClock{t: memberStart}, admin: &auth.Account{ID: "acct-admin", Roles: auth.Roles}}
	r.site = &content.Site{Languages: []*content.Language{{Code: "cs", Name: "Čeština"}, {Code: "en", Name: "English"}}, DefaultLang: "cs", Location: loc}
	siteFn := func() *content.Site { return r.site }
	r.reg = members.New(members.Deps{DB: d, Keys: kr, Now: r.clock.Now, Logger: logger})
	r.votes = votes.New(votes.Deps{DB: d, Keys: kr, Site: siteFn, BaseURL: "https://union.example", MinEligible: 3,
		BallotPath: BallotPath, Now: r.clock.Now, Logger: logger})
	t.Cleanup(r.votes.Close)
	r.portal = portal.New(portal.Deps{DB: d, Keys: kr, Registry: portal.NewRegistry(r.reg, d, kr), Outbox: memberOutbox{},
		BaseURL: "https://union.example", Now: r.clock.Now, Logger: logger})
	r.pages = NewMember(MemberDeps{Votes: r.votes, Session: r.portal, Site: siteFn, BaseURL: "https://union.example",
		Now: r.clock.Now, Logger: logger})
	mux := http.NewServeMux()
	r.portal.Register(mux)
	r.pages.Register(mux)
	mux.Handle("/", r.pages.Wrap(http.NotFoundHandler()))
	r.srv = httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(r.srv.Close)
	return r
}

// member adds a current member and returns their id.
func (r *memberRig) member(name string) string {
	r.t.Helper()
	r.n++
	id, _, err := r.reg.AddMember(context.Background(), r.admin, members.MemberData{
		Email: strings.ToLower(name) + "@posta.example", FirstName: name, LastName: "Test", Lang: "cs"}, "", 0, false)
	if err != nil {
		r.t.Fatalf("add member %s: %v", name, err)
	}
	return id
}

// workplace adds a workplace with the given members.
func (r *memberRig) workplace(name string, memberIDs ...string) string {
	r.t.Helper()
	ctx := context.Background()
	id, err := r.reg.SaveWorkplace(ctx, r.admin, members.Workplace{Name: name})
	if err != nil {
		r.t.Fatal("save workplace: ", err)
	}
	for _, m := range memberIDs {
		if err := r.reg.SetMemberWorkplaces(ctx, r.admin, m, []string{id}); err != nil {
			r.t.Fatal("set workplaces: ", err)
		}
	}
	return id
}

// at is a time as the vote form takes it.
func (r *memberRig) at(t time.Time) string { return t.In(r.site.Location).Format(votes.InputLayout) }

// opensAt and closesAt are every test vote's window.
var (
	opensAt  = memberStart.Add(24 * time.Hour)
	closesAt = memberStart.Add(8 * 24 * time.Hour)
)

// vote creates and schedules a vote; change lets members change it.
func (r *memberRig) vote(kind votes.Kind, change bool, edit func(*votes.Input)) string {
	r.t.Helper()
	in := votes.Input{
		Title:       map[string]string{"cs": "Volba výboru", "en": "Committee election"},
		Text:        map[string]string{"cs": "Volíme **výbor**.", "en": "We elect the **committee**."},
		Kind:        string(kind),
		Options:     map[string]string{"cs": "Alena\nBořek\nCyril", "en": "Alena\nBorek\nCyril"},
		OpensAt:     r.at(opensAt),
		ClosesAt:    r.at(closesAt),
		AllowChange: change,
	}
	if edit != nil {
		edit(&in)
	}
	ctx := context.Background()
	id, p, err := r.votes.Create(ctx, r.admin.ID, in)
	if err != nil || !p.OK() {
		r.t.Fatalf("create: %v %v", p, err)
	}
	if err := r.votes.Schedule(ctx, r.admin.ID, id); err != nil {
		r.t.Fatalf("schedule: %v", err)
	}
	return id
}

// tickAt moves the clock to t and runs the votes' Tick.
func (r *memberRig) tickAt(t time.Time) {
	r.t.Helper()
	r.clock.Set(t)
	if err := r.votes.Tick(context.Background()); err != nil {
		r.t.Fatalf("tick: %v", err)
	}
}

// mclient is a browser without JavaScript: a cookie jar, no redirects
// followed.
type mclient struct {
	r   *memberRig
	c   *http.Client
	jar *cookiejar.Jar
}

func (r *memberRig) anon() *mclient {
	jar, _ := cookiejar.New(nil)
	return &mclient{r: r, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signedIn is a client signed in as memberID through the portal's own
// link (IssueLink, then the link page's POST).
func (r *memberRig) signedIn(memberID string) *mclient {
	r.t.Helper()
	c := r.anon()
	link, err := r.portal.IssueLink(context.Background(), memberID, "/en/member/votes/", r.clock.Now().Add(time.Hour))
	if err != nil {
		r.t.Fatal(err)
	}
	u, _ := url.Parse(link)
	if st, _ := c.post(u.Path, url.Values{"token": {u.Query().Get("token")}, "next": {u.Query().Get("next")}}); st != http.StatusSeeOther {
		r.t.Fatalf("sign in: %d", st)
	}
	return c
}

type mresp struct {
	status int
	body   string
	header http.Header
}

func (c *mclient) do(method, path string, form url.Values, hdr ...string) mresp {
	c.r.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.r.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return mresp{res.StatusCode, string(b), res.Header}
}

func (c *mclient) get(path string) (int, string) {
	c.r.t.Helper()
	x := c.do("GET", path, nil)
	return x.status, x.body
}

func (c *mclient) post(path string, form url.Values) (int, string) {
	c.r.t.Helper()
	x := c.do("POST", path, form)
	return x.status, x.body
}

var (
	trackerRE = regexp.MustCompile(`<strong id="tracker">([0-9A-Z]{4}-[0-9A-Z]{4})</strong>`)
	codeRE    = regexp.MustCompile(`<strong id="change-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</strong>`)
)

// cast votes through the pages: review, then cast; it returns the
// receipt page.
func (c *mclient) cast(lang, voteID string, form url.Values) string {
	c.r.t.Helper()
	form.Set("vote", voteID)
	form.Set("step", "review")
	if st, body := c.post(BallotPath(lang, voteID), form); st != 200 || !strings.Contains(body, `value="cast"`) {
		c.r.t.Fatalf("review: %d %.1500s", st, mainPart(body))
	}
	form.Set("step", "cast")
	st, body := c.post(BallotPath(lang, voteID), form)
	if st != 200 || !trackerRE.MatchString(body) {
		c.r.t.Fatalf("cast: %d %.1500s", st, mainPart(body))
	}
	return body
}

// mainPart is a page's <main> (bare pages have one too).
func mainPart(body string) string {
	i, j := strings.Index(body, "<main"), strings.Index(body, "</main>")
	if i < 0 || j < i {
		return body
	}
	return body[i:j]
}

func mt(lang, key string, args ...any) string { return memberTexts.T(lang, key, args...) }

// htmlText is a text as html/template writes it in a page.
func htmlText(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;").Replace(s)
}

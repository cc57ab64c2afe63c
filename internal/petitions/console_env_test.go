package petitions_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/examplesite"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/mailtest"
	"unionhall/internal/members"
	"unionhall/internal/petitions"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

// consClock is the injected clock of the service and the console.
type consClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *consClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *consClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// consRig is the real console (internal/admin) with the petitions
// section, over a real database, behind a real HTTP server, sending email
// through the outbox and the job queue to an in-process SMTP server.
type consRig struct {
	d     *db.DB
	auth  *auth.Service
	svc   *petitions.Service
	site  *content.Site
	clock *consClock
	srv   *httptest.Server
	smtp  *mailtest.Server
	c     *admin.Console
}

// consPetition is the test petition's id.
const consPetition = "rent"

// consSite is the example site with a petition in Czech and English: a
// goal, a target, city (required), workplace and comment, public names.
func consSite(t testing.TB, now time.Time) *content.Site {
	t.Helper()
	base, err := examplesite.FS(now)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	err = fs.WalkDir(base, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	closes := now.In(mustPrague(t)).AddDate(0, 0, 30).Format("2006-01-02T15:04:05")
	page := func(lang, title, target, body string) []byte {
		return fmt.Appendf(nil, `---
title: %s
petition:
  id: %s
  goal: 100
  closes: %s
  target: %s
  fields: [city, workplace, comment]
  publicNames: true
---
%s
`, title, consPetition, closes, target, body)
	}
	m["content/petitions/rent/index.en.md"] = &fstest.MapFile{Data: page("en", "Fair rent for IT workers",
		`"Ministry of Regional Development"`, "We ask for **fair rent**.\n\nSecond paragraph: Ďábelské č, ř, ž and Љубица.")}
	m["content/petitions/rent/index.cs.md"] = &fstest.MapFile{Data: page("cs", "Férové nájmy pro ajťáky",
		`"Ministerstvo pro místní rozvoj"`, "Žádáme o **férové nájmy**.\n\nDruhý odstavec: příliš žluťoučký kůň.")}
	site, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

func mustPrague(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newConsRig(t testing.TB, d *db.DB) *consRig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	// A whole minute, so times shown round-trip; noon in Prague, so a day
	// step lands on the next day there.
	clock := &consClock{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
	site := consSite(t, clock.Now())
	smtp := mailtest.Start(t)
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{Host: smtp.Host(), Port: smtp.Port(), TLS: "none", From: "Union <noreply@union.example>"})
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(d, jobs.Options{Logger: dbtest.Logger(), PollInterval: 20 * time.Millisecond})
	ob := mail.NewOutbox(q, kr, sender)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(web.Stack(mux, dbtest.Logger()))
	srv.Start()
	t.Cleanup(srv.Close)
	a := auth.New(auth.Deps{DB: d, Keys: kr, Outbox: ob, BaseURL: srv.URL, Logger: dbtest.Logger(), PerAddress: 1 << 20, PerEmail: 1 << 20})
	reg := members.New(members.Deps{DB: d, Keys: kr, Auth: a, Logger: dbtest.Logger()})
	svc := petitions.New(petitions.Deps{DB: d, Keys: kr, Outbox: ob, Site: func() *content.Site { return site },
		BaseURL: srv.URL, Now: clock.Now, Logger: dbtest.Logger()})
	t.Cleanup(svc.Close)
	c := admin.New(admin.Deps{DB: d, Keys: kr, Auth: a, Queue: q, Outbox: ob, Members: reg,
		Sections: []console.Section{svc.ConsoleSection()}, Location: site.Location, Now: clock.Now, Logger: dbtest.Logger()})
	a.Register(mux)
	c.Register(mux)
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &consRig{d: d, auth: a, svc: svc, site: site, clock: clock, srv: srv, smtp: smtp, c: c}
}

var consTokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`)

// login creates an account and returns a client signed in as it.
func (r *consRig) login(t testing.TB, email string, roles []string) *http.Client {
	t.Helper()
	ctx := context.Background()
	link, err := r.auth.CreateAccount(ctx, email, roles, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := consTokenRE.FindStringSubmatch(link)
	sess, _, err := r.auth.ConsumeLink(ctx, m[1])
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(r.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: sess, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// consResp is an answer: status, headers and body (a redirect's Location
// in Body).
type consResp struct {
	Code   int
	Header http.Header
	Body   string
}

// do sends a request in the browser language lang.
func consDo(t testing.TB, c *http.Client, method, u, lang string, form url.Values) consResp {
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
	out := consResp{Code: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if resp.StatusCode == http.StatusSeeOther {
		out.Body = resp.Header.Get("Location")
	}
	return out
}

// petition is the test petition in lang.
func (r *consRig) petition(t testing.TB, lang string) petitions.Petition {
	t.Helper()
	p, err := r.svc.GetIn(context.Background(), consPetition, lang)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// signConfirmed signs as a member would (confirmed at once), in lang.
func (r *consRig) signConfirmed(t testing.TB, lang string, s petitions.Signer, showName bool) {
	t.Helper()
	if _, err := r.svc.SignMember(context.Background(), r.petition(t, lang), petitions.Signing{Lang: lang, Signer: s, ShowName: showName}); err != nil {
		t.Fatal(err)
	}
}

// signByEmail signs through the form's path: a pending signature whose
// confirmation email arrives over SMTP; confirm=true then confirms it with
// the emailed token, as the confirmation page's POST does.
func (r *consRig) signByEmail(t testing.TB, lang string, s petitions.Signer, showName, confirm bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.svc.Sign(ctx, r.petition(t, lang), petitions.Signing{Lang: lang, Signer: s, ShowName: showName, News: true}); err != nil {
		t.Fatal(err)
	}
	if !confirm {
		return
	}
	msg := r.waitMail(t, s.Email, func(m *mailtest.Message) bool { return consTokenRE.MatchString(m.Text) })
	if _, err := r.svc.Confirm(ctx, consTokenRE.FindStringSubmatch(msg.Text)[1]); err != nil {
		t.Fatal(err)
	}
}

// waitMail waits (polling, with a deadline) for an email to addr that ok
// accepts.
func (r *consRig) waitMail(t testing.TB, addr string, ok func(*mailtest.Message) bool) *mailtest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range r.smtp.Messages() {
			for _, to := range m.To {
				if to == addr && ok(m) {
					return m
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no email to %s", addr)
	return nil
}

// auditCount counts audit entries with action on the test petition.
func (r *consRig) auditCount(t testing.TB, action string) int {
	t.Helper()
	var n int
	if err := r.d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit WHERE action = ? AND subject_type = 'petition' AND subject_id = ?`,
		action, consPetition).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// consText is a console text in lang.
func consText(lang, key string, args ...any) string { return console.T(lang, key, args...) }

package auth_test

import (
	"context"
	"database/sql"
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

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/mail"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// outbox records queued messages; it is transactional like the real one
// only in that a rolled-back tx's message is dropped by the test's reading
// after commit (every caller here commits).
type outbox struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (o *outbox) Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	o.mu.Lock()
	o.msgs = append(o.msgs, m)
	o.mu.Unlock()
	return nil
}

func (o *outbox) all() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.msgs...)
}

type rig struct {
	d   *db.DB
	svc *auth.Service
	clk *clock
	box *outbox
}

func newRig(t *testing.T, d *db.DB, mod func(*auth.Deps)) *rig {
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{d: d, clk: &clock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}, box: &outbox{}}
	deps := auth.Deps{DB: d, Keys: kr, Outbox: r.box, BaseURL: "http://example.test/", Now: r.clk.Now, Logger: dbtest.Logger()}
	if mod != nil {
		mod(&deps)
	}
	r.svc = auth.New(deps)
	return r
}

var tokenRE = regexp.MustCompile(`/auth/link\?token=([A-Za-z0-9_-]{43})`)

func tokenOf(t *testing.T, s string) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no login link in %q", s)
	}
	return m[1]
}

func TestAccountLinkSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d, nil)
		link, err := r.svc.CreateAccount(ctx, " Admin@Example.org ", []string{auth.ListMembers, auth.ViewMember, auth.ListMembers}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, "http://example.test/auth/link?token=") {
			t.Fatalf("link = %q", link)
		}
		if _, err := r.svc.CreateAccount(ctx, "admin@example.org", nil, nil); err != auth.ErrExists {
			t.Fatalf("duplicate account: err = %v, want ErrExists", err)
		}
		tok := tokenOf(t, link)
		sess, id, err := r.svc.ConsumeLink(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.svc.ConsumeLink(ctx, tok); err != auth.ErrBadLink {
			t.Fatalf("second use: err = %v, want ErrBadLink", err)
		}
		a, err := r.svc.Session(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != id || a.Email != "admin@example.org" || len(a.Roles) != 2 || !a.Can(auth.ViewMember) || a.Can(auth.ManageMembers) {
			t.Fatalf("account = %+v", a)
		}
		// The raw tables hold neither the email, the token nor the session id.
		raw := dbtest.Raw(t, d)
		for _, secret := range []string{"admin@example.org", tok, sess} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("database holds %q in plain text", secret)
			}
		}
		// Idle time-out: 1h59m passes, a request keeps it alive; then 2h of
		// silence ends it.
		r.clk.Add(119 * time.Minute)
		if _, err := r.svc.Session(ctx, sess); err != nil {
			t.Fatalf("session after 1h59m: %v", err)
		}
		r.clk.Add(2 * time.Hour)
		if _, err := r.svc.Session(ctx, sess); err != auth.ErrNoSession {
			t.Fatalf("idle session: err = %v", err)
		}
	})
}

func TestAbsoluteTimeoutAndSignOutEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d, nil)
		var sessions []string
		var id string
		link, err := r.svc.CreateAccount(ctx, "a@example.org", []string{auth.SuperPowers}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s1, id, err := r.svc.ConsumeLink(ctx, tokenOf(t, link))
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s1)
		// Keep the session busy every hour: it still ends at 12h.
		for i := 0; i < 11; i++ {
			r.clk.Add(time.Hour)
			if _, err := r.svc.Session(ctx, s1); err != nil {
				t.Fatalf("after %dh: %v", i+1, err)
			}
		}
		r.clk.Add(time.Hour)
		if _, err := r.svc.Session(ctx, s1); err != auth.ErrNoSession {
			t.Fatalf("after 12h: err = %v", err)
		}
		// Two devices, then sign out everywhere.
		for i := 0; i < 2; i++ {
			if err := r.svc.RequestLink(ctx, "A@example.org", "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			r.svc.Wait() // the link is made after the answer
			msgs := r.box.all()
			s, _, err := r.svc.ConsumeLink(ctx, tokenOf(t, msgs[len(msgs)-1].Text))
			if err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, s)
		}
		if err := r.svc.RequestLink(ctx, "a@example.org", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		r.svc.Wait()
		unused := tokenOf(t, r.box.all()[2].Text)
		if err := r.svc.SignOutEverywhere(ctx, id, id); err != nil {
			t.Fatal(err)
		}
		for _, s := range sessions {
			if _, err := r.svc.Session(ctx, s); err != auth.ErrNoSession {
				t.Fatalf("session survived sign-out everywhere: %v", err)
			}
		}
		if _, _, err := r.svc.ConsumeLink(ctx, unused); err != auth.ErrBadLink {
			t.Fatalf("unused link survived sign-out everywhere: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit WHERE action IN ('login', 'logout.everywhere') AND subject_id = ?`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Fatalf("audit rows = %d, want 3 logins + 1 sign-out", n)
		}
	})
}

func TestLinkExpires(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d, nil)
		link, err := r.svc.CreateAccount(ctx, "a@example.org", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.clk.Add(15 * time.Minute)
		if _, _, err := r.svc.ConsumeLink(ctx, tokenOf(t, link)); err != auth.ErrBadLink {
			t.Fatalf("expired link: err = %v", err)
		}
		for _, bad := range []string{"", "x", strings.Repeat("A", 43), "' OR 1=1 --", strings.Repeat("a", 10000)} {
			if _, _, err := r.svc.ConsumeLink(ctx, bad); err != auth.ErrBadLink {
				t.Fatalf("token %.20q: err = %v", bad, err)
			}
			if _, err := r.svc.Session(ctx, bad); err != auth.ErrNoSession {
				t.Fatalf("session %.20q: err = %v", bad, err)
			}
		}
	})
}

func TestCreateAccountBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, nil)
		ctx := context.Background()
		for _, e := range []string{"", "   ", "no-at-sign", "<script>alert(1)</script>@x.org", "a@b", "a@example.org\r\nBcc: x@y.z",
			"ev\u202Eil@example.org", "'; DROP TABLE accounts; --@x.org", strings.Repeat("a", 300) + "@example.org", "a\x00@example.org"} {
			if _, err := r.svc.CreateAccount(ctx, e, nil, nil); err != auth.ErrBadEmail {
				t.Errorf("email %q: err = %v, want ErrBadEmail", e, err)
			}
		}
		if _, err := r.svc.CreateAccount(ctx, "a@example.org", []string{"god"}, nil); err == nil || !strings.Contains(err.Error(), "unknown role") {
			t.Errorf("bad role: err = %v", err)
		}
		if _, err := r.svc.CreateAccount(ctx, "a@example.org", nil, []string{db.NewID()}); err == nil || !strings.Contains(err.Error(), "unknown workplace") {
			t.Errorf("unknown workplace: err = %v", err)
		}
		if _, err := r.svc.CreateAccount(ctx, "a@example.org", nil, []string{"../../etc"}); err == nil {
			t.Errorf("malformed workplace id accepted")
		}
		// Nothing half-made was left behind by the failures.
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("accounts = %d, %v", n, err)
		}
	})
}

func TestRepresentativePermissions(t *testing.T) {
	rep := &auth.Account{Workplaces: []string{"w1"}}
	if !rep.Can(auth.ListMembers) || !rep.Can(auth.ViewMember) || rep.Can(auth.ManageMembers) || rep.Can(auth.ListApplications) {
		t.Fatal("representative permissions wrong")
	}
	if !rep.Scoped(auth.ListMembers) {
		t.Fatal("representative not scoped")
	}
	full := &auth.Account{Roles: []string{auth.ListMembers}, Workplaces: []string{"w1"}}
	if full.Scoped(auth.ListMembers) || !full.Scoped(auth.ViewMember) {
		t.Fatal("role holder scoping wrong")
	}
	var none *auth.Account
	if none.Can(auth.SignedIn) || none.Can(auth.ListMembers) {
		t.Fatal("nil account may do things")
	}
}

// server runs the login routes plus a protected page behind the session
// middleware, with the production middleware stack.
func server(t *testing.T, r *rig) *httptest.Server {
	mux := http.NewServeMux()
	r.svc.Register(mux)
	mux.Handle("/admin/", r.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.WriteString(w, "hello "+auth.FromContext(req.Context()).ID)
	})))
	srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
	t.Cleanup(srv.Close)
	return srv
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoginOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d, nil)
		if _, err := r.svc.CreateAccount(ctx, "admin@example.org", []string{auth.ListMembers}, nil); err != nil {
			t.Fatal(err)
		}
		srv := server(t, r)
		c := client(t)

		resp, err := c.Get(srv.URL + "/admin/")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/login" {
			t.Fatalf("anonymous /admin/: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp.Body.Close()

		// Same answer with and without an account.
		post := func(email string) (int, string) {
			resp, err := c.PostForm(srv.URL+"/auth/login", url.Values{"email": {email}})
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, body(t, resp)
		}
		s1, b1 := post("admin@example.org")
		s2, b2 := post("nobody@example.org")
		if s1 != 200 || s1 != s2 || b1 != b2 {
			t.Fatalf("answers differ: %d vs %d\n%s\n---\n%s", s1, s2, b1, b2)
		}
		r.svc.Wait()
		msgs := r.box.all()
		if len(msgs) != 1 || msgs[0].To != "admin@example.org" {
			t.Fatalf("messages = %+v", msgs)
		}
		tok := tokenOf(t, msgs[0].Text)

		// GET the link page twice: it only shows a button.
		for i := 0; i < 2; i++ {
			resp, err := c.Get(srv.URL + "/auth/link?token=" + tok)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("link page headers: %v", resp.Header)
			}
			if b := body(t, resp); !strings.Contains(b, `value="`+tok+`"`) || !strings.Contains(b, `method="post"`) {
				t.Fatalf("link page: %s", b)
			}
		}
		// A cross-site POST is refused by the middleware stack.
		req, _ := http.NewRequest("POST", srv.URL+"/auth/link", strings.NewReader("token="+tok))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site POST: %d", resp.StatusCode)
		}
		resp.Body.Close()

		resp, err = c.PostForm(srv.URL+"/auth/link", url.Values{"token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/" {
			t.Fatalf("spend link: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		ck := resp.Cookies()
		if len(ck) != 1 || ck[0].Name != auth.CookieName || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Secure {
			t.Fatalf("cookie = %+v", ck)
		}
		resp, err = c.Get(srv.URL + "/admin/")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != 200 || !strings.HasPrefix(b, "hello ") {
			t.Fatalf("signed in /admin/: %d %s", resp.StatusCode, b)
		}
		// The link is spent.
		resp, err = c.PostForm(srv.URL+"/auth/link", url.Values{"token": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "already used or has expired") {
			t.Fatalf("second spend: %d %s", resp.StatusCode, b)
		}
		// Sign out ends the session server-side.
		resp, err = c.PostForm(srv.URL+"/auth/logout", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = c.Get(srv.URL + "/admin/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after sign-out: %d", resp.StatusCode)
		}
		// A state-changing request without a session is refused, not redirected.
		resp, err = c.PostForm(srv.URL+"/auth/logout-everywhere", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous POST: %d", resp.StatusCode)
		}
	})
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, func(dp *auth.Deps) { dp.BaseURL = "https://union.example" })
		link, err := r.svc.CreateAccount(context.Background(), "a@example.org", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		srv := server(t, r)
		resp, err := client(t).PostForm(srv.URL+"/auth/link", url.Values{"token": {tokenOf(t, link)}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ck := resp.Cookies(); len(ck) != 1 || !ck[0].Secure {
			t.Fatalf("cookie not Secure behind https: %+v", ck)
		}
	})
}

func TestLoginBadInputAndRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, func(dp *auth.Deps) { dp.PerEmail = 3; dp.PerAddress = 6 })
		ctx := context.Background()
		if _, err := r.svc.CreateAccount(ctx, "a@example.org", nil, nil); err != nil {
			t.Fatal(err)
		}
		srv := server(t, r)
		c := client(t)
		for _, e := range []string{"", "<script>", "x\u202E@example.org", strings.Repeat("a", 2000)} {
			resp, err := c.PostForm(srv.URL+"/auth/login", url.Values{"email": {e}})
			if err != nil {
				t.Fatal(err)
			}
			b := body(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "valid email") || strings.Contains(b, "<script>") {
				t.Fatalf("email %.20q: %d %s", e, resp.StatusCode, b)
			}
		}
		// An oversized body is refused without reading it all.
		resp, err := c.Post(srv.URL+"/auth/login", "application/x-www-form-urlencoded", strings.NewReader("email="+strings.Repeat("a", 1<<20)))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("oversized: %d", resp.StatusCode)
		}
		resp.Body.Close()
		// The address already spent 5 of its 6; per email the limit is 3 and is
		// the same for an unknown email, so it reveals nothing.
		s := func(email, addr string) error { return r.svc.RequestLink(ctx, email, addr) }
		for i := 0; i < 3; i++ {
			if err := s("a@example.org", "10.0.0."+string(rune('1'+i))); err != nil {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if err := s("ghost@example.org", "10.0.1."+string(rune('1'+i))); err != nil {
				t.Fatalf("ghost attempt %d: %v", i, err)
			}
		}
		e1, e2 := s("a@example.org", "10.0.0.9"), s("ghost@example.org", "10.0.1.9")
		if e1 == nil || e2 == nil || e1.Error() != e2.Error() {
			t.Fatalf("per-email limit: %v / %v", e1, e2)
		}
		r.svc.Wait()
		if n := len(r.box.all()); n != 3 {
			t.Fatalf("emails sent = %d, want 3", n)
		}
		// Per address: 127.0.0.1 made 4 counted requests over HTTP (the
		// unreadable oversized body never reached the limiter); two more are
		// allowed, the next is refused with 429.
		codes := []int{}
		for i := 0; i < 3; i++ {
			resp, err := c.PostForm(srv.URL+"/auth/login", url.Values{"email": {"other" + string(rune('a'+i)) + "@example.org"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			codes = append(codes, resp.StatusCode)
		}
		if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests {
			t.Fatalf("per-address codes = %v", codes)
		}
		r.clk.Add(15 * time.Minute)
		if err := s("a@example.org", "127.0.0.1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// blockingOutbox holds every Enqueue until release is closed.
type blockingOutbox struct {
	outbox
	entered chan struct{}
	release chan struct{}
}

func (b *blockingOutbox) Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error {
	b.entered <- struct{}{}
	<-b.release
	return b.outbox.Enqueue(ctx, tx, m)
}

// TestLinkRequestAnswersBeforeAccountWork: the answer to a login-link request
// must not wait for the work that only a known address causes (a write
// transaction), or its duration would tell who has an account. With the
// outbox stuck, a request for a known address still returns; the link is
// queued once the outbox moves.
func TestLinkRequestAnswersBeforeAccountWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		box := &blockingOutbox{entered: make(chan struct{}, 1), release: make(chan struct{})}
		r := newRig(t, d, func(deps *auth.Deps) { deps.Outbox = box })
		if _, err := r.svc.CreateAccount(ctx, "known@example.org", nil, nil); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- r.svc.RequestLink(ctx, "known@example.org", "10.0.0.1") }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second): // only a failure detector
			close(box.release)
			t.Fatal("RequestLink waited for the account's write transaction")
		}
		<-box.entered // the background half reaches the outbox only now
		if n := len(box.all()); n != 0 {
			t.Fatalf("%d messages before the outbox moved", n)
		}
		close(box.release)
		r.svc.Wait()
		if msgs := box.all(); len(msgs) != 1 || msgs[0].To != "known@example.org" {
			t.Fatalf("messages = %+v", msgs)
		}
	})
}

package portal

import (
	"context"
	"database/sql"
	"encoding/json"
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

	"unionhall/internal/db"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/membership"
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

// memOutbox records the emails of committed transactions, as the real
// outbox would send them.
type memOutbox struct {
	d    *db.DB
	mu   sync.Mutex
	sent []mail.Message
}

func (o *memOutbox) Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if !o.d.AfterCommit(tx, func() { o.mu.Lock(); o.sent = append(o.sent, m); o.mu.Unlock() }) {
		panic("memOutbox: not a db.Tx transaction")
	}
	return nil
}

func (o *memOutbox) to(addr string) []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []mail.Message
	for _, m := range o.sent {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

type testEnv struct {
	t     testing.TB
	d     *db.DB
	keys  *seal.Keyring
	clock *clock
	out   *memOutbox
	reg   *members.Registry
	svc   *Service
	srv   *httptest.Server
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

var testStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, d *db.DB, eraseAfter time.Duration) *testEnv {
	t.Helper()
	return newEnvLog(t, d, eraseAfter, testLogger())
}

// newEnvLog is newEnv with every log line (the portal's, the access log's)
// going to logger.
func newEnvLog(t testing.TB, d *db.DB, eraseAfter time.Duration, logger *slog.Logger) *testEnv {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, d: d, keys: kr, clock: &clock{t: testStart}, out: &memOutbox{d: d}}
	e.reg = members.New(members.Deps{DB: d, Keys: kr, Now: e.clock.Now, Logger: testLogger(),
		Erasers: []members.Eraser{membership.MemberApplicationEraser(d, kr), SessionEraser(d)}})
	e.svc = New(Deps{DB: d, Keys: kr, Registry: NewRegistry(e.reg, d, kr), Outbox: e.out, BaseURL: "https://union.example",
		CommitteeEmail: "committee@union.example", EraseAfter: eraseAfter, Now: e.clock.Now, Logger: logger})
	mux := http.NewServeMux()
	e.svc.Register(mux)
	e.srv = httptest.NewServer(web.Stack(mux, logger))
	t.Cleanup(e.srv.Close)
	return e
}

// addMember stores a member as the console would (sealed data, blind
// index), with an occupation and a workplace, and returns its id.
func (e *testEnv) addMember(number int64, email, first, lang string) string {
	e.t.Helper()
	id := db.NewID()
	b, _ := json.Marshal(map[string]string{"email": email, "first_name": first, "last_name": "Dvořáková",
		"date_of_birth": "1990-05-31", "city": "Praha", "phone_number": "601 234 567", "company_name": "Kvádr s.r.o.", "lang": lang})
	data, err := e.keys.Seal(b, aadMember("data", id))
	if err != nil {
		e.t.Fatal(err)
	}
	occID, wID := db.NewID(), db.NewID()
	occ, _ := e.keys.SealString("Tester "+first, aadMember("occupation", occID))
	wd, _ := e.keys.Seal([]byte(`{"name":"Workplace of `+first+`"}`), seal.AAD("workplaces", "data", wID))
	ctx := context.Background()
	err = e.d.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			q    string
			args []any
		}{
			{`INSERT INTO members (id, number, email_bidx, data, joined_at) VALUES (?, ?, ?, ?, ?)`,
				[]any{id, number, e.keys.BlindIndex("member.email", seal.NormaliseEmail(email)), data, db.T(e.clock.Now())}},
			{`INSERT INTO member_occupations (id, member_id, occupation, since) VALUES (?, ?, ?, ?)`, []any{occID, id, occ, db.T(e.clock.Now())}},
			{`INSERT INTO workplaces (id, name, data, name_bidx, created_at) VALUES (?, '', ?, ?, ?)`, []any{wID, wd, e.keys.BlindIndex("workplace.name", wID), db.T(e.clock.Now())}},
			{`INSERT INTO member_workplaces (member_id, workplace_id) VALUES (?, ?)`, []any{id, wID}},
		} {
			if _, err := tx.ExecContext(ctx, e.d.Rebind(q.q), q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed.
type client struct {
	e   *testEnv
	c   *http.Client
	jar *cookiejar.Jar
}

func (e *testEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values, lang string) (int, string, http.Header) {
	c.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func (c *client) get(path string) (int, string) {
	c.e.t.Helper()
	st, body, _ := c.do("GET", path, nil, "")
	return st, body
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.e.t.Helper()
	st, body, _ := c.do("POST", path, form, "")
	return st, body
}

var linkRE = regexp.MustCompile(`https://union\.example(/[a-z]+/[a-z]+/link\?token=[A-Za-z0-9_-]+(?:&next=[^\s]+)?)`)

// signIn asks for a link for email in lang and spends it with c.
func (c *client) signIn(email, lang string) {
	c.e.t.Helper()
	n := len(c.e.out.to(email))
	if st, body := c.post(Base(lang)+"signin", url.Values{"email": {email}}); st != http.StatusOK {
		c.e.t.Fatalf("sign-in request: %d %.300s", st, body)
	}
	c.e.svc.Wait()
	msgs := c.e.out.to(email)
	if len(msgs) != n+1 {
		c.e.t.Fatalf("%d sign-in emails to %s, want %d", len(msgs), email, n+1)
	}
	m := linkRE.FindStringSubmatch(msgs[n].Text)
	if m == nil {
		c.e.t.Fatalf("no link in %q", msgs[n].Text)
	}
	u, _ := url.Parse(m[1])
	if st, _ := c.post(u.Path, url.Values{"token": {u.Query().Get("token")}}); st != http.StatusSeeOther {
		c.e.t.Fatalf("spend link: %d", st)
	}
}

func aadMember(col, id string) []byte { return seal.AAD("members", col, id) }

package petitions

import (
	"context"
	"database/sql"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/examplesite"
	"unionhall/internal/mail"
	"unionhall/internal/seal"
	"unionhall/internal/site"
	"unionhall/internal/web"
)

// The public side's test environment. Names carry a "pub" prefix so the
// console's tests in this package can keep their own.

type pubClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pubClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *pubClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// pubOutbox records the emails of committed transactions only, as the
// real outbox would send them.
type pubOutbox struct {
	d    *db.DB
	mu   sync.Mutex
	sent []mail.Message
}

func (o *pubOutbox) Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if !o.d.AfterCommit(tx, func() { o.mu.Lock(); o.sent = append(o.sent, m); o.mu.Unlock() }) {
		panic("pubOutbox: not a db.Tx transaction")
	}
	return nil
}

func (o *pubOutbox) to(addr string) []mail.Message {
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

// pubStart is a weekday in March 2026, before summer time.
var pubStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// pubPages are added to the example site (which has the on-call-pay
// petition in cs and en): one with the default fields and no public names,
// one closing soon, one closed, a member-only one.
var pubPages = map[string]string{
	"content/petitions/plain/index.en.md": `---
title: Plain petition <b>bold</b>
type: petition
goal: 10
closes: 2026-03-20T12:00:00
---
The default fields.
`,
	"content/petitions/closed/index.en.md": `---
title: Closed petition
petition:
  goal: 5
  closes: 2026-03-01T00:00:00
---
Over.
`,
	"content/petitions/secret/index.en.md": `---
title: Members' petition
members: true
petition:
  closes: 2026-04-01T00:00:00
---
`,
}

func pubSiteFS(t testing.TB, now time.Time, extra map[string]string) fs.FS {
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
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, add := range []map[string]string{pubPages, extra} {
		for p, c := range add {
			if c == "" {
				delete(m, p)
				continue
			}
			m[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
		}
	}
	return m
}

type pubEnv struct {
	t      testing.TB
	d      *db.DB
	clock  *pubClock
	keys   *seal.Keyring
	mem    *pubOutbox
	site   *site.Server
	svc    *Service
	srv    *httptest.Server
	member *MemberSigner // the member "signed in" on requests with the test cookie
}

func newPubEnv(t testing.TB, d *db.DB) *pubEnv {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	e := &pubEnv{t: t, d: d, clock: &pubClock{t: pubStart}, keys: kr, mem: &pubOutbox{d: d}}
	cs, err := content.Load(pubSiteFS(t, e.clock.Now(), nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cs.Problems {
		if p.Severity == content.SevError && strings.Contains(p.File, "petition") {
			t.Fatalf("content problem: %+v", p)
		}
	}
	e.site = site.New(cs, site.Options{Logger: dbtest.Logger(), Now: e.clock.Now})
	e.svc = New(Deps{DB: d, Keys: kr, Outbox: e.mem, Site: e.site.Site, Layout: e.site.Layout,
		BaseURL: "https://spojka.example", Now: e.clock.Now, Logger: dbtest.Logger(), RateLimit: 1000,
		MinFillTime: 2 * time.Second,
		Members: func(r *http.Request) (MemberSigner, bool, error) {
			if c, err := r.Cookie("test_member"); err == nil && c.Value == "1" && e.member != nil {
				return *e.member, true, nil
			}
			return MemberSigner{}, false, nil
		}})
	t.Cleanup(e.svc.Close)
	mux := http.NewServeMux()
	e.svc.Register(mux)
	mux.Handle("/", e.svc.Wrap(e.site))
	e.srv = httptest.NewServer(web.Stack(mux, dbtest.Logger()))
	t.Cleanup(e.srv.Close)
	return e
}

// petition returns the declared petition id in lang with stored state.
func (e *pubEnv) petition(id, lang string) Petition {
	e.t.Helper()
	p, err := e.svc.GetIn(context.Background(), id, lang)
	if err != nil {
		e.t.Fatalf("petition %s: %v", id, err)
	}
	return p
}

type pubResp struct {
	status int
	header http.Header
	body   string
}

func (e *pubEnv) do(req *http.Request) pubResp {
	e.t.Helper()
	// Redirects are followed, as a browser does: a signature answers 303
	// to the "check your email" page.
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return pubResp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (e *pubEnv) get(path string) pubResp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	return e.do(req)
}

func (e *pubEnv) post(path string, vals url.Values, cookies ...*http.Cookie) pubResp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return e.do(req)
}

var stampRe = regexp.MustCompile(`name="ts" value="([^"]+)"`)

// form reads the page at path and returns the values a person would send:
// the timestamp from the page, the clock moved past the minimum fill time.
func (e *pubEnv) form(path string, fields map[string]string) url.Values {
	e.t.Helper()
	r := e.get(path)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d", path, r.status)
	}
	m := stampRe.FindStringSubmatch(r.body)
	if m == nil {
		e.t.Fatalf("no form timestamp on %s", path)
	}
	e.clock.Add(5 * time.Second)
	v := url.Values{"ts": {htmlUnescape(m[1])}}
	for k, x := range fields {
		v.Set(k, x)
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#43;", "+", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

var tokenRe = regexp.MustCompile(`/signature/confirm\?token=([A-Za-z0-9_-]+)`)

// tokenIn finds the confirmation link's token in an email text.
func tokenIn(t testing.TB, text string) string {
	t.Helper()
	m := tokenRe.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no confirmation link in %q", text)
	}
	return m[1]
}

func contentField(name string, required bool) content.PetitionField {
	return content.PetitionField{Name: name, Required: required}
}

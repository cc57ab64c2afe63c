package events

import (
	"context"
	"database/sql"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/examplesite"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/mailtest"
	"unionhall/internal/seal"
	"unionhall/internal/site"
	"unionhall/internal/web"
)

// clock is a settable test clock.
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
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// memOutbox records emails of committed transactions only, as the real
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

func (o *memOutbox) all() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.sent...)
}

func (o *memOutbox) to(addr string) []mail.Message {
	var out []mail.Message
	for _, m := range o.all() {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

// testStart is a Tuesday in March: the test events below are in the
// following days, before the switch to summer time on 29 March.
var testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// extraEvents are added to the example site for the tests.
var extraEvents = map[string]string{
	"content/events/small/index.en.md": `---
title: Small meeting
startDate: 2026-03-20T18:00:00
date: 2026-03-20T20:00:00
place: Union house
placeAddress: Spojovací 12, Praha
registration: internal
capacity: 10
id: small
reminder: 2h
questions:
  - id: diet
    label: {en: Food, cs: Jídlo}
    type: choice
    options: [{en: Vegan, cs: Veganské}, {en: Anything, cs: Cokoli}]
  - id: note
    label: Anything we should know?
    type: text
---
Ten seats.
`,
	"content/events/small/index.cs.md": `---
title: Malá schůze
startDate: 2026-03-20T18:00:00
date: 2026-03-20T20:00:00
place: Odborový dům
registration: internal
capacity: 10
id: small
reminder: 2h
questions:
  - id: diet
    label: {en: Food, cs: Jídlo}
    type: choice
    options: [{en: Vegan, cs: Veganské}, {en: Anything, cs: Cokoli}]
  - id: note
    label: Anything we should know?
    type: text
---
Deset míst.
`,
	"content/events/closed/index.en.md": `---
title: Closed early
startDate: 2026-03-25T18:00:00
date: 2026-03-25T19:00:00
registration: internal
registrationCloses: 2026-03-01T00:00:00
---
`,
	"content/events/draft/index.en.md": `---
title: Draft event
draft: true
startDate: 2026-03-25T18:00:00
date: 2026-03-25T19:00:00
registration: internal
---
`,
	"content/events/past/index.en.md": `---
title: Past event
startDate: 2026-03-01T18:00:00
date: 2026-03-01T19:00:00
registration: internal
---
`,
	"content/events/summer/index.en.md": `---
title: Summer <script>alert(1)</script>; picnic, with "quotes"
startDate: 2026-07-01T17:00:00
date: 2026-07-01T21:00:00
place: Park
registration: internal
capacity: 300
id: summer
---
`,
}

// siteFS is the example site at now plus extra files (path → content;
// "" deletes).
func siteFS(t testing.TB, now time.Time, extra map[string]string) fs.FS {
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
	for p, c := range extraEvents {
		m[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	for p, c := range extra {
		if c == "" {
			delete(m, p)
			continue
		}
		m[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	return m
}

func loadSite(t testing.TB, now time.Time, extra map[string]string) *content.Site {
	t.Helper()
	cs, err := content.Load(siteFS(t, now, extra))
	if err != nil {
		t.Fatalf("load site: %v", err)
	}
	return cs
}

type testEnv struct {
	t     testing.TB
	d     *db.DB
	clock *clock
	keys  *seal.Keyring
	queue *jobs.Queue
	mem   *memOutbox
	smtp  *mailtest.Server
	site  *site.Server
	svc   *Service
	srv   *httptest.Server
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// newEnv builds the service on d with the test site, emails recorded in
// memory (smtp nil) or sent through the real outbox to smtp.
func newEnv(t testing.TB, d *db.DB, smtp *mailtest.Server) *testEnv {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, d, smtp, kr, &clock{t: testStart})
}

func newEnvWith(t testing.TB, d *db.DB, smtp *mailtest.Server, kr *seal.Keyring, clk *clock) *testEnv {
	t.Helper()
	e := &testEnv{t: t, d: d, clock: clk, keys: kr, smtp: smtp}
	cs := loadSite(t, clk.Now(), nil)
	e.site = site.New(cs, site.Options{Logger: testLogger(), Now: clk.Now,
		EventExtra: func(r *http.Request, p *content.Page, now time.Time) template.HTML {
			return e.svc.EventExtra(r, p, now)
		}})
	e.queue = jobs.New(d, jobs.Options{Now: clk.Now, Logger: testLogger(), Backoff: func(int) time.Duration { return time.Second }})
	var out Outbox
	if smtp != nil {
		snd, err := mail.NewSMTPSender(mail.SMTPConfig{Host: smtp.Host(), Port: smtp.Port(), TLS: "none", From: "Spojka <akce@spojka.example>"})
		if err != nil {
			t.Fatal(err)
		}
		out = mail.NewOutbox(e.queue, kr, snd)
	} else {
		e.mem = &memOutbox{d: d}
		out = e.mem
	}
	e.svc = New(Deps{DB: d, Keys: kr, Queue: e.queue, Outbox: out, Site: e.site.Site, Layout: e.site.Layout,
		BaseURL: "https://spojka.example", Now: clk.Now, Logger: testLogger(), RateLimit: 1000,
		PublicChanged: e.site.DropCache})
	mux := http.NewServeMux()
	e.svc.Register(mux)
	mux.Handle("/", e.svc.Wrap(e.site))
	e.srv = httptest.NewServer(web.Stack(mux, testLogger()))
	t.Cleanup(e.srv.Close)
	return e
}

// event returns the test event with key in lang.
func (e *testEnv) event(key, lang string) Event {
	e.t.Helper()
	ev, ok := e.svc.EventByKey(key, lang)
	if !ok {
		e.t.Fatalf("no event %s", key)
	}
	return ev
}

// runJobs runs every due job and returns how many ran.
func (e *testEnv) runJobs() int {
	e.t.Helper()
	n, err := e.queue.RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("run jobs: %v", err)
	}
	return n
}

// setSite swaps in the test site with extra changes.
func (e *testEnv) setSite(extra map[string]string) {
	e.site.SetSite(loadSite(e.t, e.clock.Now(), extra))
}

// tokenIn finds the personal link's token in an email text.
func tokenIn(t testing.TB, text string) string {
	t.Helper()
	i := strings.Index(text, "/registration/?t=")
	if i < 0 {
		t.Fatalf("no personal link in %q", text)
	}
	tok := text[i+len("/registration/?t="):]
	if j := strings.IndexAny(tok, " \r\n"); j >= 0 {
		tok = tok[:j]
	}
	return tok
}

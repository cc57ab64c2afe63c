package membership

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/examplesite"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/mailtest"
	"unionhall/internal/seal"
	"unionhall/internal/site"
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

// memOutbox records emails; it stands in for the mail outbox in tests of
// this package's own logic. It records only emails of committed
// transactions (through db.AfterCommit), like the real outbox would send.
type memOutbox struct {
	d    *db.DB
	mu   sync.Mutex
	sent []mail.Message
}

func (o *memOutbox) Enqueue(ctx context.Context, tx *sql.Tx, e mail.Message) error {
	if !o.d.AfterCommit(tx, func() { o.mu.Lock(); o.sent = append(o.sent, e); o.mu.Unlock() }) {
		panic("memOutbox: not a db.Tx transaction")
	}
	return nil
}

func (o *memOutbox) all() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.sent...)
}

type testEnv struct {
	t      *testing.T
	smtp   *mailtest.Server
	d      *db.DB
	keys   *seal.Keyring
	queue  *jobs.Queue
	clock  *clock
	svc    *Service
	srv    *httptest.Server
	outbox Outbox
	mem    *memOutbox
	site   *content.Site
	client *http.Client
}

type envOpt func(*Deps)

var testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func loadExample(t testing.TB, now time.Time) (*content.Site, error) {
	fsys, err := examplesite.FS(now)
	if err != nil {
		return nil, err
	}
	return content.Load(fsys)
}

func newEnv(t *testing.T, d *db.DB, opts ...envOpt) *testEnv {
	return newEnvSMTP(t, d, nil, opts...)
}

// newEnvSMTP sends email through the real outbox to an in-process SMTP
// server (nil: record emails in memory).
func newEnvSMTP(t *testing.T, d *db.DB, smtp *mailtest.Server, opts ...envOpt) *testEnv {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvFull(t, d, smtp, kr, &clock{t: testStart}, opts...)
}

// newEnvFull is newEnvSMTP with a given keyring and clock (a restart).
func newEnvFull(t *testing.T, d *db.DB, smtp *mailtest.Server, kr *seal.Keyring, clk *clock, opts ...envOpt) *testEnv {
	t.Helper()
	e := &testEnv{t: t, d: d, clock: clk, smtp: smtp, keys: kr}
	cs, err := loadExample(t, e.clock.Now())
	if err != nil {
		t.Fatalf("load example site: %v", err)
	}
	e.site = cs
	e.queue = jobs.New(d, jobs.Options{Now: e.clock.Now, Logger: testLogger(),
		Backoff: func(int) time.Duration { return time.Minute }})
	if e.smtp != nil {
		snd, err := mail.NewSMTPSender(mail.SMTPConfig{Host: e.smtp.Host(), Port: e.smtp.Port(), TLS: "none",
			From: "Spojka <noreply@spojka.example>", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		e.outbox = mail.NewOutbox(e.queue, e.keys, snd)
	} else {
		e.mem = &memOutbox{d: d}
		e.outbox = e.mem
	}
	srvSite := site.New(cs, site.Options{Now: e.clock.Now, Logger: testLogger()})
	deps := Deps{DB: d, Keys: e.keys, Queue: e.queue, Site: func() *content.Site { return e.site },
		Layout: srvSite.Layout, Settings: config.Default().Join, Now: e.clock.Now, Logger: testLogger()}
	for _, o := range opts {
		o(&deps)
	}
	if deps.Outbox == nil {
		deps.Outbox = e.outbox
	}
	mux := http.NewServeMux()
	srvSite.Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	if deps.BaseURL == "" {
		deps.BaseURL = e.srv.URL
	}
	e.svc = New(deps)
	e.svc.Register(mux)
	e.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

var tsRE = regexp.MustCompile(`name="ts" value="([^"]+)"`)

// formStamp GETs the form and returns its signed timestamp, then lets the
// clock run past the minimum fill time.
func (e *testEnv) formStamp(path string) string {
	e.t.Helper()
	res, body := e.get(path)
	if res.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	m := tsRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no ts in form")
	}
	e.clock.Add(10 * time.Second)
	return m[1]
}

func (e *testEnv) get(path string) (*http.Response, string) {
	e.t.Helper()
	res, err := e.client.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// postMultipart submits vals (and an optional signature file) as a browser
// would with enctype=multipart/form-data.
func (e *testEnv) postMultipart(path string, vals url.Values, file []byte) (*http.Response, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("signature_file", "podpis.jpg")
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(req)
}

func (e *testEnv) postForm(path string, vals url.Values) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

func (e *testEnv) postJSON(body string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/registration/join", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

func (e *testEnv) do(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// runJobs runs every due job.
func (e *testEnv) runJobs() {
	e.t.Helper()
	if _, err := e.queue.RunOnce(context.Background()); err != nil {
		e.t.Fatalf("run jobs: %v", err)
	}
}

func (e *testEnv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// formValues is a valid submission with a drawn signature.
func formValues(t testing.TB, ts string) url.Values {
	return url.Values{
		"ts": {ts}, "website": {""},
		FEmail: {"jana.dvorakova@posta.example"}, FFirstName: {"Jana"}, FLastName: {"Dvořáková"},
		FDateOfBirth: {"1990-05-31"}, FAddress: {"Křižíkova 12"}, FCity: {"Praha"}, FPostalCode: {"18600"},
		FPhone: {"601 234 567"}, FCompany: {"Kvádr Software s.r.o."}, FOccupation: {"Tester"}, FLang: {"cs"},
		FStatutes: {"yes"}, FSignMethod: {SignDraw}, "signature_data": {testDataURL(t)},
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s]+/join/confirm\?token=([A-Za-z0-9_-]+)`)

func jobFor(payload []byte) jobs.Job {
	return jobs.Job{Kind: JobVerification, Payload: payload, Attempt: 2}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// benchEnv is newEnv for benchmarks: SQLite, memory outbox, no rate limit
// to speak of.
func benchEnv(b *testing.B, d *db.DB) *testEnv {
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		b.Fatal(err)
	}
	cs, err := loadExample(b, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	e := &testEnv{d: d, keys: kr, site: cs, clock: &clock{t: time.Now()}}
	e.queue = jobs.New(d, jobs.Options{Logger: testLogger()})
	e.mem = &memOutbox{d: d}
	settings := config.Default().Join
	settings.RateLimit = 1 << 30
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	b.Cleanup(e.srv.Close)
	e.svc = New(Deps{DB: d, Keys: kr, Queue: e.queue, Outbox: e.mem, Site: func() *content.Site { return cs },
		BaseURL: e.srv.URL, Settings: settings, Logger: testLogger()})
	e.svc.Register(mux)
	return e
}

package votes

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/seal"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// memOutbox records the emails of committed transactions only, as the
// real outbox would send them.
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

// fakeLinks stands in for portal.Service.IssueLink in tests: it records
// what it was asked and answers a recognisable URL.
type fakeLinks struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeLinks) IssueLink(ctx context.Context, memberID, next string, expires time.Time) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, memberID+" "+next+" "+expires.UTC().Format(time.RFC3339))
	return "https://union.example/signin/TOKEN-" + memberID + "?next=" + next, nil
}

// testStart is a Monday morning; votes in tests open a day later.
var testStart = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

type env struct {
	t     testing.TB
	d     *db.DB
	keys  *seal.Keyring
	clock *clock
	reg   *members.Registry
	queue *jobs.Queue
	out   *memOutbox
	links *fakeLinks
	s     *Service
	site  *content.Site
	admin *auth.Account
	logs  *syncBuffer
}

// syncBuffer collects the service's log output, to show it never holds a
// receipt.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func prague(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvKeys(t, d, kr, &clock{t: testStart})
}

// newEnvKeys builds a service on d with the given keys and clock (a
// second server on the same database shares both).
func newEnvKeys(t testing.TB, d *db.DB, kr *seal.Keyring, c *clock) *env {
	t.Helper()
	e := &env{t: t, d: d, keys: kr, clock: c, out: &memOutbox{d: d}, links: &fakeLinks{}, logs: &syncBuffer{},
		admin: &auth.Account{ID: "acct-admin", Roles: []string{auth.ManageMembers, auth.ViewMember}}}
	e.site = &content.Site{Languages: []*content.Language{{Code: "cs"}, {Code: "en"}}, DefaultLang: "cs", Location: prague(t)}
	e.reg = members.New(members.Deps{DB: d, Keys: kr, Now: c.Now})
	e.queue = jobs.New(d, jobs.Options{Now: c.Now})
	e.s = New(Deps{DB: d, Keys: kr, Queue: e.queue, Outbox: e.out, Registry: e.reg, Links: e.links,
		Site: func() *content.Site { return e.site }, BaseURL: "https://union.example", MinEligible: 3, Now: c.Now,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	t.Cleanup(e.s.Close)
	return e
}

// member adds a current member with an address and a language.
func (e *env) member(name, lang string) string {
	e.t.Helper()
	id, _, err := e.reg.AddMember(context.Background(), e.admin, members.MemberData{
		Email: strings.ToLower(name) + "@example.org", FirstName: name, LastName: "Test", Lang: lang}, "", 0, false)
	if err != nil {
		e.t.Fatalf("add member %s: %v", name, err)
	}
	return id
}

func (e *env) members(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		lang := "cs"
		if i%2 == 1 {
			lang = "en"
		}
		ids[i] = e.member(fmt.Sprintf("M%04d", i), lang)
	}
	return ids
}

func (e *env) workplace(name string, memberIDs ...string) string {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.reg.SaveWorkplace(ctx, e.admin, members.Workplace{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range memberIDs {
		if err := e.reg.SetMemberWorkplaces(ctx, e.admin, m, []string{id}); err != nil {
			e.t.Fatal(err)
		}
	}
	return id
}

// at formats a time for the form, in the site's zone.
func (e *env) at(t time.Time) string { return t.In(e.site.Location).Format(InputLayout) }

// input is a valid form of the given kind opening in a day for a week.
func (e *env) input(kind Kind) Input {
	in := Input{
		Title:    map[string]string{"cs": "Volba výboru", "en": "Committee election"},
		Text:     map[string]string{"cs": "Volíme výbor.", "en": "We elect the committee."},
		Kind:     string(kind),
		Options:  map[string]string{"cs": "Alena\nBořek\nCyril", "en": "Alena\nBorek\nCyril"},
		OpensAt:  e.at(testStart.Add(24 * time.Hour)),
		ClosesAt: e.at(testStart.Add(8 * 24 * time.Hour)),
	}
	return in
}

// create makes and schedules a vote; it fails the test on any problem.
func (e *env) create(in Input) string {
	e.t.Helper()
	ctx := context.Background()
	id, p, err := e.s.Create(ctx, e.admin.ID, in)
	if err != nil || !p.OK() {
		e.t.Fatalf("create: %v %v", p, err)
	}
	if err := e.s.Schedule(ctx, e.admin.ID, id); err != nil {
		e.t.Fatalf("schedule: %v", err)
	}
	return id
}

// tickAt moves the clock to t and ticks.
func (e *env) tickAt(t time.Time) {
	e.t.Helper()
	if d := t.Sub(e.clock.Now()); d > 0 {
		e.clock.Add(d)
	}
	if err := e.s.Tick(context.Background()); err != nil {
		e.t.Fatalf("tick: %v", err)
	}
}

func (e *env) get(id string) *Vote {
	e.t.Helper()
	v, err := e.s.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

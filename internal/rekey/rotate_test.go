package rekey_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/app"
	"unionhall/internal/auth"
	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/events"
	"unionhall/internal/jointest"
	"unionhall/internal/members"
	"unionhall/internal/rekey"
	"unionhall/internal/seal"
)

// env is a running server (in-process, with its background work, so its
// key-file watcher runs) holding members, workplaces, applications with
// signatures, queued emails and a console account.
type env struct {
	a       *app.App
	url     string
	keyFile string
	cancel  context.CancelFunc
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Join.RateLimit = 1 << 30
	if dialect == "postgres" {
		cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
	}
	t.Setenv(seal.EnvKey, "")
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.Start(ctx)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); cancel(); a.Close() })
	if err := a.Admin.Seed(ctx, 120, 60, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateAccount(ctx, "organizer@example.org", []string{"super-powers"}, nil); err != nil {
		t.Fatal(err)
	}
	res := jointest.Burst(ctx, srv.URL, "pre", 4, 30, nil)
	if len(res.Acked) != 30 {
		t.Fatalf("joins before rotation: %d acknowledged, %v", len(res.Acked), res.Other)
	}
	e := &env{a: a, url: srv.URL, keyFile: filepath.Join(cfg.DataDir, seal.KeyFileName), cancel: cancel}
	for i := range 10 {
		if _, err := a.Events.Signup(ctx, e.event(t), "cs", events.Registrant{Name: "Host", Email: fmt.Sprintf("host%d@posta.example", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// event is an open event of the example site with built-in registration.
func (e *env) event(t *testing.T) events.Event {
	t.Helper()
	now := time.Now()
	for _, ev := range e.a.Events.InternalEvents() {
		if ev.Open(now) == nil {
			return ev
		}
	}
	t.Fatal("the example site has no open event with built-in registration")
	return events.Event{}
}

// lookupsWork checks a look-up through every blind index a feature uses.
func (e *env) lookupsWork(t *testing.T, when string) {
	t.Helper()
	ctx := context.Background()
	for _, n := range []string{"1", "60", "120"} {
		if m, err := e.a.Members.MembersWithEmail(ctx, "member"+n+"@example.org", ""); err != nil || len(m) != 1 {
			t.Errorf("%s: member%s by email: %d found, %v", when, n, len(m), err)
		}
	}
	if _, err := e.a.Auth.CreateAccount(ctx, "Organizer@Example.org", []string{"list-members"}, nil); !errors.Is(err, auth.ErrExists) {
		t.Errorf("%s: a second account for the same email: %v", when, err)
	}
	if out, err := e.a.Events.Signup(ctx, e.event(t), "cs", events.Registrant{Name: "Host", Email: "HOST3@posta.example"}); err != nil || !out.Existing {
		t.Errorf("%s: a second registration for the same email: existing %v, %v", when, out.Existing, err)
	}
	if _, err := e.a.Members.SaveWorkplace(ctx, &auth.Account{ID: "t", Roles: auth.Roles}, adminWorkplace("Workplace 07")); err == nil {
		t.Errorf("%s: a second workplace of the same name was accepted", when)
	}
}

func TestRotateWhileServing(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			oldIDs := e.a.Keys.KeyIDs()
			e.lookupsWork(t, "before")

			// Joins keep coming while the rotation runs.
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			done := make(chan *jointest.Result)
			go func() { done <- jointest.Burst(ctx, e.url, "during", 2, 0, nil) }()

			var mu sync.Mutex
			var lines []string
			checkedMid := map[string]bool{}
			rep, err := rekey.Rotate(context.Background(), e.a.DB, e.keyFile, rekey.Options{BatchSize: 25,
				Progress: func(format string, args ...any) {
					mu.Lock()
					lines = append(lines, format)
					mu.Unlock()
					// Mid-way through re-sealing and through re-indexing the
					// members, look-ups must still find everything.
					for _, step := range []string{"members.data", "members.email_bidx"} {
						if len(args) > 1 && fmt.Sprint(args[0], ".", args[1]) == step && !checkedMid[step] {
							checkedMid[step] = true
							e.lookupsWork(t, "during "+step)
						}
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			stop()
			res := <-done
			if len(res.Other) > 0 {
				t.Errorf("joins during the rotation: %v", res.Other)
			}
			if len(checkedMid) != 2 {
				t.Fatalf("mid-way checks ran for %v only; progress: %v", checkedMid, lines)
			}
			if rep.Resealed < 120+60+30 || rep.Reindexed < 120 || len(rep.Retired) != 1 || rep.Retired[0] != oldIDs[0] {
				t.Fatalf("report %+v", rep)
			}
			kr, err := seal.LoadFile(e.keyFile)
			if err != nil || strings.Join(kr.KeyIDs(), ",") != rep.NewKey {
				t.Fatalf("key file after rotation: %v %v", kr.KeyIDs(), err)
			}
			// The running server drops the old key by itself.
			deadline := time.Now().Add(30 * time.Second)
			for strings.Join(e.a.Keys.KeyIDs(), ",") != rep.NewKey {
				if time.Now().After(deadline) {
					t.Fatalf("server still holds %v", e.a.Keys.KeyIDs())
				}
				time.Sleep(20 * time.Millisecond)
			}
			assertAllUnder(t, e, kr)
			e.lookupsWork(t, "after")
			// Every application acknowledged during the rotation is there.
			for _, n := range res.Acked {
				look := kr.LookupIndexes("application.email", seal.NormaliseEmail(jointest.Email("during", n)))
				var c int
				if err := e.a.DB.QueryRow(context.Background(), `SELECT count(*) FROM applications WHERE email_bidx = ?`, look[0]).Scan(&c); err != nil || c != 1 {
					t.Fatalf("application %d acknowledged during the rotation: %d rows, %v", n, c, err)
				}
			}

			// Running it again starts a new rotation (one key in the file).
			rep2, err := rekey.Rotate(context.Background(), e.a.DB, e.keyFile, rekey.Options{})
			if err != nil || rep2.Resumed || rep2.NewKey == rep.NewKey {
				t.Fatalf("second rotation: %+v %v", rep2, err)
			}
		})
	}
}

// assertAllUnder checks that every sealed value is under kr's only key and
// opens, straight from the tables the registry lists.
func assertAllUnder(t *testing.T, e *env, kr *seal.Keyring) {
	t.Helper()
	total := 0
	for _, c := range rekey.Sealed {
		rows, err := e.a.DB.Query(context.Background(), `SELECT id, `+c.Column+` FROM `+c.Table+` WHERE `+c.Column+` IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			var v []byte
			rows.Scan(&id, &v)
			if len(v) == 0 {
				continue
			}
			kid, ok := seal.KeyID(v)
			if c.Mixed && !ok {
				continue
			}
			if kid != kr.Newest() {
				t.Errorf("%s.%s row %s still under key %s", c.Table, c.Column, id, kid)
			}
			total++
		}
		rows.Close()
	}
	if total < 200 {
		t.Errorf("only %d sealed values checked", total)
	}
	// Every stored blind index is the new key's index of its value.
	indexed := map[string]int{}
	for _, c := range rekey.Indexes {
		q := `SELECT id, ` + c.Column + `, ` + c.Source
		for _, x := range c.Extra {
			q += ", " + x
		}
		rows, err := e.a.DB.Query(context.Background(), q+` FROM `+c.Table+` WHERE `+c.Column+` IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			var stored, src []byte
			extra := make([]string, len(c.Extra))
			dest := []any{&id, &stored, &src}
			for i := range extra {
				dest = append(dest, &extra[i])
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			if len(stored) == 0 {
				continue
			}
			plain, err := kr.Open(src, seal.AAD(c.Table, c.Source, id))
			if err != nil {
				t.Fatalf("%s row %s: source does not open: %v", c.Table, id, err)
			}
			v, _ := c.Value(plain, extra)
			if string(kr.BlindIndex(c.Purpose, v)) != string(stored) {
				t.Errorf("%s.%s row %s: not the new key's index", c.Table, c.Column, id)
			}
			indexed[c.Table]++
		}
		rows.Close()
	}
	for _, table := range []string{"applications", "members", "accounts", "workplaces", "event_registrations"} {
		if indexed[table] == 0 {
			t.Errorf("no %s index checked: %v", table, indexed)
		}
	}
}

func adminWorkplace(name string) members.Workplace { return members.Workplace{Name: name} }

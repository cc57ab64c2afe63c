package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func person(i int) Registrant {
	return Registrant{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.org", i)}
}

func counts(t testing.TB, e *testEnv, key string) Counts {
	t.Helper()
	c, err := e.svc.Counts(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statusCounts counts rows by status, independent of the counters.
func statusCounts(t testing.TB, d *db.DB, key string) map[string]int {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT status, COUNT(*) FROM event_registrations WHERE event_key = ? GROUP BY status`, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// TestNeverOverbooked fires 100 simultaneous registrations at 10 seats, half
// of them through a second database handle (a second server process).
func TestNeverOverbooked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		other := newEnvWith(t, dbtest.Reopen(t, d), nil, e.keys, e.clock)
		ev := e.event("id:small", "en")
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 100 {
			svc := e.svc
			if i%2 == 1 {
				svc = other.svc
			}
			wg.Go(func() {
				<-start
				_, err := svc.Signup(context.Background(), ev, "en", person(i))
				errs <- err
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("register: %v", err)
			}
		}
		got := statusCounts(t, d, ev.Key)
		if got[StatusConfirmed] != 10 || got[StatusWaiting] != 90 {
			t.Fatalf("rows by status = %v, want 10 confirmed, 90 waiting", got)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 10 || c.Waiting != 90 {
			t.Fatalf("counters = %+v, want 10/90", c)
		}
		if n := len(e.mem.all()) + len(other.mem.all()); n != 100 {
			t.Fatalf("%d confirmation emails, want 100", n)
		}
	})
}

func TestSameEmailTwiceAndPersonalData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		in := Registrant{Name: "Jana Dvořáková", Email: "Jana.Dvorakova@Example.org", Answers: map[string]string{"note": "wheelchair"}}
		first, err := e.svc.Signup(ctx, ev, "cs", in)
		if err != nil {
			t.Fatal(err)
		}
		in.Email = "  jana.dvorakova@example.ORG "
		second, err := e.svc.Signup(ctx, ev, "en", in)
		if err != nil {
			t.Fatal(err)
		}
		if !second.Existing || second.ID != first.ID || second.Token == first.Token {
			t.Fatalf("second registration: existing=%v same id=%v new token=%v", second.Existing, second.ID == first.ID, second.Token != first.Token)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 1 {
			t.Fatalf("counts %+v after registering twice", c)
		}
		// The old link no longer works; the re-sent one does.
		if _, err := e.svc.ByToken(ctx, first.Token); !errors.Is(err, ErrNotFound) {
			t.Fatalf("old token: %v", err)
		}
		r, err := e.svc.ByToken(ctx, second.Token)
		if err != nil || r.Registrant.Name != "Jana Dvořáková" || r.Lang != "cs" {
			t.Fatalf("by token: %+v %v", r, err)
		}
		mails := e.mem.all()
		if len(mails) != 2 || tokenIn(t, mails[1].Text) != second.Token {
			t.Fatalf("want the link re-sent: %d mails", len(mails))
		}
		// Emails in the language the person chose, with the event's title
		// in that language, though they registered on the English page.
		if mails[0].Subject != "Registrace: Malá schůze" || !strings.Contains(mails[0].Text, "Dobrý den, Jana Dvořáková") {
			t.Errorf("confirmation in Czech: %q", mails[0].Subject)
		}
		// No personal data in the database in the clear.
		raw := dbtest.Raw(t, d)
		for _, s := range []string{"Dvořáková", "Dvo\\305\\231\\303\\241kov\\303\\241", "dvorakova", "wheelchair", second.Token} {
			if bytes.Contains(bytes.ToLower(raw), bytes.ToLower([]byte(s))) {
				t.Errorf("database holds %q in the clear", s)
			}
		}
	})
}

func TestCancelPromotesFirstWaiting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		var outs []Outcome
		for i := range 12 {
			e.clock.Add(time.Second) // a clear waitlist order
			o, err := e.svc.Signup(ctx, ev, "en", person(i))
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, o)
		}
		if outs[10].Status != StatusWaiting || outs[11].Status != StatusWaiting {
			t.Fatal("11th and 12th should wait")
		}
		if _, err := e.svc.Cancel(ctx, outs[3].Token); err != nil {
			t.Fatal(err)
		}
		// The same cancel link used twice.
		if _, err := e.svc.Cancel(ctx, outs[3].Token); !errors.Is(err, ErrAlreadyCancelled) {
			t.Fatalf("second cancel: %v", err)
		}
		got := statusCounts(t, d, ev.Key)
		if got[StatusConfirmed] != 10 || got[StatusWaiting] != 1 || got[StatusCancelled] != 1 {
			t.Fatalf("after cancel: %v", got)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 10 || c.Waiting != 1 {
			t.Fatalf("counters after cancel: %+v", c)
		}
		promoted := e.mem.to("p10@example.org")
		if len(promoted) != 2 || !strings.Contains(promoted[1].Subject, "A place is free") {
			t.Fatalf("promotion email to the first waiting: %+v", promoted)
		}
		// The promotion mail carries a fresh working link.
		r, err := e.svc.ByToken(ctx, tokenIn(t, promoted[1].Text))
		if err != nil || r.Status != StatusConfirmed {
			t.Fatalf("promoted registration: %+v %v", r, err)
		}
		if len(e.mem.to("p11@example.org")) != 1 {
			t.Fatal("the second waiting person was told something")
		}
		// Cancelling a waiting registration frees no seat.
		if _, err := e.svc.Cancel(ctx, outs[11].Token); err != nil {
			t.Fatal(err)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 10 || c.Waiting != 0 {
			t.Fatalf("counters: %+v", c)
		}
		// A cancelled registration keeps no personal data.
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM event_registrations WHERE status = 'cancelled' AND (data IS NOT NULL OR email_bidx IS NOT NULL)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("cancelled rows with data: %d %v", n, err)
		}
		// Cancelled people may register again.
		if _, err := e.svc.Signup(ctx, ev, "en", person(3)); err != nil {
			t.Fatal(err)
		}
		if c := counts(t, e, ev.Key); c.Waiting != 1 {
			t.Fatalf("re-registration after cancel: %+v", c)
		}
	})
}

func TestClosedPastDraftEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		for key, want := range map[string]error{
			"content/events/closed/index.md": ErrClosed,
			"content/events/past/index.md":   ErrClosed,
			"content/events/draft/index.md":  ErrNotOpen,
		} {
			ev := e.event(key, "en")
			if _, err := e.svc.Signup(ctx, ev, "en", person(1)); !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", key, err, want)
			}
		}
		// An event without internal registration.
		for _, ev := range e.svc.AllEvents() {
			if !ev.Internal {
				if _, err := e.svc.Signup(ctx, ev, "en", person(1)); !errors.Is(err, ErrNotOpen) {
					t.Errorf("%s without registration: %v", ev.Key, err)
				}
				break
			}
		}
		// Closed early by an organiser.
		ev := e.event("id:small", "en")
		if err := e.svc.SetClosed(ctx, ev, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Signup(ctx, ev, "en", person(1)); !errors.Is(err, ErrClosed) {
			t.Errorf("closed early: %v", err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM event_registrations`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d registrations stored for closed events", n)
		}
	})
}

func TestUpdateKeepsEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		o, err := e.svc.Signup(ctx, ev, "en", person(1))
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.Update(ctx, o.Token, "cs", Registrant{Name: "Renamed", Email: "attacker@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := e.svc.ByToken(ctx, o.Token)
		if r2.Registrant.Name != "Renamed" || r2.Registrant.Email != "p1@example.org" || r2.Lang != "cs" || r.Registrant.Email != "p1@example.org" {
			t.Fatalf("after update: %+v", r2)
		}
		if _, err := e.svc.Update(ctx, "not-a-token", "cs", person(1)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bad token: %v", err)
		}
	})
}

// A raised capacity (the organiser edits the page) promotes people waiting.
func TestCapacityRaisedPromotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		for i := range 13 {
			e.clock.Add(time.Second)
			if _, err := e.svc.Signup(ctx, ev, "en", person(i)); err != nil {
				t.Fatal(err)
			}
		}
		bigger := strings.Replace(extraEvents["content/events/small/index.en.md"], "capacity: 10", "capacity: 12", 1)
		biggerCS := strings.Replace(extraEvents["content/events/small/index.cs.md"], "capacity: 10", "capacity: 12", 1)
		e.setSite(map[string]string{"content/events/small/index.en.md": bigger, "content/events/small/index.cs.md": biggerCS})
		if err := e.svc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 12 || c.Waiting != 1 || c.Sequence != 0 {
			t.Fatalf("after raising capacity: %+v", c)
		}
		if len(e.mem.to("p10@example.org")) != 2 || len(e.mem.to("p11@example.org")) != 2 || len(e.mem.to("p12@example.org")) != 1 {
			t.Fatal("promotion emails not sent in waitlist order")
		}
	})
}

package events

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func TestAdminAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		for i := range 11 {
			e.clock.Add(time.Second)
			in := person(i)
			in.Answers = map[string]string{"diet": "Vegan", "note": "=HYPERLINK(\"http://evil\")"}
			if _, err := e.svc.Signup(ctx, ev, "en", in); err != nil {
				t.Fatal(err)
			}
		}
		regs, err := e.svc.Registrations(ctx, ev.Key)
		if err != nil || len(regs) != 11 || regs[0].Registrant.Email != "p0@example.org" || regs[10].Status != StatusWaiting {
			t.Fatalf("registrations: %d %v", len(regs), err)
		}
		if err := e.svc.CheckIn(ctx, ev.Key, regs[0].ID, true); err != nil {
			t.Fatal(err)
		}
		// A waiting person cannot be checked in; nor a row of another event.
		if err := e.svc.CheckIn(ctx, ev.Key, regs[10].ID, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("check in of a waiting person: %v", err)
		}
		if err := e.svc.CheckIn(ctx, "id:summer", regs[1].ID, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("check in through another event: %v", err)
		}
		rows, err := e.svc.CSVRows(ctx, ev)
		if err != nil || len(rows) != 11 {
			t.Fatalf("csv: %d %v", len(rows), err)
		}
		head := e.svc.CSVHeader(ev, "cs")
		if len(head) != len(rows[0]) || head[6] != "Jídlo" {
			t.Errorf("csv header %v", head)
		}
		if rows[0][5] == "" || rows[1][5] != "" {
			t.Error("check-in not in the export")
		}
		if rows[0][7][0] != '\'' {
			t.Errorf("formula not neutralised: %q", rows[0][7])
		}
		n, err := e.svc.Message(ctx, ev, AudienceWaiting, "Room change", "We meet in room 2.")
		if err != nil || n != 1 {
			t.Fatalf("message to the waiting list: %d %v", n, err)
		}
		if got := e.mem.to("p10@example.org"); len(got) != 2 || got[1].Subject != "Room change" {
			t.Errorf("waiting person's messages: %+v", got)
		}
		if n, _ := e.svc.Message(ctx, ev, AudienceAll, "All", "Hello."); n != 11 {
			t.Errorf("message to all: %d", n)
		}
		if _, err := e.svc.Message(ctx, ev, "everyone", "x", "y"); err == nil {
			t.Error("unknown audience accepted")
		}
		if _, err := e.svc.Message(ctx, ev, AudienceAll, "", "y"); err == nil {
			t.Error("empty subject accepted")
		}
		sums, err := e.svc.Summaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range sums {
			if s.Key == ev.Key {
				found = s.Confirmed == 10 && s.Waiting == 1
			}
		}
		if !found {
			t.Errorf("summaries: %+v", sums)
		}
		// Orphans: remove the event from the site.
		e.setSite(map[string]string{"content/events/small/index.en.md": "", "content/events/small/index.cs.md": ""})
		orph, err := e.svc.Orphans(ctx)
		if err != nil || len(orph) != 1 || orph[0] != ev.Key {
			t.Errorf("orphans: %v %v", orph, err)
		}
	})
}

// TestAdminChangesCommitWithTheirRecord: what a caller adds to a change's
// transaction (the console's audit entry) commits with it or not at all —
// a failing addition undoes the check-in, the early close and the message.
func TestAdminChangesCommitWithTheirRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		if _, err := e.svc.Signup(ctx, ev, "en", person(0)); err != nil {
			t.Fatal(err)
		}
		regs, err := e.svc.Registrations(ctx, ev.Key)
		if err != nil || len(regs) != 1 {
			t.Fatalf("registrations: %d %v", len(regs), err)
		}
		sent := len(e.mem.all())
		boom := errors.New("audit failed")
		fail := func(*sql.Tx) error { return boom }

		if err := e.svc.CheckIn(ctx, ev.Key, regs[0].ID, true, fail); !errors.Is(err, boom) {
			t.Fatalf("check-in: %v", err)
		}
		if regs, _ := e.svc.Registrations(ctx, ev.Key); !regs[0].CheckedInAt.IsZero() {
			t.Error("check-in kept although its record failed")
		}
		if err := e.svc.SetClosed(ctx, ev, true, fail); !errors.Is(err, boom) {
			t.Fatalf("close: %v", err)
		}
		if c, err := e.svc.Counts(ctx, ev.Key); err != nil || c.Closed {
			t.Errorf("close kept although its record failed: %+v %v", c, err)
		}
		var queued int
		if _, err := e.svc.Message(ctx, ev, AudienceAll, "Hi", "Text.", func(_ *sql.Tx, n int) error { queued = n; return boom }); !errors.Is(err, boom) {
			t.Fatalf("message: %v", err)
		}
		if queued != 1 || len(e.mem.all()) != sent {
			t.Errorf("message: addition saw %d queued; %d emails went out after its failure", queued, len(e.mem.all())-sent)
		}

		// And with an addition that succeeds, both happen.
		ran := 0
		ok := func(*sql.Tx) error { ran++; return nil }
		if err := e.svc.CheckIn(ctx, ev.Key, regs[0].ID, true, ok); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetClosed(ctx, ev, true, ok); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.svc.Counts(ctx, ev.Key); !c.Closed || ran != 2 {
			t.Errorf("closed %v, additions run %d", c.Closed, ran)
		}
	})
}

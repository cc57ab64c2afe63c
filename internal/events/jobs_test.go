package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
)

// TestReminderOnceAcrossRestart: the reminder for the example online event
// (24 h by default) carries the meeting link to confirmed people only, is
// sent exactly once, and a restarted server (a fresh Service and queue on
// the same database) does not send it again.
func TestReminderOnceAcrossRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.Start(t)
		e := newEnv(t, d, smtp)
		ctx := context.Background()
		online := e.event("content/events/intro-online/index.md", "en")
		if online.Capacity != 30 || !online.Anonymous || online.MeetingURL == "" || online.Reminder != 24*time.Hour {
			t.Fatalf("example event settings: %+v", online)
		}
		for i := range 31 {
			if _, err := e.svc.Signup(ctx, online, "en", person(i)); err != nil {
				t.Fatal(err)
			}
		}
		e.runJobs() // confirmations
		msgs := smtp.WaitFor(t, 31, 10*time.Second)
		for _, m := range msgs {
			if m.To[0] == "p30@example.org" && strings.Contains(m.Text, "meet.example.org") {
				t.Fatal("a waiting person got the meeting link")
			}
		}
		// The restarted process (below) loads the example site now: its
		// dates are relative to the load time.
		r := newEnvWith(t, dbtest.Reopen(t, d), smtp, e.keys, e.clock)
		// The day before, minus a minute: nothing yet.
		due := online.Start().Add(-24 * time.Hour)
		e.clock.Set(due.Add(-time.Minute))
		if n := e.runJobs(); n != 0 {
			t.Fatalf("%d jobs ran before the reminder was due", n)
		}
		// Restart: the new service and queue on a second handle take over.
		e.clock.Set(due.Add(time.Minute))
		r.runJobs() // the reminder job queues 30 emails
		r.runJobs() // the outbox sends them
		e.runJobs() // the old process finds nothing left
		all := smtp.WaitFor(t, 61, 10*time.Second)
		reminders := map[string]int{}
		for _, m := range all {
			if strings.HasPrefix(m.Subject, "Reminder:") {
				reminders[m.To[0]]++
				if !strings.Contains(m.Text, "https://meet.example.org/union-intro") {
					t.Fatalf("reminder without the meeting link: %q", m.Text)
				}
			}
		}
		if len(reminders) != 30 || reminders["p30@example.org"] != 0 {
			t.Fatalf("reminders went to %d people (waiting one: %d)", len(reminders), reminders["p30@example.org"])
		}
		for to, n := range reminders {
			if n != 1 {
				t.Fatalf("%s reminded %d times", to, n)
			}
		}
		// Running everything again later sends nothing more.
		e.clock.Add(time.Hour)
		e.runJobs()
		r.runJobs()
		if n := len(smtp.Messages()); n != 61 {
			t.Fatalf("%d messages after re-running, want 61", n)
		}
	})
}

// TestEraseAfterRetention: 30 days after the end the personal data is gone,
// the counts stay, the personal link stops working.
func TestEraseAfterRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		var tok string
		for i := range 12 {
			o, err := e.svc.Signup(ctx, ev, "en", person(i))
			if err != nil {
				t.Fatal(err)
			}
			tok = o.Token
		}
		e.clock.Set(ev.End().Add(DefaultRetention - time.Minute))
		e.runJobs()
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM event_registrations WHERE data IS NOT NULL`).Scan(&n)
		if n != 12 {
			t.Fatalf("erased early: %d rows keep data", n)
		}
		e.clock.Set(ev.End().Add(DefaultRetention + time.Minute))
		e.runJobs()
		d.QueryRow(ctx, `SELECT COUNT(*) FROM event_registrations WHERE data IS NOT NULL OR email_bidx IS NOT NULL OR token_hash IS NOT NULL`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d rows keep personal data after retention", n)
		}
		if c := counts(t, e, ev.Key); c.Confirmed != 10 || c.Waiting != 2 {
			t.Fatalf("counts lost: %+v", c)
		}
		if _, err := e.svc.ByToken(ctx, tok); err == nil {
			t.Fatal("personal link works after erasure")
		}
		regs, err := e.svc.Registrations(ctx, ev.Key)
		if err != nil || len(regs) != 12 || !regs[0].Erased || regs[0].Registrant.Email != "" {
			t.Fatalf("registrations after erasure: %d %v", len(regs), err)
		}
	})
}

// TestAnonymousKeepsNoRealName: the anonymous form asks for a nickname and
// stores nothing else about the person but the email.
func TestAnonymousKeepsNoRealName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		online := e.event("content/events/intro-online/index.md", "cs")
		resp, body := get(t, e.srv.URL+RegisterURL(online.Page))
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Přezdívka") || strings.Contains(string(body), "Vaše jméno") {
			t.Fatalf("anonymous form asks for a real name (%d)", resp.StatusCode)
		}
		if strings.Contains(string(body), "meet.example.org") {
			t.Fatal("the registration page shows the meeting link")
		}
		regs, _ := e.svc.Registrations(context.Background(), online.Key)
		if len(regs) != 0 {
			t.Fatal("registrations before anyone registered")
		}
	})
}

package faulttest

import (
	"context"
	"testing"
	"time"

	"unionhall/internal/jointest"
	"unionhall/internal/mailtest"
)

// TestKill9DuringJoins: SIGKILL the server in the middle of a burst of
// join submissions, start it again on the same data, and count: every
// submission answered 202 is stored, and every one's verification email
// arrives, none as two different messages.
func TestKill9DuringJoins(t *testing.T) {
	eachDB(t, func(t *testing.T, s setup) {
		s.smtp = mailtest.Start(t)
		srv := start(t, s)
		burst := jointest.Start(srv.url, "k", 8)
		waitUntil(t, 60*time.Second, "80 acknowledged submissions", func() bool { return burst.Count() >= 80 })
		srv.kill()
		killed := time.Now()
		res := burst.Stop()
		acked := burst.Acked()
		if len(res.Other) > 0 {
			t.Fatalf("answers other than 202 before the kill: %v", res.Other)
		}

		srv = start(t, s)
		restarted := time.Since(killed)
		d := openDB(t, s)
		keys := loadKeys(t, s.dataDir)
		if m := missing(t, d, keys, "k", acked); len(m) > 0 {
			t.Fatalf("%d of %d acknowledged submissions missing after kill -9: %v", len(m), len(acked), m)
		}
		var stored int
		d.QueryRow(context.Background(), `SELECT count(*) FROM applications`).Scan(&stored)

		// Every acknowledged application gets its verification email.
		waitUntil(t, 120*time.Second, "a verification email for every acknowledged submission", func() bool {
			got := mailByRecipient(s.smtp)
			for n := range acked {
				if len(got[jointest.Email("k", n)]) == 0 {
					return false
				}
			}
			return true
		})
		mailed := time.Since(killed)
		repeats := 0
		for to, ids := range mailByRecipient(s.smtp) {
			if len(ids) != 1 {
				t.Errorf("%s received %d different messages: %v", to, len(ids), ids)
			}
			for _, n := range ids {
				repeats += n - 1
			}
		}
		t.Logf("FIGURES kill-9 %s: %d answered 202 before the kill, %d stored (committed but unanswered: %d), %d refused or cut off by the kill; restart answered after %v; all emails in %v; same-Message-ID repeats: %d",
			dbName(s), len(acked), stored, stored-len(acked), res.Failed, restarted.Round(time.Millisecond), mailed.Round(time.Millisecond), repeats)
		srv.stop(t)
	})
}

// TestSMTPOutage: the mail server refuses every connection while
// applications arrive; once it is back, every verification email arrives,
// exactly once.
func TestSMTPOutage(t *testing.T) {
	eachDB(t, func(t *testing.T, s setup) {
		s.smtp = mailtest.Start(t)
		s.smtp.SetDown(true)
		srv := start(t, s)
		res := jointest.Burst(context.Background(), srv.url, "o", 4, 30, nil)
		if len(res.Acked) != 30 {
			t.Fatalf("%d of 30 acknowledged during the outage: %v", len(res.Acked), res.Other)
		}
		// Down long enough that every email has been refused at least once.
		waitUntil(t, 60*time.Second, "30 refused deliveries", func() bool { return s.smtp.Refused() >= 30 })
		refused := s.smtp.Refused()
		back := time.Now()
		s.smtp.SetDown(false)
		waitUntil(t, 120*time.Second, "30 emails after the outage", func() bool { return len(s.smtp.Messages()) >= 30 })
		got := mailByRecipient(s.smtp)
		for _, n := range res.Acked {
			ids := got[jointest.Email("o", n)]
			if len(ids) != 1 {
				t.Errorf("application %d: %d messages", n, len(ids))
			}
			for id, c := range ids {
				if c != 1 {
					t.Errorf("application %d: message %s delivered %d times", n, id, c)
				}
			}
		}
		t.Logf("FIGURES smtp-outage %s: 30 applications, %d refused connections, all 30 emails %v after the server came back",
			dbName(s), refused, time.Since(back).Round(time.Millisecond))
		srv.stop(t)
		if n := len(s.smtp.Messages()); n != 30 {
			t.Errorf("%d messages in all, want 30", n)
		}
	})
}

func dbName(s setup) string {
	if s.dbURL != "" {
		return "postgres"
	}
	return "sqlite"
}

package membership

import (
	"context"
	"net/http"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestPurgeExpired: an application nobody confirmed disappears, with its
// tokens, once its retention has passed; confirmed ones are kept.
func TestPurgeExpired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		post := func(email string) {
			t.Helper()
			res, body := e.postJSON(apiBody(t, func(m map[string]any) { m["email"] = email }))
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("submit %s: %d %s", email, res.StatusCode, body)
			}
		}
		post("stale@posta.example")
		post("kept@posta.example")
		e.runJobs()
		// The second applicant confirms; the first never does.
		if _, err := d.Exec(context.Background(), `UPDATE applications SET state = 'processing' WHERE state = 'unverified' AND id IN (SELECT id FROM applications ORDER BY created_at DESC LIMIT 1)`); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.PurgeExpired(context.Background()); err != nil || n != 0 {
			t.Fatalf("fresh applications purged: %d, %v", n, err)
		}

		e.clock.Add(UnverifiedRetention + time.Hour)
		n, err := e.svc.PurgeExpired(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		if got := e.count(`SELECT COUNT(*) FROM applications WHERE state = 'unverified'`); got != 0 {
			t.Errorf("%d unverified applications left", got)
		}
		if got := e.count(`SELECT COUNT(*) FROM applications WHERE state = 'processing'`); got != 1 {
			t.Errorf("confirmed application gone: %d left", got)
		}
		if got := e.count(`SELECT COUNT(*) FROM application_tokens WHERE application_id NOT IN (SELECT id FROM applications)`); got != 0 {
			t.Errorf("%d orphaned tokens", got)
		}
		// Running again is harmless.
		if n, err := e.svc.PurgeExpired(context.Background()); err != nil || n != 0 {
			t.Errorf("second purge: %d, %v", n, err)
		}
	})
}

// TestPurgeRejected: a rejected application goes a year after its
// rejection; one rejected more recently, or re-evaluated, stays.
func TestPurgeRejected(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for _, email := range []string{"old@posta.example", "recent@posta.example"} {
			res, body := e.postJSON(apiBody(t, func(m map[string]any) { m["email"] = email }))
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("submit: %d %s", res.StatusCode, body)
			}
		}
		e.runJobs()
		ctx := context.Background()
		// Both were confirmed; the console rejects them a month apart.
		if _, err := d.Exec(ctx, `UPDATE applications SET state = 'rejected', resolved_at = ?`, db.T(e.clock.Now())); err != nil {
			t.Fatal(err)
		}
		var recent string
		if err := d.QueryRow(ctx, `SELECT id FROM applications ORDER BY id LIMIT 1`).Scan(&recent); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `UPDATE applications SET resolved_at = ? WHERE id = ?`, db.T(e.clock.Now().Add(30*24*time.Hour)), recent); err != nil {
			t.Fatal(err)
		}
		e.clock.Add(RejectedRetention - time.Hour)
		if n, err := e.svc.PurgeExpired(ctx); err != nil || n != 0 {
			t.Fatalf("purged %d before a year had passed (%v)", n, err)
		}
		e.clock.Add(2 * time.Hour)
		if n, err := e.svc.PurgeExpired(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want the older rejection only", n, err)
		}
		if got := e.count(`SELECT COUNT(*) FROM applications WHERE id = ?`, recent); got != 1 {
			t.Error("the more recent rejection was deleted too")
		}
	})
}

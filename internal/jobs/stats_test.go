package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jobs"
)

// Stats and Overdue see what monitoring needs: counts and ages by state,
// and how long a due job has waited — including one whose worker died.
func TestStatsAndOverdue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, func(o *jobs.Options) { o.MaxAttempts = 1 })
		ctx := context.Background()
		if o, err := q.Overdue(ctx); err != nil || o != 0 {
			t.Fatalf("empty queue overdue %v %v", o, err)
		}
		if s, err := q.Stats(ctx); err != nil || len(s) != 0 {
			t.Fatalf("empty queue stats %v %v", s, err)
		}
		q.Handle("ok", func(context.Context, jobs.Job) error { return nil })
		q.Handle("bad", func(context.Context, jobs.Job) error { return errors.New("no") })
		mustEnqueue := func(kind string, at time.Time) {
			if _, err := q.Enqueue(ctx, nil, kind, nil, at); err != nil {
				t.Fatal(err)
			}
		}
		mustEnqueue("ok", time.Time{})
		mustEnqueue("bad", time.Time{})
		runOnce(t, q, 2) // one done, one dead (MaxAttempts 1)
		c.Add(time.Minute)
		mustEnqueue("ok", c.Now().Add(time.Hour)) // pending, not due
		mustEnqueue("ok", time.Time{})            // pending, due now
		c.Add(3 * time.Minute)

		if o, err := q.Overdue(ctx); err != nil || o != 3*time.Minute {
			t.Fatalf("overdue %v %v, want 3m", o, err)
		}
		stats, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]jobs.StateStats{}
		for _, s := range stats {
			got[s.State] = s
		}
		if got["done"].Count != 1 || got["dead"].Count != 1 || got["pending"].Count != 2 {
			t.Fatalf("stats %+v", stats)
		}
		if got["pending"].Oldest != 3*time.Minute || got["done"].Oldest != 4*time.Minute {
			t.Fatalf("ages %+v", stats)
		}

		// Once the due one has run, only the future one is left; two hours
		// on it has been due for 63 minutes.
		runOnce(t, q, 1)
		if o, _ := q.Overdue(ctx); o != 0 {
			t.Fatalf("overdue %v after the due job ran", o)
		}
		c.Add(2 * time.Hour)
		if o, _ := q.Overdue(ctx); o != 63*time.Minute {
			t.Fatalf("overdue %v, want 1h3m", o)
		}
		// A running job whose worker vanished is due again from the end of
		// its lease (run_at while running).
		if _, err := d.Exec(ctx, `UPDATE jobs SET state = 'running', run_at = ? WHERE state = 'pending'`, db.T(c.Now().Add(-5*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if o, _ := q.Overdue(ctx); o != 5*time.Minute {
			t.Fatalf("overdue %v for an expired lease, want 5m", o)
		}
	})
}

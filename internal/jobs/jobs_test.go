package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jobs"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func queue(d *db.DB, c *clock, mod func(*jobs.Options)) *jobs.Queue {
	o := jobs.Options{Now: c.Now, Logger: dbtest.Logger(), Backoff: func(a int) time.Duration { return time.Duration(a) * time.Minute }}
	if mod != nil {
		mod(&o)
	}
	return jobs.New(d, o)
}

func runOnce(t *testing.T, q *jobs.Queue, want int) {
	t.Helper()
	n, err := q.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if n != want {
		t.Fatalf("RunOnce ran %d jobs, want %d", n, want)
	}
}

func info(t *testing.T, q *jobs.Queue, id string) jobs.Info {
	t.Helper()
	i, err := q.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return i
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not a wait for an outcome
	}
}

func TestRetryWithBackoff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, nil)
		var calls []jobs.Job
		q.Handle("flaky", func(ctx context.Context, j jobs.Job) error {
			calls = append(calls, j)
			if len(calls) < 3 {
				return fmt.Errorf("smtp: connection refused (try %d)", len(calls))
			}
			return nil
		})
		id, err := q.Enqueue(t.Context(), nil, "flaky", []byte("payload"), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, q, 1)
		i := info(t, q, id)
		if i.State != "pending" || i.Attempts != 1 || !i.RunAt.Equal(c.Now().Add(time.Minute)) || !strings.Contains(i.LastError, "try 1") {
			t.Fatalf("after first failure: %+v", i)
		}
		runOnce(t, q, 0) // not due yet
		c.Add(59 * time.Second)
		runOnce(t, q, 0)
		c.Add(time.Second)
		runOnce(t, q, 1) // second failure: back-off for attempt 2 is 2 minutes
		if i := info(t, q, id); !i.RunAt.Equal(c.Now().Add(2 * time.Minute)) {
			t.Fatalf("second retry at %v, want %v", i.RunAt, c.Now().Add(2*time.Minute))
		}
		c.Add(2 * time.Minute)
		runOnce(t, q, 1)
		i = info(t, q, id)
		if i.State != "done" || i.Attempts != 3 || i.LastError != "" {
			t.Fatalf("after success: %+v", i)
		}
		if len(calls) != 3 || string(calls[2].Payload) != "payload" || calls[2].Attempt != 3 || calls[0].ID != id {
			t.Fatalf("handler saw %+v", calls)
		}
		// The payload of a done job is erased.
		var payload []byte
		if err := d.QueryRow(t.Context(), "SELECT payload FROM jobs WHERE id = ?", id).Scan(&payload); err != nil || len(payload) != 0 {
			t.Fatalf("done payload = %q (err %v), want empty", payload, err)
		}
		runOnce(t, q, 0)
	})
}

func TestDeadLetterAndRetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, func(o *jobs.Options) {
			o.MaxAttempts = 3
			o.Backoff = func(int) time.Duration { return 0 }
		})
		var runs atomic.Int32
		fail := true
		q.Handle("doomed", func(ctx context.Context, j jobs.Job) error {
			runs.Add(1)
			if fail {
				return errors.New("remote said no: " + strings.Repeat("é", 2000))
			}
			return nil
		})
		q.Handle("garbage", func(ctx context.Context, j jobs.Job) error {
			return jobs.Permanent(errors.New("cannot decode payload"))
		})
		q.Handle("panics", func(ctx context.Context, j jobs.Job) error {
			panic("secret personal data in panic value")
		})
		id, _ := q.Enqueue(t.Context(), nil, "doomed", nil, time.Time{})
		gid, _ := q.Enqueue(t.Context(), nil, "garbage", nil, time.Time{})
		pid, _ := q.Enqueue(t.Context(), nil, "panics", nil, time.Time{})
		runOnce(t, q, 3+1+3)
		i := info(t, q, id)
		if i.State != "dead" || i.Attempts != 3 || runs.Load() != 3 {
			t.Fatalf("doomed job: %+v, runs %d", i, runs.Load())
		}
		if len(i.LastError) > jobs.MaxErrorLen+len("…") || !strings.HasPrefix(i.LastError, "remote said no") || !strings.HasSuffix(i.LastError, "…") {
			t.Fatalf("last error not truncated cleanly: %d bytes", len(i.LastError))
		}
		if g := info(t, q, gid); g.State != "dead" || g.Attempts != 1 {
			t.Fatalf("permanent error job: %+v", g)
		}
		p := info(t, q, pid)
		if p.State != "dead" || !strings.Contains(p.LastError, "panicked") || strings.Contains(p.LastError, "secret personal") {
			t.Fatalf("panicking job: state %s, error %q", p.State, p.LastError)
		}
		counts, err := q.Counts(t.Context())
		if err != nil || counts["dead"] != 3 {
			t.Fatalf("counts %v, err %v", counts, err)
		}
		// The operator fixes the cause and retries.
		fail = false
		if err := q.Retry(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		runOnce(t, q, 1)
		if i := info(t, q, id); i.State != "done" {
			t.Fatalf("after Retry: %+v", i)
		}
		if err := q.Retry(t.Context(), id); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Retry of a done job: %v", err)
		}
		if _, err := q.Get(t.Context(), "nonexistent"); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("Get unknown: %v", err)
		}
	})
}

// A worker that dies mid-job leaves a lease; once it expires another worker
// runs the job, and the dead worker's late answer is ignored.
func TestLeaseExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		lease := func(o *jobs.Options) { o.Lease = 10 * time.Minute }
		stuck := queue(d, c, lease)
		release := make(chan struct{})
		started := make(chan struct{})
		stuck.Handle("work", func(ctx context.Context, j jobs.Job) error {
			close(started)
			<-release
			return errors.New("late failure that must be ignored")
		})
		id, _ := stuck.Enqueue(t.Context(), nil, "work", []byte("x"), time.Time{})
		done := make(chan struct{})
		go func() { defer close(done); stuck.RunOnce(context.Background()) }()
		<-started

		other := queue(dbtest.Reopen(t, d), c, lease)
		ranBy := ""
		other.Handle("work", func(ctx context.Context, j jobs.Job) error {
			ranBy = fmt.Sprintf("attempt %d", j.Attempt)
			return nil
		})
		runOnce(t, other, 0) // leased
		c.Add(10*time.Minute - time.Second)
		runOnce(t, other, 0)
		c.Add(time.Second)
		runOnce(t, other, 1)
		if ranBy != "attempt 2" {
			t.Fatalf("second worker ran %q", ranBy)
		}
		close(release)
		<-done
		if i := info(t, other, id); i.State != "done" || i.Attempts != 2 || i.LastError != "" {
			t.Fatalf("late answer overwrote the outcome: %+v", i)
		}
	})
}

func TestLeaseExpiryAfterLastAttemptIsDead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, func(o *jobs.Options) { o.MaxAttempts = 1; o.Lease = time.Minute })
		q.Handle("work", func(ctx context.Context, j jobs.Job) error { return nil })
		id, _ := q.Enqueue(t.Context(), nil, "work", nil, time.Time{})
		// Simulate a worker that claimed the job and vanished.
		if _, err := d.Exec(t.Context(), "UPDATE jobs SET state = 'running', attempts = 1, lease = 'gone', run_at = ? WHERE id = ?",
			db.T(c.Now().Add(time.Minute)), id); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Minute)
		runOnce(t, q, 1)
		if i := info(t, q, id); i.State != "dead" || !strings.Contains(i.LastError, "lease expired") {
			t.Fatalf("%+v", i)
		}
	})
}

func TestEnqueueInCallerTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, nil)
		q.Handle("k", func(ctx context.Context, j jobs.Job) error { return nil })
		ctx := t.Context()
		var rolledBack string
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			id, err := q.Enqueue(ctx, tx, "k", []byte("a"), time.Time{})
			rolledBack = id
			if err != nil {
				return err
			}
			return errors.New("application insert failed")
		})
		if err == nil {
			t.Fatal("expected error")
		}
		if _, err := q.Get(ctx, rolledBack); !errors.Is(err, jobs.ErrNotFound) {
			t.Fatalf("job from a rolled-back transaction exists: %v", err)
		}
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := q.Enqueue(ctx, tx, "k", []byte("b"), c.Now().Add(time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, q, 0) // scheduled for later
		c.Add(time.Hour)
		runOnce(t, q, 1)
	})
}

func TestEnqueueBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := queue(d, newClock(), nil)
		ctx := t.Context()
		if _, err := q.Enqueue(ctx, nil, "", nil, time.Time{}); err == nil {
			t.Error("empty kind accepted")
		}
		if _, err := q.Enqueue(ctx, nil, "k", make([]byte, jobs.MaxPayload+1), time.Time{}); err == nil {
			t.Error("oversized payload accepted")
		}
		// Hostile kinds and payloads are stored and returned verbatim.
		hostile := "k'; DROP TABLE jobs; --\u202e<script>"
		var got []byte
		q.Handle(hostile, func(ctx context.Context, j jobs.Job) error { got = j.Payload; return nil })
		payload := []byte("\x00\xff<script>alert(1)</script>\u202e")
		if _, err := q.Enqueue(ctx, nil, hostile, payload, time.Time{}); err != nil {
			t.Fatal(err)
		}
		// A kind nobody handles here is left for a process that does.
		other, _ := q.Enqueue(ctx, nil, "unknown.kind", nil, time.Time{})
		runOnce(t, q, 1)
		if string(got) != string(payload) {
			t.Fatalf("payload %q, want %q", got, payload)
		}
		if i := info(t, q, other); i.State != "pending" || i.Attempts != 0 {
			t.Fatalf("unhandled kind was touched: %+v", i)
		}
	})
}

// A new Queue on a reopened database — the server after a restart — runs
// what the old one left.
func TestRestartPicksUpPendingJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		before := queue(d, c, nil)
		var ids []string
		for i := range 5 {
			id, err := before.Enqueue(t.Context(), nil, "k", []byte{byte(i)}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		after := queue(dbtest.Reopen(t, d), c, nil)
		seen := map[string]int{}
		after.Handle("k", func(ctx context.Context, j jobs.Job) error { seen[j.ID]++; return nil })
		runOnce(t, after, 5)
		for _, id := range ids {
			if seen[id] != 1 {
				t.Errorf("job %s ran %d times", id, seen[id])
			}
		}
	})
}

// Several queues, each on its own connection pool as separate processes
// would be, compete for 200 jobs with real concurrency: each job runs once.
func TestCompetingQueuesRunEachJobOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const total, queues = 200, 4
		seed := jobs.New(d, jobs.Options{Logger: dbtest.Logger()})
		for i := range total {
			if _, err := seed.Enqueue(t.Context(), nil, "count", []byte(fmt.Sprint(i)), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		runs := map[string]int{}
		var done atomic.Int32
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range queues {
			q := jobs.New(dbtest.Reopen(t, d), jobs.Options{Logger: dbtest.Logger(), Workers: 4, PollInterval: 20 * time.Millisecond})
			q.Handle("count", func(ctx context.Context, j jobs.Job) error {
				mu.Lock()
				runs[j.ID]++
				mu.Unlock()
				done.Add(1)
				return nil
			})
			wg.Go(func() { q.Run(ctx) })
		}
		waitFor(t, "200 jobs done", 60*time.Second, func() bool {
			counts, err := seed.Counts(t.Context())
			return err == nil && counts["done"] == total
		})
		cancel()
		wg.Wait()
		if len(runs) != total || done.Load() != total {
			t.Fatalf("%d distinct jobs ran, %d runs in all; want %d each", len(runs), done.Load(), total)
		}
		for id, n := range runs {
			if n != 1 {
				t.Errorf("job %s ran %d times", id, n)
			}
		}
	})
}

// Enqueue wakes idle workers at commit, long before the next poll.
func TestWakeOnCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := jobs.New(d, jobs.Options{Logger: dbtest.Logger(), Workers: 2, PollInterval: time.Hour})
		ran := make(chan string, 1)
		q.Handle("k", func(ctx context.Context, j jobs.Job) error { ran <- j.ID; return nil })
		ctx, cancel := context.WithCancel(t.Context())
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		// Let the workers go idle: the first claim finds nothing.
		var id string
		err := d.Tx(t.Context(), func(tx *sql.Tx) error {
			var err error
			id, err = q.Enqueue(t.Context(), tx, "k", nil, time.Time{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-ran:
			if got != id {
				t.Fatalf("ran %s, want %s", got, id)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("job did not run after commit; workers were not woken")
		}
		cancel()
		<-stopped
	})
}

// Shutting down mid-job gives the attempt back instead of counting a failure.
func TestShutdownReleasesJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := jobs.New(d, jobs.Options{Logger: dbtest.Logger(), Workers: 1, PollInterval: 10 * time.Millisecond})
		started := make(chan struct{})
		q.Handle("slow", func(ctx context.Context, j jobs.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		id, _ := q.Enqueue(t.Context(), nil, "slow", nil, time.Time{})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { q.Run(ctx); close(stopped) }()
		<-started
		cancel()
		<-stopped
		if i := info(t, q, id); i.State != "pending" || i.Attempts != 0 {
			t.Fatalf("after shutdown: %+v", i)
		}
	})
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, func(o *jobs.Options) { o.Retention = 24 * time.Hour; o.MaxAttempts = 1 })
		q.Handle("ok", func(ctx context.Context, j jobs.Job) error { return nil })
		q.Handle("bad", func(ctx context.Context, j jobs.Job) error { return errors.New("no") })
		okID, _ := q.Enqueue(t.Context(), nil, "ok", nil, time.Time{})
		badID, _ := q.Enqueue(t.Context(), nil, "bad", nil, time.Time{})
		runOnce(t, q, 2)
		c.Add(23 * time.Hour)
		if n, err := q.Purge(t.Context()); err != nil || n != 0 {
			t.Fatalf("early purge removed %d (err %v)", n, err)
		}
		c.Add(2 * time.Hour)
		if n, err := q.Purge(t.Context()); err != nil || n != 1 {
			t.Fatalf("purge removed %d (err %v), want 1", n, err)
		}
		if _, err := q.Get(t.Context(), okID); !errors.Is(err, jobs.ErrNotFound) {
			t.Error("done job not purged")
		}
		if i := info(t, q, badID); i.State != "dead" {
			t.Error("dead job must be kept for the operator")
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	prev := time.Duration(0)
	for a := 1; a <= 12; a++ {
		d := jobs.DefaultBackoff(a)
		if d < 24*time.Second || d > 72*time.Minute {
			t.Errorf("attempt %d: %v out of range", a, d)
		}
		if a <= 7 && d < prev/2 {
			t.Errorf("attempt %d: %v not growing (prev %v)", a, d, prev)
		}
		prev = d
	}
	if d := jobs.DefaultBackoff(1000); d > 72*time.Minute {
		t.Errorf("no cap: %v", d)
	}
	if d := jobs.DefaultBackoff(-1); d <= 0 {
		t.Errorf("negative attempt: %v", d)
	}
}

// TestWeekendOutage: with the default attempt budget and back-off, a job
// that fails for two and a half days (a mail server down over a weekend)
// is still pending, and runs once the server is back.
func TestWeekendOutage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, func(o *jobs.Options) { o.Backoff = jobs.DefaultBackoff })
		down := true
		q.Handle("mail", func(ctx context.Context, j jobs.Job) error {
			if down {
				return errors.New("smtp: connection refused")
			}
			return nil
		})
		id, err := q.Enqueue(t.Context(), nil, "mail", []byte("x"), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		start := c.Now()
		for c.Now().Sub(start) < 60*time.Hour {
			if _, err := q.RunOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			i := info(t, q, id)
			if i.State != "pending" {
				t.Fatalf("after %v of outage the job is %s (%d attempts)", c.Now().Sub(start), i.State, i.Attempts)
			}
			c.Add(i.RunAt.Sub(c.Now()) + time.Second)
		}
		down = false
		runOnce(t, q, 1)
		if i := info(t, q, id); i.State != "done" {
			t.Fatalf("after the outage: %+v", i)
		}
	})
}

// TestDeadListAndRetryAll: the operator sees dead jobs without payloads and
// can send them all again at once.
func TestDeadListAndRetryAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		q := queue(d, c, func(o *jobs.Options) { o.MaxAttempts = 1 })
		fail := true
		q.Handle("mail", func(ctx context.Context, j jobs.Job) error {
			if fail {
				return errors.New("smtp: 535 authentication failed")
			}
			return nil
		})
		for range 3 {
			if _, err := q.Enqueue(t.Context(), nil, "mail", []byte("sealed"), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		runOnce(t, q, 3)
		dead, err := q.Dead(t.Context(), 2)
		if err != nil || len(dead) != 2 || dead[0].State != "dead" || !strings.Contains(dead[0].LastError, "535") {
			t.Fatalf("dead: %+v %v", dead, err)
		}
		fail = false
		n, err := q.RetryDead(t.Context())
		if err != nil || n != 3 {
			t.Fatalf("retry dead: %d %v", n, err)
		}
		runOnce(t, q, 3)
		if counts, _ := q.Counts(t.Context()); counts["done"] != 3 || counts["dead"] != 0 {
			t.Fatalf("counts after retry: %v", counts)
		}
		if n, _ := q.RetryDead(t.Context()); n != 0 {
			t.Errorf("retry with none dead moved %d", n)
		}
	})
}

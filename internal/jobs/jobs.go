package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"unionhall/internal/db"
)

// Job is a claimed job as its handler sees it.
type Job struct {
	ID      string
	Kind    string
	Payload []byte
	// Attempt is 1 on the first run, 2 on the first retry, and so on.
	Attempt   int
	CreatedAt time.Time
}

// Handler does a job's work. A nil error marks the job done; an error retries
// it later (or kills it, see Permanent). The error text is stored and logged,
// so it must not contain personal data.
type Handler func(ctx context.Context, j Job) error

// Options configure a Queue. Zero values take the defaults shown.
type Options struct {
	Now          func() time.Time // time.Now
	Logger       *slog.Logger     // slog.Default()
	Workers      int              // 4: jobs run at once by Run
	PollInterval time.Duration    // 2s: how often idle workers look for due jobs
	MaxAttempts  int              // DefaultMaxAttempts: runs before a job is dead
	// Backoff is the wait before retry number attempt (1 after the first
	// failure). Default: 30s·2^(attempt−1), capped at 1h, ±20% jitter —
	// DefaultMaxAttempts then spans about three days of outage.
	Backoff func(attempt int) time.Duration
	// Lease is how long a claimed job is reserved for its worker (5m). The
	// handler's context is cancelled a little before it runs out.
	Lease time.Duration
	// Retention is how long done rows are kept before Purge deletes them (7 days).
	Retention time.Duration
}

// Queue runs jobs from the database. Several Queues — in one process or in
// several on PostgreSQL — may share one database.
type Queue struct {
	d    *db.DB
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	handlers map[string]Handler
	kinds    []string // sorted keys of handlers
	wake     chan struct{}
}

// DefaultMaxAttempts is how often a job runs before it is dead: with
// DefaultBackoff, the first seven retries take about an hour and every
// later one waits an hour, so 80 attempts ride out about three days of
// outage — a mail server down over a weekend loses no verification email.
// (It was 8, about an hour and a half, until a review pointed out that a
// weekend outage would kill every email.) A job that can never succeed
// returns Permanent and dies at once; a dead job stays for the operator
// (`unionhall jobs`, Retry).
const DefaultMaxAttempts = 80

// MaxErrorLen bounds the stored error text.
const MaxErrorLen = 1000

// New returns a queue on d. Register handlers with Handle before Run.
func New(d *db.DB, opts Options) *Queue {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.Retention <= 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	return &Queue{d: d, opts: opts, log: opts.Logger, handlers: map[string]Handler{}, wake: make(chan struct{})}
}

// DefaultBackoff is 30s·2^(attempt−1), capped at 1h, with ±20% jitter so
// jobs that failed together (an SMTP outage) do not retry in one burst.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := time.Hour
	if attempt < 8 {
		d = min(30*time.Second<<(attempt-1), time.Hour)
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// Handle registers the handler for kind. A Queue only claims kinds it has a
// handler for, so processes of different versions can share a database.
func (q *Queue) Handle(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs: Handle needs a kind and a handler")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.handlers[kind]; dup {
		panic("jobs: second handler for " + kind)
	}
	q.handlers[kind] = h
	q.kinds = append(q.kinds, kind)
	sort.Strings(q.kinds)
}

// MaxPayload bounds a job payload (8 MiB): jobs carry references and small
// sealed documents (an email with a PDF), not bulk data.
const MaxPayload = 8 << 20

// Enqueue adds a job that becomes due at runAt (zero: now). Pass the
// caller's transaction so the job commits with the data it belongs to; with
// a nil tx the job is committed on its own. Workers are woken as soon as the
// transaction commits (when it was started by db.Tx; otherwise at the next
// poll, or call Wake after committing).
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, kind string, payload []byte, runAt time.Time) (string, error) {
	id := db.NewID()
	return id, q.EnqueueWithID(ctx, tx, id, kind, payload, runAt)
}

// EnqueueWithID is Enqueue with an ID chosen by the caller (from db.NewID),
// for callers that bind their sealed payload to the job's ID.
func (q *Queue) EnqueueWithID(ctx context.Context, tx *sql.Tx, id, kind string, payload []byte, runAt time.Time) error {
	if kind == "" {
		return errors.New("jobs: enqueue: empty kind")
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("jobs: enqueue %s: payload of %d bytes exceeds %d", kind, len(payload), MaxPayload)
	}
	if payload == nil {
		payload = []byte{}
	}
	now := q.opts.Now()
	if runAt.IsZero() {
		runAt = now
	}
	insert := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q.d.Rebind(`INSERT INTO jobs
			(id, kind, payload, state, attempts, run_at, created_at, updated_at)
			VALUES (?, ?, ?, 'pending', 0, ?, ?, ?)`),
			id, kind, payload, db.T(runAt), db.T(now), db.T(now))
		if err != nil {
			return fmt.Errorf("jobs: enqueue %s: %w", kind, err)
		}
		q.d.AfterCommit(tx, q.Wake)
		return nil
	}
	if tx != nil {
		return insert(tx)
	}
	return q.d.Tx(ctx, insert)
}

// Wake makes idle workers look for due jobs now instead of at the next poll.
func (q *Queue) Wake() {
	q.mu.Lock()
	close(q.wake)
	q.wake = make(chan struct{})
	q.mu.Unlock()
}

func (q *Queue) wakeChan() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.wake
}

// claim takes one due job, or returns nil if none is due.
func (q *Queue) claim(ctx context.Context) (*claimed, error) {
	q.mu.Lock()
	kinds := q.kinds
	q.mu.Unlock()
	if len(kinds) == 0 {
		return nil, nil
	}
	now := q.opts.Now()
	lease := db.NewID()
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	due := `SELECT id FROM jobs WHERE state IN ('pending', 'running') AND run_at <= ? AND kind IN (` + marks + `)
		ORDER BY run_at LIMIT 1`
	var query string
	args := []any{db.T(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	switch q.d.Dialect() {
	case db.Postgres:
		// The CTE is evaluated once and its rows stay locked until commit;
		// SKIP LOCKED lets competing processes pass over them.
		query = `WITH c AS (` + due + ` FOR UPDATE SKIP LOCKED)
			UPDATE jobs AS j SET state = 'running', attempts = j.attempts + 1, run_at = ?, lease = ?, updated_at = ?
			FROM c WHERE j.id = c.id
			RETURNING j.id, j.kind, j.payload, j.attempts, j.created_at`
		args = append(args, db.T(now.Add(q.opts.Lease)), lease, db.T(now))
	default:
		query = `UPDATE jobs SET state = 'running', attempts = attempts + 1, run_at = ?, lease = ?, updated_at = ?
			WHERE id = (` + due + `)
			RETURNING id, kind, payload, attempts, created_at`
		args = append([]any{db.T(now.Add(q.opts.Lease)), lease, db.T(now)}, args...)
	}
	var c *claimed
	err := q.d.Tx(ctx, func(tx *sql.Tx) error {
		c = nil
		var j Job
		var created db.Time
		err := tx.QueryRowContext(ctx, q.d.Rebind(query), args...).Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempt, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		j.CreatedAt = created.Time
		c = &claimed{Job: j, lease: lease}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	return c, nil
}

type claimed struct {
	Job
	lease string
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so the job goes straight to 'dead' instead of being
// retried — for payloads that cannot be decoded or opened, say.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// process runs one claimed job and records the outcome. runCtx is Run's
// context: if it is cancelled mid-job (shutdown), the attempt is given back
// rather than counted as a failure.
func (q *Queue) process(runCtx context.Context, c *claimed) {
	j := c.Job
	log := q.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
	// Record outcomes even when shutdown has begun: losing a success would
	// re-run the job.
	recCtx, cancelRec := context.WithTimeout(context.WithoutCancel(runCtx), 30*time.Second)
	defer cancelRec()

	if j.Attempt > q.opts.MaxAttempts {
		// Only reachable through lease expiry: the worker of the last
		// attempt vanished.
		q.finish(recCtx, log, c, "dead", "worker lost after last attempt (lease expired)", time.Time{})
		return
	}
	q.mu.Lock()
	h := q.handlers[j.Kind]
	q.mu.Unlock()

	hctx, cancel := context.WithTimeout(runCtx, q.opts.Lease*9/10)
	err := safeRun(hctx, h, j)
	cancel()
	now := q.opts.Now()
	switch {
	case err == nil:
		q.finish(recCtx, log, c, "done", "", now)
	case runCtx.Err() != nil:
		log.Info("jobs: interrupted by shutdown, will run again", "err", truncate(err.Error()))
		q.release(recCtx, log, c)
	case errors.As(err, new(permanentError)) || j.Attempt >= q.opts.MaxAttempts:
		log.Error("jobs: dead", "err", truncate(err.Error()))
		q.finish(recCtx, log, c, "dead", err.Error(), now)
	default:
		next := now.Add(q.opts.Backoff(j.Attempt))
		log.Warn("jobs: failed, will retry", "err", truncate(err.Error()), "retry_at", next.UTC().Format(time.RFC3339))
		q.finish(recCtx, log, c, "pending", err.Error(), next)
	}
}

func safeRun(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			// The stack, not the panic value: the value may hold payload data.
			err = fmt.Errorf("handler panicked: %T\n%s", p, truncate(string(debug.Stack())))
		}
	}()
	return h(ctx, j)
}

// finish records a job's outcome if c still holds its lease.
func (q *Queue) finish(ctx context.Context, log *slog.Logger, c *claimed, state, errText string, runAt time.Time) {
	now := q.opts.Now()
	var res sql.Result
	err := q.d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		switch state {
		case "done":
			// Erase the payload at once: it may hold (sealed) personal
			// data that is no longer needed.
			res, err = tx.ExecContext(ctx, q.d.Rebind(`UPDATE jobs SET state = 'done', payload = ?, lease = NULL,
				last_error = NULL, updated_at = ? WHERE id = ? AND lease = ?`), []byte{}, db.T(now), c.ID, c.lease)
		case "dead":
			res, err = tx.ExecContext(ctx, q.d.Rebind(`UPDATE jobs SET state = 'dead', lease = NULL,
				last_error = ?, updated_at = ? WHERE id = ? AND lease = ?`), truncate(errText), db.T(now), c.ID, c.lease)
		default:
			res, err = tx.ExecContext(ctx, q.d.Rebind(`UPDATE jobs SET state = 'pending', run_at = ?, lease = NULL,
				last_error = ?, updated_at = ? WHERE id = ? AND lease = ?`), db.T(runAt), truncate(errText), db.T(now), c.ID, c.lease)
		}
		return err
	})
	if err != nil {
		// The lease will expire and the job run again: at least once.
		log.Error("jobs: cannot record outcome", "state", state, "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		log.Warn("jobs: lease lost before the outcome was recorded; another worker owns the job", "state", state)
	}
}

// release gives an interrupted job back without counting the attempt.
func (q *Queue) release(ctx context.Context, log *slog.Logger, c *claimed) {
	err := q.d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q.d.Rebind(`UPDATE jobs SET state = 'pending', attempts = attempts - 1,
			run_at = ?, lease = NULL, updated_at = ? WHERE id = ? AND lease = ?`),
			db.T(q.opts.Now()), db.T(q.opts.Now()), c.ID, c.lease)
		return err
	})
	if err != nil {
		log.Error("jobs: cannot release interrupted job; it runs again when its lease expires", "err", err)
	}
}

// truncate bounds error text for storage and logs, on a rune boundary.
func truncate(s string) string {
	if len(s) <= MaxErrorLen {
		return s
	}
	s = s[:MaxErrorLen]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// RunOnce runs every job that is due now, one after another, and reports how
// many ran (successfully or not). Jobs a failure reschedules into the future
// are not due again within the same call. Tests use it with a fake clock;
// the server uses Run.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	ran := 0
	for {
		if err := ctx.Err(); err != nil {
			return ran, err
		}
		c, err := q.claim(ctx)
		if err != nil {
			return ran, err
		}
		if c == nil {
			return ran, nil
		}
		q.process(ctx, c)
		ran++
	}
}

// Run works the queue with Options.Workers workers until ctx is cancelled,
// then waits for running handlers (whose contexts are cancelled) to return.
// It also purges old done jobs hourly.
func (q *Queue) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range q.opts.Workers {
		wg.Go(func() { q.worker(ctx) })
	}
	wg.Go(func() { q.janitor(ctx) })
	wg.Wait()
	return nil
}

func (q *Queue) worker(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		// Take the wake channel before looking, so a Wake during the
		// claim is not missed.
		wake := q.wakeChan()
		c, err := q.claim(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			q.log.Error("jobs: claim failed", "err", err)
		}
		if c != nil {
			q.process(ctx, c)
			continue
		}
		// Poll with ±10% jitter so processes spread out.
		t.Reset(time.Duration(float64(q.opts.PollInterval) * (0.9 + 0.2*rand.Float64())))
		select {
		case <-ctx.Done():
			return
		case <-wake:
			if !t.Stop() {
				<-t.C
			}
		case <-t.C:
		}
	}
}

func (q *Queue) janitor(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := q.Purge(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("jobs: purge failed", "err", err)
		} else if n > 0 {
			q.log.Info("jobs: purged finished jobs", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Purge deletes done jobs older than Retention and reports how many.
func (q *Queue) Purge(ctx context.Context) (int64, error) {
	cutoff := q.opts.Now().Add(-q.opts.Retention)
	res, err := q.d.Exec(ctx, `DELETE FROM jobs WHERE state = 'done' AND updated_at < ?`, db.T(cutoff))
	if err != nil {
		return 0, fmt.Errorf("jobs: purge: %w", err)
	}
	return res.RowsAffected()
}

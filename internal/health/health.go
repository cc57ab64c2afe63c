package health

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"unionhall/internal/db"
)

// Paths served by Handler.
const (
	LivePath  = "/healthz"
	ReadyPath = "/readyz"
)

// DefaultStuckAfter is how long a due job may wait before the queue is
// called stuck (see the package doc).
const DefaultStuckAfter = 10 * time.Minute

// Deps are what the checks look at.
type Deps struct {
	DB *db.DB
	// Overdue reports how long the longest-due job has waited
	// (jobs.Queue.Overdue).
	Overdue func(ctx context.Context) (time.Duration, error)
	// Listening, when set, reports whether the change listener is
	// connected (PostgreSQL only; nil skips the check).
	Listening func() bool
	// StuckAfter overrides DefaultStuckAfter.
	StuckAfter time.Duration
	// Timeout bounds all checks together (default 2s).
	Timeout time.Duration
}

// Checker serves /healthz and /readyz.
type Checker struct {
	d Deps
	// migrated latches once every migration was seen applied: migrations
	// never go back, so later checks need not ask the database again.
	migrated atomic.Bool
}

// New returns a checker.
func New(d Deps) *Checker {
	if d.StuckAfter <= 0 {
		d.StuckAfter = DefaultStuckAfter
	}
	if d.Timeout <= 0 {
		d.Timeout = 2 * time.Second
	}
	return &Checker{d: d}
}

// Is reports whether path is one of the health paths, so the app can
// answer them before the access log.
func Is(path string) bool { return path == LivePath || path == ReadyPath }

// ServeHTTP answers LivePath and ReadyPath (GET and HEAD).
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte("method not allowed\n"))
		return
	}
	switch r.URL.Path {
	case LivePath:
		_, _ = w.Write([]byte("ok\n"))
	case ReadyPath:
		skip := map[string]bool{}
		for _, s := range r.URL.Query()["skip"] {
			for _, name := range strings.Split(s, ",") {
				skip[name] = true
			}
		}
		ok, report := c.Ready(r.Context(), skip)
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(report))
	default:
		http.NotFound(w, r)
	}
}

// Check names, for /readyz?skip=….
const (
	CheckDatabase   = "database"
	CheckMigrations = "migrations"
	CheckJobs       = "jobs"
	CheckChanges    = "changes"
)

// Ready runs the checks not in skip and reports whether all passed, with
// one line per check.
func (c *Checker) Ready(ctx context.Context, skip map[string]bool) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, c.d.Timeout)
	defer cancel()
	var b strings.Builder
	ok := true
	line := func(name string, err error, good string) {
		if err != nil {
			ok = false
			fmt.Fprintf(&b, "%s: FAIL %s\n", name, err)
			return
		}
		fmt.Fprintf(&b, "%s: %s\n", name, good)
	}
	dbUp := true
	if !skip[CheckDatabase] {
		// The read pool: on SQLite the writer is a single connection that a
		// burst of writes keeps busy, and readiness must not queue behind
		// them (on PostgreSQL both are the same pool).
		err := c.d.DB.Reader().PingContext(ctx)
		if err != nil {
			dbUp = false
			err = fmt.Errorf("the database does not answer")
		}
		line(CheckDatabase, err, "ok")
	}
	if !skip[CheckMigrations] {
		line(CheckMigrations, c.migrations(ctx, dbUp), "ok")
	}
	if !skip[CheckJobs] && c.d.Overdue != nil {
		var err error
		good := "ok"
		if !dbUp {
			err = fmt.Errorf("unknown, the database does not answer")
		} else if o, qerr := c.d.Overdue(ctx); qerr != nil {
			err = fmt.Errorf("cannot read the queue")
		} else if o > c.d.StuckAfter {
			err = fmt.Errorf("stuck: a due job has waited %s for a worker (limit %s)", o.Truncate(time.Second), c.d.StuckAfter)
		} else if o > 0 {
			good = fmt.Sprintf("ok (oldest due job waiting %s)", o.Truncate(time.Second))
		}
		line(CheckJobs, err, good)
	}
	if !skip[CheckChanges] && c.d.Listening != nil {
		var err error
		if !c.d.Listening() {
			err = fmt.Errorf("not listening for other processes' changes; cached pages may be stale")
		}
		line(CheckChanges, err, "listening")
	}
	return ok, b.String()
}

func (c *Checker) migrations(ctx context.Context, dbUp bool) error {
	if c.migrated.Load() {
		return nil
	}
	if !dbUp {
		return fmt.Errorf("unknown, the database does not answer")
	}
	current, target, err := c.d.DB.MigrationVersion(ctx)
	if err != nil {
		return fmt.Errorf("cannot read the migration version")
	}
	if current < target {
		return fmt.Errorf("pending: database at %d, this version needs %d (run `unionhall migrate`)", current, target)
	}
	c.migrated.Store(true)
	return nil
}

package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB.
type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	default:
		return "unknown"
	}
}

// FileName is the SQLite database's name inside the data folder.
const FileName = "unionhall.db"

// Options say where the database is.
type Options struct {
	// DataDir holds the SQLite file when URL is empty. It is created (mode
	// 0700: it holds personal data) if missing.
	DataDir string
	// URL, when set, is a postgres:// or postgresql:// URL and selects
	// PostgreSQL; DataDir is then not used for the database.
	URL string
	// Logger receives migration and retry messages; nil means slog.Default().
	Logger *slog.Logger
	// MaxConns caps PostgreSQL connections per process (default 10). SQLite
	// ignores it: one writer, ReadConns readers.
	MaxConns int
	// ReadConns is the size of SQLite's read pool (default 4).
	ReadConns int
	// BusyTimeout is how long SQLite waits for another process's write lock
	// (default 10s). Inside one process writers queue in Go instead.
	BusyTimeout time.Duration
	// SkipMigrate opens without running migrations (for tools that inspect
	// an old database). Normal start-up leaves it false.
	SkipMigrate bool
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	opts    Options
	dialect Dialect
	log     *slog.Logger
	write   *sql.DB // SQLite: exactly one connection, BEGIN IMMEDIATE
	read    *sql.DB // SQLite: read-only pool; PostgreSQL: same as write
	path    string  // SQLite file path

	// gate admits Tx callers to the write pool in arrival order. database/sql
	// hands a freed connection to a random waiter, which under 50 concurrent
	// writers on SQLite's single connection turned a 25 ms median into a
	// 250 ms p99; goroutines blocked sending on a channel are served FIFO.
	gate chan struct{}

	hooksMu sync.Mutex
	hooks   map[*sql.Tx][]func()

	// stmts are prepared read statements (readStmt): query -> *sql.Stmt.
	stmts  sync.Map
	nstmts atomic.Int32
}

// Open opens (creating if needed) the database Options describe and runs the
// pending migrations unless SkipMigrate is set.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	d := &DB{opts: opts, log: opts.Logger, hooks: map[*sql.Tx][]func(){}}
	var err error
	if opts.URL != "" {
		err = d.openPostgres(ctx)
	} else {
		err = d.openSQLite(ctx)
	}
	if err != nil {
		return nil, err
	}
	if !opts.SkipMigrate {
		if err := d.Migrate(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

func (d *DB) openPostgres(ctx context.Context) error {
	u, err := url.Parse(d.opts.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The URL may hold a password: never echo it.
		return errors.New("open database: URL must be postgres://… or postgresql://…")
	}
	pool, err := sql.Open("pgx", d.opts.URL)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	pool.SetMaxOpenConns(d.opts.MaxConns)
	pool.SetMaxIdleConns(d.opts.MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return fmt.Errorf("connect to postgres at %s: %w", redactURL(u), err)
	}
	d.dialect = Postgres
	d.write, d.read = pool, pool
	d.gate = make(chan struct{}, d.opts.MaxConns)
	return nil
}

func (d *DB) openSQLite(ctx context.Context) error {
	dir := d.opts.DataDir
	if dir == "" {
		return errors.New("open database: neither DataDir nor URL set")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	d.path = filepath.Join(dir, FileName)
	busy := fmt.Sprintf("_pragma=busy_timeout(%d)", d.opts.BusyTimeout.Milliseconds())
	// secure_delete: a deleted row's bytes are overwritten with zeros, not
	// left in free pages of the file. Erasure (members, signers, event
	// registrants) must really erase, and a vote's live ballots must not
	// survive its close in the file (internal/votes, docs/votes.md).
	common := busy + "&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)"

	// The writer sets WAL first; journal_mode is persistent, so readers
	// opened afterwards find the file already in WAL mode.
	w, err := sql.Open("sqlite", "file:"+d.path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		return fmt.Errorf("open sqlite %s: %w", d.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return fmt.Errorf("open sqlite %s: journal_mode is %q, want wal", d.path, mode)
	}
	// The file holds personal data (sealed, but still): keep it private.
	if err := os.Chmod(d.path, 0o600); err != nil {
		w.Close()
		return fmt.Errorf("restrict sqlite file mode: %w", err)
	}

	r, err := sql.Open("sqlite", "file:"+d.path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite read pool: %w", err)
	}
	r.SetMaxOpenConns(d.opts.ReadConns)
	r.SetMaxIdleConns(d.opts.ReadConns)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("open sqlite read pool: %w", err)
	}
	d.dialect = SQLite
	d.write, d.read = w, r
	d.gate = make(chan struct{}, 1)
	return nil
}

// redactURL drops the password from a URL for messages.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	c.RawQuery = ""
	return c.String()
}

// Dialect reports which engine is behind d.
func (d *DB) Dialect() Dialect { return d.dialect }

// Options returns the options d was opened with (with defaults filled in).
// Tests use it to open a second handle on the same database, as a second
// process would.
func (d *DB) Options() Options { return d.opts }

// Path is the SQLite file's path ("" on PostgreSQL).
func (d *DB) Path() string { return d.path }

// Writer is the pool for writes: on SQLite a single connection whose
// transactions BEGIN IMMEDIATE. Prefer Tx, which also retries.
func (d *DB) Writer() *sql.DB { return d.write }

// Reader is the pool for reads: on SQLite a read-only pool that runs beside
// the writer; on PostgreSQL the same pool as Writer.
func (d *DB) Reader() *sql.DB { return d.read }

// Exec runs a single write statement (rebinding placeholders) on the writer.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.write.ExecContext(ctx, d.Rebind(query), args...)
}

// Query runs a read query (rebinding placeholders) on the read pool.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.read.QueryContext(ctx, d.Rebind(query), args...)
}

// QueryRow runs a read query returning at most one row on the read pool.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.read.QueryRowContext(ctx, d.Rebind(query), args...)
}

// maxStmts bounds the prepared read statements kept per DB. The queries
// are the features' constant strings (a few hundred at most); a query
// built with a varying shape past the bound simply runs unprepared.
const maxStmts = 512

// readStmt returns query prepared on the SQLite read pool, nil on
// PostgreSQL (pgx keeps its own per-connection statement cache) or when
// it cannot be prepared (the plain call then reports the error). SQLite
// otherwise parses and plans every statement on every call: that was a
// fifth of a member portal page's CPU. database/sql prepares a Stmt on
// each pool connection the first time it runs there, and SQLite
// re-prepares by itself after a schema change.
func (d *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if d.dialect != SQLite {
		return nil
	}
	if v, ok := d.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if d.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := d.read.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	if v, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	d.nstmts.Add(1)
	return st
}

// Close closes both pools. On SQLite the last close checkpoints the WAL into
// the main file.
func (d *DB) Close() error {
	var errs []error
	d.stmts.Range(func(_, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		return true
	})
	if d.read != nil && d.read != d.write {
		errs = append(errs, d.read.Close())
	}
	if d.write != nil {
		errs = append(errs, d.write.Close())
	}
	return errors.Join(errs...)
}

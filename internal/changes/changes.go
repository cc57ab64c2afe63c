package changes

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"unionhall/internal/db"
)

// Channel is the PostgreSQL notification channel every process listens on.
const Channel = "unionhall_changes"

// Topics the features publish. A topic names what changed, never which
// record: subscribers drop whole caches.
const (
	// TopicSite: something a public page shows from the database changed
	// (an event's registration closed or reopened early).
	TopicSite = "site"
	// TopicAccounts: a console account was added, changed or disabled.
	TopicAccounts = "accounts"
)

// maxTopic bounds a topic's length; PostgreSQL allows 8000 bytes of
// payload, topics need a few.
const maxTopic = 40

// Bus publishes and delivers change notices. The zero value is not usable;
// call New. It is safe for concurrent use.
type Bus struct {
	d      *db.DB
	log    *slog.Logger
	origin string

	mu   sync.Mutex
	subs map[string][]func()

	// pid is the listening connection's server process id (0: none), for
	// tests that cut the connection.
	pid atomic.Uint32
	// connects counts successful LISTENs, for tests and the log.
	connects atomic.Int64
	// pings counts successful quiet-connection checks, for tests.
	pings atomic.Int64

	// QuietPing is how long the listener waits for a notification before it
	// pings the server to find out whether the connection still works.
	QuietPing time.Duration
	// MaxBackoff caps the wait between reconnection attempts.
	MaxBackoff time.Duration
}

// New returns a bus on d. Call Run (on PostgreSQL) to hear other processes.
func New(d *db.DB, logger *slog.Logger) *Bus {
	if logger == nil {
		logger = slog.Default()
	}
	var b [8]byte
	_, _ = crand.Read(b[:])
	return &Bus{d: d, log: logger, origin: hex.EncodeToString(b[:]), subs: map[string][]func(){},
		QuietPing: 30 * time.Second, MaxBackoff: 10 * time.Second}
}

// Subscribe runs f whenever topic changes — in this process or, on
// PostgreSQL, in any other — and after every (re)connection of the
// listener. f must be quick and must not block.
func (b *Bus) Subscribe(topic string, f func()) {
	if err := checkTopic(topic); err != nil {
		panic(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[topic] = append(b.subs[topic], f)
}

func checkTopic(topic string) error {
	if topic == "" || len(topic) > maxTopic {
		return fmt.Errorf("changes: topic %q: want 1 to %d characters", topic, maxTopic)
	}
	for i := 0; i < len(topic); i++ {
		if c := topic[i]; (c < 'a' || c > 'z') && c != '.' && c != '_' {
			return fmt.Errorf("changes: topic %q: only a-z, '.' and '_'", topic)
		}
	}
	return nil
}

// Publish announces that topic changed. Call it after the change has
// committed. This process's subscribers run before it returns; on
// PostgreSQL the other processes are notified. An error means only the
// notification of the other processes failed (it is also logged).
func (b *Bus) Publish(ctx context.Context, topic string) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	b.deliver(topic)
	if b.d.Dialect() != db.Postgres {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := b.d.Exec(ctx, `SELECT pg_notify(?, ?)`, Channel, b.origin+" "+topic); err != nil {
		b.log.Error("changes: cannot notify the other processes; their caches catch up when they reconnect or expire", "topic", topic, "err", err)
		return fmt.Errorf("changes: notify %s: %w", topic, err)
	}
	return nil
}

// Publisher returns a func that publishes topic, for features that take a
// plain callback (events.Deps.PublicChanged).
func (b *Bus) Publisher(topic string) func() {
	if err := checkTopic(topic); err != nil {
		panic(err)
	}
	return func() { _ = b.Publish(context.Background(), topic) }
}

func (b *Bus) deliver(topic string) {
	b.mu.Lock()
	fs := b.subs[topic]
	b.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// deliverAll runs every subscriber once: notices may have been missed.
func (b *Bus) deliverAll() {
	b.mu.Lock()
	var fs []func()
	for _, s := range b.subs {
		fs = append(fs, s...)
	}
	b.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Run listens for other processes' notices until ctx is cancelled. On
// SQLite there are none (one process per database file) and it only waits.
func (b *Bus) Run(ctx context.Context) {
	if b.d.Dialect() != db.Postgres {
		<-ctx.Done()
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		held, err := b.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if held {
			backoff = 100 * time.Millisecond // it worked: start the back-off afresh
		}
		b.log.Warn("changes: listening connection lost, reconnecting", "err", err, "retry_in", backoff)
		t := time.NewTimer(time.Duration(float64(backoff) * (0.8 + 0.4*rand.Float64())))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, b.MaxBackoff)
	}
}

// listen holds one LISTEN connection until it fails or ctx ends; held
// reports whether it got as far as listening.
func (b *Bus) listen(ctx context.Context) (held bool, err error) {
	cfg, perr := pgx.ParseConfig(b.d.Options().URL)
	if perr != nil {
		// The URL may hold a password: never echo it.
		return false, errors.New("changes: cannot parse the database URL")
	}
	cfg.RuntimeParams["application_name"] = "unionhall changes"
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		b.pid.Store(0)
		closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = conn.Close(closeCtx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	b.pid.Store(conn.PgConn().PID())
	if b.connects.Add(1) > 1 {
		b.log.Info("changes: listening again; dropping every cache, notices may have been missed")
	}
	b.deliverAll()
	for {
		wctx, cancel := context.WithTimeout(ctx, b.QuietPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("ping: %w", err)
			}
			b.pings.Add(1)
			continue
		}
		if err != nil {
			return true, fmt.Errorf("wait: %w", err)
		}
		origin, topic, ok := strings.Cut(n.Payload, " ")
		if !ok || checkTopic(topic) != nil {
			b.log.Warn("changes: ignoring a malformed notice")
			continue
		}
		if origin == b.origin {
			continue // delivered in-process by Publish
		}
		b.deliver(topic)
	}
}

// Listening reports whether the bus is connected and listening for other
// processes' notices (always false on SQLite, which needs none).
func (b *Bus) Listening() bool { return b.pid.Load() != 0 }

package changes

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A change published in one process reaches the subscribers of that
// process at once and, on PostgreSQL, those of another process sharing the
// database; a process does not hear its own notice twice.
func TestPublishReachesEveryProcess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := New(d, dbtest.Logger())
		var aSite, aAccounts atomic.Int64
		a.Subscribe(TopicSite, func() { aSite.Add(1) })
		a.Subscribe(TopicAccounts, func() { aAccounts.Add(1) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go a.Run(ctx)

		if d.Dialect() != db.Postgres {
			if err := a.Publish(ctx, TopicSite); err != nil {
				t.Fatal(err)
			}
			if aSite.Load() != 1 || aAccounts.Load() != 0 {
				t.Fatalf("in-process fan-out: site %d accounts %d, want 1 and 0", aSite.Load(), aAccounts.Load())
			}
			return
		}

		// A second process: its own handle, its own bus.
		d2, err := db.Open(ctx, db.Options{URL: d.Options().URL, Logger: dbtest.Logger(), SkipMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		b := New(d2, dbtest.Logger())
		var bSite, bAccounts atomic.Int64
		b.Subscribe(TopicSite, func() { bSite.Add(1) })
		b.Subscribe(TopicAccounts, func() { bAccounts.Add(1) })
		go b.Run(ctx)
		waitFor(t, "both listening", func() bool { return a.pid.Load() != 0 && b.pid.Load() != 0 })
		// Connecting dropped everything once.
		waitFor(t, "the first-connection flush", func() bool { return bSite.Load() == 1 && aSite.Load() == 1 })

		if err := a.Publish(ctx, TopicSite); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the notice in the other process", func() bool { return bSite.Load() == 2 })
		if got := aSite.Load(); got != 2 {
			t.Errorf("publisher's own subscriber ran %d times, want 2 (flush + publish, own notice skipped)", got)
		}
		// Wait for a later notice to be sure the own one was skipped rather
		// than merely slow: notices on one channel arrive in order.
		if err := b.Publish(ctx, TopicAccounts); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "b's notice in a", func() bool { return aAccounts.Load() == 2 })
		if got := aSite.Load(); got != 2 {
			t.Errorf("publisher heard its own notice: site ran %d times, want 2", got)
		}
		if bSite.Load() != 2 || bAccounts.Load() != 2 {
			t.Errorf("b: site %d accounts %d, want 2 and 2", bSite.Load(), bAccounts.Load())
		}

		// A malformed notice from some other session is ignored.
		if _, err := d.Exec(ctx, `SELECT pg_notify(?, ?)`, Channel, "no-space-here"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `SELECT pg_notify(?, ?)`, Channel, "x <script>"); err != nil {
			t.Fatal(err)
		}
		if err := a.Publish(ctx, TopicSite); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a notice after malformed ones", func() bool { return bSite.Load() == 3 })
		if bAccounts.Load() != 2 {
			t.Errorf("a malformed notice was delivered")
		}
	})
}

// Killing the listening connection (a restarted database, a dropped
// network) makes the bus reconnect and drop every cache, because notices
// sent meanwhile are lost; afterwards notices arrive again.
func TestReconnectDropsEverything(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := t.Context()
	var accounts atomic.Int64
	b, site := runBus(t, d, func(b *Bus) {
		b.MaxBackoff = 200 * time.Millisecond
		b.Subscribe(TopicAccounts, func() { accounts.Add(1) })
	})
	waitFor(t, "listening", func() bool { return b.pid.Load() != 0 && site.Load() == 1 })
	pid := b.pid.Load()

	var killed bool
	if err := d.QueryRow(ctx, `SELECT pg_terminate_backend(?)`, int64(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate listener: %v %v", killed, err)
	}
	waitFor(t, "reconnection", func() bool { return b.connects.Load() >= 2 && b.pid.Load() != 0 })
	if site.Load() < 2 || accounts.Load() < 2 {
		t.Fatalf("after reconnecting: site %d accounts %d, want both flushed again", site.Load(), accounts.Load())
	}
	if b.pid.Load() == pid {
		t.Fatal("still the old connection")
	}

	// Another process's notice reaches the new connection.
	other := New(d, dbtest.Logger())
	before := site.Load()
	if err := other.Publish(ctx, TopicSite); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a notice after reconnecting", func() bool { return site.Load() == before+1 })
}

// runBus starts a bus on d, after mod, that counts the site topic in site;
// it stops when the test ends.
func runBus(t *testing.T, d *db.DB, mod func(*Bus)) (b *Bus, site *atomic.Int64) {
	b, site = New(d, dbtest.Logger()), new(atomic.Int64)
	mod(b)
	b.Subscribe(TopicSite, func() { site.Add(1) })
	go b.Run(t.Context())
	return b, site
}

// A quiet connection is checked with a ping, and kept while it answers.
func TestQuietConnectionIsChecked(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := t.Context()
	b, site := runBus(t, d, func(b *Bus) { b.QuietPing = 20 * time.Millisecond })
	waitFor(t, "listening", func() bool { return b.pid.Load() != 0 })
	// Several quiet periods pass without a reconnection.
	waitFor(t, "quiet pings", func() bool { return b.pings.Load() >= 5 })
	if n := b.connects.Load(); n != 1 {
		t.Fatalf("a healthy quiet connection reconnected: %d connects", n)
	}
	other := New(d, dbtest.Logger())
	if err := other.Publish(ctx, TopicSite); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a notice after quiet pings", func() bool { return site.Load() == 2 })
}

// Topics are names, never data: anything else is refused before it could
// reach the database, where any session may listen.
func TestTopicsAreNames(t *testing.T) {
	d := dbtest.SQLite(t)
	b := New(d, dbtest.Logger())
	for _, bad := range []string{"", "Site", "jan.novak@example.org", "site closed", "'; DROP TABLE jobs; --",
		"<script>", "site\x00", "\u202esite", "siteeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"} {
		if err := b.Publish(context.Background(), bad); err == nil {
			t.Errorf("topic %q accepted", bad)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Subscribe accepted a bad topic")
		}
	}()
	b.Subscribe("A B", func() {})
}

// BenchmarkNotifyAcrossProcesses measures how long a change takes from
// Publish in one process to the subscriber in another (PostgreSQL).
func BenchmarkNotifyAcrossProcesses(b *testing.B) {
	d := dbtest.Postgres(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d2, err := db.Open(ctx, db.Options{URL: d.Options().URL, Logger: dbtest.Logger(), SkipMigrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer d2.Close()
	pub, sub := New(d, dbtest.Logger()), New(d2, dbtest.Logger())
	got := make(chan struct{}, 1)
	sub.Subscribe(TopicSite, func() {
		select {
		case got <- struct{}{}:
		default:
		}
	})
	go sub.Run(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for !sub.Listening() {
		if time.Now().After(deadline) {
			b.Fatal("not listening")
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-got // the first-connection flush
	b.ResetTimer()
	for b.Loop() {
		if err := pub.Publish(ctx, TopicSite); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}

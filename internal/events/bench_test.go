package events

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
)

// BenchmarkRegister is issue 5's speed goal: 500 registrations fired at one
// event with 300 seats by 50 concurrent clients through the real HTTP form
// (validation, sealing, the outbox, rendering) must end with exactly 300
// confirmed and 200 waiting, at ≥ 200 registrations/s on SQLite. While it
// runs, a reader fetches the (cached) event page and the live registration
// page; their p99 latencies are reported.
//
//	go test ./internal/events -run '^$' -bench Register -benchtime 5x
func BenchmarkRegister(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var d *db.DB
			if dialect == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			b.Run("http", func(b *testing.B) { benchRegister(b, d) })
			b.Run("store", func(b *testing.B) { benchSignup(b, d) })
		})
	}
}

func benchRegister(b *testing.B, d *db.DB) {
	// The real outbox (sealed payload, job row) to an SMTP server that is
	// never reached: jobs are not run here.
	e := newEnv(b, d, mailtest.Start(b))
	e.svc.limit = newLimiter(1<<30, time.Hour)
	ev := e.event("id:summer", "en")
	formURL := e.srv.URL + RegisterURL(ev.Page)
	// The client does not ask for gzip: decompressing is the visitor's
	// work, not the server's, and this machine runs both.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	const total, clients = 500, 50

	var pageLat, regPageLat []time.Duration
	var elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		reset(b, d)
		var next atomic.Int64
		stop := make(chan struct{})
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			// A visitor every 5 ms (200 page views/s): enough for a p99, and
			// a busy loop would steal a core from the server being measured.
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				// Both pages in turn: the registration page is the one with
				// the live seat count, and its p99 needs as many samples.
				u, lat := e.srv.URL+ev.Page.URL, &pageLat
				if i%2 == 1 {
					u, lat = formURL, &regPageLat
				}
				t0 := time.Now()
				resp, err := client.Get(u)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				*lat = append(*lat, time.Since(t0))
			}
		}()
		b.StartTimer()
		t0 := time.Now()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= total {
						return
					}
					v := url.Values{"name": {fmt.Sprintf("Person %d", i)}, "email": {fmt.Sprintf("p%d@example.org", i)},
						"lang": {"en"}, "consent": {"yes"}}
					resp, err := client.PostForm(formURL, v)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("registration %d: status %d", i, resp.StatusCode)
						return
					}
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(t0)
		b.StopTimer()
		close(stop)
		<-readerDone
		got := statusCounts(b, d, ev.Key)
		if got[StatusConfirmed] != 300 || got[StatusWaiting] != 200 {
			b.Fatalf("after 500 registrations: %v, want 300 confirmed and 200 waiting", got)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(total*b.N)/elapsed.Seconds(), "registrations/s")
	b.ReportMetric(p99(pageLat), "event-page-p99-ms")
	b.ReportMetric(p99(regPageLat), "register-page-p99-ms")
}

func p99(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[len(ds)*99/100]) / float64(time.Millisecond)
}

func reset(b *testing.B, d *db.DB) {
	ctx := context.Background()
	if _, err := d.Exec(ctx, `DELETE FROM event_registrations`); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `UPDATE event_state SET confirmed = 0, waiting = 0`); err != nil {
		b.Fatal(err)
	}
}

// benchSignup is the same load on the store alone (no HTTP, no pages).
func benchSignup(b *testing.B, d *db.DB) {
	e := newEnv(b, d, mailtest.Start(b))
	ev := e.event("id:summer", "en")
	reset(b, d)
	var elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		reset(b, d)
		b.StartTimer()
		t0 := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= 500 {
						return
					}
					if _, err := e.svc.Signup(context.Background(), ev, "en", person(int(i))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(t0)
		b.StopTimer()
		if got := statusCounts(b, d, ev.Key); got[StatusConfirmed] != 300 || got[StatusWaiting] != 200 {
			b.Fatalf("after 500 registrations: %v", got)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(500*b.N)/elapsed.Seconds(), "registrations/s")
}

package petitions

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// BenchmarkSign is the store side of the speed goal: 1,000 people sign at
// the same moment (one goroutine each) through Sign — seal, blind index,
// the batched transaction with the signature, the count and the outbox
// email — on SQLite and PostgreSQL. It reports signatures per second and
// p50/p99 of one Sign, and checks that every signature is pending once.
// BenchmarkPetitionRush (internal/app) is the same over HTTP, paced.
//
//	UNIONHALL_TEST_POSTGRES=… go test ./internal/petitions/ -run '^$' -bench Sign -benchtime 5x
func BenchmarkSign(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			e := newPubEnv(b, d)
			p := e.petition("on-call-pay", "en")
			const n = 1000
			var all []time.Duration
			var busy time.Duration
			for it := range b.N {
				start := make(chan struct{})
				lat := make([]time.Duration, n)
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						t0 := time.Now()
						_, errs[i] = e.svc.Sign(context.Background(), p, Signing{Lang: "en",
							Signer: Signer{Name: fmt.Sprint("S", i), Email: fmt.Sprintf("s%d-%d@bench.example", it, i), City: "Brno", Consent: true}})
						lat[i] = time.Since(t0)
					}()
				}
				t0 := time.Now()
				close(start)
				wg.Wait()
				busy += time.Since(t0)
				for i, err := range errs {
					if err != nil {
						b.Fatalf("sign %d: %v", i, err)
					}
				}
				all = append(all, lat...)
			}
			b.StopTimer()
			got := e.petition("on-call-pay", "en")
			if got.Pending != n*b.N || got.Confirmed != 0 {
				b.Fatalf("pending %d, want %d", got.Pending, n*b.N)
			}
			slices.Sort(all)
			b.ReportMetric(float64(n*b.N)/busy.Seconds(), "signs/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

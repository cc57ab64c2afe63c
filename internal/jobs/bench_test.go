package jobs_test

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jobs"
	"unionhall/internal/seal"
)

// BenchmarkInsertConcurrent measures the storage half of a membership
// application: 50 clients each committing one transaction with an
// application-sized row (sealed fields and a ~3 KB sealed signature, a blind
// index) plus a job enqueue, with sealing done before the transaction as
// handlers should. It reports commits per second and latency percentiles.
//
//	go test -run '^$' -bench InsertConcurrent -benchtime 3000x ./internal/jobs/
func BenchmarkInsertConcurrent(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchInsert(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchInsert(b, dbtest.Postgres(b)) })
}

func benchInsert(b *testing.B, d *db.DB) {
	ctx := context.Background()
	blob, timeType := "BLOB", "TEXT"
	if d.Dialect() == db.Postgres {
		blob, timeType = "bytea", "timestamptz"
	}
	if _, err := d.Exec(ctx, `CREATE TABLE bench_applications (
		id TEXT PRIMARY KEY, email_index `+blob+` NOT NULL, email `+blob+` NOT NULL,
		first_name `+blob+` NOT NULL, last_name `+blob+` NOT NULL, phone `+blob+` NOT NULL,
		address `+blob+` NOT NULL, signature `+blob+` NOT NULL, state TEXT NOT NULL,
		created_at `+timeType+` NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `CREATE INDEX bench_applications_email ON bench_applications (email_index)`); err != nil {
		b.Fatal(err)
	}
	kr, _ := seal.NewKeyring(seal.GenerateKey())
	q := jobs.New(d, jobs.Options{Logger: dbtest.Logger()})
	signature := make([]byte, 3000)
	for i := range signature {
		signature[i] = byte(i * 7)
	}
	insert := d.Rebind(`INSERT INTO bench_applications (id, email_index, email, first_name, last_name, phone,
		address, signature, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'unverified', ?)`)

	const clients = 50
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				id := db.NewID()
				field := func(col, v string) []byte {
					s, err := kr.SealString(v, seal.AAD("applications", col, id))
					if err != nil {
						b.Error(err)
					}
					return s
				}
				email := "jana.dvorakova@posta.example"
				idx := kr.BlindIndex("application.email", seal.NormaliseEmail(email))
				em, fn, ln, ph := field("email", email), field("first_name", "Jana"), field("last_name", "Dvořáková"), field("phone", "+420601234567")
				ad := field("address", "Náměstí Míru 12, Praha 2")
				sig, _ := kr.Seal(signature, seal.AAD("applications", "signature", id))
				err := d.Tx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, insert, id, idx, em, fn, ln, ph, ad, sig, db.T(time.Now())); err != nil {
						return err
					}
					_, err := q.Enqueue(ctx, tx, "application.pdf", []byte(id), time.Time{})
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

package rekey_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"unionhall/internal/app"
	"unionhall/internal/config"
	"unionhall/internal/rekey"
	"unionhall/internal/seal"
)

// BenchmarkRotate rotates the key of a SQLite database seeded with 10,000
// members and 2,000 applications (about 34,000 sealed values and indexes)
// and reports values re-sealed or re-indexed per second. The server is not
// running (no 2-second wait for it to reload), so this is the cost of the
// passes themselves. Run:
//
//	go test -run '^$' -bench Rotate -benchtime 1x ./internal/rekey
func BenchmarkRotate(b *testing.B) {
	for range b.N {
		b.StopTimer()
		cfg := config.Default()
		cfg.DataDir = b.TempDir()
		a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Admin.Seed(context.Background(), 10000, 2000, 1); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := rekey.Rotate(context.Background(), a.DB, filepath.Join(cfg.DataDir, seal.KeyFileName), rekey.Options{})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(rep.Resealed+rep.Reindexed)/el.Seconds(), "values/s")
		b.ReportMetric(float64(rep.Resealed+rep.Reindexed), "values")
		b.StopTimer()
		a.Close()
	}
}

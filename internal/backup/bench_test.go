package backup_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"unionhall/internal/app"
	"unionhall/internal/backup"
	"unionhall/internal/config"
)

// BenchmarkBackupSQLite backs up a SQLite database seeded with 10,000
// members and 2,000 applications, encrypted to a passphrase, and reports
// the database's size and MB/s. Run:
//
//	go test -run '^$' -bench BackupSQLite -benchtime 3x ./internal/backup
func BenchmarkBackupSQLite(b *testing.B) {
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if err := a.Admin.Seed(context.Background(), 10000, 2000, 1); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(cfg.DataDir, "unionhall.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var out int64
	for range b.N {
		w := &countWriter{}
		if _, err := backup.Create(context.Background(), w, backup.Source{DataDir: cfg.DataDir}, backup.Encryption{Passphrase: "benchmark passphrase"}); err != nil {
			b.Fatal(err)
		}
		out = w.n
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "db-MiB")
	b.ReportMetric(float64(out)/(1<<20), "backup-MiB")
	b.SetBytes(fi.Size())
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

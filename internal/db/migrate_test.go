package db_test

import (
	"context"
	"sync"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// Several processes starting at once on one empty PostgreSQL database (a
// deploy that restarts every instance together) must migrate it exactly
// once: goose's session advisory lock makes the others wait, and they then
// find nothing to do. Without the lock two of them would both try to
// create the first table and one would fail to start.
func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	url := dbtest.NewPostgresDatabase(t)
	ctx := context.Background()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	handles := make([]*db.DB, n)
	for i := range n {
		wg.Go(func() {
			handles[i], errs[i] = db.Open(ctx, db.Options{URL: url, Logger: dbtest.Logger(), MaxConns: 2})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		defer handles[i].Close()
	}
	current, target, err := handles[0].MigrationVersion(ctx)
	if err != nil || current != target {
		t.Fatalf("version %d of %d: %v", current, target, err)
	}
	// Each migration is recorded once.
	var dup int
	if err := handles[0].QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT version_id FROM goose_db_version
		WHERE is_applied GROUP BY version_id HAVING COUNT(*) > 1) AS d`).Scan(&dup); err != nil {
		t.Fatal(err)
	}
	if dup != 0 {
		t.Fatalf("%d migrations recorded more than once", dup)
	}
}

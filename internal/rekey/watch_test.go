package rekey

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/seal"
)

// TestWatch: a running server's keyring follows the key file through a
// rotation (a key added, then the old one dropped) and says so in
// seal_keyrings; a file replaced by unrelated keys, or unreadable, is
// refused and the keys in use are kept; the row goes when the server stops.
func TestWatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		path := filepath.Join(dir, seal.KeyFileName)
		kr, _, err := seal.Load(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		var looks atomic.Int64
		opts := WatchOptions{Interval: 10 * time.Millisecond, Logger: dbtest.Logger(), looked: func() { looks.Add(1) }}
		go func() { Watch(ctx, d, kr, path, opts); close(stopped) }()
		row := func() string {
			var ids string
			d.QueryRow(context.Background(), `SELECT key_ids FROM seal_keyrings`).Scan(&ids)
			return ids
		}
		wait := func(what string, cond func() bool) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for !cond() {
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s (ring %v, row %q)", what, kr.KeyIDs(), row())
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		first := kr.Newest()
		wait("the first heartbeat", func() bool { return row() == first })

		added, err := seal.AddKey(path)
		if err != nil {
			t.Fatal(err)
		}
		wait("the added key", func() bool { return kr.Newest() == added.Newest() && row() == first+","+added.Newest() })
		if _, err := seal.RetireKeys(path); err != nil {
			t.Fatal(err)
		}
		wait("the old key dropped", func() bool { return strings.Join(kr.KeyIDs(), ",") == added.Newest() && row() == added.Newest() })

		// Unrelated keys (a wrong copy) and junk are refused.
		other := t.TempDir()
		if _, _, err := seal.Load(other, ""); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(other, seal.KeyFileName))
		for _, content := range [][]byte{b, []byte("<script>not a key</script>\n")} {
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			// The watcher has looked at it (twice, so at least once after
			// the write was complete).
			seen := looks.Load()
			wait("two looks at the file", func() bool { return looks.Load() >= seen+2 })
			if strings.Join(kr.KeyIDs(), ",") != added.Newest() {
				t.Fatalf("watcher took a key file without the key in use: %v", kr.KeyIDs())
			}
		}
		cancel()
		<-stopped
		if r := row(); r != "" {
			t.Errorf("row left after stop: %q", r)
		}
	})
}

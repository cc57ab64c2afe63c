package rekey

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// WatchOptions tune Watch.
type WatchOptions struct {
	// Interval between looks at the key file (default 2s: a stat).
	Interval time.Duration
	// Heartbeat is how often the instance's row is refreshed when nothing
	// changes (default 30s; well inside liveWindow).
	Heartbeat time.Duration
	Logger    *slog.Logger

	looked func() // tests: called after each look at the file
}

// Watch keeps a running server's keyring in step with the key file at
// path (empty: keys from the environment, which cannot change) and records
// in seal_keyrings which keys this process holds, so that `unionhall keys
// rotate` knows when every server can open values sealed with a new key.
// It returns when ctx ends, removing the process's row.
//
// A new file is taken only if it still holds the key this process seals
// with: a rotation adds a key, then drops the old ones, and both steps keep
// the newest. A file replaced by unrelated keys (a wrong copy) would leave
// the server unable to open anything; it is refused and logged, and the
// server keeps its keys.
func Watch(ctx context.Context, d *db.DB, kr *seal.Keyring, path string, o WatchOptions) {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	instance := db.NewID()
	beat := func() {
		if _, err := d.Exec(ctx, `INSERT INTO seal_keyrings (instance, key_ids, seen_at) VALUES (?, ?, ?)
			ON CONFLICT (instance) DO UPDATE SET key_ids = excluded.key_ids, seen_at = excluded.seen_at`,
			instance, strings.Join(kr.KeyIDs(), ","), db.T(time.Now())); err != nil && ctx.Err() == nil {
			o.Logger.Warn("seal keyring heartbeat", "err", err)
		}
	}
	beat()
	defer func() {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		d.Exec(c, `DELETE FROM seal_keyrings WHERE instance = ?`, instance)
	}()
	last := fileSum(path)
	lastBeat := time.Now()
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if path != "" {
			if sum := fileSum(path); sum != nil && !bytes.Equal(sum, last) {
				last = sum
				if reload(kr, path, o.Logger) {
					beat()
					lastBeat = time.Now()
				}
			}
		}
		if o.looked != nil {
			o.looked()
		}
		if time.Since(lastBeat) >= o.Heartbeat {
			beat()
			lastBeat = time.Now()
		}
	}
}

func reload(kr *seal.Keyring, path string, log *slog.Logger) bool {
	next, err := seal.LoadFile(path)
	if err != nil {
		log.Error("key file changed but cannot be read; keeping the keys in use", "err", err)
		return false
	}
	if !slices.Contains(next.KeyIDs(), kr.Newest()) {
		log.Error("key file changed to keys without the one in use; keeping the keys in use (restart to force)", "in_use", kr.Newest(), "file", next.KeyIDs())
		return false
	}
	kr.Replace(next)
	log.Info("sealing keys reloaded", "keys", next.KeyIDs())
	return true
}

// fileSum is a hash of the file's content (nil if unreadable). A stat's
// mtime alone could miss two writes within its resolution.
func fileSum(path string) []byte {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 64<<10 {
		return nil
	}
	h := sha256.Sum256(b)
	return h[:]
}

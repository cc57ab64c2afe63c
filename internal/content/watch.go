package content

import (
	"context"
	"errors"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// watchedRoots are the parts of a site folder that affect the loaded Site.
// Hugo's output folders (public/, resources/) and VCS metadata are left
// alone: they can be big and change often for reasons that do not matter.
var watchedRoots = []string{"content", "data", "i18n", "static", "assets"}

// Watch polls the site folder every interval and reloads it when a file's
// name, size or modification time changes and then stays unchanged for one
// more interval (so a reload never sees a half-written file). onLoad receives each new Site;
// onErr receives load errors, after which watching goes on and the caller
// keeps serving the last good site. It returns when ctx is done.
//
// Polling was chosen over fsnotify: it works the same on every file system
// (network mounts, bind mounts into containers, editors that replace files
// by rename), needs no per-directory watches, and a stat walk of a few
// thousand files costs a few milliseconds.
func Watch(ctx context.Context, dir string, interval time.Duration, onLoad func(*Site), onErr func(error)) {
	if interval <= 0 {
		interval = time.Second
	}
	// Start from the state the caller's LoadDir saw, so edits made between
	// that load and now are not missed.
	var last uint64
	if v, ok := loadedFingerprints.Load(watchKey(dir)); ok {
		last = v.(uint64)
	} else {
		var err error
		if last, err = fingerprint(dir); err != nil && onErr != nil {
			onErr(err)
		}
	}
	pending := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp, err := fingerprint(dir)
		if err != nil {
			if fp != last && onErr != nil {
				onErr(err)
			}
			last = fp
			continue
		}
		if fp != last {
			// Something changed: wait until the folder holds still for one
			// interval, so a file caught half-written (an editor's truncate
			// then write, a git checkout in progress) is never loaded.
			last, pending = fp, true
			continue
		}
		if !pending {
			continue
		}
		pending = false
		site, err := LoadDir(dir)
		if err != nil {
			if onErr != nil {
				onErr(err)
			}
			continue
		}
		// A save that happened during the load is picked up on the next
		// tick: the fingerprint taken before loading no longer matches.
		if onLoad != nil {
			onLoad(site)
		}
	}
}

// loadedFingerprints remembers, per site folder, the fingerprint taken by the
// last successful LoadDir.
var loadedFingerprints sync.Map

func watchKey(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return filepath.Clean(dir)
}

// fingerprint hashes the names, sizes and modification times of every file
// that Load reads. A failed walk still returns a value so that a persistent
// error is reported once, not every tick.
func fingerprint(dir string) (uint64, error) {
	h := fnv.New64a()
	var errs []error
	entries, err := os.ReadDir(dir)
	if err != nil {
		h.Write([]byte("error:" + err.Error()))
		return h.Sum64(), err
	}
	write := func(rel string, info fs.FileInfo) {
		h.Write([]byte(rel))
		h.Write([]byte{0})
		h.Write([]byte(strconv.FormatInt(info.Size(), 36)))
		h.Write([]byte{0})
		h.Write([]byte(strconv.FormatInt(info.ModTime().UnixNano(), 36)))
		h.Write([]byte{0})
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || formatOf(name) == "" || !(strings.HasPrefix(name, "config.") || strings.HasPrefix(name, "hugo.")) {
			continue
		}
		if info, err := e.Info(); err == nil {
			write(name, info)
		}
	}
	for _, root := range watchedRoots {
		top := filepath.Join(dir, root)
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == top {
					return nil
				}
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() && p != top && strings.HasPrefix(d.Name(), ".") && d.Name() != ".well-known" {
				return filepath.SkipDir
			}
			info, err := d.Info()
			if err != nil {
				return nil // removed while walking: the next tick sees it
			}
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() {
				h.Write([]byte(rel + "/\x00"))
				return nil
			}
			write(rel, info)
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return h.Sum64(), errors.Join(errs...)
}

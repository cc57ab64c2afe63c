package faulttest

import (
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"unionhall/internal/jointest"
	"unionhall/internal/mailtest"
	"unionhall/internal/testenv"
)

// TestDiskFullSQLite runs the server with its data folder on a small
// tmpfs, fills the disk while applications arrive, and checks: the join
// API answers a clear 503 (never a 202 it cannot keep), the log names the
// cause, the database passes integrity_check, and once space is freed the
// same running server accepts applications again; nothing acknowledged is
// lost.
func TestDiskFullSQLite(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "the disk-full test mounts a tmpfs and needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		testenv.SkipOrFail(t, "cannot mount a tmpfs for the disk-full test: "+strings.TrimSpace(string(out)))
	}
	// Registered after the server's own cleanup would be, so it runs last.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
	})
	s := setup{dataDir: filepath.Join(mnt, "data"), smtp: mailtest.Start(t)}
	srv := start(t, s)
	defer srv.kill()

	// Fill what is left, then give back a little, so the database has room
	// for a few applications and then none.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Truncate(size - 256<<10)
	f.Close()

	// Applications until the disk is full: at least a few refused.
	var acked []int64
	codes := map[int]int{}
	for n := int64(1); n <= 2000 && codes[503] < 10; n++ {
		res := postOne(t, srv.url, "full", n)
		codes[res]++
		if res == 202 {
			acked = append(acked, n)
		}
	}
	for c := range codes {
		if c != 202 && c != 503 {
			t.Errorf("disk full: answered %d (%v), want only 202 or 503", c, codes)
		}
	}
	if codes[503] < 10 {
		t.Fatalf("the disk never filled: %v", codes)
	}
	if !strings.Contains(srv.logText(), "full") {
		t.Errorf("the log does not say the disk is full:\n%s", tail(srv.logText(), 2000))
	}
	integrity(t, filepath.Join(s.dataDir, "unionhall.db"), "while full")

	// Space again: the same process recovers without a restart.
	os.Remove(filler)
	waitUntil(t, 30*time.Second, "an application accepted after space was freed", func() bool {
		return postOne(t, srv.url, "after", time.Now().UnixNano()) == 202
	})
	srv.stop(t)
	integrity(t, filepath.Join(s.dataDir, "unionhall.db"), "after stop")
	d := openDB(t, s)
	keys := loadKeys(t, s.dataDir)
	set := map[int64]bool{}
	for _, n := range acked {
		set[n] = true
	}
	if m := missing(t, d, keys, "full", set); len(m) > 0 {
		t.Fatalf("%d acknowledged applications lost to the full disk: %v", len(m), m)
	}
	t.Logf("FIGURES disk-full sqlite (6 MiB tmpfs): %d accepted then %d refused with 503; integrity_check ok while full and after; accepted again once space was freed", len(acked), codes[503])
}

func postOne(t *testing.T, url, run string, n int64) int {
	t.Helper()
	res := jointest.Post(url, run, n)
	return res
}

func integrity(t *testing.T, path, when string) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check %s: %q %v", when, res, err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

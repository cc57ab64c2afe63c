package faulttest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/jointest"
	"unionhall/internal/rekey"
	"unionhall/internal/seal"
)

// TestKeysRotateKilledAndResumed: `unionhall keys rotate` is killed with
// SIGKILL half-way while a server runs; the data is then under two keys,
// both in the key file, and look-ups still work; run again, the rotation
// resumes and finishes, the old key leaves the file and the server.
func TestKeysRotateKilledAndResumed(t *testing.T) {
	eachDB(t, func(t *testing.T, s setup) {
		// Members, workplaces and applications made by the real command.
		if out, err := command(t, s, "dev", "seed", "--members", "300", "--applications", "100", "--data", s.dataDir).CombinedOutput(); err != nil {
			t.Fatalf("dev seed: %v\n%s", err, out)
		}
		srv := start(t, s)
		res := jointest.Burst(context.Background(), srv.url, "r", 4, 20, nil)
		if len(res.Acked) != 20 {
			t.Fatalf("joins: %v", res.Other)
		}
		oldKey := loadKeys(t, s.dataDir).Newest()

		cmd := command(t, s, "keys", "rotate", "--batch", "5", "--config", srv.cfg)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		batches := 0
		for batches < 8 && sc.Scan() {
			if strings.Contains(sc.Text(), "re-sealed") {
				batches++
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if batches < 8 {
			t.Fatalf("rotate ended after %d batches, before it could be killed", batches)
		}

		d := openDB(t, s)
		kr := loadKeys(t, s.dataDir)
		if ids := kr.KeyIDs(); len(ids) != 2 || ids[0] != oldKey {
			t.Fatalf("key file after the kill: %v", ids)
		}
		under := countByKey(t, d)
		if under[oldKey] == 0 || under[kr.Newest()] == 0 {
			t.Fatalf("not killed half-way: values per key %v", under)
		}
		// Half-way, a repeat of an earlier application is still recognised
		// (the look-up matches either key's index): no second row.
		repeatIsFound(t, srv, d, kr, res.Acked[0])

		resumed := command(t, s, "keys", "rotate", "--config", srv.cfg)
		outb, err := resumed.CombinedOutput()
		if err != nil || !strings.Contains(string(outb), "resuming") {
			t.Fatalf("second run: %v\n%s", err, outb)
		}
		kr = loadKeys(t, s.dataDir)
		if ids := kr.KeyIDs(); len(ids) != 1 || ids[0] == oldKey {
			t.Fatalf("key file after resuming: %v", ids)
		}
		if under := countByKey(t, d); len(under) != 1 || under[kr.Newest()] == 0 {
			t.Fatalf("values per key after resuming: %v", under)
		}
		waitUntil(t, 30*time.Second, "the server to drop the old key", func() bool {
			var ids string
			d.QueryRow(context.Background(), `SELECT key_ids FROM seal_keyrings`).Scan(&ids)
			return ids == kr.Newest()
		})
		repeatIsFound(t, srv, d, kr, res.Acked[1])
		t.Logf("FIGURES rotate-kill %s: killed after %d committed batches of 5 with %v values per key; resumed and finished", dbName(s), batches, under)
		srv.stop(t)
	})
}

func command(t *testing.T, s setup, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "UNIONHALL_SEAL_KEY=", "UNIONHALL_CONFIG=", "UNIONHALL_DATA="+s.dataDir, "UNIONHALL_DATABASE_URL="+s.dbURL)
	return cmd
}

// countByKey counts sealed values per key id over every registered column.
func countByKey(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range rekey.Sealed {
		rows, err := d.Query(context.Background(), `SELECT `+c.Column+` FROM `+c.Table+` WHERE `+c.Column+` IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v []byte
			rows.Scan(&v)
			if id, ok := seal.KeyID(v); ok {
				out[id]++
			}
		}
		rows.Close()
	}
	return out
}

func repeatIsFound(t *testing.T, srv *server, d *db.DB, kr *seal.Keyring, n int64) {
	t.Helper()
	if code := jointest.Post(srv.url, "r", n); code != 202 {
		t.Fatalf("repeat: %d", code)
	}
	look := kr.LookupIndexes("application.email", seal.NormaliseEmail(jointest.Email("r", n)))
	var c int
	if err := d.QueryRow(context.Background(), `SELECT count(*) FROM applications WHERE email_bidx IN (?, ?)`, look[0], look[1]).Scan(&c); err != nil || c != 1 {
		t.Fatalf("a repeated application made %d rows, want 1 (%v)", c, err)
	}
}

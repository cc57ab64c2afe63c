package backup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"unionhall/internal/app"
	"unionhall/internal/backup"
	"unionhall/internal/config"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jointest"
	"unionhall/internal/seal"
)

// TestBackupUnderLoad backs up while 8 clients keep submitting
// applications, restores into an empty place, and finds there every
// application acknowledged (202) before the backup began, each opening
// with the sealing key; and the restore refuses a place that holds data.
func TestBackupUnderLoad(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.Join.RateLimit = 1 << 30
			if dialect == "postgres" {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)

			// What a running server's key-file watcher records (rekey.Watch).
			if _, err := a.DB.Exec(context.Background(), `INSERT INTO seal_keyrings (instance, key_ids, seen_at) VALUES ('live', ?, ?)`,
				a.Keys.Newest(), db.T(time.Now())); err != nil {
				t.Fatal(err)
			}
			burst := jointest.Start(srv.URL, "b", 8)
			defer burst.Stop()
			waitFor(t, func() bool { return burst.Count() >= 40 })
			before := burst.Acked()

			// Encrypted, to a passphrase on one engine and a public key on
			// the other, so both paths run end to end.
			enc, dec := backup.Encryption{Passphrase: "dlouhé heslo svazu"}, backup.Decryption{Passphrase: "dlouhé heslo svazu"}
			if dialect == "postgres" {
				pub, sec, _ := backup.GenerateIdentity()
				rcpt, _ := backup.ParsePublicKey(pub)
				id, _ := backup.ParseIdentity(sec)
				enc, dec = backup.Encryption{Recipient: rcpt}, backup.Decryption{Identity: id}
			}
			var file bytes.Buffer
			m, err := backup.Create(context.Background(), &file, backup.Source{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, KeyIDs: a.Keys.KeyIDs()}, enc)
			if err != nil {
				t.Fatal(err)
			}
			during := burst.Count() - len(before)
			res := burst.Stop()
			if len(res.Other) > 0 {
				t.Fatalf("unexpected answers under load: %v", res.Other)
			}
			if during == 0 {
				t.Fatal("no submission was acknowledged while the backup ran: the test did not test a backup under load")
			}
			t.Logf("%s: %d acknowledged before the backup, %d while it ran; backup %d bytes, schema %d", dialect, len(before), during, file.Len(), m.Schema)

			target := backup.Target{DataDir: filepath.Join(t.TempDir(), "restored"), KeyFile: filepath.Join(cfg.DataDir, seal.KeyFileName)}
			if dialect == "postgres" {
				target.DatabaseURL = dbtest.NewPostgresDatabase(t)
			}
			if _, err := backup.Restore(context.Background(), bytes.NewReader(file.Bytes()), target, dec, keyIDs); err != nil {
				t.Fatal(err)
			}
			d, err := db.Open(context.Background(), db.Options{DataDir: target.DataDir, URL: target.DatabaseURL, Logger: dbtest.Logger()})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			keys, _, err := seal.Load(target.DataDir, "")
			if err != nil {
				t.Fatal(err)
			}
			// The backup held the live server's row in seal_keyrings; the
			// restored copy has forgotten it.
			var ghosts int
			if err := d.QueryRow(context.Background(), `SELECT count(*) FROM seal_keyrings`).Scan(&ghosts); err != nil || ghosts != 0 {
				t.Errorf("restored seal_keyrings rows: %d %v", ghosts, err)
			}
			rows, err := d.Query(context.Background(), `SELECT id, email_bidx, data FROM applications`)
			if err != nil {
				t.Fatal(err)
			}
			restored := map[string]bool{}
			for rows.Next() {
				var id string
				var bidx, data []byte
				if err := rows.Scan(&id, &bidx, &data); err != nil {
					t.Fatal(err)
				}
				if _, err := keys.Open(data, seal.AAD("applications", "data", id)); err != nil {
					t.Fatalf("restored application %s does not open: %v", id, err)
				}
				restored[string(bidx)] = true
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			for n := range before {
				if !restored[string(keys.BlindIndex("application.email", seal.NormaliseEmail(jointest.Email("b", n))))] {
					t.Errorf("application %d was acknowledged before the backup but is not in it", n)
				}
			}
			if len(restored) < len(before) || len(restored) > len(res.Acked)+8 {
				t.Errorf("restored %d applications; %d acknowledged before, %d in all", len(restored), len(before), len(res.Acked))
			}

			// A second restore into the now non-empty place is refused and
			// changes nothing.
			_, err = backup.Restore(context.Background(), bytes.NewReader(file.Bytes()), backup.Target{DataDir: target.DataDir, DatabaseURL: target.DatabaseURL}, dec, keyIDs)
			if !errors.Is(err, backup.ErrNotEmpty) {
				t.Fatalf("restore over data: %v", err)
			}
			if dialect == "postgres" {
				// An empty folder but a database with tables: refused too.
				_, err = backup.Restore(context.Background(), bytes.NewReader(file.Bytes()), backup.Target{DataDir: t.TempDir(), DatabaseURL: target.DatabaseURL}, dec, keyIDs)
				if !errors.Is(err, backup.ErrNotEmpty) {
					t.Fatalf("restore over a database with tables: %v", err)
				}
			}
		})
	}
}

// TestRestoreChecksTheKeyFile: a key file that lacks the backup's keys is
// refused before anything is written, with a message naming the key ids.
func TestRestoreChecksTheKeyFile(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	d, err := db.Open(context.Background(), db.Options{DataDir: cfg.DataDir, Logger: dbtest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	keys, _, err := seal.Load(cfg.DataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if _, err := backup.Create(context.Background(), &file, backup.Source{DataDir: cfg.DataDir, KeyIDs: keys.KeyIDs()}, backup.Encryption{}); err != nil {
		t.Fatal(err)
	}
	otherDir := t.TempDir()
	if _, _, err := seal.Load(otherDir, ""); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "r")
	_, err = backup.Restore(context.Background(), bytes.NewReader(file.Bytes()), backup.Target{DataDir: target, KeyFile: filepath.Join(otherDir, seal.KeyFileName)}, backup.Decryption{}, keyIDs)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(keys.KeyIDs()[0])) {
		t.Fatalf("wrong key file: %v", err)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused restore left files behind")
	}
	// A damaged backup is refused and leaves no database behind.
	cut := file.Bytes()[:file.Len()/2]
	if _, err := backup.Restore(context.Background(), bytes.NewReader(cut), backup.Target{DataDir: target}, backup.Decryption{}, keyIDs); err == nil {
		t.Fatal("half a backup restored")
	}
	if _, err := os.Stat(filepath.Join(target, "unionhall.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a damaged backup left a database behind")
	}
}

func keyIDs(path string) ([]string, error) {
	kr, err := seal.LoadFile(path)
	if err != nil {
		return nil, err
	}
	return kr.KeyIDs(), nil
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// TestBackupRestoreCommands: the operator's path through the commands on a
// SQLite data folder — an encrypted backup, a restore with the key file,
// and the refusals a tired operator meets (a non-empty folder, a wrong
// passphrase, a short one, an existing output file).
func TestBackupRestoreCommands(t *testing.T) {
	t.Setenv("UNIONHALL_DATABASE_URL", "")
	t.Setenv(seal.EnvKey, "")
	t.Setenv(EnvBackupPassphrase, "")
	dir := t.TempDir()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO counters (name, value) VALUES ('backup_test', 42)`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, _, err := seal.Load(dir, ""); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	pass := filepath.Join(tmp, "pass")
	os.WriteFile(pass, []byte("tři dlouhá slova hesla\n"), 0o600)
	short := filepath.Join(tmp, "short")
	os.WriteFile(short, []byte("krátké\n"), 0o600)
	file := filepath.Join(tmp, "b.uhb")

	runCmd := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := runCmd("backup", "--data", dir, "--passphrase-file", short, file); code != 2 || !strings.Contains(out, "12 characters") {
		t.Fatalf("short passphrase: %d %s", code, out)
	}
	if code, out := runCmd("backup", "--data", dir, "--passphrase-file", pass, file); code != 0 || !strings.Contains(out, "encrypted to the passphrase") {
		t.Fatalf("backup: %d %s", code, out)
	}
	if code, out := runCmd("backup", "--data", dir, "--passphrase-file", pass, file); code != 1 || !strings.Contains(out, "exists") {
		t.Fatalf("backup over an existing file: %d %s", code, out)
	}
	wrong := filepath.Join(tmp, "wrong")
	os.WriteFile(wrong, []byte("úplně jiné dlouhé heslo\n"), 0o600)
	target := filepath.Join(tmp, "restored")
	if code, out := runCmd("restore", "--data", target, "--passphrase-file", wrong, file); code != 1 || !strings.Contains(out, "cannot decrypt") {
		t.Fatalf("wrong passphrase: %d %s", code, out)
	}
	if code, out := runCmd("restore", "--data", dir, "--passphrase-file", pass, file); code != 1 || !strings.Contains(out, "not empty") {
		t.Fatalf("restore over the live folder: %d %s", code, out)
	}
	if code, out := runCmd("restore", "--data", target, "--key", filepath.Join(dir, seal.KeyFileName), "--passphrase-file", pass, file); code != 0 || !strings.Contains(out, "restored the sqlite backup") {
		t.Fatalf("restore: %d %s", code, out)
	}
	r, err := db.Open(ctx, db.Options{DataDir: target})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var v int
	if err := r.QueryRow(ctx, `SELECT value FROM counters WHERE name = 'backup_test'`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("restored row: %d %v", v, err)
	}
	if fi, err := os.Stat(filepath.Join(target, seal.KeyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("restored key file: %v", err)
	}

	// To a public key: keygen, backup --to, restore --identity.
	secret := filepath.Join(tmp, "backup.secret")
	code, pub := runCmd("backup", "keygen", "--out", secret)
	if code != 0 || !strings.HasPrefix(pub, "uhbackup1-pub-") {
		t.Fatalf("keygen: %d %s", code, pub)
	}
	file2 := filepath.Join(tmp, "b2.uhb")
	if code, out := runCmd("backup", "--data", dir, "--to", strings.TrimSpace(pub), file2); code != 0 {
		t.Fatalf("backup --to: %d %s", code, out)
	}
	if code, out := runCmd("restore", "--data", filepath.Join(tmp, "r2"), "--identity", secret, file2); code != 0 || !strings.Contains(out, "copy the sealing key") {
		t.Fatalf("restore --identity: %d %s", code, out)
	}
	if code, _ := runCmd("backup", "--to", "<script>", file2+"x"); code != 2 {
		t.Fatal("junk public key accepted")
	}
}

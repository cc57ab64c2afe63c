package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"unionhall/internal/backup"
	"unionhall/internal/config"
	"unionhall/internal/seal"
)

const backupUsage = `Usage:
  unionhall backup [--data DIR] [--config FILE] [--passphrase-file F | --to PUBLIC-KEY] FILE
  unionhall backup keygen --out SECRET-FILE

Writes a consistent copy of the database to FILE ("-" for standard output)
while the server keeps running: SQLite with VACUUM INTO, PostgreSQL with
pg_dump (which must be installed, version ≥ the server's). The sealing key
is NOT included: keep it apart (docs/backup.md).

Encryption (recommended when the copy leaves the server):
  --passphrase-file F   argon2id + AES-256-GCM; or set UNIONHALL_BACKUP_PASSPHRASE
  --to KEY              to a public key from "unionhall backup keygen", so the
                        server can write backups it cannot read back

"backup keygen" writes a new secret key to SECRET-FILE (mode 0600; keep it
off the server) and prints its public key for --to.
`

// EnvBackupPassphrase may hold the backup passphrase.
const EnvBackupPassphrase = "UNIONHALL_BACKUP_PASSPHRASE"

func backupCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "keygen" {
		return backupKeygen(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, backupUsage) }
	cfgPath := fs.String("config", "", "settings file (TOML)")
	dataDir := fs.String("data", "", "data folder (default ./data)")
	passFile := fs.String("passphrase-file", "", "file whose first line is the passphrase")
	to := fs.String("to", "", "public key to encrypt to (from `unionhall backup keygen`)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	out := fs.Arg(0)
	cfg, err := loadSettings(*cfgPath, *dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall backup:", err)
		return 2
	}
	enc, err := backupEncryption(*passFile, *to)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall backup:", err)
		return 2
	}
	src := backup.Source{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL, Version: version}
	// The key ids (not the keys) go into the manifest so restore can say
	// which key file it needs. No key file is created here.
	if kr, err := existingKeys(cfg.DataDir); err == nil && kr != nil {
		src.KeyIDs = kr.KeyIDs()
	}
	var w io.Writer = stdout
	var f *os.File
	if out != "-" {
		// O_EXCL: never overwrite an earlier backup by a typo.
		f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			fmt.Fprintln(stderr, "unionhall backup:", err)
			return 1
		}
		w = f
	}
	m, err := backup.Create(context.Background(), w, src, enc)
	if err == nil && f != nil {
		if err = f.Sync(); err == nil {
			err = f.Close()
		}
	}
	if err != nil {
		if f != nil {
			f.Close()
			os.Remove(out)
		}
		fmt.Fprintln(stderr, "unionhall backup:", err)
		return 1
	}
	how := "NOT encrypted"
	if enc.Passphrase != "" {
		how = "encrypted to the passphrase"
	} else if enc.Recipient != nil {
		how = "encrypted to the public key"
	}
	fmt.Fprintf(stderr, "backup of the %s database (schema %d) written to %s, %s.\nIt does not contain the sealing key (ids %s): keep a copy of that apart.\n",
		m.Dialect, m.Schema, out, how, strings.Join(m.KeyIDs, ", "))
	return 0
}

// existingKeys loads the sealing keys if they exist, creating nothing.
func existingKeys(dataDir string) (*seal.Keyring, error) {
	if v := os.Getenv(seal.EnvKey); strings.TrimSpace(v) != "" {
		kr, _, err := seal.Load("", v)
		return kr, err
	}
	path := filepath.Join(dataDir, seal.KeyFileName)
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return seal.LoadFile(path)
}

func backupEncryption(passFile, to string) (backup.Encryption, error) {
	var enc backup.Encryption
	pass, err := passphrase(passFile)
	if err != nil {
		return enc, err
	}
	if pass != "" && to != "" {
		return enc, errors.New("choose a passphrase or --to, not both")
	}
	if pass != "" && len([]rune(pass)) < 12 {
		return enc, errors.New("the passphrase is shorter than 12 characters: choose a longer one (several words)")
	}
	enc.Passphrase = pass
	if to != "" {
		if enc.Recipient, err = backup.ParsePublicKey(to); err != nil {
			return enc, err
		}
	}
	return enc, nil
}

// passphrase reads the first line of file, or the environment.
func passphrase(file string) (string, error) {
	if file == "" {
		return os.Getenv(EnvBackupPassphrase), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("passphrase file: %w", err)
	}
	p, _, _ := strings.Cut(string(b), "\n")
	p = strings.TrimRight(p, "\r")
	if p == "" {
		return "", errors.New("the passphrase file's first line is empty")
	}
	return p, nil
}

func backupKeygen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "file to write the secret key to (required; must not exist)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, backupUsage)
		return 2
	}
	pub, sec, err := backup.GenerateIdentity()
	if err != nil {
		fmt.Fprintln(stderr, "unionhall backup keygen:", err)
		return 1
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall backup keygen:", err)
		return 1
	}
	_, err = fmt.Fprintf(f, "# Unionhall backup secret key: it opens backups made with --to %s\n# Keep it off the server.\n%s\n", pub, sec)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		fmt.Fprintln(stderr, "unionhall backup keygen:", err)
		return 1
	}
	fmt.Fprintln(stdout, pub)
	return 0
}

// loadSettings reads the settings (file, environment) with an optional
// data folder override, for commands that need no full validation.
func loadSettings(cfgPath, dataDir string) (config.Config, error) {
	cfg, err := config.Load(cfgPath, os.LookupEnv)
	if err != nil {
		return cfg, err
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	return cfg, cfg.Validate()
}

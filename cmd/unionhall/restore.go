package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"unionhall/internal/backup"
	"unionhall/internal/seal"
)

const restoreUsage = `Usage:
  unionhall restore --data DIR [--database-url URL] [--key KEYFILE]
                    [--passphrase-file F | --identity SECRET-FILE] FILE

Restores a backup made by "unionhall backup" into an EMPTY data folder (and,
for a PostgreSQL backup, an empty database: createdb it first). It refuses a
folder or database that holds anything. --key copies the sealing key file
into the folder after checking it holds the keys the backup was sealed with;
without it, put seal.key there yourself before starting the server.
`

func restoreCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, restoreUsage) }
	dataDir := fs.String("data", "", "empty (or missing) data folder to restore into (required)")
	dbURL := fs.String("database-url", "", "empty PostgreSQL database, for a PostgreSQL backup")
	keyFile := fs.String("key", "", "sealing key file to check and copy in")
	passFile := fs.String("passphrase-file", "", "file whose first line is the passphrase (or UNIONHALL_BACKUP_PASSPHRASE)")
	identity := fs.String("identity", "", "secret key file from `unionhall backup keygen`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *dataDir == "" {
		fs.Usage()
		return 2
	}
	var dec backup.Decryption
	if *passFile != "" {
		b, err := os.ReadFile(*passFile)
		if err != nil {
			fmt.Fprintln(stderr, "unionhall restore: passphrase file:", err)
			return 2
		}
		dec.Passphrase = firstLine(string(b))
	} else {
		dec.Passphrase = os.Getenv(EnvBackupPassphrase)
	}
	if *identity != "" {
		b, err := os.ReadFile(*identity)
		if err != nil {
			fmt.Fprintln(stderr, "unionhall restore: identity:", err)
			return 2
		}
		if dec.Identity, err = backup.ParseIdentity(string(b)); err != nil {
			fmt.Fprintln(stderr, "unionhall restore:", err)
			return 2
		}
	}
	var r io.Reader = os.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "unionhall restore:", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	m, err := backup.Restore(context.Background(), r, backup.Target{DataDir: *dataDir, DatabaseURL: *dbURL, KeyFile: *keyFile}, dec,
		func(path string) ([]string, error) {
			kr, err := seal.LoadFile(path)
			if err != nil {
				return nil, err
			}
			return kr.KeyIDs(), nil
		})
	if err != nil {
		fmt.Fprintln(stderr, "unionhall restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored the %s backup of %s (schema %d) into %s\n", m.Dialect, m.CreatedAt.Format("2006-01-02 15:04 UTC"), m.Schema, *dataDir)
	if *keyFile == "" {
		fmt.Fprintf(stdout, "now copy the sealing key file (key ids %v) to %s/%s, mode 0600, before starting the server\n", m.KeyIDs, *dataDir, seal.KeyFileName)
	}
	return 0
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' || c == '\r' {
			return s[:i]
		}
	}
	return s
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/rekey"
	"unionhall/internal/seal"
)

const keysUsage = `Usage:
  unionhall keys [--data DIR] [--config FILE]           the sealing keys' ids
  unionhall keys rotate [--data DIR] [--config FILE] [--batch N] [--wait DURATION]

rotate adds a new sealing key to DATA/seal.key, waits until every running
server has loaded it (they check the file every 2 seconds), re-seals every
sealed value and recomputes every blind index under it in batches while the
servers keep serving, then removes the old key from the file. Interrupted,
run it again: it resumes. Afterwards back up the new key file, and keep the
old key's copy for as long as you keep backups made before the rotation.
`

func keysCmd(args []string, stdout, stderr io.Writer) int {
	rotate := len(args) > 0 && args[0] == "rotate"
	if rotate {
		args = args[1:]
	}
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage) }
	cfgPath := fs.String("config", "", "settings file (TOML)")
	dataDir := fs.String("data", "", "data folder (default ./data)")
	batch := fs.Int("batch", 200, "rows per transaction")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for running servers to load the new key")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *batch < 1 || *batch > 10000 {
		fs.Usage()
		return 2
	}
	cfg, err := loadSettings(*cfgPath, *dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall keys:", err)
		return 2
	}
	if strings.TrimSpace(os.Getenv(seal.EnvKey)) != "" {
		if !rotate {
			kr, _, err := seal.Load("", os.Getenv(seal.EnvKey))
			if err != nil {
				fmt.Fprintln(stderr, "unionhall keys:", err)
				return 1
			}
			fmt.Fprintf(stdout, "keys from %s, oldest first: %s\n", seal.EnvKey, strings.Join(kr.KeyIDs(), " "))
			return 0
		}
		fmt.Fprintln(stderr, "unionhall keys:", rekey.ErrEnvKeys)
		return 1
	}
	keyFile := filepath.Join(cfg.DataDir, seal.KeyFileName)
	if !rotate {
		kr, err := seal.LoadFile(keyFile)
		if err != nil {
			fmt.Fprintln(stderr, "unionhall keys:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s, oldest first: %s\n", keyFile, strings.Join(kr.KeyIDs(), " "))
		if len(kr.KeyIDs()) > 1 {
			fmt.Fprintln(stdout, "more than one key: a rotation is under way or was interrupted; run `unionhall keys rotate` to finish it")
		}
		return 0
	}
	if _, err := os.Stat(keyFile); err != nil {
		fmt.Fprintln(stderr, "unionhall keys: no key file to rotate:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := db.Open(ctx, db.Options{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, Logger: newLogger("warn", stderr)})
	if err != nil {
		fmt.Fprintln(stderr, "unionhall keys:", err)
		return 1
	}
	defer d.Close()
	rep, err := rekey.Rotate(ctx, d, keyFile, rekey.Options{BatchSize: *batch, WaitServers: *wait,
		Progress: func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }})
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "unionhall keys: interrupted; run `unionhall keys rotate` again to finish (nothing is lost: both keys are in the key file)")
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "unionhall keys:", err)
		return 1
	}
	fmt.Fprintf(stdout, "done: key %s seals everything now. Back up %s again (it holds only the new key), and keep the old key's copy while you keep backups from before today.\n", rep.NewKey, keyFile)
	return 0
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"unionhall/internal/admin"
)

const devUsage = `Usage:
  unionhall dev seed [--members N] [--applications N] [--seed S] [--data DIR] [--config FILE]

Fills an empty database with made-up workplaces, members and applications
(default 10000 and 2000), sealed like real data, for development and
benchmarks. Never run it against a real union's data folder.
`

// devCmd runs developer tools (`unionhall dev …`).
func devCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "seed" {
		fmt.Fprint(stderr, devUsage)
		return 2
	}
	fs := flag.NewFlagSet("dev seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); default $UNIONHALL_CONFIG or ./unionhall.toml")
	dataDir := fs.String("data", "", "data folder (default ./data)")
	members := fs.Int("members", 10000, "members to create")
	apps := fs.Int("applications", 2000, "applications to create")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same people)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *members < 0 || *apps < 0 || *members > 1_000_000 || *apps > 1_000_000 {
		fmt.Fprintln(stderr, "unionhall dev seed: counts must be between 0 and 1000000")
		return 2
	}
	ctx := context.Background()
	logger := newLogger("warn", stderr)
	_, d, keys, ok := openStorage(ctx, *cfgPath, *dataDir, logger, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	start := time.Now()
	c := admin.New(admin.Deps{DB: d, Keys: keys, Logger: logger})
	if err := c.Seed(ctx, *members, *apps, *seed); err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return 1
	}
	fmt.Fprintf(stdout, "Seeded %d members and %d applications in %s.\n", *members, *apps, time.Since(start).Round(time.Millisecond))
	return 0
}

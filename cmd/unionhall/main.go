// Command unionhall runs a workers' union's website, membership and more as
// one process. Subcommands:
//
//	unionhall serve   [--addr A] [--site DIR] [--data DIR] [--config FILE]
//	unionhall check   --site DIR
//	unionhall migrate [--data DIR] [--config FILE]
//	unionhall admin create --email X --role R…
//	unionhall dev seed
//	unionhall backup FILE, unionhall restore FILE, unionhall keys rotate
//	unionhall version
//
// main only parses arguments; everything else lives in internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"unionhall/internal/app"
	"unionhall/internal/config"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Unionhall: a union's website, membership and more, in one program.

Usage:
  unionhall serve   [flags]   start the server (default: built-in example site, ./data)
  unionhall check   --site DIR  validate a site folder; exit 1 on errors
  unionhall migrate [flags]   apply database migrations and exit
  unionhall admin create --email X --role R [--role R…] [--workplace ID]
                              create a console account and print a one-time login link
  unionhall jobs [retry ID|--all]  background jobs: counts, dead ones, run again
  unionhall dev seed [flags]  fill a database with generated members and applications
  unionhall backup FILE       consistent online backup, optionally encrypted
  unionhall restore FILE      restore a backup into an empty data folder
  unionhall keys [rotate]     list the sealing keys; rotate them while the server runs
  unionhall votes verify FILE|URL  recount a vote's public board; exit 1 if it disagrees
  unionhall version           print the version

Run "unionhall <command> -h" for a command's flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(rest, stderr)
	case "check":
		return check(rest, stdout, stderr)
	case "migrate":
		return migrate(rest, stderr)
	case "admin":
		return adminCmd(rest, stdout, stderr)
	case "jobs":
		return jobsCmd(rest, stdout, stderr)
	case "dev":
		return devCmd(rest, stdout, stderr)
	case "backup":
		return backupCmd(rest, stdout, stderr)
	case "restore":
		return restoreCmd(rest, stdout, stderr)
	case "keys":
		return keysCmd(rest, stdout, stderr)
	case "votes":
		return votesCmd(rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "unionhall", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unionhall: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// settings parses the flags shared by serve and migrate and merges them over
// the settings file and environment.
func settings(name string, args []string, stderr io.Writer) (config.Config, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "settings file (TOML); default $UNIONHALL_CONFIG or ./unionhall.toml")
	addr := fs.String("addr", "", "listen address host:port (default 127.0.0.1:8080)")
	siteDir := fs.String("site", "", "Hugo-style site folder (default: built-in example site)")
	dataDir := fs.String("data", "", "data folder for the database, key and mail (default ./data)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: unionhall %s [flags]\n\nFlags override the environment, which overrides the settings file.\nEnvironment: %v\n\n", name, config.Env)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return config.Config{}, false
	}
	cfg, err := config.Load(*cfgPath, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return cfg, false
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if *siteDir != "" {
		cfg.SiteDir = *siteDir
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return cfg, false
	}
	return cfg, true
}

func newLogger(level string, w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: logLevel(level)}))
}

func logLevel(level string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return l
}

func serve(args []string, stderr io.Writer) int {
	cfg, ok := settings("serve", args, stderr)
	if !ok {
		return 2
	}
	// The access log buffers its lines (web.LogWriter, issue 8): write
	// what is left when the server stops.
	logOut := web.NewLogWriter(stderr)
	defer logOut.Close()
	logger := slog.New(web.NewLogHandler(logOut, &slog.HandlerOptions{Level: logLevel(cfg.LogLevel)}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	a, err := app.New(ctx, cfg, logger, app.Options{})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	defer a.Close()
	logger.Info("ready", "startup", time.Since(start).Round(time.Millisecond).String())
	if err := a.Serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	siteDir := fs.String("site", "", "site folder to check (required)")
	dataDir := fs.String("data", "", "data folder whose database is checked for events that lost their page (default: settings, ./data)")
	cfgPath := fs.String("config", "", "settings file (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *siteDir == "" {
		fmt.Fprintln(stderr, "unionhall check: --site DIR is required")
		return 2
	}
	s, err := content.LoadDir(*siteDir)
	if err != nil {
		var le *content.LoadError
		if errors.As(err, &le) {
			for _, p := range le.Problems {
				fmt.Fprintln(stdout, p.String())
			}
		} else {
			fmt.Fprintln(stdout, err)
		}
		return 1
	}
	problems := s.Check()
	cfg, err := config.Load(*cfgPath, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "unionhall check:", err)
		return 2
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	problems = append(problems, app.OrphanedEvents(context.Background(), cfg, s)...)
	errorsFound := 0
	for _, p := range problems {
		fmt.Fprintln(stdout, p.String())
		if p.Severity == content.SevError {
			errorsFound++
		}
	}
	if errorsFound > 0 {
		fmt.Fprintf(stdout, "%d error(s)\n", errorsFound)
		return 1
	}
	fmt.Fprintf(stdout, "ok: %d pages\n", len(s.Pages))
	return 0
}

func migrate(args []string, stderr io.Writer) int {
	cfg, ok := settings("migrate", args, stderr)
	if !ok {
		return 2
	}
	logger := newLogger(cfg.LogLevel, stderr)
	if err := app.Migrate(context.Background(), cfg, logger); err != nil {
		logger.Error("migrate failed", "err", err)
		return 1
	}
	logger.Info("migrations applied")
	return 0
}

// openStorage loads the settings (file, environment, then dataDir when
// given) and opens the database (migrating it) and the sealing keys, for
// commands that work on the data without serving it.
func openStorage(ctx context.Context, cfgPath, dataDir string, logger *slog.Logger, stderr io.Writer) (config.Config, *db.DB, *seal.Keyring, bool) {
	cfg, err := config.Load(cfgPath, os.LookupEnv)
	if err == nil && dataDir != "" {
		cfg.DataDir = dataDir
	}
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return cfg, nil, nil, false
	}
	d, err := db.Open(ctx, db.Options{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, Logger: logger})
	if err != nil {
		fmt.Fprintln(stderr, "unionhall:", err)
		return cfg, nil, nil, false
	}
	keys, _, err := seal.Load(cfg.DataDir, os.Getenv(seal.EnvKey))
	if err != nil {
		d.Close()
		fmt.Fprintln(stderr, "unionhall: sealing key:", err)
		return cfg, nil, nil, false
	}
	return cfg, d, keys, true
}

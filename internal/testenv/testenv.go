// Package testenv tells tests what the machine they run on provides, and how
// to behave when a part is missing.
//
// Tests use real parts (PostgreSQL, Chromium, the seed documents). A newcomer
// running `go test ./...` on a bare machine should get a green run with skips,
// so a missing part skips locally. The project's test script (scripts/test)
// installs every part and sets UNIONHALL_TEST_REQUIRE_ALL=1, under which a
// missing part fails the test instead: CI must never go green by skipping the
// suites that matter.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Environment variables read by this package.
const (
	// EnvRequireAll set to "1" turns every missing test part into a failure.
	EnvRequireAll = "UNIONHALL_TEST_REQUIRE_ALL"
	// EnvPostgres holds the URL of a PostgreSQL server the tests may use
	// (they create their own databases or schemas in it).
	EnvPostgres = "UNIONHALL_TEST_POSTGRES"
	// EnvSeeds overrides where the seed documents are found.
	EnvSeeds = "UNIONHALL_TEST_SEEDS"
)

// RequireAll reports whether missing test parts must fail the run.
func RequireAll() bool {
	return os.Getenv(EnvRequireAll) == "1"
}

// SkipOrFail stops the test because a part it needs is missing: it skips,
// or under RequireAll it fails with the same explanation.
func SkipOrFail(t testing.TB, why string) {
	t.Helper()
	if RequireAll() {
		t.Fatalf("missing test part (required because %s=1): %s", EnvRequireAll, why)
	}
	t.Skipf("skipped, missing test part: %s (set %s=1 to make this a failure)", why, EnvRequireAll)
}

// PostgresURL returns the URL of the test PostgreSQL server from
// UNIONHALL_TEST_POSTGRES, after checking that its port answers; otherwise
// the test is skipped (or fails under RequireAll). The server is shared by
// every package running in parallel, so a test must create its own database
// or schema and never assume it is alone.
func PostgresURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv(EnvPostgres)
	if raw == "" {
		SkipOrFail(t, EnvPostgres+" is not set (scripts/test sets it)")
		return ""
	}
	if err := postgresReachable(raw); err != nil {
		SkipOrFail(t, fmt.Sprintf("%s is set but the server does not answer: %v", EnvPostgres, err))
		return ""
	}
	return raw
}

// postgresReachable dials the server's TCP port. It does not log in: the
// caller's driver gives better errors for that; this only turns "nobody is
// listening" into a clear skip instead of a long driver timeout.
func postgresReachable(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("URL scheme %q is not postgres", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		// A socket directory given as ?host=/run/postgresql cannot be dialled
		// here; let the driver try.
		return nil
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	return c.Close()
}

// RepoRoot returns the directory holding the module's go.mod, found by
// walking up from the working directory (a package's directory under
// `go test`).
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := findRepoRoot()
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	return root
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && isUnionhallModule(b) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of module unionhall above the working directory")
		}
		dir = parent
	}
}

func isUnionhallModule(gomod []byte) bool {
	for line := range strings.SplitSeq(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "module" {
			return f[1] == "unionhall"
		}
	}
	return false
}

// SeedsDir returns the folder of the user's seed documents: $UNIONHALL_TEST_SEEDS
// if set, else the first shared/seeds found walking up from the working
// directory to the repository root's parent (the seeds live beside the
// repository, in ../shared/seeds, on developer machines and in CI). A missing
// folder skips the test, or fails it under RequireAll.
func SeedsDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(EnvSeeds); d != "" {
		if isDir(d) {
			return d
		}
		SkipOrFail(t, fmt.Sprintf("%s=%q is not a folder", EnvSeeds, d))
		return ""
	}
	root := RepoRoot(t)
	stop := filepath.Dir(root)
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for {
		cand := filepath.Join(dir, "shared", "seeds")
		if isDir(cand) {
			return cand
		}
		if dir == stop || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	SkipOrFail(t, "seed documents not found: expected "+filepath.Join(stop, "shared", "seeds"))
	return ""
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

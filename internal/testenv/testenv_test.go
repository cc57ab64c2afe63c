package testenv

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how a helper ended the test. Skip and Fatal stop the
// goroutine like the real ones do, so code after them must not run.
type fakeTB struct {
	testing.TB // nil: any method not overridden here panics, which is a test bug
	skipped    string
	failed     string
	realT      *testing.T
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Setenv(k, v string) { f.realT.Setenv(k, v) }

// run calls fn with a fake TB on its own goroutine, as testing does.
func run(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{realT: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

func TestRequireAll(t *testing.T) {
	for _, c := range []struct {
		val  string
		want bool
	}{{"1", true}, {"", false}, {"0", false}, {"true", false}, {" 1", false}} {
		t.Setenv(EnvRequireAll, c.val)
		if got := RequireAll(); got != c.want {
			t.Errorf("%s=%q: RequireAll() = %v, want %v", EnvRequireAll, c.val, got, c.want)
		}
	}
}

func TestSkipOrFail(t *testing.T) {
	t.Setenv(EnvRequireAll, "")
	after := false
	f := run(t, func(tb testing.TB) { SkipOrFail(tb, "chromium missing"); after = true })
	if f.failed != "" || !strings.Contains(f.skipped, "chromium missing") {
		t.Errorf("locally: skipped=%q failed=%q, want a skip naming the part", f.skipped, f.failed)
	}
	if after {
		t.Error("SkipOrFail returned instead of stopping the test")
	}

	t.Setenv(EnvRequireAll, "1")
	f = run(t, func(tb testing.TB) { SkipOrFail(tb, "chromium missing") })
	if f.skipped != "" || !strings.Contains(f.failed, "chromium missing") || !strings.Contains(f.failed, EnvRequireAll) {
		t.Errorf("under RequireAll: skipped=%q failed=%q, want a failure naming the part and the variable", f.skipped, f.failed)
	}
}

func TestPostgresURL(t *testing.T) {
	t.Setenv(EnvRequireAll, "")

	// A port that listens: accepted without logging in.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	up := "postgres://postgres@" + ln.Addr().String() + "/postgres?sslmode=disable"

	// A port that surely does not listen: one we just closed.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "postgres://postgres@" + ln2.Addr().String() + "/postgres"
	ln2.Close()

	cases := []struct {
		name, val string
		skip      string // substring of the skip message; "" means the URL is returned
	}{
		{"listening", up, ""},
		{"postgresql scheme", "postgresql://postgres@" + ln.Addr().String() + "/x", ""},
		{"unset", "", EnvPostgres + " is not set"},
		{"nobody listens", down, "does not answer"},
		{"wrong scheme", "mysql://root@" + ln.Addr().String() + "/x", "not postgres"},
		{"malformed", "postgres://%zz", "parse URL"},
		{"control chars", "postgres://a\x01b/", "parse URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(EnvPostgres, c.val)
			var got string
			f := run(t, func(tb testing.TB) { got = PostgresURL(tb) })
			if c.skip == "" {
				if got != c.val || f.skipped != "" || f.failed != "" {
					t.Errorf("got %q skipped=%q failed=%q, want the URL back", got, f.skipped, f.failed)
				}
				return
			}
			if !strings.Contains(f.skipped, c.skip) {
				t.Errorf("skipped=%q failed=%q, want a skip containing %q", f.skipped, f.failed, c.skip)
			}
		})
	}
}

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !isUnionhallModule(b) {
		t.Errorf("RepoRoot() = %s, whose go.mod is not module unionhall", root)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "testenv", "testenv.go")); err != nil {
		t.Errorf("RepoRoot() = %s does not hold this package: %v", root, err)
	}
}

func TestIsUnionhallModule(t *testing.T) {
	for in, want := range map[string]bool{
		"module unionhall\n\ngo 1.26\n":  true,
		"// c\nmodule unionhall\r\n":     true,
		"module unionhallx\n":            false,
		"module example.com/unionhall\n": false,
		"":                               false,
		"go 1.26\n":                      false,
	} {
		if got := isUnionhallModule([]byte(in)); got != want {
			t.Errorf("isUnionhallModule(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestSeedsDirWalksUp builds a fake checkout: base/repo/go.mod beside
// base/shared/seeds, and runs from deep inside the repository.
func TestSeedsDirWalksUp(t *testing.T) {
	t.Setenv(EnvSeeds, "")
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	deep := filepath.Join(repo, "internal", "x")
	seeds := filepath.Join(base, "shared", "seeds")
	for _, d := range []string{deep, seeds} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module unionhall\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(deep)
	if got := SeedsDir(t); got != seeds {
		t.Errorf("SeedsDir() = %q, want %q", got, seeds)
	}

	// Without the seeds folder, it must not wander above the repo's parent.
	if err := os.RemoveAll(filepath.Join(base, "shared")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvRequireAll, "")
	f := run(t, func(tb testing.TB) { SeedsDir(tb) })
	if !strings.Contains(f.skipped, "seed documents not found") {
		t.Errorf("skipped=%q failed=%q, want a skip", f.skipped, f.failed)
	}
}

func TestSeedsDirOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvSeeds, dir)
	if got := SeedsDir(t); got != dir {
		t.Errorf("SeedsDir() = %q, want %q", got, dir)
	}
	t.Setenv(EnvSeeds, filepath.Join(dir, "missing"))
	t.Setenv(EnvRequireAll, "1")
	f := run(t, func(tb testing.TB) { SeedsDir(tb) })
	if !strings.Contains(f.failed, "is not a folder") {
		t.Errorf("skipped=%q failed=%q, want a failure under RequireAll", f.skipped, f.failed)
	}
}

// TestSeedsDirReal checks the real layout of this checkout: the seeds are
// part of the project's inputs, so under RequireAll they must be found.
func TestSeedsDirReal(t *testing.T) {
	t.Setenv(EnvSeeds, "")
	dir := SeedsDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Errorf("seeds folder %s is empty", dir)
	}
}

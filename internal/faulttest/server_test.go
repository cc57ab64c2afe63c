package faulttest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/jointest"
	"unionhall/internal/mailtest"
	"unionhall/internal/seal"
	"unionhall/internal/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds cmd/unionhall once per run.
func binary(t *testing.T) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "unionhall-faulttest-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "unionhall")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/unionhall")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// setup is what a server process is started with.
type setup struct {
	dataDir, dbURL string
	smtp           *mailtest.Server
}

// server is a running `unionhall serve` subprocess.
type server struct {
	cmd  *exec.Cmd
	url  string
	cfg  string // the settings file, for other commands on the same data
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// writeConfig writes the settings file a test server runs with.
func writeConfig(t *testing.T, s setup, addr string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "addr = %q\ndata = %q\nlog_level = \"info\"\naccess_log = false\n", addr, s.dataDir)
	if s.dbURL != "" {
		fmt.Fprintf(&b, "database_url = %q\n", s.dbURL)
	}
	b.WriteString("[join]\nrate_limit = 1000000\n")
	b.WriteString("[jobs]\nlease = \"6s\"\nretry_after = \"1s\"\n")
	if s.smtp != nil {
		fmt.Fprintf(&b, "[smtp]\nhost = %q\nport = %d\ntls = \"none\"\nfrom = \"Odbory <odbory@example.org>\"\n", s.smtp.Host(), s.smtp.Port())
	}
	path := filepath.Join(t.TempDir(), "unionhall.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// start starts a server and waits until it answers.
func start(t *testing.T, s setup) *server {
	t.Helper()
	addr := freePort(t)
	cfg := writeConfig(t, s, addr)
	cmd := exec.Command(binary(t), "serve", "--config", cfg)
	cmd.Env = append(os.Environ(), "UNIONHALL_SEAL_KEY=", "UNIONHALL_CONFIG=", "UNIONHALL_DATABASE_URL="+s.dbURL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv := &server{cmd: cmd, url: "http://" + addr, cfg: cfg, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			srv.mu.Lock()
			srv.log.WriteString(sc.Text() + "\n")
			srv.mu.Unlock()
		}
		cmd.Wait()
		close(srv.done)
	}()
	t.Cleanup(func() { srv.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(srv.url + "/")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return srv
			}
		}
		select {
		case <-srv.done:
			t.Fatalf("server exited at start:\n%s", srv.logText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not answering after 60s:\n%s", srv.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop asks the server to shut down gracefully and waits.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Error("server did not stop within 30s of SIGTERM")
		s.kill()
	}
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mailByRecipient groups received messages by envelope recipient, and
// within that by Message-ID.
func mailByRecipient(m *mailtest.Server) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, msg := range m.Messages() {
		for _, to := range msg.To {
			to = strings.ToLower(strings.Trim(to, "<>"))
			if out[to] == nil {
				out[to] = map[string]int{}
			}
			out[to][msg.Header.Get("Message-Id")]++
		}
	}
	return out
}

// openDB opens the database a server uses, as a second process would.
func openDB(t *testing.T, s setup) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{DataDir: s.dataDir, URL: s.dbURL, Logger: dbtest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// missing returns the acknowledged application numbers of run that are not
// in the database.
func missing(t *testing.T, d *db.DB, keys *seal.Keyring, run string, acked map[int64]bool) []int64 {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT email_bidx FROM applications`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		have[string(b)] = true
	}
	var out []int64
	for n := range acked {
		look := keys.LookupIndexes("application.email", seal.NormaliseEmail(jointest.Email(run, n)))
		if !have[string(look[0])] && !have[string(look[1])] {
			out = append(out, n)
		}
	}
	return out
}

func loadKeys(t *testing.T, dataDir string) *seal.Keyring {
	t.Helper()
	kr, err := seal.LoadFile(filepath.Join(dataDir, seal.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// eachDB runs fn on SQLite and on PostgreSQL.
func eachDB(t *testing.T, fn func(t *testing.T, s setup)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, setup{dataDir: t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, setup{dataDir: t.TempDir(), dbURL: dbtest.NewPostgresDatabase(t)})
	})
}

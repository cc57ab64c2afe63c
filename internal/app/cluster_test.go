package app

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"unionhall/internal/dbtest"
	"unionhall/internal/events"
	"unionhall/internal/mailtest"
	"unionhall/internal/seal"
)

// TestTwoProcesses runs the real binary twice on one PostgreSQL database,
// the way docs/operations.md describes several processes, and shows that
// they behave as one system:
//
//   - both start at the same moment and migrate once (the advisory lock);
//   - every job runs once: registrations made on both processes send one
//     email each, no more, each job is claimed exactly once, and both
//     processes did part of the work;
//   - a console session made on one process works on the other;
//   - closing registration early on one process takes the "Register"
//     button off both processes' cached event pages (LISTEN/NOTIFY).
func TestTwoProcesses(t *testing.T) {
	dbURL := dbtest.NewPostgresDatabase(t)
	bin := buildBinary(t)
	smtp := mailtest.Start(t)
	siteDir := meetingSite(t)
	key := make([]byte, seal.KeySize)
	rand.Read(key)
	env := []string{
		"UNIONHALL_DATABASE_URL=" + dbURL,
		"UNIONHALL_SITE=" + siteDir,
		"UNIONHALL_SEAL_KEY=" + base64.StdEncoding.EncodeToString(key),
		"UNIONHALL_SMTP_HOST=" + smtp.Host(),
		"UNIONHALL_SMTP_PORT=" + strconv.Itoa(smtp.Port()),
		"UNIONHALL_SMTP_TLS=none",
		"UNIONHALL_SMTP_FROM=Union <noreply@union.example>",
		// Info: the "listening" lines say which ports the children took.
		"UNIONHALL_LOG_LEVEL=info",
		"UNIONHALL_ACCESS_LOG=false",
	}

	// Both at once (Start does not wait for the child): the second must
	// wait for the first one's migrations.
	var procs [2]*process
	for i := range procs {
		procs[i] = &process{name: fmt.Sprintf("process %d", i+1), bin: bin, env: env}
		procs[i].start(t)
	}
	a, b := procs[0], procs[1]
	for _, p := range procs {
		p.waitReady(t)
	}

	// 1. Every job runs once. Registrations alternate between the two
	// processes; each queues one confirmation email.
	const n = 12
	want := map[string]bool{}
	for i := range n {
		p := procs[i%2]
		email := fmt.Sprintf("member%02d@posta.example", i)
		want[email] = true
		form := url.Values{"name": {fmt.Sprintf("Member %d", i)}, "email": {email}, "lang": {"en"}, "consent": {"yes"}}
		res, err := p.client().PostForm(p.url+"/en/events/meeting/register/", form)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 400 {
			t.Fatalf("%s: registration %d: %d", p.name, i, res.StatusCode)
		}
	}
	msgs := smtp.WaitFor(t, n, 60*time.Second)
	pg, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	// Wait until no job is due or running, then count again: a job run
	// twice would have sent its email by then.
	poll(t, "the queue to drain", func() bool {
		var due int
		err := pg.QueryRow(`SELECT COUNT(*) FROM jobs WHERE (state = 'pending' AND run_at <= now()) OR state = 'running'`).Scan(&due)
		return err == nil && due == 0
	})
	msgs = smtp.Messages()
	got := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			got[to]++
		}
	}
	if len(msgs) != n {
		t.Errorf("%d emails for %d registrations", len(msgs), n)
	}
	for email := range want {
		if got[email] != 1 {
			t.Errorf("%s got %d emails, want 1", email, got[email])
		}
	}
	var twice, done int
	if err := pg.QueryRow(`SELECT COUNT(*) FILTER (WHERE attempts <> 1), COUNT(*) FILTER (WHERE state = 'done') FROM jobs WHERE state <> 'pending'`).Scan(&twice, &done); err != nil {
		t.Fatal(err)
	}
	if twice != 0 || done < n {
		t.Errorf("jobs: %d claimed more than once, %d done (want 0 and at least %d)", twice, done, n)
	}
	// Both processes worked the queue, and between them sent each email once.
	sentA, sentB := a.emailsSent(t), b.emailsSent(t)
	if sentA+sentB != n || sentA == 0 || sentB == 0 {
		t.Errorf("emails sent by process 1: %d, by process 2: %d; want %d in all, some by each", sentA, sentB, n)
	}

	// 2. A console session made on one process works on the other.
	link := adminLink(t, bin, env, "organiser@union.example")
	token := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(link)
	if token == nil {
		t.Fatalf("no token in %q", link)
	}
	jar, _ := cookiejar.New(nil)
	console := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := console.PostForm(a.url+"/auth/link", url.Values{"token": {token[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in on %s: %d", a.name, res.StatusCode)
	}
	// The cookie was set for process 1's host and port; send it to 2.
	aURL, _ := url.Parse(a.url)
	bURL, _ := url.Parse(b.url)
	jar.SetCookies(bURL, jar.Cookies(aURL))
	eventsPage := func(p *process, c *http.Client) (int, string) {
		res, err := c.Get(p.url + "/admin/events")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := eventsPage(b, console); code != 200 || !strings.Contains(body, "Meeting") {
		t.Fatalf("the session from %s on %s: %d", a.name, b.name, code)
	}
	if code, _ := eventsPage(b, b.client()); code == 200 {
		t.Fatal("the console opens without a session")
	}

	// 3. Closing early on one process reaches both processes' cached pages.
	const registerLink = `href="/en/events/meeting/register/"`
	eventPage := func(p *process) string {
		res, err := p.client().Get(p.url + "/en/events/meeting/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: event page %d", p.name, res.StatusCode)
		}
		return string(body)
	}
	for _, p := range procs {
		for range 2 { // the second answer comes from the cache
			if !strings.Contains(eventPage(p), registerLink) {
				t.Fatalf("%s: no register link while open", p.name)
			}
		}
	}
	eventID := events.EventID("id:meeting")
	res, err = console.PostForm(b.url+"/admin/events/"+eventID+"/close", url.Values{"op": {"close"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("close on %s: %d", b.name, res.StatusCode)
	}
	if strings.Contains(eventPage(b), registerLink) {
		t.Fatalf("%s still offers registration right after closing there", b.name)
	}
	poll(t, "the close to reach "+a.name, func() bool {
		body := eventPage(a)
		return !strings.Contains(body, registerLink) && strings.Contains(body, "Registration for this event has closed.")
	})

	for _, p := range procs {
		p.stop(t)
	}
}

// poll checks cond until it holds, failing the test after a deadline.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildBinary builds cmd/unionhall into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "unionhall")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(gobin, "build", "-o", out, "unionhall/cmd/unionhall")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the binary: %v\n%s", err, b)
	}
	return out
}

// adminLink runs `unionhall admin create` and returns the sign-in link.
func adminLink(t *testing.T, bin string, env []string, email string) string {
	t.Helper()
	cmd := exec.Command(bin, "admin", "create", "--email", email, "--role", "list-events", "--role", "manage-events",
		"--data", t.TempDir())
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	return string(out)
}

// process is one `unionhall serve` child.
type process struct {
	name, bin string
	env       []string
	url       string
	metrics   string
	cmd       *exec.Cmd
	log       syncBuffer
	done      chan error
}

func (p *process) start(t *testing.T) {
	t.Helper()
	// Port 0: the kernel picks free ports, the log names them (no race
	// with other tests for a port found free a moment earlier).
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Env = append(append(os.Environ(), p.env...),
		"UNIONHALL_ADDR=127.0.0.1:0", "UNIONHALL_METRICS_ADDR=127.0.0.1:0", "UNIONHALL_DATA="+t.TempDir())
	p.cmd.Stdout, p.cmd.Stderr = &p.log, &p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	p.done = make(chan error, 1)
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", p.name, p.log.String())
		}
	})
}

func (p *process) client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var listeningRE = regexp.MustCompile(`msg="(unionhall|metrics) listening" url=(http://127\.0\.0\.1:\d+)/`)

// waitReady learns the process's addresses from its log, then polls
// /readyz until every check passes (on PostgreSQL that includes the change
// listener).
func (p *process) waitReady(t *testing.T) {
	t.Helper()
	poll(t, p.name+" to be ready", func() bool {
		select {
		case err := <-p.done:
			t.Fatalf("%s exited: %v\n%s", p.name, err, p.log.String())
		default:
		}
		if p.url == "" || p.metrics == "" {
			for _, m := range listeningRE.FindAllStringSubmatch(p.log.String(), -1) {
				if m[1] == "unionhall" {
					p.url = m[2]
				} else {
					p.metrics = m[2] + "/metrics"
				}
			}
			if p.url == "" || p.metrics == "" {
				return false
			}
		}
		res, err := p.client().Get(p.url + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
}

var sentRE = regexp.MustCompile(`(?m)^unionhall_emails_total\{result="sent"\} (\d+)$`)

func (p *process) emailsSent(t *testing.T) int {
	t.Helper()
	res, err := p.client().Get(p.metrics)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := sentRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no email counter in the scrape", p.name)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// stop ends the process as systemd would (SIGTERM) and expects a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s: exit after SIGINT: %v", p.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30s", p.name)
	}
}

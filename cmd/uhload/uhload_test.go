package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckLoopbackURL(t *testing.T) {
	ok := []string{
		"http://127.0.0.1:8080/en/",
		"http://127.1.2.3/",
		"https://localhost:8443/x",
		"http://[::1]:8080/",
	}
	bad := []string{
		"http://example.org/",
		"http://10.0.0.1/",
		"http://198.51.100.1/",
		"http://localhost.example.org/",
		"http://127.0.0.1.nip.io/",
		"http://[::ffff:8.8.8.8]/",
		"ftp://127.0.0.1/",
		"127.0.0.1:8080",
		"",
		"http://%zz/",
		"http://127.0.0.1\u202e/",
		"http://0.0.0.0:8080/",
	}
	for _, u := range ok {
		if err := checkLoopbackURL(u); err != nil {
			t.Errorf("checkLoopbackURL(%q) = %v, want nil", u, err)
		}
	}
	for _, u := range bad {
		if err := checkLoopbackURL(u); err == nil {
			t.Errorf("checkLoopbackURL(%q) = nil, want refusal", u)
		}
	}
}

func TestLoopbackOnlyDialer(t *testing.T) {
	if err := loopbackOnly("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
	for _, a := range []string{"192.0.2.1:80", "[2001:db8::1]:80", "garbage"} {
		if err := loopbackOnly("tcp", a, nil); err == nil {
			t.Errorf("loopbackOnly(%q) = nil, want refusal", a)
		}
	}
}

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{
		0.50: 50 * time.Millisecond,
		0.90: 90 * time.Millisecond,
		0.99: 99 * time.Millisecond,
		1:    100 * time.Millisecond,
		0:    1 * time.Millisecond,
	} {
		if got := percentile(s, p); got != want {
			t.Errorf("percentile(1..100ms, %v) = %v, want %v", p, got, want)
		}
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("percentile(nil) = %v", got)
	}
	if got := percentile([]time.Duration{7}, 0.99); got != 7 {
		t.Errorf("percentile(one sample) = %v", got)
	}
}

func TestBodyMaker(t *testing.T) {
	m := newBodyMaker([]byte(`{"email":"a{{n}}@x.example","n":{{n}}}`))
	if got := string(m.body(42)); got != `{"email":"a42@x.example","n":42}` {
		t.Errorf("body(42) = %s", got)
	}
	plain := newBodyMaker([]byte(`{"a":1}`))
	if got := string(plain.body(5)); got != `{"a":1}` {
		t.Errorf("body without placeholder = %s", got)
	}
}

// TestMeasureGET loads a server that answers slowly on every tenth request
// and checks counts, bytes and that percentiles see the slow ones.
func TestMeasureGET(t *testing.T) {
	var hits atomic.Int64
	var gzipAsked atomic.Bool
	payload := strings.Repeat("x", 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") == "gzip" {
			gzipAsked.Store(true)
		}
		if hits.Add(1)%10 == 0 {
			time.Sleep(50 * time.Millisecond) // the server under test is slow here, on purpose
		}
		io.WriteString(w, payload)
	}))
	defer srv.Close()

	cfg, err := newConfig([]string{srv.URL + "/"}, nil, "4", 300*time.Millisecond, 0, true, "", 0, 1_000_000, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := measure(context.Background(), cfg, srv.URL+"/", 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests < 10 || r.Errors != 0 || r.HTTPErrors != 0 {
		t.Fatalf("result %+v: want ≥10 requests and no errors", r)
	}
	if r.Bytes != r.Requests*int64(len(payload)) {
		t.Errorf("bytes = %d, want %d×%d", r.Bytes, r.Requests, len(payload))
	}
	if int64(len(r.Latencies)) != r.Requests {
		t.Errorf("%d latencies for %d requests", len(r.Latencies), r.Requests)
	}
	if p50, mx := r.Percentile(0.5), r.Percentile(1); p50 >= 50*time.Millisecond || mx < 50*time.Millisecond {
		t.Errorf("p50 = %v (want < 50ms), max = %v (want ≥ 50ms)", p50, mx)
	}
	if !gzipAsked.Load() {
		t.Error("-gzip did not send Accept-Encoding: gzip")
	}
	if r.RPS() <= 0 {
		t.Errorf("RPS = %v", r.RPS())
	}
}

// TestMeasurePOSTUniqueBodies checks -post-json: every request is a POST
// with a body unique to it, and 4xx answers are counted apart.
func TestMeasurePOSTUniqueBodies(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v struct{ Email string }
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			json.NewDecoder(r.Body).Decode(&v) != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		mu.Lock()
		seen[v.Email]++
		mu.Unlock()
		if strings.HasSuffix(strings.TrimSuffix(v.Email, "@x.example"), "7") {
			http.Error(w, "rejected", http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusSeeOther) // a redirect is an answer, not followed
	}))
	defer srv.Close()
	body := filepath.Join(t.TempDir(), "app.json")
	if err := os.WriteFile(body, []byte(`{"email":"load{{n}}@x.example"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := newConfig([]string{srv.URL}, []string{"X-Test: yes"}, "3", 5*time.Second, 0, false, body, 0, 200, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := measure(context.Background(), cfg, srv.URL, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 200 {
		t.Errorf("requests = %d, want exactly -max-requests 200", r.Requests)
	}
	if r.Errors != 0 {
		t.Errorf("errors = %d (%s)", r.Errors, r.FirstError)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 200 {
		t.Errorf("%d distinct bodies for 200 requests", len(seen))
	}
	for e, n := range seen {
		if n != 1 {
			t.Errorf("body %s sent %d times", e, n)
		}
	}
	if r.HTTPErrors != 20 {
		t.Errorf("4xx/5xx = %d, want 20 (every number ending in 7)", r.HTTPErrors)
	}
}

func TestMeasureRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	cfg, err := newConfig([]string{srv.URL}, nil, "4", 500*time.Millisecond, 0, false, "", 100, 1_000_000, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := measure(context.Background(), cfg, srv.URL, 4)
	if err != nil {
		t.Fatal(err)
	}
	// 100/s for 0.5 s: at most about 50 (fewer if this machine stalls),
	// never the thousands an unpaced run does.
	if r.Requests < 5 || r.Requests > 55 {
		t.Errorf("paced at 100/s for 0.5s: %d requests, want about 50", r.Requests)
	}
}

func TestMeasureErrors(t *testing.T) {
	// A server that closes every connection without answering.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	}))
	defer srv.Close()
	cfg, err := newConfig([]string{srv.URL}, nil, "2", 200*time.Millisecond, 0, false, "", 0, 50, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, err := measure(context.Background(), cfg, srv.URL, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors == 0 || r.FirstError == "" || r.Requests != 0 {
		t.Errorf("result %+v: want only errors, with the first one kept", r)
	}
}

func TestRunOutputs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	defer srv.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-url", srv.URL + "/a", "-url", srv.URL + "/b", "-c", "1,2", "-d", "100ms", "-warmup", "10ms", "-csv"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "url,conns,requests,rps,p50_ms") {
		t.Fatalf("CSV output:\n%s", out.String())
	}
	if !strings.HasPrefix(lines[1], srv.URL+"/a,1,") || !strings.HasPrefix(lines[4], srv.URL+"/b,2,") {
		t.Errorf("CSV rows out of order:\n%s", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-url", srv.URL, "-c", "1", "-d", "50ms", "-warmup", "0s"}, &out, &errb); code != 0 {
		t.Fatalf("table run exit %d", code)
	}
	for _, col := range []string{"req/s", "p50 ms", "p99 ms", "max ms", "errors", "bytes/resp"} {
		if !strings.Contains(out.String(), col) {
			t.Errorf("table lacks column %q:\n%s", col, out.String())
		}
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), maxBodyFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{},
		{"-url", "http://example.org/"},
		{"-url", "http://127.0.0.1/", "-c", "0"},
		{"-url", "http://127.0.0.1/", "-c", "1001"},
		{"-url", "http://127.0.0.1/", "-c", "1,x"},
		{"-url", "http://127.0.0.1/", "-c", ""},
		{"-url", "http://127.0.0.1/", "-d", "0s"},
		{"-url", "http://127.0.0.1/", "-d", "11m"},
		{"-url", "http://127.0.0.1/", "-rate", "-1"},
		{"-url", "http://127.0.0.1/", "-max-requests", "0"},
		{"-url", "http://127.0.0.1/", "-post-json", "/nonexistent/file"},
		{"-url", "http://127.0.0.1/", "-post-json", big},
		{"-url", "http://127.0.0.1/", "-H", "no colon"},
		{"-url", "http://127.0.0.1/", "-H", ": empty name"},
		{"-url", "http://127.0.0.1/", "extra"},
		{"-nosuchflag"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code == 0 || errb.Len() == 0 {
			t.Errorf("run(%q) = %d with stderr %q; want a refusal with a message", args, code, errb.String())
		}
	}
}

func TestGenerateSite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if err := generateSite(dir, 600); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	err := filepath.WalkDir(filepath.Join(dir, "content"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "_index") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(b, []byte("---\ntitle: ")) || bytes.Count(b, []byte("\n---\n")) != 1 {
			t.Errorf("%s: front matter not well formed", p)
		}
		if !strings.HasSuffix(p, ".en.md") && !strings.HasSuffix(p, ".cs.md") {
			t.Errorf("%s: no language suffix", p)
		}
		sec := filepath.Base(filepath.Dir(p))
		count[sec]++
		if sec == "events" && !bytes.Contains(b, []byte("\nstartDate: ")) {
			t.Errorf("%s: event without startDate", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count["statements"]+count["events"]+count["pages"] != 600 || count["events"] != 200 {
		t.Errorf("pages per section = %v, want 600 split evenly", count)
	}
	if _, err := os.Stat(filepath.Join(dir, "config.toml")); err != nil {
		t.Error(err)
	}
	// Translations share a base name: item-00000 exists in both languages.
	for _, l := range []string{"en", "cs"} {
		if _, err := os.Stat(filepath.Join(dir, "content", "events", fmt.Sprintf("item-00000.%s.md", l))); err != nil {
			t.Error(err)
		}
	}
	// Never into a folder that has something in it.
	if err := generateSite(dir, 10); err == nil {
		t.Error("generateSite wrote into a non-empty folder")
	}
	for _, n := range []int{0, -1, 200_001} {
		if err := generateSite(filepath.Join(t.TempDir(), "x"), n); err == nil {
			t.Errorf("generateSite(%d pages) = nil, want an error", n)
		}
	}
}

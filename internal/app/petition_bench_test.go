package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/dbtest"
	"unionhall/internal/mailtest"
)

// BenchmarkPetitionRush is issue 11's speed goal as a viral petition meets
// it: the whole app on a real loopback HTTP server, the example site's
// petition, and an open-loop client sending 1,000 signatures per second for
// 30 seconds (UNIONHALL_BENCH_RUSH changes the length, UNIONHALL_BENCH_RATE
// the rate), each from its own address (X-Forwarded-For through a trusted
// proxy, as many people would) with its own email, following the 303 to
// the "check your email" page as a browser does. Meanwhile the same client
// reads the petition page with its live counter 50 times a second.
//
// The confirmation emails are queued durably in the outbox inside each
// signature's transaction; by default the job queue does not send them
// during the rush. With UNIONHALL_BENCH_QUEUE=1 it runs and delivers them
// to the in-process SMTP server meanwhile, as in production: on SQLite its
// claim and finish transactions (two commits per email, internal/jobs)
// then compete with the signatures for the one writer, and the rush does
// not hold (docs/petitions.md has the figures).
//
// The client is a process of its own (this test binary again, running
// TestPetitionRushClient), so its allocations and collections do not count
// against the server's heap and memory limit; both share the machine's
// cores. Open loop: a request is due every millisecond whatever the server
// does, and its latency runs from when it was due, so a server falling
// behind shows in the percentiles (no coordinated omission) and the client
// never waits for the server before sending the next one. A signature is
// acknowledged only after its batch committed. Any failure fails the
// benchmark, and at the end the pending count must equal the signatures.
//
//	UNIONHALL_TEST_POSTGRES=… go test ./internal/app -run '^$' -bench PetitionRush -benchtime 1x -timeout 20m
func BenchmarkPetitionRush(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			for range b.N {
				petitionRush(b, engine)
			}
		})
	}
}

const (
	rushPageRate = 50 // page views per second
	rushPage     = "/en/petitions/pay-for-on-call/"
)

// rushReport is what the client process reports.
type rushReport struct {
	Total, Failed, PageFailed int
	FirstErr                  string
	SentRate, Achieved        float64
	SignP50, SignP99, SignMax float64
	PageP50, PageP99          float64
}

func petitionRush(b *testing.B, engine string) {
	dur := 30 * time.Second
	if v := os.Getenv("UNIONHALL_BENCH_RUSH"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		dur = d
	}
	rate := 1000
	if v := os.Getenv("UNIONHALL_BENCH_RATE"); v != "" {
		if _, err := fmt.Sscan(v, &rate); err != nil || rate < 1 {
			b.Fatalf("UNIONHALL_BENCH_RATE=%q", v)
		}
	}
	b.StopTimer()
	smtp := mailtest.Start(b)
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	if engine == "postgres" {
		cfg.DatabaseURL = dbtest.NewPostgresDatabase(b)
	}
	cfg.SMTP = config.SMTP{Host: smtp.Host(), Port: smtp.Port(), TLS: "none", From: "Spojka <noreply@spojka.example>"}
	cfg.AccessLog = false
	cfg.TrustedProxies = []string{"127.0.0.1"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg.PublicURL = base
	// The form's timestamp must be older than the minimum fill time: the
	// app's clock runs a minute ahead once the client has taken it.
	var ahead atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if os.Getenv("UNIONHALL_BENCH_QUEUE") != "" {
		go a.Queue.Run(ctx)
	}

	cmd := exec.Command(os.Args[0], "-test.run", "^TestPetitionRushClient$", "-test.v")
	cmd.Env = append(os.Environ(), "UNIONHALL_RUSH_CLIENT="+base, fmt.Sprintf("UNIONHALL_RUSH_RATE=%d", rate),
		"UNIONHALL_RUSH_DURATION="+dur.String())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var rep rushReport
	got := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "rush-stamped":
			ahead.Store(int64(time.Minute))
			b.StartTimer()
		case strings.HasPrefix(line, "rush-report "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "rush-report ")), &rep); err != nil {
				b.Fatal(err)
			}
			got = true
		}
	}
	if err := cmd.Wait(); err != nil || !got {
		b.Fatalf("client: %v (report: %v)", err, got)
	}
	b.StopTimer()
	if rep.Failed > 0 {
		b.Fatalf("%d of %d signatures failed; first: %s", rep.Failed, rep.Total, rep.FirstErr)
	}
	if rep.PageFailed > 0 {
		b.Fatalf("%d page views failed; first: %s", rep.PageFailed, rep.FirstErr)
	}
	p, err := a.Petitions.Get(context.Background(), "on-call-pay")
	if err != nil || p.Pending != rep.Total {
		b.Fatalf("pending %d, want %d (%v)", p.Pending, rep.Total, err)
	}
	b.ReportMetric(rep.Achieved, "signs/s")
	b.ReportMetric(rep.SentRate, "sent/s")
	b.ReportMetric(rep.SignP50, "sign-p50-ms")
	b.ReportMetric(rep.SignP99, "sign-p99-ms")
	b.ReportMetric(rep.SignMax, "sign-max-ms")
	b.ReportMetric(rep.PageP50, "page-p50-ms")
	b.ReportMetric(rep.PageP99, "page-p99-ms")
	b.ReportMetric(float64(len(smtp.Messages())), "mails-delivered")
}

var rushStampRE = regexp.MustCompile(`name="ts" value="([^"]+)"`)

// TestPetitionRushClient is BenchmarkPetitionRush's client process; run
// by itself (without UNIONHALL_RUSH_CLIENT) it has nothing to do.
func TestPetitionRushClient(t *testing.T) {
	base := os.Getenv("UNIONHALL_RUSH_CLIENT")
	if base == "" {
		t.Skip("the client process of BenchmarkPetitionRush")
	}
	var rate int
	fmt.Sscan(os.Getenv("UNIONHALL_RUSH_RATE"), &rate)
	dur, _ := time.ParseDuration(os.Getenv("UNIONHALL_RUSH_DURATION"))
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4000, MaxIdleConnsPerHost: 4000, IdleConnTimeout: time.Minute},
		Timeout: 60 * time.Second}
	res, err := client.Get(base + rushPage)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := rushStampRE.FindSubmatch(body)
	if m == nil {
		t.Fatal("no form timestamp on the petition page")
	}
	stamp := strings.ReplaceAll(string(m[1]), "&#43;", "+")
	fmt.Println("rush-stamped")
	// Give the server a moment to read the line before the first post.
	time.Sleep(50 * time.Millisecond)

	total := int(dur.Seconds() * float64(rate))
	signLat := make([]time.Duration, total)
	var failed, pageFailed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	var pageMu sync.Mutex
	var pageLat []time.Duration
	start := time.Now()
	pageDone := make(chan struct{})
	go func() {
		defer close(pageDone)
		var pwg sync.WaitGroup
		for i := range int(dur.Seconds() * rushPageRate) {
			due := start.Add(time.Duration(i) * time.Second / rushPageRate)
			time.Sleep(time.Until(due))
			pwg.Add(1)
			go func() {
				defer pwg.Done()
				r, err := client.Get(base + rushPage)
				ok := err == nil && r.StatusCode == 200
				if err == nil {
					_, _ = io.Copy(io.Discard, r.Body)
					r.Body.Close()
				}
				l := time.Since(due)
				if !ok {
					pageFailed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("page: %v", err))
				}
				pageMu.Lock()
				pageLat = append(pageLat, l)
				pageMu.Unlock()
			}()
		}
		pwg.Wait()
	}()
	for i := range total {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := url.Values{"ts": {stamp}, "name": {fmt.Sprintf("Signer %d", i)}, "email": {fmt.Sprintf("s%d@rush.example", i)},
				"city": {"Brno"}, "consent": {"yes"}}
			req, _ := http.NewRequest(http.MethodPost, base+rushPage, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			r, err := client.Do(req) // follows the 303 to the "check your email" page
			ok := false
			if err == nil {
				rb, _ := io.ReadAll(r.Body)
				r.Body.Close()
				ok = r.StatusCode == 200 && strings.Contains(string(rb), "Check your email")
				if !ok {
					err = fmt.Errorf("status %d", r.StatusCode)
				}
			}
			signLat[i] = time.Since(due)
			if !ok {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Sprint(err))
			}
		}()
	}
	sent := time.Since(start)
	wg.Wait()
	elapsed := time.Since(start)
	<-pageDone
	slices.Sort(signLat)
	slices.Sort(pageLat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rep := rushReport{Total: total, Failed: int(failed.Load()), PageFailed: int(pageFailed.Load()),
		SentRate: float64(total) / sent.Seconds(), Achieved: float64(total) / elapsed.Seconds(),
		SignP50: ms(signLat[len(signLat)/2]), SignP99: ms(signLat[len(signLat)*99/100]), SignMax: ms(signLat[len(signLat)-1]),
		PageP50: ms(pageLat[len(pageLat)/2]), PageP99: ms(pageLat[len(pageLat)*99/100])}
	if e, ok := firstErr.Load().(string); ok {
		rep.FirstErr = e
	}
	out, _ := json.Marshal(rep)
	fmt.Println("rush-report " + string(out))
}

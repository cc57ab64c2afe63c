// Command uhload is Unionhall's load tool: it measures how many requests per
// second a server on this machine answers, and how long the answers take.
//
//	uhload -url http://127.0.0.1:8080/en/ -url http://127.0.0.1:8080/cs/ -c 1,10,50 -d 10s
//	uhload -url http://127.0.0.1:8080/en/join -post-json app.json -c 10 -rate 300 -d 20s
//	uhload -gen-site /tmp/site5000 -pages 5000
//
// For every URL and every concurrency it runs that many keep-alive HTTP/1.1
// connections for the duration (after a short warm-up) and prints requests/s,
// latency percentiles (p50, p90, p99, max), transport errors, HTTP 4xx/5xx
// answers and bytes per response; -csv prints the same as CSV for scripts
// (scripts/bench-site).
//
// Why it is built so:
//   - Loopback only. Load against another machine is a denial of service
//     waiting to happen, and the workplace forbids it: URLs whose host is not
//     localhost or a loopback address are refused, and the dialer re-checks
//     the resolved address.
//   - Bounded: at most -max-requests per run, -d at most 10 minutes, and at most
//     1,000 connections, so memory (every latency is kept) and time are bounded.
//   - Exact percentiles: latencies are kept and sorted (8 bytes each; a
//     million requests cost 8 MB), simpler and more exact than a histogram.
//   - Closed loop by default (each connection sends its next request when the
//     answer arrives), which finds the maximum throughput. With -rate the
//     requests are paced to a fixed total rate, to check latency at a target
//     load such as 300 join applications per second. Latency is measured from
//     the moment a request is sent, so if the server falls behind the pace,
//     the shortfall shows in requests/s, not in the percentiles.
//   - -post-json sends a file as the body of POST requests; "{{n}}" in it is
//     replaced by a number unique to each request, so every application
//     can have its own email address.
//   - -gen-site writes a Hugo-style site of many pages for start-up and memory
//     measurements (see docs/performance.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

// Limits that keep a run bounded.
const (
	maxConcurrency = 1000
	maxDuration    = 10 * time.Minute
	maxBodyFile    = 1 << 20
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("uhload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var urls, headers multiFlag
	fs.Var(&urls, "url", "URL to load (repeatable); host must be loopback")
	fs.Var(&headers, "H", `extra request header "Name: value" (repeatable)`)
	conc := fs.String("c", "1,10,50", "comma-separated numbers of concurrent connections")
	dur := fs.Duration("d", 10*time.Second, "measured duration per URL and concurrency")
	warmup := fs.Duration("warmup", time.Second, "unmeasured warm-up before each measurement")
	gz := fs.Bool("gzip", false, "send Accept-Encoding: gzip (bytes are then compressed bytes)")
	postJSON := fs.String("post-json", "", "POST this file's content as application/json; {{n}} becomes a unique number")
	rate := fs.Float64("rate", 0, "pace requests to this many per second in total (0: as fast as possible)")
	maxReq := fs.Int64("max-requests", 2_000_000, "stop a measurement after this many requests")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of one request")
	csv := fs.Bool("csv", false, "print CSV instead of a table")
	genSite := fs.String("gen-site", "", "write a generated site folder here and exit")
	pages := fs.Int("pages", 5000, "with -gen-site: number of Markdown pages")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: uhload -url URL [-url URL…] [-c 1,10,50] [-d 10s] [-gzip] [-post-json FILE] [-rate N] [-csv]")
		fmt.Fprintln(stderr, "       uhload -gen-site DIR [-pages 5000]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "uhload: unexpected arguments %q\n", fs.Args())
		return 2
	}

	if *genSite != "" {
		if err := generateSite(*genSite, *pages); err != nil {
			fmt.Fprintf(stderr, "uhload: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote a %d-page site to %s\n", *pages, *genSite)
		return 0
	}

	cfg, err := newConfig(urls, headers, *conc, *dur, *warmup, *gz, *postJSON, *rate, *maxReq, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "uhload: %v\n", err)
		return 2
	}
	var results []result
	for _, u := range cfg.urls {
		for _, c := range cfg.conc {
			r, err := measure(ctx, cfg, u, c)
			if err != nil {
				fmt.Fprintf(stderr, "uhload: %v\n", err)
				return 1
			}
			results = append(results, r)
		}
	}
	if *csv {
		writeCSV(stdout, results)
	} else {
		writeTable(stdout, results)
	}
	for _, r := range results {
		if r.Errors > 0 {
			fmt.Fprintf(stderr, "uhload: %s at %d connections: %d errors, first: %s\n", r.URL, r.Conc, r.Errors, r.FirstError)
		}
	}
	return 0
}

// config is a validated run.
type config struct {
	urls    []string
	headers [][2]string
	conc    []int
	dur     time.Duration
	warmup  time.Duration
	gzip    bool
	body    []byte // nil: GET
	rate    float64
	maxReq  int64
	timeout time.Duration
}

func newConfig(urls, headers []string, conc string, dur, warmup time.Duration, gz bool, postJSON string, rate float64, maxReq int64, timeout time.Duration) (*config, error) {
	cfg := &config{dur: dur, warmup: warmup, gzip: gz, rate: rate, maxReq: maxReq, timeout: timeout}
	if len(urls) == 0 {
		return nil, errors.New("no -url given")
	}
	for _, u := range urls {
		if err := checkLoopbackURL(u); err != nil {
			return nil, err
		}
	}
	cfg.urls = urls
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(h, "\r\n") {
			return nil, fmt.Errorf("bad -H %q: want \"Name: value\"", h)
		}
		cfg.headers = append(cfg.headers, [2]string{name, strings.TrimSpace(value)})
	}
	for f := range strings.SplitSeq(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxConcurrency {
			return nil, fmt.Errorf("bad -c %q: want numbers from 1 to %d", conc, maxConcurrency)
		}
		cfg.conc = append(cfg.conc, n)
	}
	if dur <= 0 || dur > maxDuration {
		return nil, fmt.Errorf("bad -d %s: want more than 0 and at most %s", dur, maxDuration)
	}
	if warmup < 0 || warmup > maxDuration {
		return nil, fmt.Errorf("bad -warmup %s", warmup)
	}
	if rate < 0 || rate > 1e6 {
		return nil, fmt.Errorf("bad -rate %g", rate)
	}
	if maxReq < 1 || maxReq > 50_000_000 {
		return nil, fmt.Errorf("bad -max-requests %d: want 1 to 50000000", maxReq)
	}
	if timeout <= 0 || timeout > time.Minute {
		return nil, fmt.Errorf("bad -timeout %s", timeout)
	}
	if postJSON != "" {
		b, err := readLimited(postJSON, maxBodyFile)
		if err != nil {
			return nil, fmt.Errorf("-post-json: %w", err)
		}
		cfg.body = b
	}
	return cfg, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

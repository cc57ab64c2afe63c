package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// checkLoopbackURL refuses anything but http(s) to localhost or a loopback IP.
// Names other than localhost are refused without a DNS look-up.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad -url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("bad -url %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing -url %q: host %q is not loopback (uhload only loads this machine)", raw, host)
}

// loopbackOnly is a dialer Control func: the last line of defence, checked
// on the resolved address just before connecting.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to non-loopback %s", address)
	}
	return nil
}

// result is one URL at one concurrency.
type result struct {
	URL        string
	Conc       int
	Requests   int64
	Errors     int64 // transport errors and timeouts
	HTTPErrors int64 // 4xx and 5xx answers
	Bytes      int64 // response body bytes, as received
	Elapsed    time.Duration
	Latencies  []time.Duration // sorted
	FirstError string
}

// RPS is completed requests per second.
func (r result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the latency below which the fraction p of requests
// finished (nearest rank), 0 without samples.
func (r result) Percentile(p float64) time.Duration {
	return percentile(r.Latencies, p)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(p*float64(n) + 0.999999999) // ceil without float surprises at exact ranks
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// newClient makes a keep-alive HTTP/1.1 client with exactly conc connections.
func newClient(cfg *config, conc int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		MaxConnsPerHost:     conc,
		IdleConnTimeout:     time.Minute,
		// We set Accept-Encoding ourselves so bytes are what crossed the
		// wire and nothing is decompressed on the client's time.
		DisableCompression: true,
		ForceAttemptHTTP2:  false,
		TLSNextProto:       nil,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.timeout,
		// A redirect is an answer: measure it, do not follow it (it could
		// also lead off this machine).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// pacer hands out send times spaced 1/rate apart, shared by all workers.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bodyMaker returns the body of POST request n: the file with "{{n}}"
// replaced by n.
type bodyMaker struct {
	parts [][]byte // split on {{n}}
}

var placeholder = []byte("{{n}}")

func newBodyMaker(b []byte) *bodyMaker { return &bodyMaker{parts: bytes.Split(b, placeholder)} }

func (m *bodyMaker) body(n int64) []byte {
	if len(m.parts) == 1 {
		return m.parts[0]
	}
	num := strconv.AppendInt(nil, n, 10)
	return bytes.Join(m.parts, num)
}

// seq numbers POST bodies across the whole run, so they stay unique across
// URLs and concurrency levels.
var seq atomic.Int64

// measure runs one URL at one concurrency: a warm-up, then the measurement.
func measure(ctx context.Context, cfg *config, target string, conc int) (result, error) {
	client := newClient(cfg, conc)
	defer client.CloseIdleConnections()
	var p *pacer
	if cfg.rate > 0 {
		p = &pacer{interval: time.Duration(float64(time.Second) / cfg.rate)}
	}
	var bm *bodyMaker
	if cfg.body != nil {
		bm = newBodyMaker(cfg.body)
	}
	one := func(ctx context.Context) (n int64, status int, err error) {
		method := http.MethodGet
		var body io.Reader
		if bm != nil {
			method = http.MethodPost
			body = bytes.NewReader(bm.body(seq.Add(1)))
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return 0, 0, err
		}
		if bm != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if cfg.gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		for _, h := range cfg.headers {
			req.Header.Set(h[0], h[1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		// Read it all: keep-alive needs the body drained, and the
		// server's time to send it is part of the latency.
		n, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return n, resp.StatusCode, err
	}

	// Warm-up: connections open, caches fill; nothing is recorded.
	if cfg.warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, cfg.warmup)
		var wg sync.WaitGroup
		for range conc {
			wg.Go(func() {
				for wctx.Err() == nil {
					if p.wait(wctx) != nil {
						return
					}
					_, _, _ = one(wctx)
				}
			})
		}
		wg.Wait()
		cancel()
		if err := ctx.Err(); err != nil {
			return result{}, err
		}
	}

	mctx, cancel := context.WithTimeout(ctx, cfg.dur)
	defer cancel()
	var (
		budget   = cfg.maxReq
		mu       sync.Mutex
		res      = result{URL: target, Conc: conc}
		firstErr error
		wg       sync.WaitGroup
	)
	var issued atomic.Int64
	start := time.Now()
	for range conc {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1024)
			var reqs, errs, httpErrs, nbytes int64
			var werr error
			for mctx.Err() == nil && issued.Add(1) <= budget {
				if p.wait(mctx) != nil {
					break
				}
				t0 := time.Now()
				n, status, err := one(mctx)
				d := time.Since(t0)
				if err != nil {
					if mctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
						break // cut off by the end of the run, not a server error
					}
					errs++
					if werr == nil {
						werr = err
					}
					continue
				}
				reqs++
				nbytes += n
				lat = append(lat, d)
				if status >= 400 {
					httpErrs++
				}
			}
			mu.Lock()
			res.Requests += reqs
			res.Errors += errs
			res.HTTPErrors += httpErrs
			res.Bytes += nbytes
			res.Latencies = append(res.Latencies, lat...)
			if firstErr == nil && werr != nil {
				firstErr = werr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	slices.Sort(res.Latencies)
	if firstErr != nil {
		res.FirstError = firstErr.Error()
	}
	return res, nil
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func writeTable(w io.Writer, rs []result) {
	uw := len("url")
	for _, r := range rs {
		uw = max(uw, len(r.URL))
	}
	const row = "%-*s %6s %9s %8s %7s %7s %7s %7s %7s %8s %10s\n"
	fmt.Fprintf(w, row, uw, "url", "conns", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "4xx/5xx", "bytes/resp")
	for _, r := range rs {
		per := int64(0)
		if r.Requests > 0 {
			per = r.Bytes / r.Requests
		}
		fmt.Fprintf(w, row, uw, r.URL, strconv.Itoa(r.Conc), strconv.FormatInt(r.Requests, 10),
			strconv.FormatFloat(r.RPS(), 'f', 0, 64), ms(r.Percentile(0.50)), ms(r.Percentile(0.90)),
			ms(r.Percentile(0.99)), ms(r.Percentile(1)), strconv.FormatInt(r.Errors, 10),
			strconv.FormatInt(r.HTTPErrors, 10), strconv.FormatInt(per, 10))
	}
}

func writeCSV(w io.Writer, rs []result) {
	fmt.Fprintln(w, "url,conns,requests,rps,p50_ms,p90_ms,p99_ms,max_ms,errors,http_errors,bytes")
	for _, r := range rs {
		fmt.Fprintf(w, "%s,%d,%d,%.1f,%s,%s,%s,%s,%d,%d,%d\n",
			csvField(r.URL), r.Conc, r.Requests, r.RPS(), ms(r.Percentile(0.50)), ms(r.Percentile(0.90)),
			ms(r.Percentile(0.99)), ms(r.Percentile(1)), r.Errors, r.HTTPErrors, r.Bytes)
	}
}

// csvField quotes a URL if it holds a comma or quote (URLs may).
func csvField(s string) string {
	if !bytes.ContainsAny([]byte(s), ",\"\n") {
		return s
	}
	return `"` + string(bytes.ReplaceAll([]byte(s), []byte(`"`), []byte(`""`))) + `"`
}

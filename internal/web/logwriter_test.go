package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer tests can read while the timer flushes.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAccessLineIsSlogsLine: the fast access line is byte for byte what
// slog.TextHandler writes for the same record, hostile paths included, so
// whatever reads the log sees one format.
func TestAccessLineIsSlogsLine(t *testing.T) {
	at := time.Date(2026, 12, 3, 13, 49, 50, 123456789, time.UTC)
	paths := []string{"/en/", "/cs/akce/2026/úvod/", "/a b", `/x"y`, "/k=v", "/\x00\x1b[31m", "/\u202egnp.exe", "/\u00a0nbsp",
		"/\xff\xfe", "/tab\there", "/emoji/🙂/", "/" + strings.Repeat("a", 300)}
	durations := []time.Duration{0, 1, 999, 1000, 1234, 41200, 999999, time.Millisecond, 1500 * time.Microsecond,
		123456789, time.Second, 3*time.Second + 5, -5}
	for _, loc := range []*time.Location{time.UTC, time.FixedZone("CET", 3600)} {
		for i, p := range paths {
			d := durations[i%len(durations)]
			status := []int{200, 404, 500}[i%3]
			var want bytes.Buffer
			rec := slog.NewRecord(at.In(loc), slog.LevelInfo, "http", 0)
			rec.AddAttrs(slog.String("method", "GET"), slog.String("path", p), slog.Int("status", status),
				slog.Int64("bytes", int64(i*1000)), slog.Duration("duration", d))
			if err := slog.NewTextHandler(&want, nil).Handle(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			var got syncBuffer
			w := NewLogWriter(&got)
			w.access(at.In(loc), "GET", p, status, int64(i*1000), d)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("path %q, duration %v:\n got %s\nwant %s", p, d, got.String(), want.String())
			}
		}
	}
}

func TestAppendDurationIsDurationString(t *testing.T) {
	for d := time.Duration(0); d < 3*time.Second; d = d*3 + 7 {
		for _, v := range []time.Duration{d, d + 1, d * 10, d * 1000} {
			if got := string(appendDuration(nil, v)); got != v.String() {
				t.Fatalf("appendDuration(%d) = %q, want %q", int64(v), got, v.String())
			}
		}
	}
}

// TestLogWriterKeepsOrderAndFlushes: access lines wait in the buffer, but a
// later log line (an error) comes after them, and the timer writes the rest
// without anyone asking.
func TestLogWriterKeepsOrderAndFlushes(t *testing.T) {
	var out syncBuffer
	w := NewLogWriter(&out)
	defer w.Close()
	logger := slog.New(NewLogHandler(w, nil))
	h := AccessLog(logger)(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.WriteHeader(http.StatusTeapot)
		_, _ = rw.Write([]byte("hi"))
	}))
	req, _ := http.NewRequest(http.MethodGet, "/first/", nil)
	h.ServeHTTP(&discard{h: http.Header{}}, req)
	if s := out.String(); s != "" {
		t.Fatalf("access line written at once, not buffered: %q", s)
	}
	logger.Error("something broke")
	s := out.String()
	first, errLine := strings.Index(s, "path=/first/ status=418 bytes=2"), strings.Index(s, `msg="something broke"`)
	if first < 0 || errLine < 0 || first > errLine {
		t.Fatalf("want the access line, then the error:\n%s", s)
	}

	req, _ = http.NewRequest(http.MethodGet, "/second/", nil)
	h.ServeHTTP(&discard{h: http.Header{}}, req)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "path=/second/") {
		if time.Now().After(deadline) {
			t.Fatalf("the buffered line was never written:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLogWriterBatches: many requests make few writes (the point of it), and
// Close writes what is left.
func TestLogWriterBatches(t *testing.T) {
	var out syncBuffer
	w := NewLogWriter(&out)
	h := AccessLog(slog.New(NewLogHandler(w, nil)))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req, _ := http.NewRequest(http.MethodGet, "/en/", nil)
	const n = 2000
	for range n {
		h.ServeHTTP(&discard{h: http.Header{}}, req)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "msg=http method=GET path=/en/ status=200"); got != n {
		t.Fatalf("%d access lines, want %d", got, n)
	}
	if out.writes > n/100 {
		t.Errorf("%d writes for %d lines", out.writes, n)
	}
}

// TestAccessLogAllocatesNothing: the access log adds no allocation to a
// request (it used to add several, and a write system call).
func TestAccessLogAllocatesNothing(t *testing.T) {
	var out syncBuffer
	w := NewLogWriter(&out)
	defer w.Close()
	h := AccessLog(slog.New(NewLogHandler(w, nil)))(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = rw.Write(oneByte)
	}))
	req, _ := http.NewRequest(http.MethodGet, "/en/events/2026/introduction-to-unions/", nil)
	rw := &discard{h: http.Header{}}
	h.ServeHTTP(rw, req)
	if n := testing.AllocsPerRun(1000, func() { h.ServeHTTP(rw, req) }); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}

// TestAccessLogLevel: a warn-level logger drops access lines on the fast
// path too.
func TestAccessLogLevel(t *testing.T) {
	var out syncBuffer
	w := NewLogWriter(&out)
	h := AccessLog(slog.New(NewLogHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req, _ := http.NewRequest(http.MethodGet, "/en/", nil)
	h.ServeHTTP(&discard{h: http.Header{}}, req)
	_ = w.Close()
	if s := out.String(); s != "" {
		t.Errorf("logged at warn level: %q", s)
	}
}

var oneByte = []byte("x")

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

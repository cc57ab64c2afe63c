package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"unionhall/internal/config"
)

// BenchmarkPublicPage measures what the whole app adds to writing a cached
// public page: the seed event page (about 6.6 KB) through a.Handler() —
// every middleware, the mux, the events and content-type routing, the page
// cache — next to a bare handler writing the same bytes from a variable,
// the reference of issue 8. It runs without a network, so the figures are
// the handler's own cost per request (net/http's is the same for both).
//
//	go test ./internal/app -run '^$' -bench PublicPage -benchmem
func BenchmarkPublicPage(b *testing.B) {
	const path = "/en/events/2026/introduction-to-unions/"
	for _, c := range []struct {
		name      string
		accessLog bool
	}{{"log=off", false}, {"log=on", true}} {
		b.Run("unionhall/"+c.name, func(b *testing.B) {
			cfg := config.Default()
			cfg.DataDir = b.TempDir()
			cfg.AccessLog = c.accessLog
			a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			benchHandler(b, a.Handler(), path)
		})
	}
	b.Run("bare", func(b *testing.B) {
		body := bytes.Repeat([]byte("x"), 6601)
		ct, cl := []string{"text/html; charset=utf-8"}, []string{"6601"}
		benchHandler(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["Content-Type"] = ct
			h["Content-Length"] = cl
			_, _ = w.Write(body)
		}), path)
	})
}

// benchHandler sends GET path with the headers wrk sends (Host only) to h.
func benchHandler(b *testing.B, h http.Handler, path string) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	w := &benchWriter{h: http.Header{}}
	h.ServeHTTP(w, req) // fill the cache
	if w.status != http.StatusOK || w.n < 6000 {
		b.Fatalf("GET %s: status %d, %d bytes", path, w.status, w.n)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.n = 0
		h.ServeHTTP(w, req)
	}
}

type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(c int)   { w.status = c }
func (w *benchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

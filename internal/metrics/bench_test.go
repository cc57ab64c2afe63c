package metrics

import (
	"net/http"
	"testing"
)

// page is about the size of the seed event page.
var page = make([]byte, 6<<10)

// discard is a ResponseWriter that allocates nothing, so the benchmark
// shows only what the middleware costs.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func benchMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /en/events/{slug}/", func(w http.ResponseWriter, r *http.Request) { w.Write(page) })
	return mux
}

func run(b *testing.B, h http.Handler) {
	req, _ := http.NewRequest(http.MethodGet, "/en/events/meeting/", nil)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkMiddleware is the cost of counting and timing a request, against
// BenchmarkBareMux: the same ServeMux without it.
func BenchmarkMiddleware(b *testing.B) { run(b, New().Middleware(benchMux())) }

func BenchmarkBareMux(b *testing.B) { run(b, benchMux()) }

func BenchmarkMiddlewareParallel(b *testing.B) {
	h := New().Middleware(benchMux())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest(http.MethodGet, "/en/events/meeting/", nil)
		w := &discard{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}

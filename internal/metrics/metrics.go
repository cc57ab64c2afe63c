package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"unionhall/internal/jobs"
)

// Metrics holds one process's registry and the series the middleware and
// the app feed.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	emails   *prometheus.CounterVec

	mu     sync.Mutex // serialises adding to series
	series atomic.Pointer[map[seriesKey]routeSeries]
}

type seriesKey struct {
	pattern string
	method  string
	code    int
}

type routeSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// LatencyBuckets are the request latency histogram's upper bounds, in
// seconds: a cached page takes tens of microseconds, a join submission a
// few milliseconds, a PDF export up to a second.
var LatencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New makes a registry with the process and Go runtime collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "unionhall_http_requests_total",
		Help: "HTTP requests answered, by route pattern (never the path), method and status code.",
	}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "unionhall_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern and method.",
		Buckets: LatencyBuckets,
	}, []string{"route", "method"})
	m.emails = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "unionhall_emails_total",
		Help: "Email delivery attempts by result: sent, or failed (retried later by the job queue).",
	}, []string{"result"})
	// Both results exist from the start, so a rate() alert works before
	// the first failure.
	m.emails.WithLabelValues("sent")
	m.emails.WithLabelValues("failed")
	empty := map[seriesKey]routeSeries{}
	m.series.Store(&empty)
	m.reg.MustRegister(m.requests, m.latency, m.emails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the scrape (text exposition format).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry, for a feature that wants to add its own series
// (with labels that can never hold personal data).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// EmailResult counts one delivery attempt.
func (m *Metrics) EmailResult(err error) {
	if err != nil {
		m.emails.WithLabelValues("failed").Inc()
		return
	}
	m.emails.WithLabelValues("sent").Inc()
}

// WatchDB adds the pool statistics of db (open, in use, idle connections,
// waits) under the label db_name=name.
func (m *Metrics) WatchDB(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Gauge adds a gauge read at scrape time.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// WatchJobs adds the job queue's figures, read at scrape time.
func (m *Metrics) WatchJobs(q *jobs.Queue) {
	m.reg.MustRegister(&jobsCollector{q: q})
}

var (
	jobsDesc = prometheus.NewDesc("unionhall_jobs",
		"Background jobs by state (done ones are kept a week without their payload).", []string{"state"}, nil)
	jobsAgeDesc = prometheus.NewDesc("unionhall_jobs_oldest_age_seconds",
		"Age of the oldest job in each state since it was enqueued (0: none).", []string{"state"}, nil)
	jobsOverdueDesc = prometheus.NewDesc("unionhall_jobs_overdue_seconds",
		"How long the longest-due job has waited for a worker (0: none due). Above ten minutes /readyz says the queue is stuck.", nil, nil)
)

// jobStates are always reported, zero when empty, so alerts need no
// "absent" clause.
var jobStates = []string{"pending", "running", "done", "dead"}

type jobsCollector struct{ q *jobs.Queue }

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- jobsAgeDesc
	ch <- jobsOverdueDesc
}

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stats, err := c.q.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
	} else {
		by := map[string]jobs.StateStats{}
		for _, s := range stats {
			by[s.State] = s
		}
		for _, st := range jobStates {
			s := by[st]
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(s.Count), st)
			ch <- prometheus.MustNewConstMetric(jobsAgeDesc, prometheus.GaugeValue, s.Oldest.Seconds(), st)
		}
	}
	o, err := c.q.Overdue(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsOverdueDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(jobsOverdueDesc, prometheus.GaugeValue, o.Seconds())
}

// Middleware counts and times every request by the pattern the ServeMux
// next matched. Wrap the mux itself with it (see the package doc).
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := recorders.Get().(*recorder)
		rec.ResponseWriter, rec.status = w, 0
		defer func() {
			status := rec.status
			rec.ResponseWriter = nil
			recorders.Put(rec)
			if p := recover(); p != nil {
				// Counted as the 500 the recovery middleware outside will
				// answer; the panic goes on to it.
				status = http.StatusInternalServerError
				defer panic(p)
			}
			if status == 0 {
				status = http.StatusOK
			}
			s := m.lookup(r.Pattern, r.Method, status)
			s.count.Inc()
			s.latency.Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

func (m *Metrics) lookup(pattern, method string, code int) routeSeries {
	// Normalised before the look-up, so invented methods and codes share
	// one entry and cannot grow the map.
	if code < 100 || code > 599 {
		code = 0
	}
	k := seriesKey{pattern: pattern, method: methodLabel(method), code: code}
	if s, ok := (*m.series.Load())[k]; ok {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.series.Load()
	if s, ok := old[k]; ok {
		return s
	}
	route, mlabel, clabel := routeLabel(pattern), k.method, codeLabel(code)
	s := routeSeries{
		count:   m.requests.WithLabelValues(route, mlabel, clabel),
		latency: m.latency.WithLabelValues(route, mlabel),
	}
	next := make(map[seriesKey]routeSeries, len(old)+2)
	for kk, v := range old {
		next[kk] = v
	}
	next[k] = s
	m.series.Store(&next)
	return s
}

// routeLabel turns a ServeMux pattern into the route label: the path part
// ("GET /x/{id}" → "/x/{id}"; a host, if a pattern had one, is dropped).
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return m
	}
	return "other"
}

func codeLabel(c int) string {
	if c < 100 || c > 599 {
		return "other"
	}
	return strconv.Itoa(c)
}

// recorder remembers the status code. Pooled: one per request in flight.
type recorder struct {
	http.ResponseWriter
	status int
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes through, so streamed responses still stream.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

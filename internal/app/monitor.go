package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/health"
	"unionhall/internal/mail"
)

// Monitoring: /healthz and /readyz on the main port (internal/health),
// Prometheus metrics on metrics_addr when set (internal/metrics). See
// docs/operations.md, "What to monitor".

// JoinFormPattern is the route the metrics count the site's join form
// under (its URL comes from the content, e.g. /cs/prihlaska/).
const JoinFormPattern = "/{join-form}/"

// watch prepares the health checks and, when metrics are on, the figures
// read at scrape time. openStorage calls it once the database, the queue
// and the change bus exist.
func (a *App) watch() {
	deps := health.Deps{DB: a.DB, Overdue: a.Queue.Overdue}
	if a.DB.Dialect() == db.Postgres {
		deps.Listening = a.Changes.Listening
	}
	a.health = health.New(deps)
	if a.Metrics == nil {
		return
	}
	a.Metrics.WatchJobs(a.Queue)
	if a.DB.Reader() != a.DB.Writer() {
		a.Metrics.WatchDB("read", a.DB.Reader())
	}
	a.Metrics.WatchDB("write", a.DB.Writer())
	if a.DB.Dialect() == db.Postgres {
		a.Metrics.Gauge("unionhall_changes_listening",
			"1 while this process listens for other processes' changes (PostgreSQL), else 0.",
			func() float64 {
				if a.Changes.Listening() {
					return 1
				}
				return 0
			})
	}
}

// countRequests puts the metrics middleware directly around the mux, where
// the matched pattern is known; without metrics it adds nothing.
func (a *App) countRequests(mux *http.ServeMux) http.Handler {
	if a.Metrics == nil {
		return mux
	}
	return a.Metrics.Middleware(mux)
}

// fastPath is the site's cache in front of the stack (web.StackOptions.Fast),
// except with metrics on: they are counted around the mux, where the route
// pattern is known, and must see every request, so then cached pages take
// the full path like the others.
func (a *App) fastPath() func(http.ResponseWriter, *http.Request) bool {
	if a.Metrics != nil {
		return nil
	}
	return a.Site.ServeCached
}

// withHealth answers the health paths before the access log and the other
// middleware: monitoring polls them every few seconds, and a log of their
// calls would drown the rest.
func (a *App) withHealth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if health.Is(r.URL.Path) {
			a.health.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// countEmails counts every delivery attempt's outcome when metrics are on.
func (a *App) countEmails(s mail.Sender) mail.Sender {
	if a.Metrics == nil {
		return s
	}
	return countingSender{s, a.Metrics.EmailResult}
}

type countingSender struct {
	mail.Sender
	count func(error)
}

func (c countingSender) Send(ctx context.Context, m mail.Message) error {
	err := c.Sender.Send(ctx, m)
	c.count(err)
	return err
}

// MetricsHandler serves the scrape; nil when metrics are off.
func (a *App) MetricsHandler() http.Handler {
	if a.Metrics == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return mux
}

// serveMetrics listens on metrics_addr; a failure to serve is sent on errc.
// stop shuts the listener down.
func (a *App) serveMetrics(errc chan<- error) (stop func(), err error) {
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", a.cfg.MetricsAddr, err)
	}
	srv := &http.Server{
		Handler:           a.MetricsHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && !tcp.IP.IsPrivate() {
		a.log.Warn("metrics are reachable from other networks: bind metrics_addr to loopback or a private address, or firewall it",
			"addr", ln.Addr().String())
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			errc <- fmt.Errorf("metrics: %w", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

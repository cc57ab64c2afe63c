// Package metrics exposes Unionhall's Prometheus metrics: requests by route
// pattern and status, latency histograms, jobs by state and age, emails
// sent and failed, database pool statistics, and the Go runtime's own.
//
// Why it is built this way:
//
//   - Off by default, on a listen address of its own (metrics_addr,
//     UNIONHALL_METRICS_ADDR), never on the public port: the figures
//     describe the union's activity (how many applications, how many
//     emails), which is nobody else's business. Bind it to loopback or a
//     private interface and let the monitoring scrape it there. When off,
//     the request middleware is not even installed.
//
//   - No personal datum in a label, ever. Requests are labelled by the
//     ServeMux pattern that matched ("GET /admin/members/{id}" → route
//     "/admin/members/{id}"), never by the raw path, so member ids, tokens
//     and slugs typed by visitors cannot appear; a request no pattern matched
//     is "unmatched". Pages of the site folder all match "/" (they are
//     routed by content, not by patterns): per-page counts would put every
//     URL a visitor invents into the series. The few routes decided from
//     content below "/" — an event's registration page and calendar, the
//     site's join form — set a pattern of their own on the request
//     ("/{event}/register/", "/{join-form}/"), which the middleware reads
//     after the handler returns. Methods outside the usual
//     seven count as "other", status codes outside 100–599 as "other". So
//     the number of series is bounded by the code, not by visitors. Jobs are
//     counted by state only (kinds are code too, but the state is what an
//     operator acts on); emails by outcome only. A test makes requests full
//     of ids, emails and tokens and checks the scrape holds none.
//
//   - The middleware sits directly around the ServeMux, because the mux
//     records the matched pattern on the request it was given; outer
//     middleware may have copied the request (WithContext) and would never
//     see it. Its cost on the hot path is kept to two clock reads, one
//     lock-free map lookup (an immutable map swapped on the rare first use
//     of a route/method/status combination) and a pooled response-writer
//     wrapper: no allocation per request (BenchmarkMiddleware,
//     docs/performance.md).
//
//   - Job and pool figures are read when scraped (a GROUP BY over the jobs
//     table, sql.DB.Stats), not kept up to date on every change: a scrape
//     every 15–60 s costs one small query; counting on every job would cost
//     every job.
//
//   - One registry per App, not the global one, so two Apps in one test
//     process (the cluster test) do not collide.
package metrics

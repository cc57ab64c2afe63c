package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middlewares so that the first one listed is the outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Stack wraps h with the recommended public middleware, outermost first:
// access log, panic recovery, security headers, cross-origin (CSRF)
// protection and gzip. It trusts no proxy and opens no route to other
// origins; the app uses NewStack with its settings.
func Stack(h http.Handler, logger *slog.Logger) http.Handler {
	return Chain(h, AccessLog(logger), Recover(logger), SecurityHeaders, CrossOrigin(nil), Gzip)
}

// StackOptions are the settings NewStack applies.
type StackOptions struct {
	Logger *slog.Logger
	// AccessLog adds the access log (off saves a write per request).
	AccessLog bool
	// Proxies are the reverse proxies trusted to name the client
	// (ClientAddr); nil trusts none.
	Proxies *Proxies
	// CORS lists the API routes pages on other origins may call
	// (CrossOriginRoutes); routes without origins open nothing.
	CORS []CORSRoute
	// Fast, when set, may answer a request before the rest of the stack and
	// the router, and reports whether it did (the site's cached pages:
	// site.Server.ServeCached). It runs inside the access log, never on a
	// path opened to other origins, and must answer exactly as the full
	// stack would, security headers included (SetSecurityHeaders). r.Pattern
	// is set to "/", the catch-all route such answers come from, for the
	// layers around it. Middleware that must see every request (metrics)
	// goes outside it.
	Fast func(w http.ResponseWriter, r *http.Request) bool
}

// NewStack is Stack with settings: access log (when on), the fast path
// (when given), panic recovery,
// security headers, the client address (behind trusted proxies), cross-
// origin protection with the opened API routes, and gzip. It fails only on
// a CORS route it cannot use (a bad origin), which the settings check
// first.
func NewStack(h http.Handler, o StackOptions) (http.Handler, error) {
	cross, err := CrossOriginRoutes(o.CORS...)
	if err != nil {
		return nil, err
	}
	mws := []Middleware{Recover(o.Logger), SecurityHeaders, o.Proxies.Middleware, cross, Gzip}
	if o.Fast != nil {
		mws = append([]Middleware{fastFirst(o.Fast, o.CORS)}, mws...)
	}
	if o.AccessLog {
		mws = append([]Middleware{AccessLog(o.Logger)}, mws...)
	}
	return Chain(h, mws...), nil
}

// fastFirst tries fast before the rest of the stack, except on the paths
// opened to other origins (their answers vary by Origin).
func fastFirst(fast func(http.ResponseWriter, *http.Request) bool, cors []CORSRoute) Middleware {
	opened := map[string]bool{}
	for _, c := range cors {
		if len(c.Origins) > 0 {
			opened[c.Path] = true
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !opened[r.URL.Path] {
				pattern := r.Pattern
				r.Pattern = "/"
				if fast(w, r) {
					return
				}
				r.Pattern = pattern
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CSP is the Content-Security-Policy every response gets: everything from our
// own origin only, because a union's pages must not load anything from other
// hosts (issue 2, part 11). data: images allow inline QR codes.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// PermissionsPolicy turns off powerful browser features no page of ours uses.
const PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), " +
	"accelerometer=(), gyroscope=(), magnetometer=()"

// The header values are shared slices assigned straight into the header map:
// this saves an allocation per header per request. It is safe because
// Header.Set replaces the slice and Header.Add appends to a full slice, which
// copies, so nobody can modify these.
var securityHeaders = []struct {
	key string
	val []string
}{
	{"Content-Security-Policy", []string{CSP}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Permissions-Policy", []string{PermissionsPolicy}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
}

// SecurityHeaders sets CSP, nosniff, no-referrer, a restrictive
// Permissions-Policy and framing protection on every response. A handler
// that needs a different policy can overwrite a header with Header().Set.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// SetSecurityHeaders sets the headers SecurityHeaders sets, for a handler
// that answers in front of the stack (StackOptions.Fast).
func SetSecurityHeaders(h http.Header) {
	for _, sh := range securityHeaders {
		h[sh.key] = sh.val
	}
}

// CrossOrigin rejects cross-origin state-changing browser requests (POST,
// PUT, DELETE…) using http.CrossOriginProtection; safe methods pass. A nil
// cop uses a default one with no trusted origins.
func CrossOrigin(cop *http.CrossOriginProtection) Middleware {
	if cop == nil {
		cop = http.NewCrossOriginProtection()
	}
	return cop.Handler
}

// statusWriter remembers the status and body size for logging and whether
// anything was written, so Recover knows if it can still send a 500.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush,
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// AccessLog logs one line per request at Info level: method, path (never the
// query string), status, response bytes and duration. Path segments that look
// like secret tokens are replaced by "…" (see RedactPath). With a LogHandler
// the line is appended to its buffered writer without allocating
// (logwriter.go); with any other handler it goes through slog.
func AccessLog(logger *slog.Logger) Middleware {
	if logger == nil {
		logger = slog.Default()
	}
	h := logger.Handler()
	var lw *LogWriter
	if lh, ok := h.(*LogHandler); ok && lh.fast {
		lw = lh.w
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := statusWriters.Get().(*statusWriter)
			sw.ResponseWriter = w
			defer func() {
				status := sw.status
				if status == 0 {
					status = http.StatusOK
				}
				bytes := sw.bytes
				*sw = statusWriter{}
				statusWriters.Put(sw)
				// A panic that escaped Recover (or no Recover at all) is still
				// logged as a 500 before it propagates.
				if p := recover(); p != nil {
					status = http.StatusInternalServerError
					defer panic(p)
				}
				ctx := r.Context()
				if !h.Enabled(ctx, slog.LevelInfo) {
					return
				}
				end := time.Now()
				if lw != nil {
					lw.access(end, r.Method, RedactPath(r.URL.Path), status, bytes, end.Sub(start))
					return
				}
				// Built by hand with pc 0: Logger.LogAttrs would capture the
				// caller's stack for every request, which cost more than
				// serving a cached page.
				rec := slog.NewRecord(end, slog.LevelInfo, "http", 0)
				rec.AddAttrs(
					slog.String("method", r.Method),
					slog.String("path", RedactPath(r.URL.Path)),
					slog.Int("status", status),
					slog.Int64("bytes", bytes),
					slog.Duration("duration", end.Sub(start)),
				)
				_ = h.Handle(ctx, rec)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

// statusWriters recycles the access log's writers: one allocation less per
// request. A writer goes back only after its request has been answered, when
// net/http forbids using it any more.
var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// maxLoggedPath bounds what a hostile very long path can put in the log.
const maxLoggedPath = 200

// RedactPath returns the path with segments that look like secret tokens
// (long base64url or hex strings) replaced by "…", truncated to a sane length.
// Slugs such as "introduction-to-unions-2024" are kept: they are lower-case
// words joined by hyphens.
func RedactPath(p string) string {
	if !pathHoldsToken(p) && len(p) <= maxLoggedPath {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if looksLikeToken(s) {
			segs[i] = "…"
		}
	}
	out := strings.Join(segs, "/")
	if len(out) > maxLoggedPath {
		out = out[:maxLoggedPath] + "…"
	}
	return out
}

// pathHoldsToken reports whether a segment of p looks like a token, without
// splitting p: ordinary paths, long slugs included, are logged as they are
// without allocating.
func pathHoldsToken(p string) bool {
	for p != "" {
		seg, rest, _ := strings.Cut(p, "/")
		if looksLikeToken(seg) {
			return true
		}
		p = rest
	}
	return false
}

func looksLikeToken(s string) bool {
	if len(s) < 16 {
		return false
	}
	var upper, lower, digit, hyphen, other bool
	hex := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
			hex = false
		case c >= 'a' && c <= 'z':
			lower = true
			if c > 'f' {
				hex = false
			}
		case c >= '0' && c <= '9':
			digit = true
		case c == '-':
			hyphen = true
			hex = false
		case c == '_' || c == '=' || c == '.' || c == '~':
			hex = false
		default:
			other = true
		}
	}
	if other {
		return false
	}
	switch {
	case hex && digit && len(s) >= 32:
		return true
	case upper && lower && digit:
		return true
	case !hyphen && digit && len(s) >= 24:
		return true
	}
	return false
}

// Recover turns a panic in a handler into a logged error and, when nothing
// was written yet, a plain 500 response. http.ErrAbortHandler is re-raised
// because net/http uses it to abort a response on purpose.
func Recover(logger *slog.Logger) Middleware {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw, ok := w.(*statusWriter)
			if !ok {
				sw = &statusWriter{ResponseWriter: w}
			}
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("method", r.Method),
					slog.String("path", RedactPath(r.URL.Path)),
					slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())),
				)
				if sw.status == 0 {
					// Drop what the handler prepared for the response it never
					// sent; keep the security headers.
					h := sw.Header()
					for _, k := range []string{"Content-Length", "Content-Encoding", "Etag", "Last-Modified", "Content-Disposition"} {
						delete(h, k)
					}
					h.Set("Content-Type", "text/plain; charset=utf-8")
					h.Set("Cache-Control", "no-store")
					sw.WriteHeader(http.StatusInternalServerError)
					_, _ = sw.Write([]byte("500 internal server error\n"))
				}
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

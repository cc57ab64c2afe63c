package web

import (
	"bufio"
	"compress/gzip"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipMinSize: below this, gzip's header and trailer cost more than they save.
const gzipMinSize = 512

// gzipPool holds writers at the fastest level: what passes through here is
// rendered per request (feature pages, the portal, JSON), where level 6
// cost a fifth of a portal page's CPU for a few per cent less output. The
// site's cached pages are compressed once, at the best level, in advance
// (internal/site/cache.go), and never pass through this writer.
var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

var varyAcceptEncoding = []string{"Accept-Encoding"}

// Gzip compresses responses of compressible types (HTML, CSS, JS, JSON, XML,
// SVG, plain text) when the client accepts gzip. It adds
// "Vary: Accept-Encoding" to every compressible response so shared caches
// keep the variants apart. Responses that already carry a Content-Encoding
// (such as the site's pre-compressed cache entries), small responses with a
// known Content-Length, partial content, HEAD requests and 204/304 pass
// through untouched.
func Gzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw := &gzipWriter{ResponseWriter: w, accepts: r.Method != http.MethodHead && AcceptsGzip(r.Header.Get("Accept-Encoding"))}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

// AcceptsGzip reports whether an Accept-Encoding header value allows gzip
// (an explicit "gzip" or "*" with a non-zero q-value).
func AcceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	star := false
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		switch {
		case strings.EqualFold(name, "gzip") || strings.EqualFold(name, "x-gzip"):
			return qValue(params) > 0
		case name == "*":
			star = qValue(params) > 0
		}
	}
	return star
}

// qValue parses ";q=0.5" style parameters; missing or malformed means 1.
func qValue(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 1
		}
		return q
	}
	return 1
}

// Compressible reports whether a Content-Type is worth compressing.
func Compressible(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(strings.ToLower(ct))
	if strings.HasPrefix(ct, "text/") {
		return true
	}
	switch ct {
	case "application/json", "application/xml", "application/rss+xml", "application/atom+xml",
		"application/javascript", "application/xhtml+xml", "application/manifest+json",
		"image/svg+xml", "application/ld+json", "application/wasm":
		return true
	}
	return strings.HasSuffix(ct, "+json") || strings.HasSuffix(ct, "+xml")
}

type gzipWriter struct {
	http.ResponseWriter
	accepts     bool
	decided     bool
	zw          *gzip.Writer
	wroteHeader bool
}

// decide chooses compression once, when the status and headers are final.
func (g *gzipWriter) decide(status int) {
	if g.decided {
		return
	}
	g.decided = true
	h := g.ResponseWriter.Header()
	if h.Get("Content-Encoding") != "" {
		return
	}
	ct := h.Get("Content-Type")
	if ct == "" || !Compressible(ct) {
		return
	}
	if _, ok := h["Vary"]; !ok {
		h["Vary"] = varyAcceptEncoding
	} else if !strings.Contains(strings.ToLower(strings.Join(h.Values("Vary"), ",")), "accept-encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	if !g.accepts || status < 200 || status == http.StatusNoContent || status == http.StatusNotModified ||
		status == http.StatusPartialContent || h.Get("Content-Range") != "" {
		return
	}
	if cl := h.Get("Content-Length"); cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n < gzipMinSize {
			return
		}
	}
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	// The compressed body is a different representation: a strong ETag of the
	// identity body would be wrong for it.
	if et := h.Get("Etag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("Etag", "W/"+et)
	}
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(g.ResponseWriter)
	g.zw = zw
}

func (g *gzipWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		g.ResponseWriter.WriteHeader(code)
		return
	}
	if g.wroteHeader {
		return
	}
	g.wroteHeader = true
	g.decide(code)
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if !g.wroteHeader {
		if g.ResponseWriter.Header().Get("Content-Type") == "" {
			// Sniff as net/http would, so the compression decision sees the
			// real type.
			g.ResponseWriter.Header().Set("Content-Type", http.DetectContentType(p))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.zw != nil {
		return g.zw.Write(p)
	}
	return g.ResponseWriter.Write(p)
}

func (g *gzipWriter) Flush() {
	if g.zw != nil {
		_ = g.zw.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack supports protocol upgrades through the wrapper.
func (g *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(g.ResponseWriter).Hijack()
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.zw == nil {
		return
	}
	_ = g.zw.Close()
	g.zw.Reset(nil)
	gzipPool.Put(g.zw)
	g.zw = nil
}

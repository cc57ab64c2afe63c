package site

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

// generation is the response cache for one site during one period in which
// nothing time-dependent changes.
type generation struct {
	site    *content.Site
	until   time.Time // zero: valid until the next SetSite
	entries sync.Map  // path (or a special key) -> *entry
	hosts   sync.Map  // host -> *sync.Map of path -> *entry, when links depend on the host
	size    atomic.Int64
	// frames are the site's chrome around feature pages (Layout), split at
	// the page's main content: frameKey -> *frame, at most maxFrames.
	frames  sync.Map
	nframes atomic.Int32
}

func (s *Server) newGeneration(site *content.Site, now time.Time) *generation {
	g := &generation{site: site}
	if site != nil {
		g.until = site.NextChange(now)
	}
	if s.nextChange != nil && site != nil {
		if t := s.nextChange(site, now); !t.IsZero() && t.After(now) && (g.until.IsZero() || t.Before(g.until)) {
			g.until = t
		}
	}
	return g
}

func (g *generation) validAt(now time.Time) bool {
	return g.until.IsZero() || now.Before(g.until)
}

// entry is a complete response ready to write: headers are prepared as
// shared slices so the hot path assigns them without allocating.
type entry struct {
	status    int
	stream    *streamFile // big files: streamed, not held in memory
	cacheable bool
	// fast: ServeCached may answer with it (a complete 200 with a type).
	fast bool
	size int64

	plain, gz       []byte
	plainHdr, gzHdr http.Header
	etag, gzEtag    string
	// notModified holds the headers a 304 repeats.
	notModifiedPlain, notModifiedGz http.Header
}

// Cache-Control values.
const (
	ccPage      = "no-cache" // revalidate every time: content is live
	ccStatic    = "public, max-age=3600"
	ccImmutable = "public, max-age=31536000, immutable"
)

// minGzip: smaller bodies are not worth a gzip variant.
const minGzip = 512

// entryOverhead is what an entry holds besides its bodies: the struct, four
// small header maps with their value slices, the ETag strings, and its node
// and key in the cache map. Measured: about 2.9 KB per cached page (Go 1.26,
// amd64). It keeps many tiny entries (redirects, small feeds) from looking
// free to the cache budget.
const entryOverhead = 3072

// gzipWriters recycles compressors. A gzip.Writer at BestCompression
// allocates about 1 MB of tables on first use; making one per cached page
// turned filling the cache of a big site into hundreds of megabytes of
// garbage and a high resident-memory peak.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	return zw
}}

// exact returns b in a slice of exactly its length. Cached bodies live as
// long as their generation, so the spare capacity a bytes.Buffer leaves
// after growing (up to half of it) would be memory the cache budget does
// not see.
func exact(b []byte) []byte {
	if cap(b) == len(b) {
		return b
	}
	return bytes.Clone(b)
}

// gzipBytes compresses body into an exactly sized slice.
func gzipBytes(body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body)/3 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(body)
	_ = zw.Close()
	zw.Reset(nil) // do not keep buf reachable from the pool
	gzipWriters.Put(zw)
	return exact(buf.Bytes())
}

// newEntry prepares a response. For compressible types with a body worth
// compressing it also stores the gzip variant, computed once here rather
// than per request.
func newEntry(status int, contentType, cacheControl string, body []byte, extra http.Header) *entry {
	body = exact(body)
	e := &entry{status: status, cacheable: true, plain: body}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:8])
	e.etag = `"` + tag + `"`
	e.plainHdr = http.Header{}
	for k, v := range extra {
		e.plainHdr[k] = v
	}
	if contentType != "" {
		e.plainHdr["Content-Type"] = []string{contentType}
	}
	if cacheControl != "" {
		e.plainHdr["Cache-Control"] = []string{cacheControl}
	}
	e.plainHdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	if status == http.StatusOK {
		e.plainHdr["Etag"] = []string{e.etag}
	}
	compress := status == http.StatusOK || status == http.StatusNotFound
	if contentType != "" && web.Compressible(contentType) && compress {
		e.plainHdr["Vary"] = []string{"Accept-Encoding"}
		if len(body) >= minGzip {
			e.gz = gzipBytes(body)
			e.gzEtag = `"` + tag + `-gz"`
			e.gzHdr = http.Header{}
			for k, v := range e.plainHdr {
				e.gzHdr[k] = v
			}
			e.gzHdr["Content-Encoding"] = []string{"gzip"}
			e.gzHdr["Content-Length"] = []string{strconv.Itoa(len(e.gz))}
			if status == http.StatusOK {
				e.gzHdr["Etag"] = []string{e.gzEtag}
			}
		}
	}
	e.notModifiedPlain = notModifiedHeader(e.plainHdr)
	if e.gzHdr != nil {
		e.notModifiedGz = notModifiedHeader(e.gzHdr)
	}
	e.size = int64(cap(e.plain)+cap(e.gz)) + entryOverhead
	e.fast = status == http.StatusOK && contentType != ""
	return e
}

func notModifiedHeader(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range []string{"Etag", "Cache-Control", "Vary"} {
		if v, ok := h[k]; ok {
			out[k] = v
		}
	}
	return out
}

// write sends the entry, choosing the gzip variant when accepted and
// answering 304 to a matching If-None-Match.
func (e *entry) write(w http.ResponseWriter, r *http.Request) {
	if e.stream != nil {
		e.stream.serve(w, r)
		return
	}
	body, hdr, nm := e.plain, e.plainHdr, e.notModifiedPlain
	if e.gz != nil && web.AcceptsGzip(header(r, "Accept-Encoding")) {
		body, hdr, nm = e.gz, e.gzHdr, e.notModifiedGz
	}
	h := w.Header()
	if e.status == http.StatusOK {
		if inm := header(r, "If-None-Match"); inm != "" && etagMatch(inm, e.etag, e.gzEtag) {
			for k, v := range nm {
				h[k] = v
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	for k, v := range hdr {
		h[k] = v
	}
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// header is r.Header.Get(key) for a key already in canonical form, without
// canonicalising it again on every request.
func header(r *http.Request, key string) string {
	if v := r.Header[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// etagMatch implements If-None-Match's weak comparison against either
// variant's tag (both describe the same content).
func etagMatch(header, etag, gzEtag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		t := strings.TrimSpace(part)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if t == etag || (gzEtag != "" && t == gzEtag) {
			return true
		}
	}
	return false
}

// redirect returns a cacheable redirect entry.
func redirect(status int, target string) *entry {
	e := &entry{status: status, cacheable: true, size: int64(len(target)) + 256}
	e.plainHdr = http.Header{
		"Location":       []string{target},
		"Cache-Control":  []string{ccPage},
		"Content-Length": []string{"0"},
	}
	return e
}

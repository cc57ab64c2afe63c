package petitions

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"sync"

	"unionhall/internal/content"
	"unionhall/internal/web"
)

// A visitor's view of a petition page changes at most once a second: the
// form's timestamp has whole seconds and the count is read at most once a
// second (cache.go). So the rendered page, and its gzip form, are kept for
// the second they were made in and served to every visitor asking in that
// second; a member's page (the one-click button names them) never is.
// Under a signing rush with page views alongside, a view is then a copy.

type freshKey struct {
	site      *content.Site
	url, host string
}

type freshPage struct {
	stamp    string
	header   http.Header
	body, gz []byte
}

type freshCache struct {
	mu sync.Mutex
	m  map[freshKey]*freshPage
}

const maxFreshPages = 1000

// drop forgets every kept page: a change this process made (a confirmed
// signature, an early close, an erasure) shows at once. Pending signatures
// do not show, so they keep the pages.
func (c *freshCache) drop() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

func (s *Service) serveFresh(w http.ResponseWriter, r *http.Request, p *content.Page) {
	if s.d.Members != nil {
		// A member sees their own one-click button: never the shared page.
		// (Without a member session this costs a cookie look-up.)
		if _, ok, err := s.d.Members(r); err != nil || ok {
			s.servePage(w, r, p, &form{}, nil, "", http.StatusOK)
			return
		}
	}
	key := freshKey{site: s.d.Site(), url: p.URL, host: r.Host}
	want := s.stamp.Stamp(s.now())
	s.fresh.mu.Lock()
	pg := s.fresh.m[key]
	s.fresh.mu.Unlock()
	if pg == nil || pg.stamp != want {
		rec := &recorder{h: http.Header{}}
		var stamp string
		s.renderPage(rec, r, p, &form{}, nil, "", http.StatusOK, &stamp)
		if stamp == "" || rec.status != 0 && rec.status != http.StatusOK {
			// A member's page, or a fault: as rendered, not kept.
			copyRecorded(w, r, rec)
			return
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		_, _ = zw.Write(rec.b.Bytes())
		_ = zw.Close()
		rec.h.Del("Content-Length")
		pg = &freshPage{stamp: stamp, header: rec.h, body: rec.b.Bytes(), gz: gz.Bytes()}
		s.fresh.mu.Lock()
		if s.fresh.m == nil || len(s.fresh.m) >= maxFreshPages {
			s.fresh.m = map[freshKey]*freshPage{}
		}
		s.fresh.m[key] = pg
		s.fresh.mu.Unlock()
	}
	h := w.Header()
	for k, v := range pg.header {
		h[k] = v
	}
	body := pg.body
	if web.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = pg.gz
	}
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func copyRecorded(w http.ResponseWriter, r *http.Request, rec *recorder) {
	h := w.Header()
	for k, v := range rec.h {
		h[k] = v
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rec.b.Bytes())
	}
}

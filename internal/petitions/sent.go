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

// The pages after a signature ("check your email", "thank you") are the
// same for everyone who signs a petition in one language: the answer must
// not tell whether the address had signed before. A successful post
// therefore answers 303 See Other to one of them (Post/Redirect/Get: a
// reload cannot sign again) and they are rendered once per site load,
// language, petition and host and kept with their gzip form. Under a
// signing rush each acknowledgement costs a redirect and a copy, not a
// template and a compression.

const (
	sentKind   = "sent"
	thanksKind = "thanks"
)

type sentKey struct {
	site           *content.Site
	lang, id, kind string
	host           string
}

type sentPage struct {
	header   http.Header
	body, gz []byte
}

type sentCache struct {
	mu sync.Mutex
	m  map[sentKey]*sentPage
}

// maxSentPages bounds the cache (hosts come from requests).
const maxSentPages = 1000

// sentURL is where a successful signature is redirected.
func sentURL(lang, id, kind string) string {
	return "/" + lang + "/signature/" + kind + "?p=" + id
}

// handleSent serves /{lang}/signature/sent and /thanks.
func (s *Service) handleSent(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := s.langOf(r)
		pt, ok := s.declared(r.URL.Query().Get("p"), lang)
		if !ok || pt.Page.Lang != lang {
			http.NotFound(w, r)
			return
		}
		key := sentKey{site: s.d.Site(), lang: lang, id: pt.ID, kind: kind, host: r.Host}
		s.sent.mu.Lock()
		pg := s.sent.m[key]
		s.sent.mu.Unlock()
		if pg == nil {
			pg = s.renderSent(r, pt, lang, kind)
			s.sent.mu.Lock()
			if s.sent.m == nil || len(s.sent.m) >= maxSentPages {
				s.sent.m = map[sentKey]*sentPage{}
			}
			s.sent.m[key] = pg
			s.sent.mu.Unlock()
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
}

func (s *Service) renderSent(r *http.Request, pt Petition, lang, kind string) *sentPage {
	v := messageView{Lang: lang, Title: T(lang, "sent.title"), Text: T(lang, "sent.text"), BackURL: pt.Page.URL}
	if kind == thanksKind {
		v.Title, v.Text = T(lang, "signed.title"), T(lang, "signed.text")
	}
	rec := &recorder{h: http.Header{}}
	s.message(rec, r, v, http.StatusOK)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(rec.b.Bytes())
	_ = zw.Close()
	rec.h.Del("Content-Length")
	return &sentPage{header: rec.h, body: rec.b.Bytes(), gz: gz.Bytes()}
}

// recorder keeps a rendered response.
type recorder struct {
	h      http.Header
	b      bytes.Buffer
	status int
}

func (c *recorder) Header() http.Header         { return c.h }
func (c *recorder) Write(p []byte) (int, error) { return c.b.Write(p) }
func (c *recorder) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

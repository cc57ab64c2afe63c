package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/membership"
	"unionhall/internal/web"
)

// TestFastPathAnswersAsTheFullStack: a cached public page answered by the
// fast path (site.Server.ServeCached in front of the stack) is byte for
// byte, header for header, what the full stack — every middleware, the
// router, the event and content-type routing — answers, for every page of
// the example site and every way a request can vary (gzip or not, HEAD,
// revalidation, another Host, a query string, escapes, feature routes).
func TestFastPathAnswersAsTheFullStack(t *testing.T) {
	for _, publicURL := range []string{"", "https://union.example"} {
		t.Run("public_url="+publicURL, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.PublicURL = publicURL
			cfg.Join.AllowedOrigins = []string{"https://other.example"}
			// One instant for the whole test: the join form carries the
			// second it was served (its spam stamp), and two renders a
			// second apart would differ for that reason alone.
			at := time.Now()
			a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			full, err := web.NewStack(a.mux, web.StackOptions{Logger: a.log, CORS: []web.CORSRoute{{Path: membership.APIPath,
				Method: http.MethodPost, Origins: cfg.Join.AllowedOrigins}}})
			if err != nil {
				t.Fatal(err)
			}
			fast := a.Handler()

			paths := []string{"/en/", "/cs/", "/sitemap.xml", "/robots.txt", "/.well-known/security.txt", "/en/index.xml",
				"/en/no-such-page/", "/en/join/", "/cs/prihlaska/", "/", "/admin/", membership.APIPath,
				"/en/events/2026/introduction-to-unions/register/", "/en/events/2026/introduction-to-unions/calendar.ics",
				"/en/%65vents/2026/introduction-to-unions/", "/en//events/", "/en/events"}
			rec := httptest.NewRecorder()
			full.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sitemap.xml", nil))
			for _, m := range regexp.MustCompile(`<loc>https?://[^/<]+(/[^<]*)</loc>`).FindAllStringSubmatch(rec.Body.String(), -1) {
				paths = append(paths, m[1])
			}
			home := httptest.NewRecorder()
			full.ServeHTTP(home, httptest.NewRequest(http.MethodGet, "/en/", nil))
			for _, m := range regexp.MustCompile(`(?:href|src)="(/[^"]+\.(?:css|js|svg|png|ico|woff2))"`).FindAllStringSubmatch(home.Body.String(), -1) {
				paths = append(paths, m[1])
			}
			if len(paths) < 40 {
				t.Fatalf("only %d paths to try", len(paths))
			}

			type variant struct {
				name   string
				method string
				hdr    map[string]string
				host   string
				query  string
			}
			variants := []variant{
				{name: "plain", method: http.MethodGet},
				{name: "gzip", method: http.MethodGet, hdr: map[string]string{"Accept-Encoding": "gzip, deflate, br"}},
				{name: "no gzip", method: http.MethodGet, hdr: map[string]string{"Accept-Encoding": "gzip;q=0, identity"}},
				{name: "head", method: http.MethodHead, hdr: map[string]string{"Accept-Encoding": "gzip"}},
				{name: "other host", method: http.MethodGet, host: "Other.Example:8080"},
				{name: "hostile host", method: http.MethodGet, host: "<script>"},
				{name: "query", method: http.MethodGet, query: "?utm=1"},
				{name: "cross-site", method: http.MethodGet, hdr: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}},
				{name: "language", method: http.MethodGet, hdr: map[string]string{"Accept-Language": "cs"}},
				{name: "post", method: http.MethodPost, hdr: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}},
				{name: "options", method: http.MethodOptions, hdr: map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "POST"}},
			}
			send := func(h http.Handler, p string, v variant, etag string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(v.method, "http://127.0.0.1:8080"+p+v.query, nil)
				if v.host != "" {
					req.Host = v.host
				}
				for k, val := range v.hdr {
					req.Header.Set(k, val)
				}
				if etag != "" {
					req.Header.Set("If-None-Match", etag)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			fastHits := 0
			for _, p := range paths {
				for _, v := range variants {
					// Twice through the full stack: the first fills the cache.
					send(full, p, v, "")
					want := send(full, p, v, "")
					if r := httptest.NewRequest(v.method, "http://127.0.0.1:8080"+p+v.query, nil); v.host == "" && a.Site.ServeCached(httptest.NewRecorder(), r) {
						fastHits++
					}
					got := send(fast, p, v, "")
					compareResponses(t, p+" "+v.name, got, want)
					if et := want.Header().Get("Etag"); et != "" {
						compareResponses(t, p+" "+v.name+" If-None-Match", send(fast, p, v, et), send(full, p, v, et))
					}
				}
			}
			// The fast path must really have been taken, for most pages.
			if fastHits < len(paths) {
				t.Errorf("the fast path answered %d of %d requests", fastHits, len(paths)*len(variants))
			}
		})
	}
}

func compareResponses(t *testing.T, what string, got, want *httptest.ResponseRecorder) {
	t.Helper()
	if got.Code != want.Code {
		t.Errorf("%s: status %d, full stack %d", what, got.Code, want.Code)
		return
	}
	gh, wh := got.Header().Clone(), want.Header().Clone()
	for _, h := range []http.Header{gh, wh} {
		for k, v := range h {
			v = slices.Clone(v)
			slices.Sort(v)
			h[k] = v
		}
	}
	for k := range wh {
		if !slices.Equal(gh[k], wh[k]) {
			t.Errorf("%s: header %s = %q, full stack %q", what, k, gh[k], wh[k])
		}
	}
	for k := range gh {
		if _, ok := wh[k]; !ok {
			t.Errorf("%s: extra header %s = %q", what, k, gh[k])
		}
	}
	if got.Body.String() != want.Body.String() {
		t.Errorf("%s: body differs (%d bytes, full stack %d): %.200q", what, got.Body.Len(), want.Body.Len(),
			strings.TrimSpace(got.Body.String()))
	}
}

package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var bigHTML = "<!doctype html><p>" + strings.Repeat("solidarity ", 500) + "</p>"

func htmlHandler(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"abc"`)
		_, _ = io.WriteString(w, body)
	})
}

func get(t *testing.T, url string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// A bare transport so Go does not add Accept-Encoding and decompress.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestGzipCompressesWhenAccepted(t *testing.T) {
	srv := httptest.NewServer(Gzip(htmlHandler(bigHTML)))
	defer srv.Close()

	resp := get(t, srv.URL, map[string]string{"Accept-Encoding": "br, gzip;q=0.5"})
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	if resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
	if et := resp.Header.Get("Etag"); et != `W/"abc"` {
		t.Errorf("ETag = %q, want weakened", et)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != bigHTML {
		t.Fatal("decompressed body differs")
	}
}

func TestGzipRespectsClient(t *testing.T) {
	srv := httptest.NewServer(Gzip(htmlHandler(bigHTML)))
	defer srv.Close()
	for _, ae := range []string{"", "identity", "gzip;q=0", "br", "GZIP;q=0.0"} {
		resp := get(t, srv.URL, map[string]string{"Accept-Encoding": ae})
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "" || string(b) != bigHTML {
			t.Errorf("Accept-Encoding %q: got encoding %q", ae, resp.Header.Get("Content-Encoding"))
		}
		if resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary missing on a compressible response", ae)
		}
	}
}

func TestGzipSkipsIncompressibleAndEncoded(t *testing.T) {
	png := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(bytes.Repeat([]byte{0}, 4096))
	})
	pre := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write([]byte("already"))
	})
	small := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "2")
		_, _ = w.Write([]byte("ok"))
	})
	for name, h := range map[string]http.Handler{"png": png, "pre": pre, "small": small} {
		srv := httptest.NewServer(Gzip(h))
		resp := get(t, srv.URL, map[string]string{"Accept-Encoding": "gzip"})
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		switch name {
		case "png":
			if resp.Header.Get("Content-Encoding") != "" || len(b) != 4096 || resp.Header.Get("Vary") != "" {
				t.Errorf("png was touched: %v", resp.Header)
			}
		case "pre":
			if string(b) != "already" {
				t.Errorf("pre-encoded body changed: %q", b)
			}
		case "small":
			if resp.Header.Get("Content-Encoding") != "" || string(b) != "ok" {
				t.Errorf("small body compressed")
			}
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	srv := httptest.NewServer(SecurityHeaders(htmlHandler("x")))
	defer srv.Close()
	resp := get(t, srv.URL, nil)
	resp.Body.Close()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(resp.Header.Get("Permissions-Policy"), "camera=()") {
		t.Errorf("Permissions-Policy = %q", resp.Header.Get("Permissions-Policy"))
	}
}

func TestAccessLogNeverLogsQueryOrTokens(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	h := AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	token := "Xk3vQ9zLm2Pw8RtY5uBn7Jc"
	resp := get(t, srv.URL+"/confirm/"+token+"?email=jana%40example.org&secret=s3cr3t", nil)
	resp.Body.Close()
	logged := buf.String()
	for _, bad := range []string{"jana", "example.org", "s3cr3t", token, "email="} {
		if strings.Contains(logged, bad) {
			t.Errorf("log contains %q: %s", bad, logged)
		}
	}
	for _, good := range []string{"method=GET", "path=/confirm/…", "status=418", "duration="} {
		if !strings.Contains(logged, good) {
			t.Errorf("log lacks %q: %s", good, logged)
		}
	}
}

func TestRedactPath(t *testing.T) {
	keep := []string{"/", "/en/events/2024/introduction-to-unions-in-it/", "/cs/prohlaseni/page/2/",
		"/assets/style.3f9a2c1b.css", "/en/statements/why-we-organise-in-2025/"}
	for _, p := range keep {
		if got := RedactPath(p); got != p {
			t.Errorf("RedactPath(%q) = %q, want unchanged", p, got)
		}
	}
	redact := []string{"/verify/Xk3vQ9zLm2Pw8RtY5uBn7Jc", "/t/0123456789abcdef0123456789abcdef", "/u/aGVsbG8gd29ybGQgdGhpcyBpcw123"}
	for _, p := range redact {
		if got := RedactPath(p); !strings.HasSuffix(got, "…") {
			t.Errorf("RedactPath(%q) = %q, want token redacted", p, got)
		}
	}
	long := "/" + strings.Repeat("a/", 5000)
	if got := RedactPath(long); len(got) > maxLoggedPath+len("…") {
		t.Errorf("long path not truncated: %d bytes", len(got))
	}
}

func TestRecover(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	h := Stack(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		panic("boom")
	}), logger)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp := get(t, srv.URL+"/x", nil)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(b), "500") {
		t.Fatalf("status %d body %q", resp.StatusCode, b)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("security headers lost on 500")
	}
	if !strings.Contains(buf.String(), "boom") || !strings.Contains(buf.String(), "status=500") {
		t.Errorf("log: %s", buf.String())
	}
}

func TestCrossOriginProtection(t *testing.T) {
	h := Stack(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "done")
	}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/en/join/", strings.NewReader("a=b"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
	}

	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/en/join/", strings.NewReader("a=b"))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("same-origin POST: status %d", resp.StatusCode)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("cross-site GET: status %d, want 200 (links from elsewhere must work)", resp.StatusCode)
	}
}

func TestNegotiateLanguage(t *testing.T) {
	avail := []string{"cs", "en"}
	cases := []struct{ header, want string }{
		{"", "en"},
		{"cs", "cs"},
		{"cs-CZ,cs;q=0.9,en;q=0.8", "cs"},
		{"en-US,en;q=0.9,cs;q=0.8", "en"},
		{"de-DE,de;q=0.9,cs;q=0.5", "cs"},
		{"de", "en"},
		{"en;q=0.2, cs;q=0.8", "cs"},
		{"cs;q=0, en;q=0.1", "en"},
		{"*", "en"},
		{"fr;q=abc, cs", "cs"},
		{"<script>alert(1)</script>", "en"},
		{strings.Repeat("de,", 10000) + "cs", "en"}, // entries past the limit are ignored
		{"CS-cz", "cs"},
		{"\u202ecs", "en"},
		{";;;,,,", "en"},
	}
	for _, c := range cases {
		if got := NegotiateLanguage(c.header, avail, "en"); got != c.want {
			t.Errorf("NegotiateLanguage(%.40q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestCompressible(t *testing.T) {
	for _, ct := range []string{"text/html; charset=utf-8", "text/css", "application/rss+xml; charset=utf-8", "image/svg+xml", "application/json"} {
		if !Compressible(ct) {
			t.Errorf("%q should be compressible", ct)
		}
	}
	for _, ct := range []string{"image/png", "application/pdf", "image/jpeg", "application/zip", ""} {
		if Compressible(ct) {
			t.Errorf("%q should not be compressible", ct)
		}
	}
}

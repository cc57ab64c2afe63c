package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	good := map[string]string{
		"https://union.example":         "https://union.example",
		"https://Union.Example/":        "https://union.example",
		"HTTPS://union.example:443":     "https://union.example",
		"http://union.example:80":       "http://union.example",
		"https://union.example:8443":    "https://union.example:8443",
		"http://[2001:db8::1]:8080":     "http://[2001:db8::1]:8080",
		" https://xn--mkos-yqa.example": "https://xn--mkos-yqa.example",
	}
	for in, want := range good {
		got, err := ParseOrigin(in)
		if err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "*", "null", "union.example", "ftp://union.example", "https://union.example/join",
		"https://union.example?x", "https://u:p@union.example", "https://union.example#x", "https://čmkos.example",
		"https://", "https://:443", "javascript:alert(1)", "https://*.example"} {
		if got, err := ParseOrigin(bad); err == nil {
			t.Errorf("ParseOrigin(%q) = %q, accepted", bad, got)
		}
	}
}

// corsServer serves a stack with /api/join opened to https://union.example
// for POST; every handler counts what reached it.
func corsServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var reached atomic.Int32
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "stored")
	}
	mux.HandleFunc("POST /api/join", ok)
	mux.HandleFunc("POST /en/join/", ok)
	mux.HandleFunc("POST /auth/login", ok)
	h, err := NewStack(mux, StackOptions{CORS: []CORSRoute{{Path: "/api/join", Method: http.MethodPost,
		Origins: []string{"https://union.example", "https://Other.example/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, &reached
}

func do(t *testing.T, method, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(`{"a":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func noCORS(t *testing.T, what string, res *http.Response) {
	t.Helper()
	for k := range res.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("%s: has %s: %q", what, k, res.Header.Get(k))
		}
	}
}

func TestCORSPreflight(t *testing.T) {
	srv, reached := corsServer(t)
	pre := func(origin, method string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": method,
			"Access-Control-Request-Headers": "content-type", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
	}
	for _, origin := range []string{"https://union.example", "https://other.example"} {
		res, _ := do(t, http.MethodOptions, srv.URL+"/api/join", pre(origin, "POST"))
		h := res.Header
		if res.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin ||
			h.Get("Access-Control-Allow-Methods") != "POST" || h.Get("Access-Control-Allow-Headers") != "Content-Type" ||
			h.Get("Access-Control-Max-Age") == "" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
			t.Errorf("preflight from %s: %d %v", origin, res.StatusCode, h)
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Error("credentials allowed")
		}
	}
	for name, hdr := range map[string]map[string]string{
		"other site":          pre("https://evil.example", "POST"),
		"allowed site's http": pre("http://union.example", "POST"),
		"subdomain":           pre("https://www.union.example", "POST"),
		"null":                pre("null", "POST"),
		"other method":        pre("https://union.example", "DELETE"),
	} {
		res, _ := do(t, http.MethodOptions, srv.URL+"/api/join", hdr)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("preflight %s: status %d, want 403", name, res.StatusCode)
		}
		noCORS(t, "preflight "+name, res)
	}
	// Other paths are not opened: no CORS answer there.
	res, _ := do(t, http.MethodOptions, srv.URL+"/en/join/", pre("https://union.example", "POST"))
	noCORS(t, "preflight of the join form", res)
	if n := reached.Load(); n != 0 {
		t.Errorf("a preflight reached a handler %d times", n)
	}
}

func TestCORSPost(t *testing.T) {
	srv, reached := corsServer(t)
	cross := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}
	}

	res, body := do(t, http.MethodPost, srv.URL+"/api/join", cross("https://union.example"))
	if res.StatusCode != http.StatusAccepted || body != "stored" ||
		res.Header.Get("Access-Control-Allow-Origin") != "https://union.example" {
		t.Fatalf("POST from allowed origin: %d %q %v", res.StatusCode, body, res.Header)
	}
	if res.Header.Get("Access-Control-Allow-Credentials") != "" || res.Header.Get("Access-Control-Expose-Headers") != "Retry-After" {
		t.Errorf("headers: %v", res.Header)
	}
	// An old browser without Sec-Fetch-Site: Origin alone decides.
	res, _ = do(t, http.MethodPost, srv.URL+"/api/join", map[string]string{"Origin": "https://other.example"})
	if res.StatusCode != http.StatusAccepted || res.Header.Get("Access-Control-Allow-Origin") != "https://other.example" {
		t.Errorf("POST from allowed origin, no Sec-Fetch-Site: %d", res.StatusCode)
	}
	if n := reached.Load(); n != 2 {
		t.Fatalf("reached %d, want 2", n)
	}

	refused := map[string]struct {
		path string
		hdr  map[string]string
	}{
		"API from another site":              {"/api/join", cross("https://evil.example")},
		"API from another site, old browser": {"/api/join", map[string]string{"Origin": "https://evil.example"}},
		"API from null":                      {"/api/join", cross("null")},
		"API, cross-site without Origin":     {"/api/join", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"API path with a slash added":        {"/api/join/", cross("https://union.example")},
		"join form from the allowed site":    {"/en/join/", cross("https://union.example")},
		"sign-in from the allowed site":      {"/auth/login", cross("https://union.example")},
		"sign-in from allowed, old browser":  {"/auth/login", map[string]string{"Origin": "https://union.example"}},
		"API other method from allowed site": {"/api/join", cross("https://union.example")},
	}
	for name, c := range refused {
		method := http.MethodPost
		if name == "API other method from allowed site" {
			method = http.MethodPut
		}
		req, _ := http.NewRequest(method, srv.URL+c.path, strings.NewReader("{}"))
		for k, v := range c.hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.StatusCode)
		}
		noCORS(t, name, res)
	}
	if n := reached.Load(); n != 2 {
		t.Errorf("refused requests reached a handler: %d, want 2", n)
	}

	// Same-origin pages and server-to-server calls still work.
	res, _ = do(t, http.MethodPost, srv.URL+"/api/join", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL})
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("same-origin POST: %d", res.StatusCode)
	}
	noCORS(t, "same-origin POST", res)
	res, _ = do(t, http.MethodPost, srv.URL+"/api/join", nil)
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("server-to-server POST: %d", res.StatusCode)
	}
	noCORS(t, "server-to-server POST", res)
	res, _ = do(t, http.MethodPost, srv.URL+"/en/join/", map[string]string{"Sec-Fetch-Site": "same-origin"})
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("same-origin form POST: %d", res.StatusCode)
	}
}

func TestCrossOriginRoutesRefusesBadRoutes(t *testing.T) {
	for name, rt := range map[string]CORSRoute{
		"wildcard":  {Path: "/api", Method: "POST", Origins: []string{"*"}},
		"no method": {Path: "/api", Origins: []string{"https://a.example"}},
		"no slash":  {Path: "api", Method: "POST", Origins: []string{"https://a.example"}},
		"path":      {Path: "/api", Method: "POST", Origins: []string{"https://a.example/x"}},
	} {
		if _, err := CrossOriginRoutes(rt); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// No origins: nothing opened, no error.
	if _, err := CrossOriginRoutes(CORSRoute{Path: "/api", Method: "POST"}); err != nil {
		t.Error(err)
	}
}

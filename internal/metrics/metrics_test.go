package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d", rec.Code)
	}
	return rec.Body.String()
}

func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/members/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "member") })
	mux.HandleFunc("POST /join", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	return mux
}

// Requests are counted by the pattern that matched, the method and the
// status; the path, the query and anything the client typed never reach a
// label, and invented methods share one series.
func TestRequestsByPatternNeverByPath(t *testing.T) {
	m := New()
	srv := httptest.NewServer(m.Middleware(testMux()))
	defer srv.Close()
	secrets := []string{"k3j4h5g6f7d8s9a0qwertyuiop", "jan.novak@example.org", "tok_SECRET123", "Dvořák", "<script>"}
	get := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	get("GET", "/admin/members/"+secrets[0]+"?email="+secrets[1])
	get("GET", "/admin/members/"+secrets[2])
	get("POST", "/join?name=Dvo%C5%99%C3%A1k")
	get("GET", "/no/such/"+secrets[2]+"/%3Cscript%3E")
	get("BREW", "/admin/members/x")
	get("PURGE", "/admin/members/y")

	out := scrape(t, m)
	for _, s := range append(secrets, "Dvo%C5%99", "%3Cscript", "BREW", "PURGE", "/no/such") {
		if strings.Contains(out, s) {
			t.Errorf("scrape holds %q", s)
		}
	}
	for _, want := range []string{
		`unionhall_http_requests_total{code="200",method="GET",route="/admin/members/{id}"} 2`,
		`unionhall_http_requests_total{code="202",method="POST",route="/join"} 1`,
		`unionhall_http_requests_total{code="404",method="GET",route="/"} 1`,
		// Invented methods share one series.
		`unionhall_http_requests_total{code="404",method="other",route="/"} 2`,
		`unionhall_http_request_duration_seconds_count{method="GET",route="/admin/members/{id}"} 2`,
		`unionhall_emails_total{result="failed"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if n := len(*m.series.Load()); n != 4 {
		t.Errorf("%d series cached, want 4", n)
	}
}

// A panicking handler is counted as the 500 the recovery outside answers,
// and the panic still reaches it.
func TestPanicCountsAs500(t *testing.T) {
	m := New()
	h := m.Middleware(testMux())
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic swallowed")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/boom", nil))
	}()
	if out := scrape(t, m); !strings.Contains(out, `unionhall_http_requests_total{code="500",method="GET",route="/boom"} 1`) {
		t.Errorf("panic not counted as 500:\n%s", out)
	}
}

func TestRouteLabel(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "unmatched",
		"/":                        "/",
		"GET /admin/members/{id}":  "/admin/members/{id}",
		"POST  /api/join":          "/api/join",
		"example.org/x":            "/x",
		"GET example.org/x/{$}":    "/x/{$}",
		"GET /{lang}/registration": "/{lang}/registration",
	} {
		if got := routeLabel(in); got != want {
			t.Errorf("routeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// The series cache is read without locks or allocation once warm, and a
// flush through the wrapper reaches the real writer.
func TestFlushAndUnwrap(t *testing.T) {
	m := New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /s", func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
	})
	rec := httptest.NewRecorder()
	m.Middleware(mux).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/s", nil))
	if !rec.Flushed {
		t.Error("not flushed")
	}
}

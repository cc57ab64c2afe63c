package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unionhall/internal/config"
	"unionhall/internal/db"
	"unionhall/internal/membership"
)

// meetingSite writes a one-language site with one event open for
// registration (2030-01-10) and returns its folder.
func meetingSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "content/events"), 0o755)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte("title = \"Union\"\n[languages.en]\nweight = 1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "content/events/meeting.en.md"), []byte("---\ntitle: Meeting\nid: meeting\nstartDate: 2030-01-10T18:00:00Z\ndate: 2030-01-10T20:00:00Z\nregistration: internal\ncapacity: 100\n---\nCome.\n"), 0o644)
	return dir
}

var meetingNow = time.Date(2030, 1, 5, 10, 0, 0, 0, time.UTC)

// limitedApp starts the app on meetingSite with every per-address limit
// low: one join, one event registration per hour (sign-in keeps its 20).
func limitedApp(t *testing.T, proxies []string) (*App, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SiteDir = meetingSite(t)
	cfg.TrustedProxies = proxies
	cfg.Join.RateLimit = 1
	cfg.Events.RegistrationsPerHour = 1
	a, srv := startApp(t, cfg, Options{Now: func() time.Time { return meetingNow }})
	return a, srv.URL
}

// post sends a request as if through a proxy that wrote xff ("" for none).
func post(t *testing.T, u, xff, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(b)
}

var seq int

// limiters are the three per-address limits, each as "one attempt".
func limiters(t *testing.T, base string) map[string]func(xff string) int {
	sig := signatureDataURL(t)
	return map[string]func(string) int{
		"join API": func(xff string) int {
			seq++
			body, _ := json.Marshal(map[string]string{
				"email": fmt.Sprintf("jana%d@posta.example", seq), "first_name": "Jana", "last_name": "Dvořáková",
				"date_of_birth": "1990-05-31", "address": "Dlouhá 5", "city": "Praha", "postal_code": "110 00",
				"phone_number": "601 234 567", "company_name": "Kvádr Software", "occupation": "Tester",
				"signature": sig, "local": "en",
			})
			code, _ := post(t, base+membership.APIPath, xff, "application/json", string(body))
			return code
		},
		"event registration": func(xff string) int {
			seq++
			form := url.Values{"name": {"Eva"}, "email": {fmt.Sprintf("eva%d@posta.example", seq)}, "lang": {"en"}, "consent": {"yes"}}
			code, _ := post(t, base+"/en/events/meeting/register/", xff, "application/x-www-form-urlencoded", form.Encode())
			return code
		},
		"console sign-in": func(xff string) int {
			seq++
			form := url.Values{"email": {fmt.Sprintf("nobody%d@posta.example", seq)}}
			code, _ := post(t, base+"/auth/login", xff, "application/x-www-form-urlencoded", form.Encode())
			return code
		},
	}
}

// allowed is how many attempts each limit lets one address make.
var allowed = map[string]int{"join API": 1, "event registration": 1, "console sign-in": 20}

func okStatus(code int) bool { return code == http.StatusOK || code == http.StatusAccepted }

// TestTrustedProxySeparatesClients: behind a trusted reverse proxy (here
// the test client on loopback, listed in trusted_proxies) two visitors get
// separate buckets in all three per-address limits, so one person using up
// their limit does not lock the other out.
func TestTrustedProxySeparatesClients(t *testing.T) {
	_, base := limitedApp(t, []string{"127.0.0.1", "::1"})
	for name, try := range limiters(t, base) {
		t.Run(name, func(t *testing.T) {
			// The proxy appends the visitor to what the visitor sent.
			a, b := "198.51.100.7, 203.0.113.1", "203.0.113.2"
			for i := 0; i < allowed[name]; i++ {
				if code := try(a); !okStatus(code) {
					t.Fatalf("visitor A, attempt %d: %d", i+1, code)
				}
			}
			if code := try(a); code != http.StatusTooManyRequests {
				t.Fatalf("visitor A over the limit: %d, want 429", code)
			}
			if code := try(b); !okStatus(code) {
				t.Fatalf("visitor B behind the same proxy: %d, want a fresh bucket", code)
			}
			// A's forged left part does not make a new visitor.
			if code := try("192.0.2.99, 203.0.113.1"); code != http.StatusTooManyRequests {
				t.Fatalf("visitor A with another forged hop: %d, want 429", code)
			}
		})
	}
}

// TestUntrustedPeerCannotForge: when the peer is not a trusted proxy (the
// default trusts nobody; here only another address is trusted), a forged
// X-Forwarded-For does not get a fresh bucket.
func TestUntrustedPeerCannotForge(t *testing.T) {
	for _, proxies := range [][]string{nil, {"192.0.2.1"}} {
		_, base := limitedApp(t, proxies)
		for name, try := range limiters(t, base) {
			t.Run(fmt.Sprintf("%s trusting %v", name, proxies), func(t *testing.T) {
				for i := 0; i < allowed[name]; i++ {
					if code := try(fmt.Sprintf("203.0.113.%d", i+1)); !okStatus(code) {
						t.Fatalf("attempt %d: %d", i+1, code)
					}
				}
				for _, forged := range []string{"203.0.113.200", "2001:db8::1", "192.0.2.1", ""} {
					if code := try(forged); code != http.StatusTooManyRequests {
						t.Fatalf("forged X-Forwarded-For %q escaped the limit: %d", forged, code)
					}
				}
			})
		}
	}
}

// TestEventsSettingsWired: the [events] settings reach the service — the
// registration form promises erasure after erase_after_days, the erasure is
// scheduled then, and the per-hour limit is registrations_per_hour.
func TestEventsSettingsWired(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SiteDir = meetingSite(t)
	cfg.Events = config.Events{RegistrationsPerHour: 2, EraseAfterDays: 7}
	a, srv := startApp(t, cfg, Options{Now: func() time.Time { return meetingNow }})

	res, err := http.Get(srv.URL + "/en/events/meeting/register/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "delete your details 7 days after the event") {
		t.Errorf("register page does not promise 7 days: %s", b)
	}
	var eraseAt db.Time
	if err := a.DB.QueryRow(context.Background(), `SELECT erase_at FROM event_state WHERE event_key = ?`, "id:meeting").Scan(&eraseAt); err != nil {
		t.Fatal(err)
	}
	ev, ok := a.Events.EventByKey("id:meeting", "en")
	if !ok {
		t.Fatal("event not known")
	}
	if want := ev.End().Add(7 * 24 * time.Hour); !eraseAt.Equal(want) {
		t.Errorf("erasure scheduled at %v, want %v (end + 7 days)", eraseAt.Time, want)
	}
	try := limiters(t, srv.URL)["event registration"]
	for i, want := range []int{200, 200, 429} {
		if code := try(""); code != want {
			t.Errorf("registration %d: %d, want %d", i+1, code, want)
		}
	}
}

// TestJoinAPIFromAllowedOrigin: with join.allowed_origins set, a page on
// that site may call the join API from the browser (CORS), and nothing
// else opens: other sites are refused and nothing of theirs is stored, and
// the allowed site still cannot post the join form or sign in.
func TestJoinAPIFromAllowedOrigin(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Join.AllowedOrigins = []string{"https://union.example"}
	a, srv := startApp(t, cfg, Options{})
	api := srv.URL + membership.APIPath
	sig := signatureDataURL(t)
	n := 0
	payload := func() []byte {
		n++
		body, _ := json.Marshal(map[string]string{
			"email": fmt.Sprintf("petr%d@posta.example", n), "first_name": "Petr", "last_name": "Novák",
			"date_of_birth": "1985-02-03", "address": "Krátká 1", "city": "Brno", "postal_code": "602 00",
			"phone_number": "602 345 678", "company_name": "Kvádr Software", "occupation": "Tester",
			"signature": sig, "local": "cs",
		})
		return body
	}
	stored := func() int {
		var c int
		if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM applications`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	send := func(method, u string, hdr map[string]string, body []byte) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, u, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	corsHeaders := func(res *http.Response) string {
		var out []string
		for k := range res.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				out = append(out, k)
			}
		}
		return strings.Join(out, ",")
	}
	browser := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Content-Type": "application/json"}
	}
	preflight := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors",
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
	}

	// Preflight from the allowed site.
	res := send(http.MethodOptions, api, preflight("https://union.example"), nil)
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://union.example" ||
		res.Header.Get("Access-Control-Allow-Methods") != "POST" || res.Header.Get("Access-Control-Allow-Headers") != "Content-Type" ||
		res.Header.Get("Access-Control-Max-Age") == "" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight from allowed origin: %d %v", res.StatusCode, res.Header)
	}
	// Preflight from another site.
	res = send(http.MethodOptions, api, preflight("https://evil.example"), nil)
	if res.StatusCode != http.StatusForbidden || corsHeaders(res) != "" {
		t.Errorf("preflight from other origin: %d, CORS headers %q", res.StatusCode, corsHeaders(res))
	}

	// POST from the allowed site.
	res = send(http.MethodPost, api, browser("https://union.example"), payload())
	if res.StatusCode != http.StatusAccepted || res.Header.Get("Access-Control-Allow-Origin") != "https://union.example" {
		t.Fatalf("POST from allowed origin: %d %v", res.StatusCode, res.Header)
	}
	if stored() != 1 {
		t.Fatalf("stored %d applications, want 1", stored())
	}
	// POST from another site: 403, nothing stored.
	res = send(http.MethodPost, api, browser("https://evil.example"), payload())
	if res.StatusCode != http.StatusForbidden || corsHeaders(res) != "" {
		t.Errorf("POST from other origin: %d, CORS headers %q", res.StatusCode, corsHeaders(res))
	}
	if stored() != 1 {
		t.Errorf("a refused origin's application was stored")
	}
	// Same-origin page and a server-to-server call still work.
	res = send(http.MethodPost, api, map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, payload())
	if res.StatusCode != http.StatusAccepted || corsHeaders(res) != "" {
		t.Errorf("same-origin POST: %d, CORS headers %q", res.StatusCode, corsHeaders(res))
	}
	res = send(http.MethodPost, api, map[string]string{"Content-Type": "application/json"}, payload())
	if res.StatusCode != http.StatusAccepted || corsHeaders(res) != "" {
		t.Errorf("server-to-server POST: %d, CORS headers %q", res.StatusCode, corsHeaders(res))
	}
	if stored() != 3 {
		t.Errorf("stored %d applications, want 3", stored())
	}

	// Other routes stay closed to the allowed site.
	form := url.Values{"email": {"x@posta.example"}}.Encode()
	for _, path := range []string{"/en/join/", "/cs/prihlaska/", "/auth/login", "/en/join/resend"} {
		hdr := browser("https://union.example")
		hdr["Content-Type"] = "application/x-www-form-urlencoded"
		res = send(http.MethodPost, srv.URL+path, hdr, []byte(form))
		if res.StatusCode != http.StatusForbidden || corsHeaders(res) != "" {
			t.Errorf("POST %s from the allowed origin: %d, CORS headers %q; want 403 and none", path, res.StatusCode, corsHeaders(res))
		}
		res = send(http.MethodOptions, srv.URL+path, preflight("https://union.example"), nil)
		if corsHeaders(res) != "" {
			t.Errorf("preflight %s answered with CORS headers %q", path, corsHeaders(res))
		}
	}
	if stored() != 3 {
		t.Errorf("stored %d applications, want 3", stored())
	}
}

// TestJoinAPIClosedByDefault: without allowed_origins a browser on another
// site is refused, as before.
func TestJoinAPIClosedByDefault(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	_, srv := startApp(t, cfg, Options{})
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+membership.APIPath, nil)
	req.Header.Set("Origin", "https://union.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("preflight answered without allowed origins")
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+membership.APIPath, strings.NewReader("{}"))
	req.Header.Set("Origin", "https://union.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST without allowed origins: %d, want 403", res.StatusCode)
	}
}

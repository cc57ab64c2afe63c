package auth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"unionhall/internal/auth"
	"unionhall/internal/browsertest"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/web"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// TestPasskeyInBrowser registers a passkey with Chromium's virtual
// authenticator after an email-link sign-in, signs out, and signs in again
// with the passkey alone.
func TestPasskeyInBrowser(t *testing.T) {
	b := browsertest.Start(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Passkeys need a domain name: the browser reaches the server as
		// localhost (a secure context without TLS).
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		r := newRig(t, d, func(dp *auth.Deps) { dp.Now = time.Now; dp.BaseURL = base })
		mux := http.NewServeMux()
		r.svc.Register(mux)
		mux.Handle("/admin/", r.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><html lang="en"><title>Console</title><main><h1 id="who">`+auth.FromContext(req.Context()).Email+`</h1></main></html>`)
		})))
		srv.Config.Handler = web.Stack(mux, dbtest.Logger())
		link, err := r.svc.CreateAccount(ctx, "keys@example.org", []string{auth.ListMembers}, nil)
		if err != nil {
			t.Fatal(err)
		}
		link = strings.Replace(link, "127.0.0.1", "localhost", 1)

		tab := b.Tab(t)
		if _, err := chromedp.Call(tab, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			t.Fatalf("enable webauthn domain: %v", err)
		}
		if _, err := chromedp.Call(tab, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}}); err != nil {
			t.Fatalf("add virtual authenticator: %v", err)
		}
		browsertest.Navigate(t, tab, link)
		browsertest.ClickNavigate(t, tab, "#signin")
		if got := browsertest.Text(t, tab, "#who"); got != "keys@example.org" {
			t.Fatalf("after the link: %q", got)
		}
		browsertest.Navigate(t, tab, base+"/auth/account")
		browsertest.AssertAxeClean(t, tab, "account page")
		browsertest.Click(t, tab, "#passkey-register")
		// The script reloads the page once the passkey is stored.
		browsertest.WaitVisible(t, tab, `#passkeys form button`)
		browsertest.AssertAxeClean(t, tab, "account page with a passkey")
		browsertest.ClickNavigate(t, tab, `form[action="/auth/logout-everywhere"] button`)
		browsertest.Navigate(t, tab, base+"/admin/")
		if !strings.HasSuffix(browsertest.Location(t, tab), "/auth/login") {
			t.Fatalf("still signed in: %s", browsertest.Location(t, tab))
		}
		browsertest.AssertAxeClean(t, tab, "login with passkey button")
		browsertest.Click(t, tab, "#passkey-login")
		browsertest.WaitVisible(t, tab, "#who")
		if got := browsertest.Text(t, tab, "#who"); got != "keys@example.org" {
			t.Fatalf("after the passkey: %q", got)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit WHERE action = 'login' AND detail = 'passkey'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("passkey logins audited: %d, %v", n, err)
		}
		var used int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM passkeys WHERE last_used_at IS NOT NULL`).Scan(&used); err != nil || used != 1 {
			t.Fatalf("passkey use not recorded: %d, %v", used, err)
		}
	})
}

// TestPasskeyEndpointsRefuseGarbage: the JSON endpoints answer bad input
// with a clear 4xx and never a session.
func TestPasskeyEndpointsRefuseGarbage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, func(dp *auth.Deps) { dp.BaseURL = "http://localhost:8080" })
		srv := server(t, r)
		c := client(t)
		for _, body := range []string{"", "{}", "not json", `{"id":"x","rawId":"x","type":"public-key","response":{}}`, strings.Repeat("[", 100000)} {
			resp, err := c.Post(srv.URL+"/auth/passkey/login/finish", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b := body2(t, resp)
			if resp.StatusCode != 400 || len(resp.Cookies()) > 0 && resp.Cookies()[0].Name == auth.CookieName && resp.Cookies()[0].Value != "" {
				t.Fatalf("finish without ceremony %.20q: %d %s", body, resp.StatusCode, b)
			}
		}
		// With a real ceremony cookie but a garbage answer.
		resp, err := c.Post(srv.URL+"/auth/passkey/login/begin", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		if b := body2(t, resp); resp.StatusCode != 200 || !strings.Contains(b, "challenge") {
			t.Fatalf("begin: %d %s", resp.StatusCode, b)
		}
		resp, err = c.Post(srv.URL+"/auth/passkey/login/finish", "application/json", strings.NewReader(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"authenticatorData":"AAAA","clientDataJSON":"AAAA","signature":"AAAA","userHandle":"AAAA"}}`))
		if err != nil {
			t.Fatal(err)
		}
		if b := body2(t, resp); resp.StatusCode != 400 || !strings.Contains(b, "could not be verified") {
			t.Fatalf("garbage assertion: %d %s", resp.StatusCode, b)
		}
		// Registration needs a session.
		resp, err = c.Post(srv.URL+"/auth/passkey/register/begin", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("register without a session: %d", resp.StatusCode)
		}
		// No passkeys without a domain name.
		r2 := newRig(t, d, func(dp *auth.Deps) { dp.BaseURL = "http://127.0.0.1:8080" })
		srv2 := server(t, r2)
		resp, err = c.Post(srv2.URL+"/auth/passkey/login/begin", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("passkeys offered on an IP address: %d", resp.StatusCode)
		}
	})
}

func body2(t *testing.T, resp *http.Response) string { return body(t, resp) }

package auth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

// langRig is a service with its routes on a test server.
func langRig(t *testing.T, d *db.DB) (*auth.Service, *httptest.Server) {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.New(auth.Deps{DB: d, Keys: kr, Outbox: &outbox{}, BaseURL: "http://example.test", Logger: dbtest.Logger()})
	mux := http.NewServeMux()
	svc.Register(mux)
	srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
	t.Cleanup(srv.Close)
	return svc, srv
}

// fetch sends a request with an Accept-Language header ("" for none).
func fetch(t *testing.T, c *http.Client, method, u, acceptLang string, form url.Values) (int, string) {
	t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if acceptLang != "" {
		req.Header.Set("Accept-Language", acceptLang)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signedIn makes an account and returns a client with its session.
func signedIn(t *testing.T, svc *auth.Service, srv *httptest.Server, email string) (*http.Client, string) {
	t.Helper()
	ctx := context.Background()
	link, err := svc.CreateAccount(ctx, email, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, id, err := svc.ConsumeLink(ctx, tokenOf(t, link))
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: sess, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, id
}

// TestAccountLanguageStore: the saved language round-trips on both engines,
// is validated, belongs to enabled accounts only, and is audited.
func TestAccountLanguageStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, srv := langRig(t, d)
		_, id := signedIn(t, svc, srv, "lang@example.org")
		if l, err := svc.AccountLang(ctx, id); err != nil || l != "" {
			t.Fatalf("new account: %q, %v (want \"\": follow the browser)", l, err)
		}
		for _, l := range []string{"cs", "en", ""} {
			if err := svc.SetAccountLang(ctx, id, l); err != nil {
				t.Fatalf("set %q: %v", l, err)
			}
			if got, err := svc.AccountLang(ctx, id); err != nil || got != l {
				t.Fatalf("after set %q: %q, %v", l, got, err)
			}
		}
		for _, bad := range []string{"de", "CS", "cs-CZ", "'; DROP TABLE accounts; --"} {
			if err := svc.SetAccountLang(ctx, id, bad); !errors.Is(err, auth.ErrBadLang) {
				t.Errorf("set %q: %v, want ErrBadLang", bad, err)
			}
		}
		if err := svc.SetAccountLang(ctx, db.NewID(), "cs"); !errors.Is(err, auth.ErrNoAccount) {
			t.Errorf("unknown account: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit WHERE action = 'account.language' AND subject_id = ?`, id).Scan(&n); err != nil || n != 3 {
			t.Errorf("audit entries for 3 changes: %d, %v", n, err)
		}
		if err := svc.Disable(ctx, "test", id); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AccountLang(ctx, id); !errors.Is(err, auth.ErrNoAccount) {
			t.Errorf("disabled account's language: %v", err)
		}
		if err := svc.SetAccountLang(ctx, id, "cs"); !errors.Is(err, auth.ErrNoAccount) {
			t.Errorf("set on a disabled account: %v", err)
		}
	})
}

// TestSignInPagesLanguage: before sign-in the pages follow Accept-Language;
// signed in, the account's choice wins.
func TestSignInPagesLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc, srv := langRig(t, d)
		anon := client(t)
		for _, tc := range []struct{ header, lang, want, not string }{
			{"cs-CZ,cs;q=0.9", "cs", "Poslat mi odkaz pro přihlášení", "Email me"},
			{"en-US,en;q=0.9", "en", "Email me a sign-in link", "Poslat"},
			{"", "en", "Email me a sign-in link", "Poslat"},
			{"fr, de;q=0.8", "en", "Email me a sign-in link", "Poslat"},
			{"en;q=0.5, cs", "cs", "Přihlášení", "Email me"},
		} {
			code, b := fetch(t, anon, "GET", srv.URL+"/auth/login", tc.header, nil)
			if code != 200 || !strings.Contains(b, `<html lang="`+tc.lang+`"`) || !strings.Contains(b, tc.want) || strings.Contains(b, tc.not) {
				t.Errorf("login page for %q: %d, want lang %s with %q\n%.600s", tc.header, code, tc.lang, tc.want, b)
			}
		}
		// A mistyped address: the fix in Czech, the typed text kept.
		code, b := fetch(t, anon, "POST", srv.URL+"/auth/login", "cs", url.Values{"email": {"jana@@example"}})
		if code != 400 || !strings.Contains(b, "Zadejte prosím platnou e-mailovou adresu") || !strings.Contains(b, `value="jana@@example"`) {
			t.Errorf("bad email in Czech: %d\n%.800s", code, b)
		}
		if code, b = fetch(t, anon, "POST", srv.URL+"/auth/link", "cs", url.Values{"token": {"x"}}); code != 400 || !strings.Contains(b, "Odkaz pro přihlášení neplatí") {
			t.Errorf("spent link in Czech: %d", code)
		}
		if _, b = fetch(t, anon, "GET", srv.URL+"/auth/link?token=abc", "cs", nil); !strings.Contains(b, "Stisknutím tlačítka se přihlásíte") {
			t.Errorf("link page in Czech:\n%.600s", b)
		}

		c, id := signedIn(t, svc, srv, "pages@example.org")
		if _, b = fetch(t, c, "GET", srv.URL+"/auth/account", "cs", nil); !strings.Contains(b, `<html lang="cs"`) || !strings.Contains(b, "Podle prohlížeče (nyní: Čeština)") {
			t.Errorf("account page following a Czech browser:\n%.1500s", b)
		}
		if err := svc.SetAccountLang(context.Background(), id, "en"); err != nil {
			t.Fatal(err)
		}
		_, b = fetch(t, c, "GET", srv.URL+"/auth/account", "cs", nil)
		if !strings.Contains(b, `<html lang="en"`) || !strings.Contains(b, "Your account") || !strings.Contains(b, `<option value="en" lang="en" selected>English</option>`) {
			t.Errorf("account page with English saved, Czech browser:\n%.1500s", b)
		}
		// Signing out answers in the account's language too.
		if code, b = fetch(t, c, "POST", srv.URL+"/auth/logout", "cs", url.Values{}); code != 200 || !strings.Contains(b, "You are signed out.") {
			t.Errorf("sign-out page: %d\n%.600s", code, b)
		}
	})
}

// TestLinkEmailInRequestLanguage: the sign-in email speaks the language of
// the page that asked for it, although it is made after the answer.
func TestLinkEmailInRequestLanguage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, nil)
		mux := http.NewServeMux()
		r.svc.Register(mux)
		srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
		t.Cleanup(srv.Close)
		if _, err := r.svc.CreateAccount(context.Background(), "jana@example.org", nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"cs", "en"} {
			if code, _ := fetch(t, client(t), "POST", srv.URL+"/auth/login", lang, url.Values{"email": {"jana@example.org"}}); code != 200 {
				t.Fatalf("%s request: %d", lang, code)
			}
		}
		r.svc.Wait()
		// The links are made in the background, so in either order.
		msgs := r.box.all()
		byLang := map[string]string{}
		for _, m := range msgs {
			byLang[m.Headers["Content-Language"]] = m.Subject
		}
		if len(msgs) != 2 || !strings.Contains(byLang["cs"], "přihlášení") || !strings.Contains(byLang["en"], "sign-in") {
			t.Fatalf("emails: %+v", msgs)
		}
	})
}

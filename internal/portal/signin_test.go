package portal

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestSignIn is the sign-in as a member meets it: a link by email, a page
// with a button (the GET spends nothing), the POST signs in, the link
// works once and for 15 minutes, and the answer is the same for an
// address that is no member's.
func TestSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 30*24*time.Hour)
		e.addMember(7, "jana@posta.example", "Jana", "cs")
		c := e.client()

		st, body := c.get("/cs/clen/")
		if st != 200 || !strings.Contains(body, `name="email"`) || !strings.Contains(body, "Přihlášení pro členy") {
			t.Fatalf("Czech sign-in page: %d %.300s", st, body)
		}
		if st, _ := c.get("/cs/member/"); st != http.StatusMovedPermanently {
			t.Errorf("/cs/member/: %d, want a redirect to /cs/clen/", st)
		}
		_, known := c.post("/en/member/signin", url.Values{"email": {"Jana@Posta.example"}})
		_, unknown := c.post("/en/member/signin", url.Values{"email": {"nobody@posta.example"}})
		if known != unknown {
			t.Error("the answer differs for a member's address and another")
		}
		e.svc.Wait()
		msgs := e.out.to("jana@posta.example")
		if len(msgs) != 1 || len(e.out.to("nobody@posta.example")) != 0 {
			t.Fatalf("emails: %d to the member, %d to the stranger", len(msgs), len(e.out.to("nobody@posta.example")))
		}
		m := linkRE.FindStringSubmatch(msgs[0].Text)
		if m == nil || !strings.HasPrefix(m[1], "/en/member/link") {
			t.Fatalf("link email: %q", msgs[0].Text)
		}
		u, _ := url.Parse(m[1])
		token := u.Query().Get("token")
		// A mail scanner fetches the link: nothing is spent.
		for range 3 {
			if st, body := c.get(m[1]); st != 200 || !strings.Contains(body, `value="`+token+`"`) {
				t.Fatalf("link page: %d %.200s", st, body)
			}
		}
		// The console does not take the member's link.
		if st, _ := c.post("/en/member/link", url.Values{"token": {"x"}}); st != http.StatusBadRequest {
			t.Errorf("a made-up token: %d", st)
		}
		if st, _ := c.post(u.Path, url.Values{"token": {token}}); st != http.StatusSeeOther {
			t.Fatalf("spend: %d", st)
		}
		st, body = c.get("/en/member/")
		if st != 200 || !strings.Contains(body, "<strong>7</strong>") || !strings.Contains(body, "Jana") {
			t.Fatalf("portal home: %d %.500s", st, body)
		}
		// Once only.
		other := e.client()
		if st, body := other.post(u.Path, url.Values{"token": {token}}); st != http.StatusBadRequest || !strings.Contains(body, "already") {
			t.Errorf("second use: %d %.200s", st, body)
		}
		// Fifteen minutes only.
		other.post("/en/member/signin", url.Values{"email": {"jana@posta.example"}})
		e.svc.Wait()
		msgs = e.out.to("jana@posta.example")
		m = linkRE.FindStringSubmatch(msgs[len(msgs)-1].Text)
		u, _ = url.Parse(m[1])
		e.clock.Add(15*time.Minute + time.Second)
		if st, _ := other.post(u.Path, url.Values{"token": {u.Query().Get("token")}}); st != http.StatusBadRequest {
			t.Errorf("expired link: %d", st)
		}
	})
}

// TestSignInRateLimited: per email (5 in 15 minutes), the same answer for
// members and others, and per client address (20).
func TestSignInRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		e.addMember(1, "jana@posta.example", "Jana", "cs")
		c := e.client()
		for _, email := range []string{"jana@posta.example", "nobody@posta.example"} {
			for i := range 6 {
				st, body := c.post("/cs/clen/signin", url.Values{"email": {email}})
				want := http.StatusOK
				if i == 5 {
					want = http.StatusTooManyRequests
				}
				if st != want {
					t.Fatalf("%s attempt %d: %d, want %d", email, i+1, st, want)
				}
				if i == 5 && (!strings.Contains(body, "15 minut") || !strings.Contains(body, `value="`+email+`"`)) {
					t.Errorf("rate-limit page lacks the Czech text or the typed address: %.400s", body)
				}
			}
		}
		e.svc.Wait()
		if n := len(e.out.to("jana@posta.example")); n != 5 {
			t.Errorf("%d emails after the limit, want 5", n)
		}
		// 12 attempts so far from this address; 8 more pass, the 21st not.
		for i := range 9 {
			st, _ := c.post("/en/member/signin", url.Values{"email": {"other" + string(rune('a'+i)) + "@posta.example"}})
			if (i < 8) != (st == http.StatusOK) {
				t.Fatalf("address attempt %d: %d", 13+i, st)
			}
		}
		e.clock.Add(15 * time.Minute)
		if st, _ := c.post("/en/member/signin", url.Values{"email": {"jana@posta.example"}}); st != http.StatusOK {
			t.Errorf("after the window: %d", st)
		}
		e.svc.Wait()
	})
}

// TestMemberSessionGrantsNothingInConsole: a member's session cookie,
// under either cookie name, opens no console page, and a console session
// is no member session.
func TestMemberSessionGrantsNothingInConsole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		e.addMember(1, "jana@posta.example", "Jana", "en")
		c := e.client()
		c.signIn("jana@posta.example", "en")
		u, _ := url.Parse(e.srv.URL)
		var value string
		for _, ck := range c.jar.Cookies(u) {
			if ck.Name == CookieName {
				value = ck.Value
			}
		}
		if value == "" {
			t.Fatal("no member cookie")
		}
		a := auth.New(auth.Deps{DB: d, Keys: e.keys, Now: e.clock.Now, Logger: testLogger()})
		console := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("console")) }))
		for _, name := range []string{auth.CookieName, CookieName} {
			req := httptest.NewRequest("GET", "/admin/", nil)
			req.AddCookie(&http.Cookie{Name: name, Value: value})
			rec := httptest.NewRecorder()
			console.ServeHTTP(rec, req)
			if rec.Code == 200 {
				t.Errorf("member session under %s opened the console", name)
			}
		}
		// A console account's session is not a member's.
		link, err := a.CreateAccount(context.Background(), "admin@union.example", []string{"super-powers"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		lu, _ := url.Parse(link)
		tok, _, err := a.ConsumeLink(context.Background(), lu.Query().Get("token"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Session(context.Background(), tok); err != ErrNoSession {
			t.Errorf("console session as member session: %v", err)
		}
	})
}

// TestSignOutEverywhere ends every session and unused link.
func TestSignOutEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, 0)
		e.addMember(1, "jana@posta.example", "Jana", "en")
		phone, laptop := e.client(), e.client()
		phone.signIn("jana@posta.example", "en")
		laptop.signIn("jana@posta.example", "en")
		if st, _ := laptop.post("/en/member/signout-everywhere", url.Values{}); st != 200 {
			t.Fatalf("sign out everywhere: %d", st)
		}
		if st, body := phone.get("/en/member/"); st != 200 || !strings.Contains(body, `name="email"`) {
			t.Errorf("the phone's session survived: %d", st)
		}
		var n int
		d.QueryRow(context.Background(), `SELECT COUNT(*) FROM member_sessions`).Scan(&n)
		if n != 0 {
			t.Errorf("%d sessions left", n)
		}
		_ = sql.ErrNoRows
	})
}

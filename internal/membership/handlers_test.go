package membership

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

func TestFormFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		res, body := e.get("/cs/join/")
		if res.StatusCode != 200 || !strings.Contains(body, `name="email"`) || !strings.Contains(body, "Kvádr Software") {
			t.Fatalf("form: %d", res.StatusCode)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
			t.Error("inline script or style in form")
		}
		ts := e.formStamp("/cs/join/")
		res, _ = e.postMultipart("/cs/join/", formValues(t, ts), nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cs/join/sent/" {
			t.Fatalf("submit: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// Durable before acknowledged: the row and its job are there now.
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'unverified'`); n != 1 {
			t.Fatalf("applications = %d", n)
		}
		if n := e.count(`SELECT count(*) FROM jobs WHERE kind = ?`, JobVerification); n != 1 {
			t.Fatalf("jobs = %d", n)
		}
		_, body = e.get("/cs/join/sent/")
		if !strings.Contains(body, "Zkontrolujte e-mail") {
			t.Error("sent page")
		}
		e.runJobs()
		mails := e.mem.all()
		if len(mails) != 1 {
			t.Fatalf("mails = %d", len(mails))
		}
		m := mails[0]
		if m.To != "jana.dvorakova@posta.example" || m.Headers["Content-Language"] != "cs" || !strings.Contains(m.Subject, "Potvrďte") {
			t.Errorf("mail: to=%s lang=%s subj=%s", m.To, m.Headers["Content-Language"], m.Subject)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Name != "Dvorakova_Jana_application.pdf" ||
			!strings.HasPrefix(string(m.Attachments[0].Data), "%PDF") {
			t.Errorf("attachment: %+v", m.Attachments)
		}
		link := linkRE.FindStringSubmatch(m.Text)
		if link == nil {
			t.Fatalf("no link in %q", m.Text)
		}
		token := link[1]
		// The GET changes nothing, even twice.
		for range 2 {
			res, body = e.get("/cs/join/confirm?token=" + token)
			if res.StatusCode != 200 || !strings.Contains(body, `name="token" value="`+token+`"`) {
				t.Fatalf("confirm page: %d", res.StatusCode)
			}
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("Cache-Control") != "no-store" {
			t.Error("confirm page headers")
		}
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'unverified'`); n != 1 {
			t.Fatal("GET confirmed")
		}
		res, body = e.postForm("/cs/join/confirm", url.Values{"token": {token}})
		if res.StatusCode != 200 || !strings.Contains(body, "Děkujeme, e-mail je potvrzený") {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'processing' AND confirmed_at IS NOT NULL`); n != 1 {
			t.Fatal("not processing")
		}
		mails = e.mem.all()
		if len(mails) != 2 {
			t.Fatalf("mails = %d, want committee notice", len(mails))
		}
		n := mails[1]
		var id string
		e.d.QueryRow(context.Background(), `SELECT id FROM applications`).Scan(&id)
		if n.To != "vybor@spojka.example" || !strings.Contains(n.Text, e.srv.URL+"/admin/applications/"+id) {
			t.Errorf("notice: %+v", n)
		}
		for _, pd := range []string{"Jana", "Dvořáková", "posta.example", "601", "Kvádr", "1990"} {
			if strings.Contains(n.Text+n.Subject, pd) {
				t.Errorf("committee notice contains %q", pd)
			}
		}
		// Used: a second POST confirms nothing more and says so kindly.
		res, body = e.postForm("/cs/join/confirm", url.Values{"token": {token}})
		if res.StatusCode != 200 || !strings.Contains(body, "Už potvrzeno") || len(e.mem.all()) != 2 {
			t.Errorf("second confirm: %d", res.StatusCode)
		}
	})
}

func TestTokenExpiryAndResend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ts := e.formStamp("/en/join/")
		v := formValues(t, ts)
		v.Set(FLang, "en")
		if res, _ := e.postMultipart("/en/join/", v, nil); res.StatusCode != 303 {
			t.Fatalf("submit %d", res.StatusCode)
		}
		e.runJobs()
		token := linkRE.FindStringSubmatch(e.mem.all()[0].Text)[1]
		e.clock.Add(14*24*time.Hour + time.Second)
		res, body := e.get("/en/join/confirm?token=" + token)
		if res.StatusCode != http.StatusGone || !strings.Contains(body, "/en/join/resend") {
			t.Fatalf("expired page: %d", res.StatusCode)
		}
		res, _ = e.postForm("/en/join/confirm", url.Values{"token": {token}})
		if res.StatusCode != http.StatusGone {
			t.Fatalf("expired confirm: %d", res.StatusCode)
		}
		// Resend: neutral answer for a known and an unknown address alike.
		_, known := e.postForm("/en/join/resend", url.Values{"email": {"Jana.Dvorakova@POSTA.example"}})
		_, unknown := e.postForm("/en/join/resend", url.Values{"email": {"nobody@posta.example"}})
		strip := func(s string) string { return strings.SplitN(s, "<main", 2)[1] }
		if strip(known) != strip(unknown) {
			t.Error("resend answers differ")
		}
		e.runJobs()
		mails := e.mem.all()
		if len(mails) != 2 || mails[1].To != "jana.dvorakova@posta.example" {
			t.Fatalf("resent mails: %d", len(mails))
		}
		newToken := linkRE.FindStringSubmatch(mails[1].Text)[1]
		if newToken == token {
			t.Fatal("same token")
		}
		if res, _ := e.postForm("/en/join/confirm", url.Values{"token": {newToken}}); res.StatusCode != 200 {
			t.Fatalf("new token: %d", res.StatusCode)
		}
		// Garbage tokens.
		for _, tok := range []string{"", "x", strings.Repeat("A", 43), "<script>alert(1)</script>", "' OR 1=1 --"} {
			if res, _ := e.postForm("/en/join/confirm", url.Values{"token": {tok}}); res.StatusCode != http.StatusGone {
				t.Errorf("token %q: %d", tok, res.StatusCode)
			}
			if res, _ := e.get("/en/join/confirm?token=" + url.QueryEscape(tok)); res.StatusCode != http.StatusGone {
				t.Errorf("GET token %q: %d", tok, res.StatusCode)
			}
		}
	})
}

func TestRepeatApplication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		submit := func() {
			ts := e.formStamp("/cs/join/")
			if res, body := e.postMultipart("/cs/join/", formValues(t, ts), nil); res.StatusCode != 303 {
				t.Fatalf("submit %d %s", res.StatusCode, body)
			}
		}
		submit()
		e.runJobs()
		first := linkRE.FindStringSubmatch(e.mem.all()[0].Text)[1]
		e.clock.Add(time.Hour)
		submit() // same email within a day
		e.runJobs()
		if n := e.count(`SELECT count(*) FROM applications`); n != 1 {
			t.Fatalf("duplicate created: %d", n)
		}
		mails := e.mem.all()
		if len(mails) != 2 {
			t.Fatalf("verification not re-sent: %d", len(mails))
		}
		second := linkRE.FindStringSubmatch(mails[1].Text)[1]
		if res, _ := e.postForm("/cs/join/confirm", url.Values{"token": {first}}); res.StatusCode != http.StatusGone {
			t.Errorf("old token still works: %d", res.StatusCode)
		}
		if res, _ := e.postForm("/cs/join/confirm", url.Values{"token": {second}}); res.StatusCode != 200 {
			t.Errorf("new token: %d", res.StatusCode)
		}
		// A day later a new application is a new row.
		e.clock.Add(25 * time.Hour)
		submit()
		if n := e.count(`SELECT count(*) FROM applications`); n != 2 {
			t.Fatalf("after a day: %d", n)
		}
	})
}

func TestVerificationJobIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ts := e.formStamp("/cs/join/")
		e.postMultipart("/cs/join/", formValues(t, ts), nil)
		var payload []byte
		if err := d.QueryRow(context.Background(), `SELECT payload FROM jobs WHERE kind = ?`, JobVerification).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		// The same job delivered again (a crash before it was marked done).
		if err := e.svc.runVerification(context.Background(), jobFor(payload)); err != nil {
			t.Fatal(err)
		}
		if n := len(e.mem.all()); n != 1 {
			t.Fatalf("emails = %d, want exactly 1", n)
		}
		if n := e.count(`SELECT count(*) FROM application_tokens`); n != 1 {
			t.Fatalf("tokens = %d", n)
		}
	})
}

func TestSpamChecks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		neutral := T("cs", "form.neutral")
		check := func(name string, v url.Values, wantStatus int, wantText string) {
			t.Helper()
			res, body := e.postMultipart("/cs/join/", v, nil)
			if res.StatusCode != wantStatus || !strings.Contains(body, wantText) {
				t.Errorf("%s: %d, want %d with %q", name, res.StatusCode, wantStatus, wantText)
			}
			// Data is kept, so a person refused by mistake loses nothing.
			if wantStatus != 303 && !strings.Contains(body, `value="Dvořáková"`) {
				t.Errorf("%s: typed data not kept", name)
			}
		}
		ts := e.formStamp("/cs/join/")
		v := formValues(t, ts)
		v.Set("website", "http://spam.example")
		check("honeypot", v, 400, neutral)

		res, body := e.get("/cs/join/")
		fresh := tsRE.FindStringSubmatch(body)[1]
		_ = res
		check("too fast", formValues(t, fresh), 400, neutral)
		check("forged stamp", formValues(t, "1.abc"), 400, neutral)
		check("missing stamp", formValues(t, ""), 400, neutral)
		e.clock.Add(25 * time.Hour)
		check("stale", formValues(t, fresh), 400, T("cs", "form.stale"))
		if n := e.count(`SELECT count(*) FROM applications`); n != 0 {
			t.Fatalf("refused submissions stored: %d", n)
		}
	})
}

func TestRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 2 })
		for i := range 3 {
			body := apiBody(t, func(m map[string]any) { m["email"] = "person" + string(rune('a'+i)) + "@posta.example" })
			res, _ := e.postJSON(body)
			want := 202
			if i == 2 {
				want = 429
			}
			if res.StatusCode != want {
				t.Fatalf("request %d: %d, want %d", i, res.StatusCode, want)
			}
			if want == 429 && res.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		}
		ts := e.formStamp("/cs/join/")
		if res, _ := e.postMultipart("/cs/join/", formValues(t, ts), nil); res.StatusCode != 429 {
			t.Errorf("form after limit: %d", res.StatusCode)
		}
	})
}

func apiBody(t testing.TB, mod func(map[string]any)) string {
	m := map[string]any{"email": "petr.novak@posta.example", "first_name": "Petr", "last_name": "Novák",
		"date_of_birth": "1985-01-02", "address": "", "city": "Brno", "postal_code": "60200",
		"phone_number": "+420 777 123 456", "company_name": "Bajtovna", "occupation": "Programátor",
		"signature": testDataURL(t), "local": "cs"}
	if mod != nil {
		mod(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 1000 })
		res, body := e.postJSON(apiBody(t, nil))
		if res.StatusCode != 202 || strings.TrimSpace(body) != `{"message":"Accepted","status":202}` {
			t.Fatalf("202: %d %s", res.StatusCode, body)
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 1 {
			t.Fatal("not stored")
		}
		cases := []struct {
			name  string
			mod   func(map[string]any)
			field string
			code  string
		}{
			{"missing email", func(m map[string]any) { delete(m, "email") }, "email", "required"},
			{"null email", func(m map[string]any) { m["email"] = nil }, "email", "required"},
			{"number email", func(m map[string]any) { m["email"] = 42 }, "email", "type"},
			{"employer", func(m map[string]any) { m["email"] = "a@bigcorp-example.cz" }, "email", "employer_email"},
			{"script name", func(m map[string]any) { m["first_name"] = "<script>alert(1)</script>" + strings.Repeat("x", 90) }, "first_name", "length"},
			{"sql", func(m map[string]any) { m["date_of_birth"] = "'; DROP TABLE applications; --" }, "date_of_birth", "date"},
			{"rtl", func(m map[string]any) { m["last_name"] = "Nov\u202eák" }, "last_name", "characters"},
			{"control", func(m map[string]any) { m["city"] = "Br\x07no" }, "city", "characters"},
			{"direction mark", func(m map[string]any) { m["first_name"] = "Jana\u200f" }, "first_name", "characters"},
			{"line separator", func(m map[string]any) { m["company_name"] = "Firma\u2028ATTENDEE" }, "company_name", "characters"},
			{"invisible tags", func(m map[string]any) { m["occupation"] = "Tester\U000e0069\U000e0067" }, "occupation", "characters"},
			{"language", func(m map[string]any) { m["local"] = "xx" }, "local", "language"},
			{"no signature", func(m map[string]any) { m["signature"] = "" }, "signature", "required"},
			{"bad signature", func(m map[string]any) { m["signature"] = "data:text/html;base64,PHNjcmlwdD4=" }, "signature", "format"},
			{"bomb", func(m map[string]any) {
				m["signature"] = "data:image/png;base64," + b64(bombPNG(t))
			}, "signature", "dimensions"},
		}
		for _, c := range cases {
			res, body := e.postJSON(apiBody(t, c.mod))
			var got struct {
				Code    int                     `json:"code"`
				Message string                  `json:"message"`
				Errors  map[string][]FieldError `json:"errors"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || res.StatusCode != 422 || got.Code != 422 {
				t.Errorf("%s: %d %s", c.name, res.StatusCode, body)
				continue
			}
			if fe := got.Errors[c.field]; len(fe) == 0 || fe[0].Code != c.code {
				t.Errorf("%s: errors %v, want %s/%s", c.name, got.Errors, c.field, c.code)
			}
		}
		for name, body := range map[string]string{"empty": "", "malformed": "{", "array": "[]", "string": `"x"`} {
			if res, _ := e.postJSON(body); res.StatusCode != 400 {
				t.Errorf("%s: %d", name, res.StatusCode)
			}
		}
		huge := `{"email":"` + strings.Repeat("a", 4<<20) + `"}`
		if res, body := e.postJSON(huge); res.StatusCode != 413 || !strings.Contains(body, `"code":413`) {
			t.Errorf("huge: %d", res.StatusCode)
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 1 {
			t.Fatalf("bad requests stored rows: %d", n)
		}
	})
}

// TestSimultaneousRepeatsMakeOneRow: the same address submitted many times at
// once (a double click, a client retrying) stores one application. On
// PostgreSQL this needs db.LockKey; without it two transactions both found
// nothing and both inserted.
func TestSimultaneousRepeatsMakeOneRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a := Applicant{Email: "Souběh@Example.org", FirstName: "Jana", LastName: "Souběžná", Lang: "cs"}
		const n = 16
		if d.Dialect() == db.Postgres {
			// Open the pool's connections first: dialling them one by one
			// spreads the transactions out so far that they seldom overlap.
			var wg sync.WaitGroup
			for range 10 {
				wg.Go(func() {
					d.Tx(context.Background(), func(tx *sql.Tx) error {
						_, err := tx.Exec(`SELECT pg_sleep(0.05)`)
						return err
					})
				})
			}
			wg.Wait()
		}
		errs := make(chan error, n)
		start := make(chan struct{})
		for range n {
			go func() {
				<-start
				errs <- e.svc.submit(context.Background(), a, nil)
			}()
		}
		close(start)
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if got := e.count(`SELECT count(*) FROM applications`); got != 1 {
			t.Fatalf("%d applications for one address submitted %d times at once", got, n)
		}
		if got := e.count(`SELECT count(*) FROM jobs WHERE kind = ?`, JobVerification); got != n {
			t.Errorf("%d verification jobs, want %d (one per submission: each re-sends)", got, n)
		}
	})
}

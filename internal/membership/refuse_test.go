package membership

import (
	"context"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// Hostile values typed into the form: they must come back exactly as typed
// (inside value="…", escaped), never as markup.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileRTL    = "Pra\u202Eha"
)

// fieldValue returns the unescaped value="…" of the input called name in
// page, and whether there is one.
func fieldValue(page, name string) (string, bool) {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*? value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// assertKept fails t unless every value of want is in page as typed.
func assertKept(t *testing.T, what, page string, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got, ok := fieldValue(page, name); !ok || got != v {
			t.Errorf("%s: %s = %q (found %v), want %q kept", what, name, got, ok, v)
		}
	}
	if strings.Contains(page, hostileScript) {
		t.Errorf("%s: hostile text not escaped", what)
	}
}

// assertNotice fails t unless page shows msg (as html/template writes it).
func assertNotice(t *testing.T, what, page, msg string) {
	t.Helper()
	if !strings.Contains(page, template.HTMLEscapeString(msg)) {
		t.Errorf("%s: message %q missing", what, msg)
	}
}

// TestFormRefusalsKeepInput: every refusal before validation (size, honeypot,
// timestamp) answers in the page's language with the form again, what was
// typed kept (hostile text included, escaped), and nothing stored.
func TestFormRefusalsKeepInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 1000 })
		for _, lang := range []string{"cs", "en"} {
			path := "/" + lang + "/join/"
			typed := map[string]string{FLastName: hostileScript, FCity: hostileRTL, FEmail: "jana.dvorakova@posta.example",
				FAddress: "Křižíkova 12", FOccupation: "Tester"}
			values := func(ts string) url.Values {
				v := formValues(t, ts)
				v.Set(FLang, lang)
				for k, s := range typed {
					v.Set(k, s)
				}
				return v
			}
			ts := e.formStamp(path)

			// Honeypot, too fast, forged: one neutral message, data kept.
			hp := values(ts)
			hp.Set("website", "http://spam.example")
			_, page := e.get(path)
			fresh := tsRE.FindStringSubmatch(page)[1]
			for name, v := range map[string]url.Values{"honeypot": hp, "too fast": values(fresh),
				"forged stamp": values("1.abc"), "no stamp": values("")} {
				what := lang + "/" + name
				res, body := e.postMultipart(path, v, nil)
				if res.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400", what, res.StatusCode)
				}
				assertNotice(t, what, body, T(lang, "form.neutral"))
				assertKept(t, what, body, typed)
				if !strings.Contains(body, `<img src="data:image/png;base64,`) {
					t.Errorf("%s: drawn signature not kept", what)
				}
				if !strings.Contains(body, "<title>"+T(lang, "form.notsent.title")) {
					t.Errorf("%s: the title does not say it was not sent", what)
				}
			}

			// Too large: the fields before the upload are kept, the
			// signature is named, the valid timestamp is kept.
			what := lang + "/too large"
			v := values(ts)
			v.Set(FSignMethod, SignUpload)
			v.Del("signature_data")
			res, body := e.postMultipart(path, v, append(testPNG(t), make([]byte, 4<<20)...))
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: status %d, want 413", what, res.StatusCode)
			}
			assertNotice(t, what, body, T(lang, "toolarge.notice"))
			assertNotice(t, what, body, T(lang, "err.signature.too_large"))
			assertKept(t, what, body, typed)
			assertKept(t, what, body, map[string]string{"ts": ts})
			if !strings.Contains(body, `value="upload" checked`) {
				t.Errorf("%s: the upload is not the chosen way to sign", what)
			}

			// The same over URL-encoding (a client without the form): the
			// pairs before the cut are kept.
			what = lang + "/too large, url-encoded"
			v = values(ts)
			body2 := v.Encode() + "&signature_data=" + strings.Repeat("A", 4<<20)
			req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body2))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, body = e.do(req)
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: status %d, want 413", what, res.StatusCode)
			}
			assertNotice(t, what, body, T(lang, "toolarge.notice"))
			assertKept(t, what, body, typed)

			// Stale (the form left open over a day): asked to send again,
			// data kept, a fresh timestamp.
			what = lang + "/stale"
			e.clock.Add(25 * time.Hour)
			res, body = e.postMultipart(path, values(ts), nil)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", what, res.StatusCode)
			}
			assertNotice(t, what, body, T(lang, "form.stale"))
			assertKept(t, what, body, typed)
			if got, _ := fieldValue(body, "ts"); got == ts || got == "" {
				t.Errorf("%s: timestamp %q not renewed", what, got)
			}
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 0 {
			t.Fatalf("refused submissions stored %d applications", n)
		}
		if n := e.count(`SELECT count(*) FROM jobs`); n != 0 {
			t.Fatalf("refused submissions queued %d jobs", n)
		}
	})
}

// TestFormRateLimitKeepsInput: a valid application over the rate limit
// gets the form back (429, Retry-After) with everything kept — the
// signature too, drawn or uploaded — and a message saying roughly when to
// send again; nothing is stored, and sending the kept form later works.
func TestFormRateLimitKeepsInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 1 })
		if res, _ := e.postMultipart("/cs/join/", formValues(t, e.formStamp("/cs/join/")), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first application: %d", res.StatusCode)
		}
		type kept struct {
			lang string
			vals url.Values
		}
		var pages []kept
		for i, lang := range []string{"cs", "en"} {
			path := "/" + lang + "/join/"
			// Validation passes, so hostile text goes where it is valid:
			// markup in the address, a bidi override in the typed name of a
			// signature that is not typed (it is not validated, but kept).
			typed := map[string]string{FEmail: lang + ".novakova@posta.example", FAddress: hostileScript,
				FCompany: `Kvádr "Software" & syn`, FTypedName: "Nov\u202Eák", FLastName: "Nováková"}
			v := formValues(t, e.formStamp(path))
			v.Set(FLang, lang)
			for k, s := range typed {
				v.Set(k, s)
			}
			var file []byte
			if i == 0 {
				// Czech: an uploaded signature.
				v.Set(FSignMethod, SignUpload)
				v.Del("signature_data")
				file = testPNG(t)
			}
			what := lang + "/rate limited"
			res, body := e.postMultipart(path, v, file)
			if res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("%s: status %d, want 429", what, res.StatusCode)
			}
			secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 3600 {
				t.Errorf("%s: Retry-After %q", what, res.Header.Get("Retry-After"))
			}
			assertNotice(t, what, body, T(lang, "ratelimit.notice", "wait", waitText(time.Duration(secs)*time.Second)))
			if !strings.Contains(body, "60 min") {
				t.Errorf("%s: does not say to wait about an hour", what)
			}
			assertKept(t, what, body, typed)
			if !strings.Contains(body, `<img src="data:image/png;base64,`) {
				t.Errorf("%s: signature not kept", what)
			}
			if want := v.Get(FSignMethod); !strings.Contains(body, `value="`+want+`" checked`) {
				t.Errorf("%s: sign method %s not kept", what, want)
			}
			if !regexp.MustCompile(`id="f-statutes"[^>]* checked`).MatchString(body) {
				t.Errorf("%s: statutes box not kept", what)
			}
			for _, claim := range []string{T(lang, "sent.title"), T(lang, "sent.body")} {
				if strings.Contains(body, template.HTMLEscapeString(claim)) {
					t.Errorf("%s: claims it was sent", what)
				}
			}
			// What the browser would send again: the page's hidden fields
			// (timestamp, kept signature) and the same typed values.
			again := url.Values{}
			for k, vs := range v {
				again[k] = vs
			}
			for _, k := range []string{"ts", "signature_data"} {
				val, ok := fieldValue(body, k)
				if !ok || val == "" {
					t.Fatalf("%s: no %s in the page", what, k)
				}
				again.Set(k, val)
			}
			pages = append(pages, kept{lang, again})
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 1 {
			t.Fatalf("rate-limited submissions stored: %d applications", n)
		}
		if n := e.count(`SELECT count(*) FROM jobs WHERE kind = ?`, JobVerification); n != 1 {
			t.Fatalf("rate-limited submissions queued: %d jobs", n)
		}
		// After the wait, sending the kept forms (no new upload) works.
		for _, p := range pages {
			e.clock.Add(2 * time.Hour)
			if res, body := e.postMultipart("/"+p.lang+"/join/", p.vals, nil); res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: sending the kept form: %d %s", p.lang, res.StatusCode, errRE.FindAllString(body, -1))
			}
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 3 {
			t.Fatalf("after the wait: %d applications, want 3", n)
		}
	})
}

// TestFormStoreFailureKeepsInput: when the database fails, the person gets
// the form back (503) with everything kept and is told nothing was sent.
func TestFormStoreFailureKeepsInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 1000 })
		ctx := context.Background()
		for _, lang := range []string{"cs", "en"} {
			path := "/" + lang + "/join/"
			typed := map[string]string{FAddress: hostileScript, FTypedName: "Nov\u202Eák", FEmail: lang + "@posta.example"}
			v := formValues(t, e.formStamp(path))
			for k, s := range typed {
				v.Set(k, s)
			}
			if _, err := d.Exec(ctx, `ALTER TABLE applications RENAME TO applications_away`); err != nil {
				t.Fatal(err)
			}
			res, body := e.postMultipart(path, v, nil)
			if _, err := d.Exec(ctx, `ALTER TABLE applications_away RENAME TO applications`); err != nil {
				t.Fatal(err)
			}
			what := lang + "/store failure"
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s: status %d, want 503", what, res.StatusCode)
			}
			assertNotice(t, what, body, T(lang, "form.failed"))
			assertKept(t, what, body, typed)
			if !strings.Contains(body, `<img src="data:image/png;base64,`) {
				t.Errorf("%s: signature not kept", what)
			}
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 0 {
			t.Fatalf("stored %d applications", n)
		}
	})
}

// TestResendRateLimitKeepsAddress: over the limit, "send me a new link"
// answers with its form again (429), the typed address kept and escaped.
func TestResendRateLimitKeepsAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 1 })
		if res, _ := e.postForm("/cs/join/resend", url.Values{"email": {"a@example.org"}}); res.StatusCode != 200 {
			t.Fatalf("first resend: %d", res.StatusCode)
		}
		for _, lang := range []string{"cs", "en"} {
			typed := `jana"<script>@posta.example`
			res, body := e.postForm("/"+lang+"/join/resend", url.Values{"email": {typed}})
			if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
				t.Fatalf("%s: %d, Retry-After %q", lang, res.StatusCode, res.Header.Get("Retry-After"))
			}
			if !strings.Contains(body, `value="jana&#34;&lt;script&gt;@posta.example"`) || strings.Contains(body, "<script>@") {
				t.Errorf("%s: address not kept escaped:\n%s", lang, body)
			}
			if want := template.HTMLEscapeString(strings.SplitN(T(lang, "resend.ratelimit", "wait", "X"), "X", 2)[0]); !strings.Contains(body, want) {
				t.Errorf("%s: no rate-limit message %q", lang, want)
			}
		}
	})
}

// TestConfirmFailureKeepsButton: when the database fails as the person
// confirms, they get the same button back (503) with the problem named, and
// pressing it again later confirms.
func TestConfirmFailureKeepsButton(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(*Deps) {})
		ctx := context.Background()
		if res, _ := e.postMultipart("/en/join/", formValues(t, e.formStamp("/en/join/")), nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d", res.StatusCode)
		}
		e.runJobs()
		token := linkRE.FindStringSubmatch(e.mem.all()[0].Text)[1]
		if _, err := d.Exec(ctx, `ALTER TABLE application_tokens RENAME TO application_tokens_away`); err != nil {
			t.Fatal(err)
		}
		_, page := e.get("/en/join/confirm?token=" + token)
		res, body := e.postForm("/en/join/confirm", url.Values{"token": {token}})
		if _, err := d.Exec(ctx, `ALTER TABLE application_tokens_away RENAME TO application_tokens`); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, template.HTMLEscapeString(T("en", "unavailable.body"))) {
			t.Errorf("confirm page during the failure:\n%s", page)
		}
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, template.HTMLEscapeString(T("en", "confirm.failed"))) ||
			!strings.Contains(body, `name="token" value="`+token+`"`) {
			t.Fatalf("confirm during the failure: %d\n%s", res.StatusCode, body)
		}
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'unverified'`); n != 1 {
			t.Fatalf("state changed: %d unverified", n)
		}
		if res, _ := e.postForm("/en/join/confirm", url.Values{"token": {token}}); res.StatusCode != 200 {
			t.Fatalf("pressing again: %d", res.StatusCode)
		}
		if n := e.count(`SELECT count(*) FROM applications WHERE state = 'processing'`); n != 1 {
			t.Fatalf("not confirmed after pressing again: %d", n)
		}
	})
}

package membership

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// TestFormBadInput sends every kind of bad input through the real form:
// each answer is 422 with the field's message in the page's language, the
// field marked for assistive technology, the summary linking to it, the
// rest of what was typed kept, hostile text escaped, and nothing stored.
func TestFormBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(dp *Deps) { dp.Settings.RateLimit = 1000 })
		ts := e.formStamp("/cs/join/")
		cases := []struct {
			name, field, value, anchor string
		}{
			{"empty email", FEmail, "", ""},
			{"oversized name", FFirstName, strings.Repeat("Ř", 101), ""},
			{"malformed email", FEmail, "jana@@posta", ""},
			{"script", FLastName, "<script>alert(1)</script>" + strings.Repeat("x", 100), ""},
			{"sql", FDateOfBirth, "1990-01-01' OR '1'='1", ""},
			{"control", FCity, "Pra\x1bha", ""},
			{"rtl", FLastName, "Novák\u202Egnp.exe", ""},
			{"employer", FEmail, "jana@mail.bigcorp-example.cz", ""},
			{"phone", FPhone, "call me maybe", ""},
			{"language", FLang, "<b>xx</b>", ""},
			{"statutes", FStatutes, "", ""},
			{"signature blank", "signature_data", blankDataURL(t), "f-sign_method"},
			{"signature bomb", "signature_data", "data:image/png;base64," + b64(bombPNG(t)), "f-sign_method"},
			{"signature html", "signature_data", "data:text/html;base64,PHNjcmlwdD4=", "f-sign_method"},
		}
		for _, c := range cases {
			v := formValues(t, ts)
			if c.value == "" {
				v.Del(c.field)
			} else {
				v.Set(c.field, c.value)
			}
			res, body := e.postMultipart("/cs/join/", v, nil)
			field := c.field
			if field == "signature_data" {
				field = FSignature
			}
			anchor := c.anchor
			if anchor == "" {
				anchor = "f-" + field
			}
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d", c.name, res.StatusCode)
				continue
			}
			if !strings.Contains(body, `id="err-`+field+`"`) || !strings.Contains(body, `href="#`+anchor+`"`) {
				t.Errorf("%s: no error for %s / summary link #%s", c.name, field, anchor)
			}
			if field != FSignature && !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("%s: field not marked invalid", c.name)
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("%s: hostile text not escaped", c.name)
			}
			if field != FCity && !strings.Contains(body, `value="Praha"`) {
				t.Errorf("%s: other values not kept", c.name)
			}
			if field != FSignature && !strings.Contains(body, `<img src="data:image/png;base64,`) {
				t.Errorf("%s: drawn signature not kept", c.name)
			}
		}
		// Empty body, and a request over 3 MB: a clear page, not a reset.
		if res, _ := e.postForm("/cs/join/", url.Values{}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("empty post: %d", res.StatusCode)
		}
		v := formValues(t, ts)
		res, body := e.postMultipart("/cs/join/", v, bytes.Repeat([]byte("x"), 4<<20))
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Formulář byl příliš velký") {
			t.Errorf("too large: %d", res.StatusCode)
		}
		// A 2.5 MB upload fits the request but not the image limit.
		res, body = e.postMultipart("/cs/join/", url.Values{"ts": {ts}, FSignMethod: {SignUpload}},
			append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5<<19)...))
		if res.StatusCode != 422 || !strings.Contains(body, T("cs", "err.signature.too_large")) {
			t.Errorf("large upload: %d", res.StatusCode)
		}
		if n := e.count(`SELECT count(*) FROM applications`); n != 0 {
			t.Fatalf("bad input stored %d rows", n)
		}
		// Unknown language in the path.
		if res, _ := e.get("/xx/join/"); res.StatusCode != 404 {
			t.Errorf("unknown language: %d", res.StatusCode)
		}
	})
}

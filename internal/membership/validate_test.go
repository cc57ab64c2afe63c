package membership

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"
	"unionhall/internal/web/catalogtest"
)

// testPNG draws a small signature-like stroke.
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 120, 40))
	for x := 10; x < 110; x++ {
		y := 20 + (x%20)/2
		img.Set(x, y, color.Black)
		img.Set(x, y+1, color.Black)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testDataURL(t testing.TB) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t))
}

func testRules() Rules {
	loc, _ := time.LoadLocation("Europe/Prague")
	return Rules{EmployerDomains: []string{"bigcorp-example.cz", "kvadr-software.example"}, Langs: []string{"cs", "en"},
		CountryCode: "420", Location: loc, Now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
}

func validInput(t testing.TB) Input {
	return Input{Email: "jana.dvorakova@posta.example", FirstName: "Jana", LastName: "Dvořáková",
		DateOfBirth: "1990-05-31", City: "Praha", PostalCode: "19000", Phone: "601 234 567",
		Company: "Kvádr Software s.r.o.", Occupation: "Tester", Lang: "cs", RequireStatutes: true, Statutes: true,
		SignMethod: SignDraw, SignatureDataURL: testDataURL(t)}
}

func TestValidateValid(t *testing.T) {
	a, sig, errs := testRules().Validate(validInput(t))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if a.Phone != "+420601234567" || a.PostalCode != "190 00" || a.Email != "jana.dvorakova@posta.example" {
		t.Errorf("normalised: %+v", a)
	}
	if len(sig) == 0 || !bytes.HasPrefix(sig, []byte("\x89PNG")) {
		t.Errorf("signature not a PNG")
	}
}

func TestValidateRules(t *testing.T) {
	long := strings.Repeat("a", 101)
	cases := []struct {
		name  string
		mod   func(*Input)
		field string
		code  string
	}{
		{"empty email", func(in *Input) { in.Email = "" }, FEmail, CodeRequired},
		{"malformed email", func(in *Input) { in.Email = "jana@" }, FEmail, CodeEmail},
		{"display name", func(in *Input) { in.Email = "Jana <jana@posta.example>" }, FEmail, CodeEmail},
		{"angle only", func(in *Input) { in.Email = "<jana@posta.example>" }, FEmail, CodeEmail},
		{"no dot in domain", func(in *Input) { in.Email = "jana@localhost" }, FEmail, CodeEmail},
		{"oversized email", func(in *Input) { in.Email = strings.Repeat("a", 250) + "@x.cz" }, FEmail, CodeLength},
		{"script email", func(in *Input) { in.Email = "<script>alert(1)</script>@x.cz" }, FEmail, CodeEmail},
		{"rtl email", func(in *Input) { in.Email = "jana\u202e@posta.example" }, FEmail, CodeEmail},
		{"employer", func(in *Input) { in.Email = "jana@bigcorp-example.cz" }, FEmail, CodeEmployerEmail},
		{"employer subdomain", func(in *Input) { in.Email = "jana@mail.BigCorp-Example.cz" }, FEmail, CodeEmployerEmail},
		{"empty first name", func(in *Input) { in.FirstName = "  " }, FFirstName, CodeRequired},
		{"long last name", func(in *Input) { in.LastName = long }, FLastName, CodeLength},
		{"control char", func(in *Input) { in.LastName = "Nov\x00ák" }, FLastName, CodeCharacters},
		{"newline", func(in *Input) { in.FirstName = "Jana\nX" }, FFirstName, CodeCharacters},
		{"rtl override", func(in *Input) { in.LastName = "Novák\u202Etxt.exe" }, FLastName, CodeCharacters},
		{"bidi isolate", func(in *Input) { in.LastName = "\u2066Novák" }, FLastName, CodeCharacters},
		{"invalid utf8", func(in *Input) { in.City = "Pr\xffaha" }, FCity, CodeCharacters},
		{"date malformed", func(in *Input) { in.DateOfBirth = "1990-13-01" }, FDateOfBirth, CodeDate},
		{"date feb 30", func(in *Input) { in.DateOfBirth = "1990-02-30" }, FDateOfBirth, CodeDate},
		{"date sql", func(in *Input) { in.DateOfBirth = "1990'); DROP TABLE applications;--" }, FDateOfBirth, CodeDate},
		{"too young", func(in *Input) { in.DateOfBirth = "2011-03-11" }, FDateOfBirth, CodeAge},
		{"too old", func(in *Input) { in.DateOfBirth = "1925-01-01" }, FDateOfBirth, CodeAge},
		{"future", func(in *Input) { in.DateOfBirth = "2030-01-01" }, FDateOfBirth, CodeAge},
		{"phone letters", func(in *Input) { in.Phone = "601 234 ABC" }, FPhone, CodePhone},
		{"phone short", func(in *Input) { in.Phone = "+42 12" }, FPhone, CodePhone},
		{"phone long", func(in *Input) { in.Phone = "+420 601 234 567 890 12" }, FPhone, CodePhone},
		{"phone empty", func(in *Input) { in.Phone = "" }, FPhone, CodeRequired},
		{"postal bad", func(in *Input) { in.PostalCode = "<b>1</b>" }, FPostalCode, CodePostalCode},
		{"lang unknown", func(in *Input) { in.Lang = "de" }, FLang, CodeLanguage},
		{"lang empty", func(in *Input) { in.Lang = "" }, FLang, CodeRequired},
		{"statutes", func(in *Input) { in.Statutes = false }, FStatutes, CodeRequired},
		{"no signature", func(in *Input) { in.SignMethod, in.SignatureDataURL = "", "" }, FSignature, "required"},
		{"blank canvas", func(in *Input) { in.SignatureDataURL = blankDataURL(t) }, FSignature, "empty"},
		{"gif", func(in *Input) {
			in.SignatureDataURL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
		}, FSignature, "format"},
		{"bomb", func(in *Input) { in.SignMethod, in.SignatureFile = SignUpload, bombPNG(t) }, FSignature, "dimensions"},
		{"upload too large", func(in *Input) {
			in.SignMethod, in.SignatureFile = SignUpload, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 3<<20)...)
		}, FSignature, "too_large"},
		{"typed no consent", func(in *Input) { in.SignMethod, in.TypedName = SignTyped, "Jana Dvořáková" }, FTypedConsent, CodeRequired},
		{"typed no name", func(in *Input) { in.SignMethod, in.TypedConsent = SignTyped, true }, FTypedName, CodeRequired},
		{"method bogus", func(in *Input) { in.SignMethod = "'; DROP" }, FSignMethod, CodeChoice},
		{"company empty", func(in *Input) { in.Company = "" }, FCompany, CodeRequired},
		{"occupation long", func(in *Input) { in.Occupation = long }, FOccupation, CodeLength},
		{"address long", func(in *Input) { in.Address = strings.Repeat("x", 201) }, FAddress, CodeLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput(t)
			c.mod(&in)
			_, _, errs := testRules().Validate(in)
			fe := errs[c.field]
			if len(fe) == 0 || fe[0].Code != c.code {
				t.Fatalf("errors %v, want %s on %s", errs, c.code, c.field)
			}
			// Every error has a message in both languages, never the raw key.
			for _, lang := range []string{"cs", "en", "sr"} {
				if m := message(lang, c.field, fe[0], "+420 601 234 567"); m == "" || strings.HasPrefix(m, "err.") {
					t.Errorf("%s message for %s/%s: %q", lang, c.field, fe[0].Code, m)
				}
			}
		})
	}
}

func TestNormalisation(t *testing.T) {
	r := testRules()
	for in, want := range map[string]string{
		"601 234 567": "+420601234567", "+420 601-234-567": "+420601234567", "00421 902 123 456": "+421902123456",
		"(601) 234.567": "+420601234567",
	} {
		errs := Errors{}
		if got := r.phone(in, errs); got != want || len(errs) > 0 {
			t.Errorf("phone(%q) = %q %v, want %q", in, got, errs, want)
		}
	}
	r.CountryCode = "381"
	if got := r.phone("060 1234567", Errors{}); got != "+381601234567" {
		t.Errorf("serbian trunk zero: %q", got)
	}
	r.CountryCode = "420"
	if got := r.postalCode(" 190  00 ", Errors{}); got != "190 00" {
		t.Errorf("postal: %q", got)
	}
	r.CountryCode = "381"
	if got := r.postalCode("11000", Errors{}); got != "11000" {
		t.Errorf("serbian postal: %q", got)
	}
	if got, ok := parseDate("31. 5. 1990"); !ok || got.Format(time.DateOnly) != "1990-05-31" {
		t.Errorf("czech date: %v %v", got, ok)
	}
	// Age boundary on the site's calendar: 15 today.
	r = testRules()
	if _, _, errs := r.Validate(func() Input { in := validInput(t); in.DateOfBirth = "2011-03-10"; return in }()); len(errs) > 0 {
		t.Errorf("15th birthday today refused: %v", errs)
	}
	// NFD input is stored composed.
	in := validInput(t)
	in.LastName = "Dvor\u030ca\u0301kova\u0301"
	a, _, _ := r.Validate(in)
	if a.LastName != "Dvořáková" {
		t.Errorf("NFC: %q", a.LastName)
	}
}

// TestMessagesComplete: every text in both languages, with the same
// placeholders; an unknown language falls back to English.
func TestMessagesComplete(t *testing.T) {
	catalogtest.Complete(t, messages, []string{"en", "cs"}, nil)
	if got := T("sr", "form.submit"); got != "Send application" {
		t.Errorf("fallback: %q", got)
	}
}

func blankDataURL(t testing.TB) string {
	img := image.NewNRGBA(image.Rect(0, 0, 492, 192))
	var b bytes.Buffer
	png.Encode(&b, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// bombPNG is a tiny PNG whose header claims 100000×100000 pixels.
func bombPNG(t testing.TB) []byte {
	b := testPNG(t)
	// IHDR width and height live at offsets 16 and 20.
	out := append([]byte(nil), b...)
	for _, off := range []int{16, 20} {
		out[off], out[off+1], out[off+2], out[off+3] = 0, 1, 0x86, 0xA0
	}
	// The CRC no longer matches; DecodeConfig checks dimensions before the
	// CRC only in some versions, so fix the CRC too.
	fixIHDRCRC(out)
	return out
}

package membership

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzJoinJSON feeds arbitrary bodies to the join API's decoder and the
// validation behind it. Properties: a body is refused (400) exactly when it
// is not a JSON object; decoding round-trips (the fields re-encoded decode
// to the same Input); an accepted application holds no control or bidi
// characters and respects every length limit; and validation is idempotent
// (the normalised applicant, submitted again, is accepted unchanged), so
// what the committee sees is what a second check would store.
func FuzzJoinJSON(f *testing.F) {
	for _, s := range []string{
		`{"email":"jana.novakova@example.org","first_name":"Jana","last_name":"Nováková","date_of_birth":"1990-05-17","city":"Praha","postal_code":"11000","phone_number":"601 234 567","company_name":"Firma s.r.o.","occupation":"Tester","local":"cs"}`,
		`{"email":"A@Example.ORG.","first_name":" Petr ","last_name":"X","date_of_birth":"17. 5. 1990","city":"Brno","phone_number":"+381 60 1234567","company_name":"C","occupation":"O","local":"EN","address":null}`,
		`{"email":"x@employer.example","first_name":1,"last_name":["a"],"local":{}}`,
		`{"first_name":"\u202eevil\u0000","city":"<script>alert(1)</script>","signature":"data:,"}`,
		`[]`, `null`, `"x"`, `{`, `{"email":"a@b.cz","email":"c@d.cz"}`, "\xef\xbb\xbf{}", `{"first_name":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	rules := Rules{EmployerDomains: []string{"employer.example"}, Langs: []string{"cs", "en"}, CountryCode: "420",
		Location: time.UTC, Now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, errs, ok := decodeJoinJSON(body)
		var probe any
		isObject := json.Unmarshal(body, &probe) == nil && reflect.TypeOf(probe) == reflect.TypeOf(map[string]any{})
		if ok != isObject {
			t.Fatalf("decoded=%v but body is a JSON object=%v: %q", ok, isObject, body)
		}
		if !ok {
			return
		}
		// Round trip through the encoder.
		again, errs2, ok2 := decodeJoinJSON(encodeInput(t, in))
		if !ok2 || len(errs2) != 0 || !reflect.DeepEqual(again, in) {
			t.Fatalf("round trip: %+v (%v) became %+v (%v)", in, errs, again, errs2)
		}
		if in.SignatureDataURL != "" {
			// Signatures have their own fuzz targets (package signature);
			// decoding one per input here would make this target slow.
			in.SignatureDataURL, in.SignMethod = "", ""
		}
		in.TypedName, in.TypedConsent = "Typed Name", true
		a, _, verrs := rules.Validate(in)
		if len(errs) > 0 || len(verrs) > 0 {
			return
		}
		for field, v := range map[string]string{FEmail: a.Email, FFirstName: a.FirstName, FLastName: a.LastName,
			FAddress: a.Address, FCity: a.City, FPostalCode: a.PostalCode, FPhone: a.Phone, FCompany: a.Company,
			FOccupation: a.Occupation, FDateOfBirth: a.DateOfBirth, FLang: a.Lang} {
			if !utf8.ValidString(v) || hasForbidden(v) {
				t.Fatalf("accepted %s %q holds forbidden characters", field, v)
			}
			limit := maxText
			if field == FEmail {
				limit = maxEmail
			}
			if len(v) > 4*limit {
				t.Fatalf("accepted %s of %d bytes", field, len(v))
			}
		}
		if len(a.Email) > maxEmail {
			t.Fatalf("accepted email of %d bytes (limit %d): %q", len(a.Email), maxEmail, a.Email)
		}
		re := Input{Email: a.Email, FirstName: a.FirstName, LastName: a.LastName, DateOfBirth: a.DateOfBirth,
			Address: a.Address, City: a.City, PostalCode: a.PostalCode, Phone: a.Phone, Company: a.Company,
			Occupation: a.Occupation, Lang: a.Lang, TypedName: "Typed Name", TypedConsent: true}
		b, _, rerrs := rules.Validate(re)
		if len(rerrs) > 0 || b != a {
			t.Fatalf("validation is not idempotent: %+v\nbecame %+v (%v)", a, b, rerrs)
		}
	})
}

// encodeInput writes in back as the API body (every field a string).
func encodeInput(t *testing.T, in Input) []byte {
	m := map[string]string{FEmail: in.Email, FFirstName: in.FirstName, FLastName: in.LastName,
		FDateOfBirth: in.DateOfBirth, FAddress: in.Address, FCity: in.City, FPostalCode: in.PostalCode,
		FPhone: in.Phone, FCompany: in.Company, FOccupation: in.Occupation, FLang: in.Lang, FSignature: in.SignatureDataURL}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

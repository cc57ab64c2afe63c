package membership

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"unionhall/internal/membership/signature"
	"unionhall/internal/textrule"
)

// Field names. They are the JSON API's names (what today's union websites
// send), and the form uses the same names so one error map serves both.
const (
	FEmail        = "email"
	FFirstName    = "first_name"
	FLastName     = "last_name"
	FDateOfBirth  = "date_of_birth"
	FAddress      = "address"
	FCity         = "city"
	FPostalCode   = "postal_code"
	FPhone        = "phone_number"
	FCompany      = "company_name"
	FOccupation   = "occupation"
	FLang         = "local"
	FSignature    = "signature"
	FStatutes     = "statutes"      // form only
	FSignMethod   = "sign_method"   // form only
	FTypedName    = "typed_name"    // form only
	FTypedConsent = "typed_consent" // form only
)

// fieldOrder is the order of the form, used for the error summary.
var fieldOrder = []string{FEmail, FFirstName, FLastName, FDateOfBirth, FAddress, FCity, FPostalCode,
	FPhone, FCompany, FOccupation, FLang, FStatutes, FSignMethod, FSignature, FTypedName, FTypedConsent}

// Error codes (the JSON API's "code"). Signature codes come from package
// signature (required, empty, format, too_large, dimensions, corrupt).
const (
	CodeRequired      = "required"
	CodeEmail         = "email"
	CodeEmployerEmail = "employer_email"
	CodeLength        = "length"
	CodeCharacters    = "characters"
	CodeDate          = "date"
	CodeAge           = "age"
	CodePhone         = "phone"
	CodePostalCode    = "postal_code"
	CodeLanguage      = "language"
	CodeChoice        = "choice"
)

// Limits of the rules in issue 3.
const (
	maxName       = 100
	maxText       = 200 // address, company
	maxEmail      = 254 // RFC 5321 path limit
	maxEmailLocal = 64
	minAge        = 15
	maxAge        = 100
	minPhone      = 7
	maxPhone      = 15
)

// Sign methods.
const (
	SignDraw   = "draw"
	SignUpload = "upload"
	SignTyped  = "typed"
)

// FieldError is one problem with one field.
type FieldError struct {
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
}

// Errors maps a field name to its problems. Empty means valid.
type Errors map[string][]FieldError

func (e Errors) add(field, code string, params map[string]any) {
	e[field] = append(e[field], FieldError{Code: code, Params: params})
}

// Input is what a person submitted, as received (form or JSON).
type Input struct {
	Email, FirstName, LastName, DateOfBirth string
	Address, City, PostalCode, Phone        string
	Company, Occupation, Lang               string

	// Form only. The JSON API carries no statutes flag (today's sites ask
	// for it on their side), so RequireStatutes is false there.
	RequireStatutes bool
	Statutes        bool
	SignMethod      string
	// SignatureDataURL is a drawn signature (canvas.toDataURL) or the kept
	// result of an earlier upload.
	SignatureDataURL string
	// SignatureFile is a freshly uploaded file (nil when none was chosen).
	SignatureFile []byte
	TypedName     string
	TypedConsent  bool
}

// Applicant is the validated, normalised personal data. It is sealed as one
// JSON blob; nothing in it is ever stored or logged in the clear.
type Applicant struct {
	Email       string `json:"email"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	DateOfBirth string `json:"date_of_birth"` // YYYY-MM-DD
	Address     string `json:"address,omitempty"`
	City        string `json:"city"`
	PostalCode  string `json:"postal_code,omitempty"`
	Phone       string `json:"phone_number"`
	Company     string `json:"company_name"`
	Occupation  string `json:"occupation"`
	Lang        string `json:"local"`
	// TypedSignature is the typed full name when the applicant signed
	// electronically by typing; empty for an image signature.
	TypedSignature string `json:"typed_signature,omitempty"`
}

// Rules are the site-dependent facts validation needs, taken from the
// current site at request time (it reloads live).
type Rules struct {
	EmployerDomains []string
	Langs           []string
	CountryCode     string // digits, e.g. "420"
	Location        *time.Location
	Now             time.Time
}

// Validate checks and normalises in. The returned PNG is the normalised
// signature image (nil for a typed signature).
func (r Rules) Validate(in Input) (Applicant, []byte, Errors) {
	errs := Errors{}
	var a Applicant

	a.Email = r.email(in.Email, errs)
	a.FirstName = text(in.FirstName, FFirstName, 1, maxName, errs)
	a.LastName = text(in.LastName, FLastName, 1, maxName, errs)
	a.DateOfBirth = r.birthDate(in.DateOfBirth, errs)
	a.Address = text(in.Address, FAddress, 0, maxText, errs)
	a.City = text(in.City, FCity, 1, maxName, errs)
	a.PostalCode = r.postalCode(in.PostalCode, errs)
	a.Phone = r.phone(in.Phone, errs)
	a.Company = text(in.Company, FCompany, 1, maxText, errs)
	a.Occupation = text(in.Occupation, FOccupation, 1, maxName, errs)
	a.Lang = r.lang(in.Lang, errs)
	if in.RequireStatutes && !in.Statutes {
		errs.add(FStatutes, CodeRequired, nil)
	}
	png, typed := r.signature(in, errs)
	a.TypedSignature = typed
	return a, png, errs
}

// text trims, NFC-normalises and checks a free-text field. min 0 = optional.
func text(s, field string, min, max int, errs Errors) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		errs.add(field, CodeRequired, nil)
	case n > max || (n > 0 && n < min):
		errs.add(field, CodeLength, map[string]any{"min": min, "max": max})
	case !utf8.ValidString(s) || hasForbidden(s):
		errs.add(field, CodeCharacters, nil)
	}
	return s
}

// hasForbidden reports the characters no one-line form field accepts
// (internal/textrule: control characters, direction marks, overrides and
// isolates, line separators, invisible tags), which could make a name
// display as something else ("Trojan Source") in the console or the PDF.
func hasForbidden(s string) bool { return textrule.HasRefused(s) }

// email checks syntax with net/mail, refuses display names and comments,
// and refuses employer domains (and their subdomains). The domain part is
// lower-cased; the local part is kept as typed.
func (r Rules) email(s string, errs Errors) string {
	s = strings.TrimSpace(s)
	if s == "" {
		errs.add(FEmail, CodeRequired, nil)
		return ""
	}
	if len(s) > maxEmail {
		errs.add(FEmail, CodeLength, map[string]any{"min": 3, "max": maxEmail})
		return s
	}
	if hasForbidden(s) {
		errs.add(FEmail, CodeEmail, nil)
		return s
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		// addr.Address != s refuses "<a@b.cz>" and "a@b.cz (comment)".
		errs.add(FEmail, CodeEmail, nil)
		return s
	}
	local, domain, _ := strings.Cut(addr.Address, "@")
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	if len(local) > maxEmailLocal || !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") {
		// A mailbox on a bare host or an IP literal is not an address a
		// person gives to an organisation.
		errs.add(FEmail, CodeEmail, nil)
		return s
	}
	if IsEmployerDomain(domain, r.EmployerDomains) {
		errs.add(FEmail, CodeEmployerEmail, map[string]any{"domain": domain})
	}
	return local + "@" + domain
}

// IsEmployerDomain reports whether domain is one of list or a subdomain of one.
func IsEmployerDomain(domain string, list []string) bool {
	domain = strings.TrimSuffix(strings.ToLower(domain), ".")
	for _, d := range list {
		d = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), "."), "@")
		if d == "" {
			continue
		}
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// birthDate accepts YYYY-MM-DD (what <input type=date> sends and the API
// uses) and, for people typing without a date picker, D. M. YYYY and
// D.M.YYYY. The age is counted on the site's calendar.
func (r Rules) birthDate(s string, errs Errors) string {
	s = strings.TrimSpace(s)
	if s == "" {
		errs.add(FDateOfBirth, CodeRequired, nil)
		return ""
	}
	d, ok := parseDate(s)
	if !ok {
		errs.add(FDateOfBirth, CodeDate, nil)
		return s
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	today := r.Now.In(loc)
	age := today.Year() - d.Year()
	if today.Month() < d.Month() || (today.Month() == d.Month() && today.Day() < d.Day()) {
		age--
	}
	if age < minAge || age > maxAge {
		errs.add(FDateOfBirth, CodeAge, map[string]any{"min": minAge, "max": maxAge})
	}
	return d.Format(time.DateOnly)
}

func parseDate(s string) (time.Time, bool) {
	if len(s) > 20 {
		return time.Time{}, false
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, true
	}
	compact := strings.ReplaceAll(s, " ", "")
	for _, layout := range []string{"2.1.2006", "02.01.2006"} {
		if d, err := time.Parse(layout, compact); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// phone normalises to +<country code><digits>: separators are dropped, a
// leading + or 00 means the number already has a country code, otherwise the
// site's default code is prepended (after dropping one national trunk 0, as
// Serbian numbers are written "060 …").
func (r Rules) phone(s string, errs Errors) string {
	s = strings.TrimSpace(s)
	if s == "" {
		errs.add(FPhone, CodeRequired, nil)
		return ""
	}
	if len(s) > 40 {
		errs.add(FPhone, CodePhone, map[string]any{"min": minPhone, "max": maxPhone})
		return s
	}
	var digits strings.Builder
	intl := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c == '+' && i == 0:
			intl = true
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '\u00a0':
		default:
			errs.add(FPhone, CodePhone, map[string]any{"min": minPhone, "max": maxPhone})
			return s
		}
	}
	d := digits.String()
	switch {
	case intl:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	default:
		d = r.countryCode() + strings.TrimPrefix(d, "0")
	}
	if len(d) < minPhone || len(d) > maxPhone || d[0] == '0' {
		errs.add(FPhone, CodePhone, map[string]any{"min": minPhone, "max": maxPhone})
		return s
	}
	return "+" + d
}

func (r Rules) countryCode() string {
	if r.CountryCode == "" {
		return "420"
	}
	return r.CountryCode
}

// postalCode drops spaces and upper-cases; Czech and Slovak five-digit codes
// are written "123 45" as the post office does.
func (r Rules) postalCode(s string, errs Errors) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if s == "" {
		return ""
	}
	if len(s) < 3 || len(s) > 10 {
		errs.add(FPostalCode, CodePostalCode, nil)
		return s
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '-') {
			errs.add(FPostalCode, CodePostalCode, nil)
			return s
		}
	}
	if cc := r.countryCode(); (cc == "420" || cc == "421") && len(s) == 5 && isDigits(s) {
		return s[:3] + " " + s[3:]
	}
	return s
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func (r Rules) lang(s string, errs Errors) string {
	s = strings.TrimSpace(s)
	if s == "" {
		errs.add(FLang, CodeRequired, nil)
		return ""
	}
	for _, l := range r.Langs {
		if strings.EqualFold(l, s) {
			return l
		}
	}
	errs.add(FLang, CodeLanguage, nil)
	return ""
}

// signature returns the normalised PNG, or the typed name for a typed
// signature. The method is the one chosen; without a choice (the JSON API,
// or a form posted by a browser without the radio) it is inferred from
// what was sent: a new file, then an image, then a typed name.
func (r Rules) signature(in Input, errs Errors) ([]byte, string) {
	method := in.SignMethod
	if method == "" {
		switch {
		case len(in.SignatureFile) > 0:
			method = SignUpload
		case in.SignatureDataURL != "":
			method = SignDraw
		case strings.TrimSpace(in.TypedName) != "" || in.TypedConsent:
			method = SignTyped
		default:
			errs.add(FSignature, signature.CodeRequired, nil)
			return nil, ""
		}
	}
	var (
		png []byte
		err error
	)
	switch method {
	case SignDraw:
		png, err = signature.FromDataURL(in.SignatureDataURL)
	case SignUpload:
		if len(in.SignatureFile) > 0 {
			png, err = signature.FromBytes(in.SignatureFile)
		} else {
			// The kept result of an earlier upload travels as a data URL.
			png, err = signature.FromDataURL(in.SignatureDataURL)
		}
	case SignTyped:
		name := text(in.TypedName, FTypedName, 1, 2*maxName+1, errs)
		if !in.TypedConsent {
			errs.add(FTypedConsent, CodeRequired, nil)
		}
		return nil, name
	default:
		errs.add(FSignMethod, CodeChoice, nil)
		return nil, ""
	}
	if err != nil {
		var se *signature.Error
		if errors.As(err, &se) {
			errs.add(FSignature, se.Code, nil)
		} else {
			errs.add(FSignature, signature.CodeCorrupt, nil)
		}
		return nil, ""
	}
	return png, ""
}

// message returns the text for one field error in lang.
func message(lang, field string, fe FieldError, phoneExample string) string {
	p := func(k string) any { return fe.Params[k] }
	switch {
	case field == FSignature:
		return T(lang, "err.signature."+fe.Code)
	case field == FStatutes:
		return T(lang, "err.statutes")
	case field == FTypedConsent:
		return T(lang, "err.typed_consent")
	case field == FSignMethod:
		return T(lang, "err.method")
	}
	switch fe.Code {
	case CodeLength:
		if m, _ := fe.Params["min"].(int); m == 0 {
			return T(lang, "err.too_long", "max", p("max"))
		}
		return T(lang, "err.length", "min", p("min"), "max", p("max"))
	case CodeAge:
		return T(lang, "err.age", "min", p("min"), "max", p("max"))
	case CodePhone:
		return T(lang, "err.phone", "example", phoneExample)
	case CodeRequired, CodeEmail, CodeEmployerEmail, CodeCharacters, CodeDate, CodePostalCode:
		return T(lang, "err."+fe.Code)
	case CodeLanguage:
		return T(lang, "err.language")
	}
	return T(lang, "err.characters")
}

// phoneExample is shown in hints and errors in the site's country format.
func phoneExample(cc string) string {
	switch cc {
	case "381":
		return "+381 60 1234567"
	case "", "420":
		return "+420 601 234 567"
	}
	return "+" + cc + " …"
}

func isLetter(r rune) bool { return unicode.IsLetter(r) || unicode.IsMark(r) }

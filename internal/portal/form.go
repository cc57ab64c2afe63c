package portal

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"unionhall/internal/auth"
	"unionhall/internal/textrule"
)

// field is one input of the contact form: its name (also the JSON and
// form name), whether it is required, and its maximum length in runes.
type field struct {
	Name     string
	Required bool
	Max      int
	Type     string // input type
	Auto     string // autocomplete token
}

// contactFields are the contact form's inputs, in the order shown; the
// requirements are the application form's (internal/membership).
var contactFields = []field{
	{"email", true, 254, "email", "email"},
	{"first_name", true, 100, "text", "given-name"},
	{"last_name", true, 100, "text", "family-name"},
	{"date_of_birth", true, 10, "text", "bday"},
	{"address", false, 200, "text", "street-address"},
	{"city", true, 100, "text", "address-level2"},
	{"postal_code", false, 20, "text", "postal-code"},
	{"phone_number", true, 30, "tel", "tel"},
	{"company_name", true, 200, "text", "organization"},
}

// contactForm is the form as typed (Values, shown again on an error) and
// the problems found (Errors: field name → message key and its arguments).
type contactForm struct {
	Values map[string]string
	Lang   string
	Errors map[string][]any
}

func (c Contact) values() map[string]string {
	return map[string]string{"email": c.Email, "first_name": c.FirstName, "last_name": c.LastName,
		"date_of_birth": c.DateOfBirth, "address": c.Address, "city": c.City, "postal_code": c.PostalCode,
		"phone_number": c.Phone, "company_name": c.Company}
}

func contactFrom(v map[string]string) Contact {
	return Contact{Email: v["email"], FirstName: v["first_name"], LastName: v["last_name"], DateOfBirth: v["date_of_birth"],
		Address: v["address"], City: v["city"], PostalCode: v["postal_code"], Phone: v["phone_number"], Company: v["company_name"]}
}

// isBidi picks, among the characters textrule refuses, those that change
// the direction of text, for their own message.
func isBidi(r rune) bool {
	return textrule.Refused(r) && unicode.Is(unicode.Bidi_Control, r)
}

// shown is s as it may be put back into a field: characters the public
// forms refuse (textrule) become "�", so the person sees where they were
// and an unchanged resubmission is refused again.
func shown(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if textrule.Refused(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// check validates a submitted contact form; langs are the languages a
// member may choose.
func (f *contactForm) check(langs []string, now time.Time) {
	f.Errors = map[string][]any{}
	for _, fl := range contactFields {
		raw := f.Values[fl.Name]
		v := strings.TrimSpace(raw)
		switch {
		case strings.ContainsFunc(raw, isBidi):
			f.Errors[fl.Name] = []any{"err.bidi"}
		case !utf8.ValidString(raw) || textrule.HasRefused(raw):
			f.Errors[fl.Name] = []any{"err.control"}
		case v == "" && fl.Required:
			f.Errors[fl.Name] = []any{"err.required"}
		case utf8.RuneCountInString(v) > fl.Max:
			f.Errors[fl.Name] = []any{"err.too_long", "max", strconv.Itoa(fl.Max)}
		}
		f.Values[fl.Name] = shown(v)
		if _, bad := f.Errors[fl.Name]; bad || v == "" {
			continue
		}
		switch fl.Name {
		case "email":
			e, err := auth.CleanEmail(v)
			if err != nil {
				f.Errors[fl.Name] = []any{"err.email"}
			} else {
				f.Values[fl.Name] = e
			}
		case "date_of_birth":
			t, err := time.Parse("2006-01-02", v)
			switch {
			case err != nil:
				f.Errors[fl.Name] = []any{"err.date"}
			case t.After(now.AddDate(-14, 0, 0)) || t.Before(now.AddDate(-120, 0, 0)):
				f.Errors[fl.Name] = []any{"err.date_range"}
			}
		case "phone_number":
			if strings.Trim(v, "0123456789 +-()/") != "" || !strings.ContainsAny(v, "0123456789") {
				f.Errors[fl.Name] = []any{"err.phone"}
			}
		case "postal_code":
			for _, r := range v {
				if !(r == ' ' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
					f.Errors[fl.Name] = []any{"err.postal"}
					break
				}
			}
		}
	}
	ok := false
	for _, l := range langs {
		ok = ok || l == f.Lang
	}
	if !ok {
		f.Errors["lang"] = []any{"err.lang"}
		f.Lang = ""
	}
}

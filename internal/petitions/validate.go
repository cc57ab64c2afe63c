package petitions

import (
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"unionhall/internal/textrule"
)

// Limits of form fields, in characters.
const (
	maxName      = 100
	maxEmail     = 254
	maxCity      = 100
	maxWorkplace = 200
	maxComment   = 1000
)

// fieldError is one problem with one field: a message key and its args.
type fieldError struct {
	Key  string
	Args []any
}

// form is what the signing form sends, kept as typed so the page can show
// it again on error.
type form struct {
	Name, Email, City, Workplace, Comment string
	Consent, News, ShowName               bool
	Stamp                                 string
}

// readForm takes the form's values. A field sent more than once (a forged
// or doubled post) is an error of its own: which copy was meant is
// unknowable, so the first is shown and the person asked to send it once.
func readForm(vals url.Values) (form, map[string]fieldError) {
	errs := map[string]fieldError{}
	one := func(k string) string {
		v := vals[k]
		if len(v) > 1 {
			errs[k] = fieldError{Key: "err.duplicate"}
		}
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	f := form{
		Name: one("name"), Email: one("email"), City: one("city"), Workplace: one("workplace"), Comment: one("comment"),
		Consent: one("consent") == "yes", News: one("news") == "yes", ShowName: one("show_name") == "yes",
		Stamp: vals.Get("ts"),
	}
	return f, errs
}

// clean normalises one-line text: NFC, trimmed; ok is false for invalid
// UTF-8 and the characters internal/textrule refuses (control characters,
// direction marks and overrides that can make a name read as another,
// line separators, invisible tags).
func clean(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	return s, !textrule.HasRefused(s)
}

// cleanLong is clean for a comment: line breaks and tabs are text there.
func cleanLong(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = strings.TrimSpace(norm.NFC.String(strings.ReplaceAll(s, "\r\n", "\n")))
	for _, r := range s {
		if r != '\n' && r != '\t' && textrule.Refused(r) {
			return s, false
		}
	}
	return s, true
}

// validate checks f against the petition's declaration and returns the
// signer, adding to errs by field name.
func validate(p Petition, f *form, errs map[string]fieldError) Signer {
	text := func(field, v string, max int, required bool, long bool) string {
		if _, dup := errs[field]; dup {
			return ""
		}
		var s string
		var ok bool
		if long {
			s, ok = cleanLong(v)
		} else {
			s, ok = clean(v)
		}
		switch {
		case !ok:
			errs[field] = fieldError{Key: "err.characters"}
		case s == "" && required:
			errs[field] = fieldError{Key: "err.required"}
		case utf8.RuneCountInString(s) > max:
			errs[field] = fieldError{Key: "err.length", Args: []any{"max", max}}
		}
		return s
	}
	var g Signer
	g.Name = text("name", f.Name, maxName, true, false)
	g.Email = text("email", f.Email, maxEmail, true, false)
	if _, bad := errs["email"]; !bad && g.Email != "" {
		a, err := mail.ParseAddress(g.Email)
		at := strings.LastIndexByte(g.Email, '@')
		if err != nil || a.Address != g.Email || a.Name != "" || at < 0 || !strings.Contains(g.Email[at+1:], ".") {
			errs["email"] = fieldError{Key: "err.email"}
		}
	}
	if asked, req := p.Field("city"); asked {
		g.City = text("city", f.City, maxCity, req, false)
	}
	if asked, req := p.Field("workplace"); asked {
		g.Workplace = text("workplace", f.Workplace, maxWorkplace, req, false)
	}
	if asked, req := p.Field("comment"); asked {
		g.Comment = text("comment", f.Comment, maxComment, req, true)
	}
	if _, dup := errs["consent"]; !dup && !f.Consent {
		errs["consent"] = fieldError{Key: "err.consent"}
	}
	g.Consent = f.Consent
	return g
}

package events

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"unionhall/internal/textrule"
)

// Limits of form fields.
const (
	maxName   = 100
	maxEmail  = 254
	maxAnswer = 500
)

// fieldError is one problem with one field: a message key and its args.
type fieldError struct {
	Key  string
	Args []any
}

// form is what the registration form sends, kept as typed so the page can
// show it again on error.
type form struct {
	Name    string
	Email   string
	Lang    string
	Consent bool
	Answers map[string]string
}

// clean normalises a single-line text: NFC, trimmed. ok is false for
// invalid UTF-8 and the characters internal/textrule refuses (control
// characters, direction marks and overrides, which can make a name display
// as something else, line separators, invisible tags).
func clean(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	for _, r := range s {
		if textrule.Refused(r) {
			return s, false
		}
	}
	return s, true
}

// validate checks f against ev and returns the registrant and the errors by
// field name.
func validate(ev Event, f *form, langOK func(string) bool) (Registrant, map[string]fieldError) {
	errs := map[string]fieldError{}
	name, ok := clean(f.Name)
	switch {
	case !ok:
		errs["name"] = fieldError{Key: "err.characters"}
	case name == "":
		errs["name"] = fieldError{Key: "err.required"}
	case utf8.RuneCountInString(name) > maxName:
		errs["name"] = fieldError{Key: "err.length", Args: []any{"max", maxName}}
	}
	email, ok := clean(f.Email)
	switch {
	case !ok:
		errs["email"] = fieldError{Key: "err.characters"}
	case email == "":
		errs["email"] = fieldError{Key: "err.required"}
	case len(email) > maxEmail:
		errs["email"] = fieldError{Key: "err.length", Args: []any{"max", maxEmail}}
	default:
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || a.Name != "" || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
			errs["email"] = fieldError{Key: "err.email"}
		}
	}
	if !langOK(f.Lang) {
		errs["lang"] = fieldError{Key: "err.choice"}
	}
	if !f.Consent {
		errs["consent"] = fieldError{Key: "err.consent"}
	}
	answers := map[string]string{}
	for _, q := range ev.Questions {
		field := "q_" + q.ID
		v, ok := clean(f.Answers[q.ID])
		switch {
		case !ok:
			errs[field] = fieldError{Key: "err.characters"}
			continue
		case v == "":
			if q.Required {
				errs[field] = fieldError{Key: "err.required"}
			}
			continue
		case utf8.RuneCountInString(v) > maxAnswer:
			errs[field] = fieldError{Key: "err.length", Args: []any{"max", maxAnswer}}
			continue
		}
		if q.Type == "choice" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 1 || i > len(q.Options) {
				errs[field] = fieldError{Key: "err.choice"}
				continue
			}
			// Stored as the option's text as the person saw it, so the
			// list stays readable if the options are edited later.
			v = pick(q.Options[i-1], f.Lang)
		}
		answers[q.ID] = v
	}
	r := Registrant{Name: name, Email: email}
	if len(answers) > 0 {
		r.Answers = answers
	}
	return r, errs
}

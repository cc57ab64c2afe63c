package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"unionhall/internal/textrule"
)

// How a console form answers bad input (see doc.go): the handler reads the
// submission into a Form, which checks each field and collects what
// is wrong, field by field, in the request's language. On a problem the
// handler shows the same page again — not a separate error page — with
// status 422 (409 for a conflict the person can resolve, such as a member
// number someone else has), an error summary at the top linking to each
// field, a message next to each field, and every value as it was typed.
// Nothing is stored until the whole form is right.

// Form is one submitted console form: the values as sent and the
// problems found. A nil *Form is "no form was sent"; its methods are
// safe to call, so templates use them on every page.
type Form struct {
	key string // which form on the page was sent ("edit", "note", …)
	// about names another form on the page the problems are about (the
	// contact data, when an email cannot go for want of an address): that
	// form shows the messages next to its fields, with its own values.
	about    string
	others   bool // this is the about form's view: values are the defaults
	lang     string
	sent     url.Values
	conflict bool
	// Problems are the error summary, in the order the fields are checked.
	Problems []Problem
}

// Problem is one line of the error summary. ID is the id of the field (or
// fieldset) it is about, "" for a problem of the whole form.
type Problem struct {
	ID, Label, Message string
}

// NewForm starts reading the form key from r (whose body guard has parsed).
func NewForm(r *http.Request, key string) *Form {
	return &Form{key: key, lang: Lang(r), sent: r.PostForm}
}

// FormOf is a form key whose values are sent rather than the request's
// body: a search sent by GET (an audit search, a member search shown
// again) that comes back to its field.
func FormOf(r *http.Request, key string, sent url.Values) *Form {
	return &Form{key: key, lang: Lang(r), sent: sent}
}

// About makes the problems found next be shown by the form named key on
// the same page, next to its fields and with its own values (the contact
// data's email field, when an email cannot be sent for want of an
// address).
func (f *Form) About(key string) { f.about = key }

// For is f when f is the form named key, else nil: a page with several
// forms fills only the one that was sent.
func (f *Form) For(key string) *Form {
	switch {
	case f == nil:
		return nil
	case f.key == key:
		return f
	case f.about == key:
		return &Form{key: key, lang: f.lang, others: true, Problems: f.Problems}
	}
	return nil
}

// Failed reports whether the form has problems.
func (f *Form) Failed() bool { return f != nil && len(f.Problems) > 0 }

// OK reports whether no problem was found.
func (f *Form) OK() bool { return !f.Failed() }

// Status is the HTTP status of the page showing the form again.
func (f *Form) Status() int {
	if f.conflict {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// Err is the message for the field (or fieldset) id, "" if none.
func (f *Form) Err(id string) string {
	if f == nil {
		return ""
	}
	for _, p := range f.Problems {
		if p.ID == id {
			return p.Message
		}
	}
	return ""
}

// V is the value to show in field name: as typed when this form was sent
// (with characters the form refuses made visible, see Visible), else def.
func (f *Form) V(name, def string) string { return f.value(name, def, false) }

func (f *Form) value(name, def string, multiline bool) string {
	if f == nil || f.others {
		return def
	}
	return Visible(f.sent.Get(name), multiline)
}

// Checked reports whether checkbox name with value val is ticked: as sent,
// or def when this form was not sent.
func (f *Form) Checked(name, val string, def bool) bool {
	if f == nil || f.others {
		return def
	}
	return slices.Contains(f.sent[name], val)
}

// add records a problem with field id (label is its translated label); the
// first problem of a field is the one shown.
func (f *Form) add(id, labelKey, key string, args ...any) {
	if id != "" && f.Err(id) != "" {
		return
	}
	p := Problem{ID: id, Message: T(f.lang, key, args...)}
	if labelKey != "" {
		p.Label = T(f.lang, labelKey)
	}
	f.Problems = append(f.Problems, p)
}

// Bad records that field id (labelled labelKey) is wrong: message key.
func (f *Form) Bad(id, labelKey, key string, args ...any) { f.add(id, labelKey, key, args...) }

// Clash records a conflict with stored data the person can resolve (a
// number taken, a record in another state): the page answers 409.
func (f *Form) Clash(id, labelKey, key string, args ...any) {
	f.conflict = true
	f.add(id, labelKey, key, args...)
}

// Text reads a free-text field: trimmed, at most max characters, no
// control or text-direction characters (line breaks only if multiline),
// required or not. It returns the cleaned text ("" on a problem).
func (f *Form) Text(name, labelKey string, max int, multiline, required bool) string {
	s, key, args := CheckText(f.sent.Get(name), max, multiline)
	switch {
	case key != "":
		f.Bad(name, labelKey, key, args...)
		return ""
	case required && s == "":
		f.Bad(name, labelKey, "err.required")
	}
	return s
}

// Email reads an optional email address field (lower-cased).
func (f *Form) Email(name, labelKey string, required bool) string {
	s := f.Text(name, labelKey, MaxEmail, false, required)
	if s == "" {
		return ""
	}
	if !ValidEmail(s) {
		f.Bad(name, labelKey, "err.email")
		return ""
	}
	return strings.ToLower(s)
}

// Number reads an optional member number: 0 when empty.
func (f *Form) Number(name, labelKey string) int64 {
	s := f.Text(name, labelKey, 20, false, false)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > MaxMemberNumber {
		f.Bad(name, labelKey, "err.bad_number")
		return 0
	}
	return n
}

// Date reads an optional date (of birth): YYYY-MM-DD, or D. M. YYYY as
// people write it in Czech, stored as YYYY-MM-DD; not in the future, not
// before 1900.
func (f *Form) Date(name, labelKey string, now time.Time) string {
	s := f.Text(name, labelKey, 20, false, false)
	if s == "" {
		return ""
	}
	d, ok := ParseDate(s)
	if !ok {
		f.Bad(name, labelKey, "err.date")
		return ""
	}
	if d.After(now) || d.Year() < 1900 {
		f.Bad(name, labelKey, "err.date_range")
		return ""
	}
	return d.Format(time.DateOnly)
}

// Choice reads a field that must hold one of allowed (a select, radio
// buttons); id is the field's or fieldset's id.
func (f *Form) Choice(name, id, labelKey string, allowed []string) string {
	v := f.sent.Get(name)
	if !slices.Contains(allowed, v) {
		f.Bad(id, labelKey, "err.choose")
		return ""
	}
	return v
}

// MaxEmail bounds an email address (RFC 5321 path limit).
const MaxEmail = 254

// MaxMemberNumber is the largest member number (nine digits).
const MaxMemberNumber = 999999999

func ParseDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), "")
	for _, layout := range []string{time.DateOnly, "2.1.2006"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// ValidEmail accepts a bare address (no display name) with a dot in the
// domain, as net/mail parses it.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	return err == nil && a.Address == s && at > 0 && strings.Contains(s[at+1:], ".")
}

// forbidden reports the characters console text refuses: those of
// internal/textrule, the one rule every form shares (control characters,
// the direction marks, overrides and isolates — "Trojan Source", a name that
// displays as something else — line separators, invisible tags, the
// byte-order mark and U+FFFD), with line breaks allowed in multiline text.
// Direction characters get a message of their own.
func forbidden(r rune, multiline bool) (bool, string) {
	switch {
	case r == '\n' && multiline:
		return false, ""
	case textrule.Directional(r):
		return true, "err.bidi"
	case textrule.Refused(r):
		return true, "err.control"
	}
	return false, ""
}

// CheckText trims s (CRLF to LF) and checks it: on a problem it returns
// the message key and its arguments.
func CheckText(s string, max int, multiline bool) (string, string, []any) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "", "err.encoding", nil
	}
	for _, r := range s {
		if bad, key := forbidden(r, multiline); bad {
			return "", key, nil
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", "err.too_long", []any{"max", max, "n", n}
	}
	return s, "", nil
}

// CleanText is CheckText as a yes or no.
func CleanText(s string, max int, multiline bool) (string, bool) {
	s, key, _ := CheckText(s, max, multiline)
	return s, key == ""
}

// Visible is a typed value as it is shown again in its field: unchanged,
// but for the characters the console refuses (and bytes that are not
// UTF-8), each shown as U+FFFD "�". An invisible control or direction
// character would otherwise go back into the field unseen (or, for a
// direction override, turn the text around), and the person could not find
// what the message asks them to remove. html/template escapes the rest
// (<, >, quotes, &), so hostile markup comes back as text.
func Visible(s string, multiline bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if bad, _ := forbidden(r, multiline); bad {
			b.WriteRune(utf8.RuneError)
			continue
		}
		b.WriteString(s[i : i+size])
	}
	return b.String()
}

// FieldView is one labelled input or textarea for the "input" template.
type FieldView struct {
	ID, Name, Label, Value, Error, Type, Mode string
	Max, Size, Rows, Cols                     int
	Required                                  bool
}

// Field builds a FieldView in lang: {{template "input" (field $f "name"
// "label.key" .Value "max" 100 "type" "email" "required" true)}}. Options
// come in pairs: type, mode (inputmode), id (when it differs from the
// name) take strings; max, size, rows (a textarea), cols take numbers;
// required takes a bool.
func Field(lang string) func(f *Form, name, labelKey, value string, opts ...any) (FieldView, error) {
	return func(f *Form, name, labelKey, value string, opts ...any) (FieldView, error) {
		v := FieldView{ID: name, Name: name, Label: T(lang, labelKey)}
		if len(opts)%2 != 0 {
			return v, errors.New("field: options come in pairs")
		}
		for i := 0; i < len(opts); i += 2 {
			k, _ := opts[i].(string)
			var ok bool
			switch k {
			case "type":
				v.Type, ok = opts[i+1].(string)
			case "mode":
				v.Mode, ok = opts[i+1].(string)
			case "id":
				v.ID, ok = opts[i+1].(string)
			case "max":
				v.Max, ok = opts[i+1].(int)
			case "size":
				v.Size, ok = opts[i+1].(int)
			case "rows":
				v.Rows, ok = opts[i+1].(int)
			case "cols":
				v.Cols, ok = opts[i+1].(int)
			case "required":
				v.Required, ok = opts[i+1].(bool)
			}
			if !ok {
				return v, fmt.Errorf("field %s: bad option %v=%v", name, opts[i], opts[i+1])
			}
		}
		v.Value = f.value(name, value, v.Rows > 0)
		v.Error = f.Err(v.ID)
		return v, nil
	}
}

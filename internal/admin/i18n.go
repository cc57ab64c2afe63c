package admin

import (
	_ "embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/web"
)

// The console speaks the committee member's language (see doc.go): the
// account's saved choice, else Accept-Language, else English. guard works
// it out once per request and stores it in the request's context
// (auth.WithLang); handlers read it with langOf.
//
// Texts live in messages.json ("en" and "cs"), like every feature's. The
// templates are parsed once per language with a function map bound to that
// language, so a template writes {{t "key"}} anywhere — also inside
// {{range}} and in shared sub-templates such as "timeline" — without
// threading the language through every data structure.

//go:embed messages.json
var messagesJSON []byte

var messages = web.MustCatalog("admin", messagesJSON)

// The console's own texts join the sections' in the console's one
// catalog (console.AddTexts), so a section's page can use the shell's
// words and the shell can label a section's permissions.
func init() { console.AddTexts("admin", messages) }

// T returns text key in lang from the console's texts (the shell's and
// every section's) with {name} placeholders replaced from args (pairs of
// name, value); see web.Catalog.
func T(lang, key string, args ...any) string { return console.T(lang, key, args...) }

// has reports whether key has a text in lang or in the fallback language.
func has(lang, key string) bool { return console.Has(lang, key) }

// pluralTags are the parsed tags of the console's languages.
var pluralTags = map[string]language.Tag{}

func init() {
	for _, l := range auth.Languages {
		pluralTags[l] = language.MustParse(l)
	}
}

// pluralForm is the CLDR plural category of a whole number n in lang:
// "one" or "other" in English; "one" (1), "few" (2–4) or "other" (0, 5…)
// in Czech. ("many" is Czech for fractions, which the console never counts.)
func pluralForm(lang string, n int) string {
	tag, ok := pluralTags[lang]
	if !ok {
		tag = language.English
	}
	if n < 0 {
		n = -n
	}
	switch plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) {
	case plural.One:
		return "one"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// Tn is the plural message key.<form> for the count n, with {n} filled in
// (and any further args). A missing form falls back to key.other.
func Tn(lang, key string, n int, args ...any) string {
	k := key + "." + pluralForm(lang, n)
	if !has(lang, k) {
		k = key + ".other"
	}
	return T(lang, k, append([]any{"n", n}, args...)...)
}

// label translates a code with a message prefix ("state." + "processing"),
// showing the code itself when there is no text for it (an audit action a
// newer version wrote, an email template in a new language).
func label(lang, prefix, code string) string {
	if has(lang, prefix+code) {
		return T(lang, prefix+code)
	}
	return code
}

// langOf is the language chosen for the request (see guard).
func langOf(r *http.Request) string { return console.Lang(r) }

// tr is T in the request's language.
func tr(r *http.Request, key string, args ...any) string { return console.Tr(r, key, args...) }

// funcs is the template function map for one language.
func (c *Console) funcs(lang string) template.FuncMap {
	loc := c.d.Location
	when := func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			// Numbers only, so the same in every language.
			return v.In(loc).Format("2006-01-02 15:04")
		case *time.Time:
			if v == nil {
				return "—"
			}
			return v.In(loc).Format("2006-01-02 15:04")
		}
		return ""
	}
	return template.FuncMap{
		"t":         func(key string, args ...any) string { return T(lang, key, args...) },
		"tn":        func(key string, n int, args ...any) string { return Tn(lang, key, n, args...) },
		"state":     func(s string) string { return label(lang, "state.", s) },
		"states":    func(s string) string { return label(lang, "states.", s) },
		"cat":       func(s string) string { return label(lang, "cat.", s) },
		"cats":      func(s string) string { return label(lang, "cats.", s) },
		"regstatus": func(s string) string { return label(lang, "reg.", s) },
		"audience":  func(s string) string { return label(lang, "audience.", s) },
		"role":      func(s string) string { return label(lang, "role.", s) },
		"col":       func(s string) string { return label(lang, "col.", s) },
		"mailname":  func(s string) string { return label(lang, "mailname.", s) },
		"langname":  func(s string) string { return label(lang, "langname.", s) },
		"action":    func(s string) string { return label(lang, "audit.", s) },
		"subject":   func(s string) string { return label(lang, "subject.", s) },
		"appaction": func(s string) string { return label(lang, "app.action.", s) },
		"detail":    func(action, d string) string { return auditDetail(lang, action, d) },
		"when":      when,
		"has":       func(list []string, s string) bool { return contains(list, s) },
		"who":       c.actorName,
		"join":      strings.Join,
		"field":     console.Field(lang),
	}
}

// auditDetail shows an audit entry's detail. Details are free text written
// at the time and are shown as stored, except an application's state
// change ("processing → rejected"), whose state codes are translated.
func auditDetail(lang, action, d string) string {
	if strings.HasPrefix(action, "application.") {
		if from, to, ok := strings.Cut(d, " → "); ok && contains(States, from) && contains(States, to) {
			return label(lang, "state.", from) + " → " + label(lang, "state.", to)
		}
	}
	return d
}

// statusTitle is the title of an error page.
func statusTitle(lang string, status int) string {
	if k := "status." + strconv.Itoa(status); has(lang, k) {
		return T(lang, k)
	}
	return http.StatusText(status)
}

// AuditActions are the audit codes Unionhall writes (here, in
// internal/members and in internal/auth). Each has a label in both languages (a test checks); the
// stored codes never change, they are translated when shown.
var AuditActions = []string{
	"application.view", "application.verify", "application.resend", "application.reject", "application.invalidate",
	"application.reevaluate", "application.accept", "application.delete", "application.note",
	"application.pdf", "application.signature",
	"member.view", "member.create", "member.edit", "member.onboarded", "member.leave", "member.workplaces",
	"member.occupation", "member.note", "member.email", "member.pdf", "member.signature", "member.link", "member.rejoin",
	"member.leave-request", "member.leave-withdrawn",
	"email-template.edit", "email-template.reset",
	"event.view", "event.checkin", "event.checkin.undo", "event.close", "event.reopen", "event.message", "event.message.failed",
	"export.event", "export.members", "export.newsletter",
	"workplace.create", "workplace.edit", "workplace.representative-added", "workplace.representative-removed",
	"login", "login.link-sent", "logout", "logout.everywhere",
	"account.create", "account.roles", "account.disable", "account.language",
	"passkey.register", "passkey.remove",
}

// auditSubjects are the record types of audit entries.
var auditSubjects = []string{"application", "member", "event", "event_registration", "workplace", "account", "email-template"}

package portal

import (
	_ "embed"
	"html/template"
	"strings"

	"unionhall/internal/mail"
	"unionhall/internal/web"
)

// messages.json holds every text the portal shows or sends, in English and
// Czech; a test checks both have the same keys and that the templates and
// the Go code use no missing one. Other languages fall back to English.
//
//go:embed messages.json
var messagesJSON []byte

var messages = web.MustCatalog("portal", messagesJSON)

// Languages are the languages the portal speaks.
var Languages = []string{"en", "cs"}

// T returns message key in lang with {name} placeholders filled from args.
func T(lang, key string, args ...any) string { return messages.T(lang, key, args...) }

var funcs = template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "\n") },
}

// Base is the portal's path in lang: /cs/clen/ in Czech, /<lang>/member/
// in every other language.
func Base(lang string) string {
	if lang == "cs" {
		return "/cs/clen/"
	}
	return "/" + lang + "/member/"
}

func message(lang, to, subject string, text string) mail.Message {
	return mail.Message{To: to, Subject: subject, Text: text,
		Headers: map[string]string{"Content-Language": messages.Lang(lang)}}
}

// signInEmail is the sign-in link email, in the language of the request
// that asked for it.
func signInEmail(lang, to, link string) mail.Message {
	return message(lang, to, T(lang, "mail.link.subject"), T(lang, "mail.link.text", "link", link))
}

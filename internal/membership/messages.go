package membership

import (
	_ "embed"

	"unionhall/internal/web"
)

// messages.json holds every text this package shows or sends, per language.
// One file keeps translators in one place; a test checks that Czech and
// English have the same keys. Languages without an entry fall back to English.
//
//go:embed messages.json
var messagesJSON []byte

var messages = web.MustCatalog("membership", messagesJSON)

// T returns message key in lang with {name} placeholders replaced from args
// (pairs of name, value); see web.Catalog.
func T(lang, key string, args ...any) string { return messages.T(lang, key, args...) }

// msgLang returns the language whose messages are used for lang.
func msgLang(lang string) string { return messages.Lang(lang) }

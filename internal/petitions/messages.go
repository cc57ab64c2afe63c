package petitions

import (
	_ "embed"

	"unionhall/internal/web"
)

// messages.json holds every text the public side shows or sends, per
// language; a test checks Czech and English have the same keys. Other
// languages fall back to English.
//
//go:embed messages.json
var messagesJSON []byte

var messages = web.MustCatalog("petitions", messagesJSON)

// T returns message key in lang with {name} placeholders replaced from args
// (pairs of name, value); see web.Catalog.
func T(lang, key string, args ...any) string { return messages.T(lang, key, args...) }

package surveys

import (
	_ "embed"

	"unionhall/internal/web"
)

// messages.json holds every text the public and member pages show, per
// language; a test checks Czech and English have the same keys. Other
// languages fall back to English.
//
//go:embed messages.json
var messagesJSON []byte

var messages = web.MustCatalog("surveys", messagesJSON)

// T returns message key in lang with {name} placeholders from args.
func T(lang, key string, args ...any) string { return messages.T(lang, key, args...) }

// Messages is the pages' catalog (for tests).
func Messages() web.Catalog { return messages }

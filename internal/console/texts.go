package console

import (
	"fmt"
	"net/http"
	"sync"

	"unionhall/internal/auth"
	"unionhall/internal/web"
)

// The console's texts are one catalog put together from the shell's and
// every section's messages.json, so a section's template may use the
// shell's words ({{t "nav.events"}}, the form errors) and the shell can
// label a section's permissions and audit codes. Each package adds its
// catalog once, from init (AddTexts), because the texts are static and
// the command line (`unionhall admin create`) needs the permission labels
// without building the console.
var texts struct {
	mu  sync.RWMutex
	cat web.Catalog
	by  map[string]string // key (lang + "\x00" + key) → the catalog that added it
}

// AddTexts adds a package's catalog (named for error messages). A key that
// another catalog already defines with a different text is a programming
// error: two features would show different words for one key, so it
// panics.
func AddTexts(name string, c web.Catalog) {
	texts.mu.Lock()
	defer texts.mu.Unlock()
	if texts.cat == nil {
		texts.cat, texts.by = web.Catalog{}, map[string]string{}
	}
	for lang, m := range c {
		if texts.cat[lang] == nil {
			texts.cat[lang] = map[string]string{}
		}
		for k, v := range m {
			if old, ok := texts.cat[lang][k]; ok && old != v {
				panic(fmt.Sprintf("console: text %s/%s of %s is already %s's", lang, k, name, texts.by[lang+"\x00"+k]))
			}
			texts.cat[lang][k] = v
			texts.by[lang+"\x00"+k] = name
		}
	}
}

// T returns text key in lang with {name} placeholders replaced from args
// (pairs of name, value); see web.Catalog.T.
func T(lang, key string, args ...any) string {
	texts.mu.RLock()
	defer texts.mu.RUnlock()
	return texts.cat.T(lang, key, args...)
}

// Catalog is a copy of the console's texts as they stand (the shell's and
// every section's added so far), for tests that check a page's keys.
func Catalog() web.Catalog {
	texts.mu.RLock()
	defer texts.mu.RUnlock()
	out := make(web.Catalog, len(texts.cat))
	for lang, m := range texts.cat {
		out[lang] = make(map[string]string, len(m))
		for k, v := range m {
			out[lang][k] = v
		}
	}
	return out
}

// Has reports whether key has a text in lang or in the fallback language.
func Has(lang, key string) bool {
	texts.mu.RLock()
	defer texts.mu.RUnlock()
	if _, ok := texts.cat[lang][key]; ok {
		return true
	}
	_, ok := texts.cat[web.CatalogFallback][key]
	return ok
}

// Lang is the language chosen for a console request: the one the shell
// settled before the permission check (the account's choice, else the
// browser's).
func Lang(r *http.Request) string {
	if l := auth.LangFrom(r.Context()); l != "" {
		return l
	}
	return auth.NegotiateLang(r)
}

// Tr is T in the request's language.
func Tr(r *http.Request, key string, args ...any) string { return T(Lang(r), key, args...) }

package web

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Catalog holds a feature's own texts per language, read from an embedded
// messages.json ({"cs": {"key": "text"}, "en": {…}}). One file per feature
// keeps its translators in one place. Languages the file does not cover fall
// back to English; texts may hold {name} placeholders.
type Catalog map[string]map[string]string

// MustCatalog parses a messages.json. A broken file is a programming error
// caught by any test of the feature, so it panics.
func MustCatalog(feature string, data []byte) Catalog {
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		panic(fmt.Sprintf("%s: messages.json: %v", feature, err))
	}
	return c
}

// CatalogFallback is the language used when a text is missing.
const CatalogFallback = "en"

// Lang returns the language whose texts are used for lang.
func (c Catalog) Lang(lang string) string {
	if _, ok := c[lang]; ok {
		return lang
	}
	return CatalogFallback
}

// T returns the text key in lang with {name} placeholders replaced from args
// (pairs of name, value). A missing key returns the key itself, so a typo
// shows on the page instead of an empty string.
func (c Catalog) T(lang, key string, args ...any) string {
	s, ok := c[lang][key]
	if !ok {
		if s, ok = c[CatalogFallback][key]; !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

package members

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lower-cases s and strips diacritics, so "dvorak" finds "Dvořák".
// Other lists of people (event registrants) search with it too, so every
// search in the console behaves alike.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	return strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(s)))
}

// searchCache keeps, per member, the folded text a name search matches
// against, tagged with the sealed blob it came from. A search still reads
// every sealed blob in scope from the database, but opens only those that
// changed since it last saw them: the GCM nonce and tag identify a sealed
// version (every seal draws a fresh nonce), so an edit by any process is
// noticed. It holds folded names and emails in this process's memory, as
// any page showing them does, and nothing on disk.
type searchCache struct {
	mu      sync.Mutex
	entries map[string]searchEntry
}

type searchEntry struct {
	version []byte
	text    string
}

// versionOf is the part of a sealed value that identifies it: nonce and tag.
func versionOf(sealed []byte) []byte {
	if len(sealed) < 33 {
		return sealed
	}
	v := make([]byte, 0, 28)
	v = append(v, sealed[5:17]...)
	return append(v, sealed[len(sealed)-16:]...)
}

func (sc *searchCache) get(id string, sealed []byte) (string, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.entries[id]
	if !ok || !bytes.Equal(e.version, versionOf(sealed)) {
		return "", false
	}
	return e.text, true
}

func (sc *searchCache) put(id string, sealed []byte, text string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.entries == nil {
		sc.entries = map[string]searchEntry{}
	}
	sc.entries[id] = searchEntry{version: versionOf(sealed), text: text}
}

// WarmSearch opens every member once to fill the search cache, so the first
// name search after a start is as fast as the next ones. The lead may run it
// in a goroutine at start; it is safe to skip.
func (reg *Registry) WarmSearch(ctx context.Context) error {
	_, err := reg.searchNames(ctx, "1=1", nil, "\x00\x00")
	return err
}

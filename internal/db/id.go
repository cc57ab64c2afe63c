package db

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a fresh random identifier: 128 bits from crypto/rand as 26
// lower-case base32 characters (a–z, 2–7), safe in URLs and file names.
// Random rather than sequential so an ID in a URL reveals neither how many
// rows exist nor its neighbours.
func NewID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (Go ≥ 1.24 crashes instead)
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// ValidID reports whether s looks like an ID made by NewID. Handlers use it
// to reject garbage from URLs before it reaches SQL.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

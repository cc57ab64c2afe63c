package seal

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// BlindIndex returns HMAC-SHA256(subkey(purpose), value): a 32-byte value to
// store in an indexed column, in place of the plaintext. purpose names what
// is indexed ("application.email"); each purpose gets its own HKDF subkey
// of the newest key, so indexes of different purposes cannot be matched
// against each other. Normalise value first (NormaliseEmail). Look up with
// LookupIndexes, not with this: during a key rotation a stored index may
// still be under the old key.
func (kr *Keyring) BlindIndex(purpose, value string) []byte {
	keys := kr.ring().keys
	return keys[len(keys)-1].index(purpose, value)
}

// LookupIndexes returns the two indexes a look-up must match, for SQL
// written once as `col IN (?, ?)`: under the newest key and under the
// oldest. They are equal when the ring has one key. While a rotation
// (internal/rekey) recomputes the stored indexes from the old key to the
// new one, a row is under one or the other, and this finds it either way.
func (kr *Keyring) LookupIndexes(purpose, value string) [2][]byte {
	keys := kr.ring().keys
	cur := keys[len(keys)-1].index(purpose, value)
	if len(keys) == 1 {
		return [2][]byte{cur, cur}
	}
	return [2][]byte{cur, keys[0].index(purpose, value)}
}

func (k *key) index(purpose, value string) []byte {
	k.mu.Lock()
	sub, ok := k.indexes[purpose]
	if !ok {
		var err error
		sub, err = hkdf.Key(sha256.New, k.master, nil, "unionhall blind index v1\x00"+purpose, 32)
		if err != nil {
			k.mu.Unlock()
			// Only possible with an absurd output length; 32 is fine.
			panic("seal: derive blind-index key: " + err.Error())
		}
		k.indexes[purpose] = sub
	}
	k.mu.Unlock()
	m := hmac.New(sha256.New, sub)
	m.Write([]byte(value))
	return m.Sum(nil)
}

// NormaliseEmail returns the form of an email address used for blind
// indexes and comparisons: surrounding space trimmed, Unicode NFKC (so
// full-width or composed look-alikes compare equal), lower-cased. It does not
// remove dots or +tags: that is provider-specific and would merge distinct
// people's addresses.
func NormaliseEmail(s string) string {
	s = norm.NFKC.String(strings.TrimSpace(s))
	return norm.NFKC.String(strings.ToLower(s))
}

// TokenBytes is the entropy of a token.
const TokenBytes = 32

// NewToken returns a fresh random token for a link (32 bytes, base64url
// without padding, 43 characters) and its hash, which is what to store.
func NewToken() (token string, hash []byte) {
	b := make([]byte, TokenBytes)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of a token as given by the user. A plain hash
// suffices (no key, no slow KDF): tokens carry 256 bits of entropy, so they
// cannot be guessed from their hash.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ValidToken reports whether s has the shape NewToken produces, so handlers
// reject garbage before hashing or querying.
func ValidToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == TokenBytes
}

// Equal compares two secrets (hashes, MACs) in constant time.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

package seal

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
)

// version is the first byte of every sealed value.
const version byte = 1

const (
	headerSize = 1 + 4 // version, key id
	nonceSize  = 12
	tagSize    = 16
	// Overhead is how many bytes sealing adds to a value.
	Overhead = headerSize + nonceSize + tagSize
)

// ErrOpen is returned (wrapped) for any value that does not open: wrong key,
// wrong associated data, tampering, truncation. The reasons are deliberately
// not distinguished further.
var ErrOpen = errors.New("seal: cannot open value")

// AAD builds associated data binding a sealed value to its place: the table,
// the column and the row's id. Length prefixes keep ("ab","c") and ("a","bc")
// apart.
func AAD(table, column, rowID string) []byte {
	b := make([]byte, 0, len(table)+len(column)+len(rowID)+12)
	for _, s := range []string{table, column, rowID} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return b
}

// Seal encrypts plain with the newest key. aad is authenticated but not
// stored: the same aad must be given to Open (use AAD).
func (kr *Keyring) Seal(plain, aad []byte) ([]byte, error) {
	keys := kr.ring().keys
	k := keys[len(keys)-1]
	out := make([]byte, headerSize+nonceSize, Overhead+len(plain))
	out[0] = version
	copy(out[1:5], k.id[:])
	nonce := out[headerSize : headerSize+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plain, fullAAD(out[:headerSize], aad)), nil
}

// Open decrypts a value made by Seal with any key of the ring.
func (kr *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("%w: too short", ErrOpen)
	}
	if sealed[0] != version {
		return nil, fmt.Errorf("%w: unknown version %d", ErrOpen, sealed[0])
	}
	var id [4]byte
	copy(id[:], sealed[1:5])
	k, ok := kr.ring().byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key id %x", ErrOpen, id)
	}
	nonce := sealed[headerSize : headerSize+nonceSize]
	plain, err := k.aead.Open(nil, nonce, sealed[headerSize+nonceSize:], fullAAD(sealed[:headerSize], aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return plain, nil
}

// fullAAD authenticates the header with the caller's associated data, so the
// version or key id cannot be altered either.
func fullAAD(header, aad []byte) []byte {
	b := make([]byte, 0, len(header)+len(aad))
	return append(append(b, header...), aad...)
}

// SealString seals a string. The empty string seals too (its length is
// hidden only up to the value's size, as with every value).
func (kr *Keyring) SealString(plain string, aad []byte) ([]byte, error) {
	return kr.Seal([]byte(plain), aad)
}

// OpenString opens a value sealed by SealString.
func (kr *Keyring) OpenString(sealed, aad []byte) (string, error) {
	b, err := kr.Open(sealed, aad)
	return string(b), err
}

// Newest reports the id of the key that seals (as KeyID and KeyIDs give
// it), so a re-key pass can skip values already under it.
func (kr *Keyring) Newest() string {
	keys := kr.ring().keys
	return fmt.Sprintf("%x", keys[len(keys)-1].id)
}

// KeyID returns the id of the key that sealed a value, so a re-key job can
// find values still under an old key.
func KeyID(sealed []byte) (string, bool) {
	if len(sealed) < Overhead || sealed[0] != version {
		return "", false
	}
	return fmt.Sprintf("%x", sealed[1:5]), true
}

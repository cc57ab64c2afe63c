package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// KeySize is the length of a master key in bytes (256 bits).
const KeySize = 32

// KeyFileName is the key file's name inside the data folder.
const KeyFileName = "seal.key"

// EnvKey is the environment variable that may hold the keys instead of the
// key file: base64 keys separated by commas, oldest first, newest last.
const EnvKey = "UNIONHALL_SEAL_KEY"

// key is one master key and what is derived from it.
type key struct {
	id     [4]byte
	aead   cipher.AEAD
	master []byte

	mu      sync.Mutex
	indexes map[string][]byte // purpose → HMAC subkey
}

// Keyring holds one or more keys. The newest (last) seals and makes the
// blind indexes that are stored; any opens; look-ups match the indexes of
// the newest and the oldest (see LookupIndexes). It is safe for concurrent
// use, and Replace swaps its keys while it is in use (a running server
// picking up a rotation).
type Keyring struct {
	r atomic.Pointer[ring]
}

type ring struct {
	keys []*key // oldest first
	byID map[[4]byte]*key
}

func (kr *Keyring) ring() *ring { return kr.r.Load() }

// Replace makes kr hold other's keys. Values sealed, and indexes computed,
// from then on use other's newest key. Used by internal/rekey to pick up a
// rotation without a restart.
func (kr *Keyring) Replace(other *Keyring) { kr.r.Store(other.ring()) }

// NewKeyring builds a keyring from raw 32-byte master keys, oldest first.
func NewKeyring(masters ...[]byte) (*Keyring, error) {
	if len(masters) == 0 {
		return nil, errors.New("seal: no keys")
	}
	kr := &Keyring{}
	r := &ring{byID: map[[4]byte]*key{}}
	for i, m := range masters {
		if len(m) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes, want %d", i+1, len(m), KeySize)
		}
		k, err := newKey(m)
		if err != nil {
			return nil, err
		}
		if _, dup := r.byID[k.id]; dup {
			return nil, fmt.Errorf("seal: key %d repeats an earlier key (or its id)", i+1)
		}
		r.byID[k.id] = k
		r.keys = append(r.keys, k)
	}
	kr.r.Store(r)
	return kr, nil
}

func newKey(master []byte) (*key, error) {
	m := append([]byte(nil), master...)
	encKey, err := hkdf.Key(sha256.New, m, nil, "unionhall seal aes-256-gcm v1", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive encryption key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	// The id is a hash of the key under its own label: it identifies the key
	// without revealing anything usable about it.
	h := sha256.Sum256(append([]byte("unionhall seal key id v1\x00"), m...))
	k := &key{aead: aead, master: m, indexes: map[string][]byte{}}
	copy(k.id[:], h[:4])
	return k, nil
}

// KeyIDs returns the ids of the keys, oldest first, as hex — for logs and
// the operator's rotation tooling. Ids are not secret.
func (kr *Keyring) KeyIDs() []string {
	keys := kr.ring().keys
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = fmt.Sprintf("%x", k.id)
	}
	return ids
}

// GenerateKey returns a fresh random master key.
func GenerateKey() []byte {
	b := make([]byte, KeySize)
	rand.Read(b)
	return b
}

// Load returns the keyring from envValue (the content of UNIONHALL_SEAL_KEY)
// if it is not empty, else from dataDir/seal.key, creating that file with a
// fresh key (mode 0600) if it does not exist. created reports whether a new
// key file was written, so the caller can log that the operator must back it
// up: without it the sealed data is lost.
func Load(dataDir, envValue string) (kr *Keyring, created bool, err error) {
	if strings.TrimSpace(envValue) != "" {
		masters, err := parseKeys(envValue, ",")
		if err != nil {
			return nil, false, fmt.Errorf("seal: %s: %w", EnvKey, err)
		}
		kr, err := NewKeyring(masters...)
		return kr, false, err
	}
	if dataDir == "" {
		return nil, false, errors.New("seal: no data folder and no " + EnvKey)
	}
	path := filepath.Join(dataDir, KeyFileName)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("seal: create data folder: %w", err)
	}
	created, err = createKeyFile(path)
	if err != nil {
		return nil, false, err
	}
	kr, err = LoadFile(path)
	return kr, created, err
}

// createKeyFile writes a new key file unless one exists. O_EXCL makes two
// processes starting at once agree on one key.
func createKeyFile(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("seal: create key file: %w", err)
	}
	content := keyFileHeader + base64.StdEncoding.EncodeToString(GenerateKey()) + "\n"
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return false, fmt.Errorf("seal: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return false, fmt.Errorf("seal: sync key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("seal: close key file: %w", err)
	}
	// Make the new directory entry durable too: a key lost after data was
	// sealed with it loses that data.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return true, nil
}

// LoadFile reads a key file: one base64 key per line, oldest first, '#'
// comments and blank lines ignored. It refuses a file that group or others
// may read or write.
func LoadFile(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("seal: key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("seal: key file %s has mode %04o; it must be readable by its owner only (chmod 600 %s)",
			path, fi.Mode().Perm(), path)
	}
	if fi.Size() > 64<<10 {
		return nil, fmt.Errorf("seal: key file %s is too large to be a key file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: read key file: %w", err)
	}
	masters, err := parseKeys(string(b), "\n")
	if err != nil {
		return nil, fmt.Errorf("seal: key file %s: %w", path, err)
	}
	return NewKeyring(masters...)
}

func parseKeys(s, sep string) ([][]byte, error) {
	var out [][]byte
	for i, line := range strings.Split(s, sep) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			k, err = base64.RawURLEncoding.DecodeString(line)
		}
		if err != nil {
			// Never echo the line: it may be a key with a typo.
			return nil, fmt.Errorf("entry %d is not base64", i+1)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("entry %d is %d bytes, want %d", i+1, len(k), KeySize)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New("no keys found")
	}
	return out, nil
}

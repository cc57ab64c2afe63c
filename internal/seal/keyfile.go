package seal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The key file changes only through these two functions during a rotation
// (internal/rekey): each writes a complete new file beside the old one,
// syncs it and renames it over, so a crash leaves the old file or the new
// one, never half of either — a lost key loses data.

const keyFileHeader = "# Unionhall sealing keys: one base64 key per line, oldest first, newest last.\n" +
	"# Back this file up separately from the database: without it the personal data\n" +
	"# in the database cannot be read. Anyone with it and a database copy can.\n"

// AddKey appends a fresh key to the key file at path (the newest, which
// seals from then on) and returns the new ring.
func AddKey(path string) (*Keyring, error) {
	masters, err := readMasters(path)
	if err != nil {
		return nil, err
	}
	masters = append(masters, GenerateKey())
	kr, err := NewKeyring(masters...)
	if err != nil {
		return nil, err
	}
	return kr, writeKeyFile(path, masters)
}

// RetireKeys rewrites the key file at path keeping only the newest key,
// once nothing is sealed or indexed under the others any more.
func RetireKeys(path string) (*Keyring, error) {
	masters, err := readMasters(path)
	if err != nil {
		return nil, err
	}
	keep := masters[len(masters)-1:]
	kr, err := NewKeyring(keep...)
	if err != nil {
		return nil, err
	}
	return kr, writeKeyFile(path, keep)
}

func readMasters(path string) ([][]byte, error) {
	if _, err := LoadFile(path); err != nil { // the same checks as at start
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal: read key file: %w", err)
	}
	return parseKeys(string(b), "\n")
}

func writeKeyFile(path string, masters [][]byte) error {
	var b strings.Builder
	b.WriteString(keyFileHeader)
	for _, m := range masters {
		b.WriteString(base64.StdEncoding.EncodeToString(m))
		b.WriteByte('\n')
	}
	var rb [6]byte
	rand.Read(rb[:])
	tmp := fmt.Sprintf("%s.new-%x", path, rb)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("seal: write key file: %w", err)
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("seal: write key file: %w", err)
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return errors.Join(errors.New("seal: sync key folder"), err)
	}
	defer d.Close()
	return d.Sync()
}

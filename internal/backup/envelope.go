package backup

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The envelope (see docs/backup.md for the byte layout):
//
//	magic "UNIONHALL-BACKUP 1\n"
//	kind  'p' plain | 'k' passphrase | 'x' X25519 public key
//	'k':  salt[16] time[4] memoryKiB[4] threads[1] nonce[12] wrappedKey[48]
//	'x':  ephemeralPublic[32] nonce[12] wrappedKey[48]
//	body  plain: the gzip'd tar as is; else STREAM chunks (below)
//
// A random 32-byte file key is wrapped (AES-256-GCM, the header so far as
// associated data) under a key from the passphrase (argon2id) or from an
// X25519 exchange with the recipient's public key. The body is cut into
// 64 KiB chunks, each sealed with AES-256-GCM under HKDF(file key, header)
// with the nonce counter[11] ‖ last[1], as in age's STREAM: reordering,
// dropping or truncating chunks fails to open, and the header is bound to
// the body.
const (
	magic     = "UNIONHALL-BACKUP 1\n"
	chunkSize = 64 << 10
	fileKeyN  = 32
	wrappedN  = fileKeyN + 16

	// Argon2id cost for new backups: 64 MiB, 2 passes. Reading accepts
	// other values from the header up to maxMemoryKiB, so a hostile file
	// cannot make restore allocate without bound.
	argonThreads = 2
	maxMemoryKiB = 1 << 20
)

// Argon2id passes and memory (KiB) for new backups; variables only so
// tests can make them cheap (the header records what was used).
var argonTime, argonMemory uint32 = 2, 64 << 10

// Kinds of envelope.
const (
	KindPlain      = 'p'
	KindPassphrase = 'k'
	KindPublicKey  = 'x'
)

// ErrDecrypt is returned (wrapped) when a backup does not open: a wrong
// passphrase or identity, or a damaged or altered file. The cases are not
// told apart further.
var ErrDecrypt = errors.New("backup: cannot decrypt (wrong passphrase or key, or the file is damaged)")

// Encryption says how to encrypt a backup: at most one of Passphrase and
// Recipient; neither means a plain (unencrypted) backup.
type Encryption struct {
	Passphrase string
	Recipient  *ecdh.PublicKey
}

// Decryption holds what may open a backup: a passphrase, an identity
// (X25519 private key), or both.
type Decryption struct {
	Passphrase string
	Identity   *ecdh.PrivateKey
}

// encryptWriter returns a writer whose bytes reach w encrypted as enc says.
// Close writes the last chunk; it does not close w.
func encryptWriter(w io.Writer, enc Encryption) (io.WriteCloser, error) {
	header := []byte(magic)
	switch {
	case enc.Passphrase != "" && enc.Recipient != nil:
		return nil, errors.New("backup: choose a passphrase or a public key, not both")
	case enc.Passphrase == "" && enc.Recipient == nil:
		header = append(header, KindPlain)
		if _, err := w.Write(header); err != nil {
			return nil, err
		}
		return nopCloser{w}, nil
	}
	fileKey := make([]byte, fileKeyN)
	rand.Read(fileKey)
	var kek []byte
	if enc.Passphrase != "" {
		salt := make([]byte, 16)
		rand.Read(salt)
		header = append(header, KindPassphrase)
		header = append(header, salt...)
		header = binary.BigEndian.AppendUint32(header, argonTime)
		header = binary.BigEndian.AppendUint32(header, argonMemory)
		header = append(header, argonThreads)
		kek = argon2.IDKey([]byte(enc.Passphrase), salt, argonTime, argonMemory, argonThreads, 32)
	} else {
		eph, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		shared, err := eph.ECDH(enc.Recipient)
		if err != nil {
			return nil, fmt.Errorf("backup: X25519: %w", err)
		}
		header = append(header, KindPublicKey)
		header = append(header, eph.PublicKey().Bytes()...)
		kek, err = x25519KEK(shared, eph.PublicKey().Bytes(), enc.Recipient.Bytes())
		if err != nil {
			return nil, err
		}
	}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	gcm, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	header = append(header, nonce...)
	header = gcm.Seal(header, nonce, fileKey, header)
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	sw, err := newStream(fileKey, header)
	if err != nil {
		return nil, err
	}
	return &streamWriter{w: w, aead: sw, buf: make([]byte, 0, chunkSize)}, nil
}

// decryptReader reads the envelope's header from r and returns the plain
// body and the envelope's kind.
func decryptReader(r io.Reader, dec Decryption) (io.Reader, byte, error) {
	br := bufio.NewReaderSize(r, chunkSize+16+1)
	header := make([]byte, len(magic)+1)
	if _, err := io.ReadFull(br, header); err != nil || string(header[:len(magic)]) != magic {
		return nil, 0, errors.New("backup: not a Unionhall backup file (no UNIONHALL-BACKUP header)")
	}
	kind := header[len(magic)]
	var kek []byte
	switch kind {
	case KindPlain:
		return br, kind, nil
	case KindPassphrase:
		p := make([]byte, 16+4+4+1)
		if _, err := io.ReadFull(br, p); err != nil {
			return nil, kind, fmt.Errorf("%w: header cut short", ErrDecrypt)
		}
		header = append(header, p...)
		if dec.Passphrase == "" {
			return nil, kind, errors.New("backup: this backup is encrypted with a passphrase: give --passphrase-file or UNIONHALL_BACKUP_PASSPHRASE")
		}
		t, m, th := binary.BigEndian.Uint32(p[16:20]), binary.BigEndian.Uint32(p[20:24]), p[24]
		if t == 0 || t > 100 || m < 8 || m > maxMemoryKiB || th == 0 {
			return nil, kind, fmt.Errorf("%w: implausible key-derivation settings", ErrDecrypt)
		}
		kek = argon2.IDKey([]byte(dec.Passphrase), p[:16], t, m, th, 32)
	case KindPublicKey:
		p := make([]byte, 32)
		if _, err := io.ReadFull(br, p); err != nil {
			return nil, kind, fmt.Errorf("%w: header cut short", ErrDecrypt)
		}
		header = append(header, p...)
		if dec.Identity == nil {
			return nil, kind, errors.New("backup: this backup is encrypted to a public key: give --identity FILE (the backup secret key)")
		}
		eph, err := ecdh.X25519().NewPublicKey(p)
		if err != nil {
			return nil, kind, fmt.Errorf("%w: bad ephemeral key", ErrDecrypt)
		}
		shared, err := dec.Identity.ECDH(eph)
		if err != nil {
			return nil, kind, fmt.Errorf("%w: X25519", ErrDecrypt)
		}
		if kek, err = x25519KEK(shared, p, dec.Identity.PublicKey().Bytes()); err != nil {
			return nil, kind, err
		}
	default:
		return nil, kind, fmt.Errorf("backup: unknown encryption kind %q (made by a newer version?)", kind)
	}
	w := make([]byte, 12+wrappedN)
	if _, err := io.ReadFull(br, w); err != nil {
		return nil, kind, fmt.Errorf("%w: header cut short", ErrDecrypt)
	}
	gcm, err := newGCM(kek)
	if err != nil {
		return nil, kind, err
	}
	fileKey, err := gcm.Open(nil, w[:12], w[12:], append(bytes.Clone(header), w[:12]...))
	if err != nil {
		return nil, kind, ErrDecrypt
	}
	header = append(header, w...)
	aead, err := newStream(fileKey, header)
	if err != nil {
		return nil, kind, err
	}
	return &streamReader{r: br, aead: aead}, kind, nil
}

func x25519KEK(shared, ephPub, recipient []byte) ([]byte, error) {
	if bytes.Equal(shared, make([]byte, len(shared))) {
		return nil, ErrDecrypt // a low-order point: refuse rather than use a known key
	}
	salt := append(append([]byte(nil), ephPub...), recipient...)
	return hkdf.Key(sha256.New, shared, salt, "unionhall backup x25519 v1", 32)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func newStream(fileKey, header []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, fileKey, header, "unionhall backup payload v1", 32)
	if err != nil {
		return nil, err
	}
	return newGCM(k)
}

func chunkNonce(counter uint64, last bool) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[3:11], counter)
	if last {
		n[11] = 1
	}
	return n
}

type streamWriter struct {
	w       io.Writer
	aead    cipher.AEAD
	buf     []byte
	counter uint64
	out     []byte
}

func (s *streamWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		// A full buffer is flushed only when more data follows, so the
		// last chunk is always the one Close writes with the last flag.
		if len(s.buf) == chunkSize {
			if err := s.flush(false); err != nil {
				return n, err
			}
		}
		k := copy(s.buf[len(s.buf):chunkSize], p)
		s.buf = s.buf[:len(s.buf)+k]
		p = p[k:]
		n += k
	}
	return n, nil
}

func (s *streamWriter) flush(last bool) error {
	s.out = s.aead.Seal(s.out[:0], chunkNonce(s.counter, last), s.buf, nil)
	s.counter++
	s.buf = s.buf[:0]
	_, err := s.w.Write(s.out)
	return err
}

func (s *streamWriter) Close() error { return s.flush(true) }

type streamReader struct {
	r       *bufio.Reader
	aead    cipher.AEAD
	counter uint64
	plain   []byte
	done    bool
	enc     []byte
}

func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.plain) == 0 {
		if s.done {
			return 0, io.EOF
		}
		if err := s.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.plain)
	s.plain = s.plain[n:]
	return n, nil
}

func (s *streamReader) next() error {
	if cap(s.enc) < chunkSize+16 {
		s.enc = make([]byte, chunkSize+16)
	}
	n, err := io.ReadFull(s.r, s.enc[:chunkSize+16])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	last := n < chunkSize+16
	if !last {
		// A full chunk is the last one when nothing follows it.
		if _, err := s.r.Peek(1); errors.Is(err, io.EOF) {
			last = true
		}
	}
	plain, err := s.aead.Open(s.enc[:0:0], chunkNonce(s.counter, last), s.enc[:n], nil)
	if err != nil {
		if last {
			return fmt.Errorf("%w: the file is cut short or altered", ErrDecrypt)
		}
		return ErrDecrypt
	}
	s.counter++
	s.plain = plain
	s.done = last
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// Identity (X25519) keys for backups, in text form so they can be pasted.
const (
	publicPrefix = "uhbackup1-pub-"
	secretPrefix = "UHBACKUP1-SECRET-"
)

// GenerateIdentity returns a new X25519 key pair for encrypting backups to:
// the public key (for the server) and the secret key text (for wherever
// backups are restored — not on the server).
func GenerateIdentity() (public, secret string, err error) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return publicPrefix + base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		secretPrefix + base64.RawURLEncoding.EncodeToString(k.Bytes()), nil
}

// ParsePublicKey reads a public key made by GenerateIdentity.
func ParsePublicKey(s string) (*ecdh.PublicKey, error) {
	s = strings.TrimSpace(s)
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, publicPrefix))
	if !strings.HasPrefix(s, publicPrefix) || err != nil || len(b) != 32 {
		return nil, fmt.Errorf("backup: not a backup public key (it starts with %q)", publicPrefix)
	}
	return ecdh.X25519().NewPublicKey(b)
}

// ParseIdentity reads a secret key file's content ('#' comment lines
// ignored). The text is never echoed in errors.
func ParseIdentity(s string) (*ecdh.PrivateKey, error) {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(line, secretPrefix))
		if !strings.HasPrefix(line, secretPrefix) || err != nil || len(b) != 32 {
			break
		}
		return ecdh.X25519().NewPrivateKey(b)
	}
	return nil, fmt.Errorf("backup: not a backup secret key file (its key line starts with %q)", secretPrefix)
}

package backup

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
)

func seal(t *testing.T, plain []byte, enc Encryption) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := encryptWriter(&out, enc)
	if err != nil {
		t.Fatal(err)
	}
	// Odd-sized writes, so chunk boundaries fall inside writes.
	for p := plain; len(p) > 0; {
		n := min(len(p), 7777)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func open(b []byte, dec Decryption) ([]byte, error) {
	r, _, err := decryptReader(bytes.NewReader(b), dec)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// cheapKDF makes argon2id cheap for the rest of the test: the header
// records the cost, so opening is unaffected.
func cheapKDF(t *testing.T) {
	t0, m0 := argonTime, argonMemory
	argonTime, argonMemory = 1, 1024
	t.Cleanup(func() { argonTime, argonMemory = t0, m0 })
}

func TestEnvelopeRoundTrip(t *testing.T) {
	// Once at the real cost.
	if got, err := open(seal(t, []byte("x"), Encryption{Passphrase: "p"}), Decryption{Passphrase: "p"}); err != nil || string(got) != "x" {
		t.Fatalf("default cost: %q %v", got, err)
	}
	cheapKDF(t)
	pub, sec, err := GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	recipient, err := ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	identity, err := ParseIdentity("# comment\n" + sec + "\n")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]struct {
		enc Encryption
		dec Decryption
	}{
		"plain":      {Encryption{}, Decryption{}},
		"passphrase": {Encryption{Passphrase: "koně žerou ovés"}, Decryption{Passphrase: "koně žerou ovés"}},
		"public key": {Encryption{Recipient: recipient}, Decryption{Identity: identity}},
	}
	for name, k := range kinds {
		for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17} {
			plain := make([]byte, size)
			rand.Read(plain)
			sealed := seal(t, plain, k.enc)
			got, err := open(sealed, k.dec)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("%s, %d bytes: round trip failed: %v", name, size, err)
			}
			if name != "plain" && size > 16 && bytes.Contains(sealed, plain[:16]) {
				t.Fatalf("%s: plaintext visible in the backup", name)
			}
		}
	}
}

func TestEnvelopeRefusesWrongKeyAndDamage(t *testing.T) {
	cheapKDF(t)
	plain := make([]byte, 2*chunkSize+100)
	rand.Read(plain)
	sealed := seal(t, plain, Encryption{Passphrase: "správné heslo"})
	if _, err := open(sealed, Decryption{Passphrase: "špatné heslo"}); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := open(sealed, Decryption{}); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("no passphrase: %v", err)
	}
	// Every way of cutting the file short fails, including exactly at a
	// chunk boundary (dropping whole trailing chunks).
	header := len(sealed) - (len(plain) + 3*16)
	for _, n := range []int{0, 5, len(magic), header - 1, header, header + chunkSize + 16, len(sealed) - 1} {
		if _, err := open(sealed[:n], Decryption{Passphrase: "správné heslo"}); err == nil {
			t.Errorf("cut to %d of %d bytes: opened", n, len(sealed))
		}
	}
	for _, i := range []int{len(magic), len(magic) + 3, header + 10, len(sealed) - 3} {
		c := bytes.Clone(sealed)
		c[i] ^= 1
		if _, err := open(c, Decryption{Passphrase: "správné heslo"}); err == nil {
			t.Errorf("flipped byte %d: opened", i)
		}
	}
	// Swapping two chunks fails.
	c := bytes.Clone(sealed)
	a, b := c[header:header+chunkSize+16], c[header+chunkSize+16:header+2*(chunkSize+16)]
	tmp := bytes.Clone(a)
	copy(a, b)
	copy(b, tmp)
	if _, err := open(c, Decryption{Passphrase: "správné heslo"}); err == nil {
		t.Error("reordered chunks opened")
	}
	// Another identity cannot open a backup made for one.
	pub, _, _ := GenerateIdentity()
	_, otherSec, _ := GenerateIdentity()
	rcpt, _ := ParsePublicKey(pub)
	other, _ := ParseIdentity(otherSec)
	if _, err := open(seal(t, plain, Encryption{Recipient: rcpt}), Decryption{Identity: other}); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong identity: %v", err)
	}
	for _, junk := range []string{"", "hello", "UNIONHALL-BACKUP 1\nz", "<script>alert(1)</script>"} {
		if _, err := open([]byte(junk), Decryption{Passphrase: "x"}); err == nil {
			t.Errorf("junk %q opened", junk)
		}
	}
}

func TestKeyTextsRefuseJunk(t *testing.T) {
	pub, sec, _ := GenerateIdentity()
	for _, bad := range []string{"", "uhbackup1-pub-", pub + "x", sec, "<script>", "uhbackup1-pub-\u202eAAAA"} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("public key %q accepted", bad)
		}
	}
	for _, bad := range []string{"", pub, "UHBACKUP1-SECRET-abc", "# only a comment\n"} {
		if _, err := ParseIdentity(bad); err == nil {
			t.Errorf("identity %q accepted", bad)
		} else if strings.Contains(err.Error(), "abc") {
			t.Error("error echoes the key text")
		}
	}
}

package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustRing(t testing.TB, masters ...[]byte) *Keyring {
	t.Helper()
	kr, err := NewKeyring(masters...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestSealOpen(t *testing.T) {
	kr := mustRing(t, GenerateKey())
	aad := AAD("applications", "email", "row1")
	for _, plain := range []string{"", "jana.novakova@example.cz", "Příliš žluťoučký kůň", "<script>alert(1)</script>\u202e", strings.Repeat("x", 1<<20)} {
		s, err := kr.SealString(plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) > 3 && bytes.Contains(s, []byte(plain[:4])) {
			t.Errorf("sealed value contains plaintext")
		}
		got, err := kr.OpenString(s, aad)
		if err != nil || got != plain {
			t.Fatalf("round trip: %v", err)
		}
		if len(s) != len(plain)+Overhead {
			t.Errorf("len = %d, want %d", len(s), len(plain)+Overhead)
		}
	}
	a, _ := kr.SealString("same", aad)
	b, _ := kr.SealString("same", aad)
	if bytes.Equal(a, b) {
		t.Error("two seals of the same value are equal: nonce reuse")
	}
}

func TestTamperWrongAADWrongKey(t *testing.T) {
	kr := mustRing(t, GenerateKey())
	aad := AAD("applications", "email", "row1")
	s, _ := kr.SealString("secret@example.org", aad)
	for i := range s {
		c := bytes.Clone(s)
		c[i] ^= 0x01
		if _, err := kr.Open(c, aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipping byte %d: err = %v, want ErrOpen", i, err)
		}
	}
	for _, n := range []int{0, 1, Overhead - 1, len(s) - 1} {
		if _, err := kr.Open(s[:n], aad); !errors.Is(err, ErrOpen) {
			t.Errorf("truncated to %d: err = %v", n, err)
		}
	}
	if _, err := kr.Open(append(bytes.Clone(s), 0), aad); !errors.Is(err, ErrOpen) {
		t.Error("appended byte accepted")
	}
	// Swapping values between rows or columns fails.
	for _, other := range [][]byte{AAD("applications", "email", "row2"), AAD("applications", "phone", "row1"),
		AAD("members", "email", "row1"), nil, AAD("applications", "emai", "lrow1")} {
		if _, err := kr.Open(s, other); !errors.Is(err, ErrOpen) {
			t.Errorf("opened with wrong AAD %q", other)
		}
	}
	if bytes.Equal(AAD("ab", "c", ""), AAD("a", "bc", "")) {
		t.Error("AAD is ambiguous")
	}
	other := mustRing(t, GenerateKey())
	if _, err := other.Open(s, aad); !errors.Is(err, ErrOpen) {
		t.Error("opened with a different key")
	}
	// The error never contains the plaintext or key material.
	if _, err := other.Open(s, aad); strings.Contains(err.Error(), "secret") {
		t.Error("error leaks plaintext")
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := GenerateKey(), GenerateKey()
	oldRing := mustRing(t, oldKey)
	aad := AAD("t", "c", "r")
	oldSealed, _ := oldRing.SealString("before rotation", aad)
	ring := mustRing(t, oldKey, newKey)
	if got, err := ring.OpenString(oldSealed, aad); err != nil || got != "before rotation" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	newSealed, _ := ring.SealString("after", aad)
	oldID, _ := KeyID(oldSealed)
	newID, _ := KeyID(newSealed)
	if ids := ring.KeyIDs(); oldID != ids[0] || newID != ids[1] {
		t.Errorf("key ids: old=%s new=%s ring=%v", oldID, newID, ids)
	}
	if _, err := oldRing.Open(newSealed, aad); !errors.Is(err, ErrOpen) {
		t.Error("old ring opened a value sealed with the new key")
	}
	// A ring being rotated stores indexes under the new key and looks up
	// both, so rows not yet recomputed are still found.
	oldIdx, newIdx := oldRing.BlindIndex("email", "a@b.c"), ring.BlindIndex("email", "a@b.c")
	if bytes.Equal(oldIdx, newIdx) || !bytes.Equal(newIdx, mustRing(t, newKey).BlindIndex("email", "a@b.c")) {
		t.Error("the stored index is not under the newest key")
	}
	if l := ring.LookupIndexes("email", "a@b.c"); !bytes.Equal(l[0], newIdx) || !bytes.Equal(l[1], oldIdx) {
		t.Error("look-up indexes are not [newest, oldest]")
	}
	if l := oldRing.LookupIndexes("email", "a@b.c"); !bytes.Equal(l[0], oldIdx) || !bytes.Equal(l[1], oldIdx) {
		t.Error("one key: both look-up indexes must be its index")
	}
	// Replace swaps the keys of a ring in use.
	live := mustRing(t, oldKey)
	live.Replace(ring)
	if got, err := live.OpenString(newSealed, aad); err != nil || got != "after" || live.Newest() != newID {
		t.Errorf("after Replace: %q %v", got, err)
	}
	if _, err := NewKeyring(oldKey, oldKey); err == nil {
		t.Error("duplicate key accepted")
	}
	if _, err := NewKeyring(); err == nil {
		t.Error("empty keyring accepted")
	}
	if _, err := NewKeyring(make([]byte, 16)); err == nil {
		t.Error("short key accepted")
	}
}

func TestBlindIndex(t *testing.T) {
	kr := mustRing(t, GenerateKey())
	a := kr.BlindIndex("application.email", NormaliseEmail("  Jana.Novakova@Example.CZ "))
	b := kr.BlindIndex("application.email", NormaliseEmail("jana.novakova@example.cz"))
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Fatal("normalised emails index differently")
	}
	if bytes.Equal(a, kr.BlindIndex("member.email", "jana.novakova@example.cz")) {
		t.Error("different purposes give the same index")
	}
	if bytes.Equal(a, mustRing(t, GenerateKey()).BlindIndex("application.email", "jana.novakova@example.cz")) {
		t.Error("different keys give the same index")
	}
	// Full-width look-alikes normalise to ASCII (NFKC).
	if NormaliseEmail("ｊａｎａ@example.cz") != "jana@example.cz" {
		t.Errorf("NFKC: %q", NormaliseEmail("ｊａｎａ@example.cz"))
	}
	if NormaliseEmail("a.b+tag@x.cz") != "a.b+tag@x.cz" {
		t.Error("NormaliseEmail must not drop dots or tags")
	}
}

func TestTokens(t *testing.T) {
	tok, hash := NewToken()
	if !ValidToken(tok) || len(tok) != 43 {
		t.Fatalf("token %q invalid", tok)
	}
	if !Equal(hash, HashToken(tok)) {
		t.Fatal("hash mismatch")
	}
	tok2, _ := NewToken()
	if tok == tok2 {
		t.Fatal("tokens repeat")
	}
	if Equal(HashToken(tok), HashToken(tok2)) || Equal(hash, hash[:31]) {
		t.Error("Equal matched different values")
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("!", 43),
		"<script>alert(1)</script>xxxxxxxxxxxxxxxxxx", "' OR 1=1 --xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"} {
		if ValidToken(bad) {
			t.Errorf("ValidToken(%q) = true", bad)
		}
	}
}

func TestLoadCreatesPrivateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	kr, created, err := Load(dir, "")
	if err != nil || !created {
		t.Fatalf("first Load: created=%v err=%v", created, err)
	}
	path := filepath.Join(dir, KeyFileName)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, err %v; want 0600", fi.Mode().Perm(), err)
	}
	aad := AAD("t", "c", "r")
	s, _ := kr.SealString("persisted", aad)
	kr2, created, err := Load(dir, "")
	if err != nil || created {
		t.Fatalf("second Load: created=%v err=%v", created, err)
	}
	if got, err := kr2.OpenString(s, aad); err != nil || got != "persisted" {
		t.Fatalf("reloaded key cannot open: %v", err)
	}
	// A key file others can read is refused, and the message says how to fix it.
	os.Chmod(path, 0o644)
	if _, _, err := Load(dir, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: err = %v", err)
	}
	os.Chmod(path, 0o660)
	if _, _, err := Load(dir, ""); err == nil {
		t.Fatal("group-writable key file accepted")
	}
}

func TestLoadRotationFileAndEnv(t *testing.T) {
	k1, k2 := GenerateKey(), GenerateKey()
	dir := t.TempDir()
	content := "# comment\n\n" + base64.StdEncoding.EncodeToString(k1) + "\n" + base64.StdEncoding.EncodeToString(k2) + "\n"
	os.WriteFile(filepath.Join(dir, KeyFileName), []byte(content), 0o600)
	kr, _, err := Load(dir, "")
	if err != nil || len(kr.KeyIDs()) != 2 {
		t.Fatalf("two-key file: %v", err)
	}
	env := base64.StdEncoding.EncodeToString(k1) + ", " + base64.RawURLEncoding.EncodeToString(k2)
	kre, created, err := Load("", env)
	if err != nil || created || strings.Join(kre.KeyIDs(), ",") != strings.Join(kr.KeyIDs(), ",") {
		t.Fatalf("env keys: %v", err)
	}
	// The environment wins over the file and no file is created.
	empty := t.TempDir()
	if _, _, err := Load(empty, env); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(empty, KeyFileName)); err == nil {
		t.Error("key file created although the key came from the environment")
	}
}

func TestLoadBadKeys(t *testing.T) {
	secretish := "c2VjcmV0LWJ1dC13cm9uZy1sZW5ndGg=" // valid base64, wrong length
	for name, content := range map[string]string{
		"empty":        "",
		"only comment": "# nothing\n",
		"not base64":   "not*base64!\n",
		"short key":    secretish + "\n",
		"html":         "<script>alert(1)</script>\n",
		"rtl":          "\u202e" + base64.StdEncoding.EncodeToString(GenerateKey()) + "\n",
		"nul":          "\x00\x00\x00\n",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, KeyFileName), []byte(content), 0o600)
		_, _, err := Load(dir, "")
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), secretish) {
			t.Errorf("%s: error echoes key material", name)
		}
	}
	big := t.TempDir()
	os.WriteFile(filepath.Join(big, KeyFileName), bytes.Repeat([]byte("A"), 1<<20), 0o600)
	if _, _, err := Load(big, ""); err == nil {
		t.Error("oversized key file accepted")
	}
	if _, _, err := Load("", "garbage"); err == nil {
		t.Error("garbage env key accepted")
	}
	if _, _, err := Load("", ""); err == nil {
		t.Error("no dir and no env accepted")
	}
	// A folder in place of the key file.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, KeyFileName), 0o700)
	if _, _, err := Load(dir, ""); err == nil {
		t.Error("directory as key file accepted")
	}
}

func FuzzOpen(f *testing.F) {
	kr := mustRing(f, bytes.Repeat([]byte{7}, KeySize))
	good, _ := kr.Seal([]byte("hello"), []byte("aad"))
	f.Add(good, []byte("aad"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{1, 0, 0, 0, 0}, []byte("x"))
	f.Add(append([]byte{1}, good[1:5]...), []byte("aad"))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		plain, err := kr.Open(sealed, aad)
		// Fuzz workers re-run this function, so good differs per process
		// (random nonce); anything that opens must be a genuine seal of
		// "hello" under "aad" — forging a GCM tag by chance cannot happen.
		if err == nil && (string(plain) != "hello" || string(aad) != "aad") {
			t.Fatalf("opened a forged value: %q", plain)
		}
	})
}

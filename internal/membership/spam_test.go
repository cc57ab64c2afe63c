package membership

import (
	"hash/crc32"
	"net/http/httptest"
	"testing"
	"time"
	"unionhall/internal/formguard"

	"unionhall/internal/seal"
)

func fixIHDRCRC(b []byte) {
	// IHDR chunk: length(4) at 8, type at 12, data 13 bytes at 16, CRC at 29.
	c := crc32.ChecksumIEEE(b[12:29])
	b[29], b[30], b[31], b[32] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
}

func TestStamp(t *testing.T) {
	s := formguard.Stamper{Purpose: "join", Key: []byte("k")}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	v := s.Stamp(t0)
	for _, c := range []struct {
		val  string
		at   time.Time
		want formguard.Verdict
	}{
		{v, t0.Add(5 * time.Second), formguard.OK},
		{v, t0.Add(time.Second), formguard.TooFast},
		{v, t0.Add(25 * time.Hour), formguard.Stale},
		{v, t0.Add(-time.Hour), formguard.Invalid},
		{"", t0, formguard.Invalid},
		{"1767261600.forged", t0.Add(time.Hour), formguard.Invalid},
		{formguard.Stamper{Purpose: "join", Key: []byte("other")}.Stamp(t0), t0.Add(time.Hour), formguard.Invalid},
		{"x.<script>", t0, formguard.Invalid},
	} {
		if got := s.Check(c.val, c.at, 3*time.Second); got != c.want {
			t.Errorf("check(%q) = %v, want %v", c.val, got, c.want)
		}
	}
}

// TestStampAcrossKeyRotation: a form stamped before a key rotation, or by
// a process that has not reloaded the key file yet, is accepted while both
// keys are held; after the old key is retired it is not.
func TestStampAcrossKeyRotation(t *testing.T) {
	k1, k2 := seal.GenerateKey(), seal.GenerateKey()
	ring := func(masters ...[]byte) *seal.Keyring {
		kr, err := seal.NewKeyring(masters...)
		if err != nil {
			t.Fatal(err)
		}
		return kr
	}
	live := ring(k1)
	s := formguard.Stamper{Purpose: "join", Keys: func() [2][]byte { return live.LookupIndexes("membership.form-stamp", "v1") }}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	before := s.Stamp(t0)
	live.Replace(ring(k1, k2))
	during := s.Stamp(t0)
	if during == before {
		t.Fatal("new stamps do not use the new key")
	}
	for _, v := range []string{before, during} {
		if got := s.Check(v, t0.Add(time.Minute), 3*time.Second); got != formguard.OK {
			t.Errorf("during the rotation: %v", got)
		}
	}
	live.Replace(ring(k2))
	if got := s.Check(during, t0.Add(time.Minute), 3*time.Second); got != formguard.OK {
		t.Errorf("a stamp under the new key after retiring: %v", got)
	}
	if got := s.Check(before, t0.Add(time.Minute), 3*time.Second); got != formguard.Invalid {
		t.Errorf("a stamp under the retired key: %v", got)
	}
}

func TestLimiter(t *testing.T) {
	l := formguard.NewLimiter(3, time.Hour)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.Allow("a", t0); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, retry := l.Allow("a", t0)
	if ok || retry <= 0 || retry > 20*time.Minute+time.Second {
		t.Fatalf("4th: ok=%v retry=%v", ok, retry)
	}
	if ok, _ := l.Allow("b", t0); !ok {
		t.Fatal("other client refused")
	}
	if ok, _ := l.Allow("a", t0.Add(21*time.Minute)); !ok {
		t.Fatal("not refilled")
	}
	// Cleanup: after a window everything is full again and is dropped.
	l.Allow("c", t0.Add(3*time.Hour))
	if n := l.Size(); n != 1 {
		t.Fatalf("buckets after sweep = %d, want 1", n)
	}
}

func TestClientKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8:1:2:3:4:5:6]:1234"
	r2 := httptest.NewRequest("GET", "/", nil)
	r2.RemoteAddr = "[2001:db8:1:2:ffff:4:5:6]:1234"
	if clientKey(r) != clientKey(r2) {
		t.Error("same /64 differs")
	}
	r.RemoteAddr = "192.0.2.1:5"
	if clientKey(r) != "192.0.2.1" {
		t.Error(clientKey(r))
	}
}

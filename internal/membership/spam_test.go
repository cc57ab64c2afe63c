package membership

import (
	"hash/crc32"
	"net/http/httptest"
	"testing"
	"time"

	"unionhall/internal/seal"
)

func fixIHDRCRC(b []byte) {
	// IHDR chunk: length(4) at 8, type at 12, data 13 bytes at 16, CRC at 29.
	c := crc32.ChecksumIEEE(b[12:29])
	b[29], b[30], b[31], b[32] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
}

func TestStamp(t *testing.T) {
	s := stamper{key: []byte("k")}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	v := s.stamp(t0)
	for _, c := range []struct {
		val  string
		at   time.Time
		want stampVerdict
	}{
		{v, t0.Add(5 * time.Second), stampOK},
		{v, t0.Add(time.Second), stampTooFast},
		{v, t0.Add(25 * time.Hour), stampStale},
		{v, t0.Add(-time.Hour), stampInvalid},
		{"", t0, stampInvalid},
		{"1767261600.forged", t0.Add(time.Hour), stampInvalid},
		{stamper{key: []byte("other")}.stamp(t0), t0.Add(time.Hour), stampInvalid},
		{"x.<script>", t0, stampInvalid},
	} {
		if got := s.check(c.val, c.at, 3*time.Second); got != c.want {
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
	s := stamper{keys: func() [2][]byte { return live.LookupIndexes("membership.form-stamp", "v1") }}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	before := s.stamp(t0)
	live.Replace(ring(k1, k2))
	during := s.stamp(t0)
	if during == before {
		t.Fatal("new stamps do not use the new key")
	}
	for _, v := range []string{before, during} {
		if got := s.check(v, t0.Add(time.Minute), 3*time.Second); got != stampOK {
			t.Errorf("during the rotation: %v", got)
		}
	}
	live.Replace(ring(k2))
	if got := s.check(during, t0.Add(time.Minute), 3*time.Second); got != stampOK {
		t.Errorf("a stamp under the new key after retiring: %v", got)
	}
	if got := s.check(before, t0.Add(time.Minute), 3*time.Second); got != stampInvalid {
		t.Errorf("a stamp under the retired key: %v", got)
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(3, time.Hour)
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.allow("a", t0); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, retry := l.allow("a", t0)
	if ok || retry <= 0 || retry > 20*time.Minute+time.Second {
		t.Fatalf("4th: ok=%v retry=%v", ok, retry)
	}
	if ok, _ := l.allow("b", t0); !ok {
		t.Fatal("other client refused")
	}
	if ok, _ := l.allow("a", t0.Add(21*time.Minute)); !ok {
		t.Fatal("not refilled")
	}
	// Cleanup: after a window everything is full again and is dropped.
	l.allow("c", t0.Add(3*time.Hour))
	if n := l.size(); n != 1 {
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

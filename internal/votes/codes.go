package votes

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"unionhall/internal/seal"
)

// crockford is Crockford's base32 alphabet: no I, L, O, U, so a code read
// aloud or copied by hand is hard to get wrong.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// randomCode is n random Crockford characters (5 bits each, from
// crypto/rand), grouped by four with dashes.
func randomCode(n int) string {
	buf := make([]byte, n)
	rand.Read(buf) // never fails (Go ≥ 1.24 crashes instead)
	var b strings.Builder
	for i, c := range buf {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(crockford[c&31])
	}
	return b.String()
}

// Lengths of the codes, in characters without dashes: a tracker has 40
// random bits (unique per vote, checked; it only has to be hard to guess
// among a vote's ballots), a change code 60 (it lets its holder replace a
// ballot, so it must not be guessable in a vote's lifetime).
const (
	trackerLen    = 8
	changeCodeLen = 12
)

func newTracker() string    { return randomCode(trackerLen) }
func newChangeCode() string { return randomCode(changeCodeLen) }

// normalise reads a code as typed: case, spaces and dashes do not matter,
// and the letters Crockford maps (O→0, I and L→1) are taken as those
// digits. ok is false unless it has n valid characters.
func normalise(s string, n int) (string, bool) {
	var raw []byte
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", false
		}
		raw = append(raw, byte(r))
		if len(raw) > n {
			return "", false
		}
	}
	if len(raw) != n {
		return "", false
	}
	var b strings.Builder
	for i, c := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// NormaliseTracker reads a receipt code as a member typed it ("k7q2 9xma")
// into the board's form ("K7Q2-9XMA"); ok is false if it cannot be one.
func NormaliseTracker(s string) (string, bool) { return normalise(s, trackerLen) }

// NormaliseChangeCode reads a change code as typed into its canonical form.
func NormaliseChangeCode(s string) (string, bool) { return normalise(s, changeCodeLen) }

// changeHash is what is stored of a change code: SHA-256 of the canonical
// code and the vote id (so equal codes of two votes do not match). No key:
// 60 random bits are not worth guessing against a hash, and the hash
// must survive a key rotation unchanged.
func changeHash(voteID, code string) []byte {
	h := sha256.Sum256([]byte("unionhall vote change\x00" + voteID + "\x00" + code))
	return h[:]
}

// newSlot is a ballot's random storage key.
func newSlot() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// aadBallot binds a sealed ballot to its row: id is "voteID/hex(slot)".
func aadBallot(id string) []byte { return seal.AAD("vote_ballots", "sealed", id) }

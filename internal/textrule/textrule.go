// Package textrule is the one rule the public forms share about which
// characters a person's one-line text (a name, a city, an employer) may not
// hold. It is a package of its own so the join form, the event forms and
// anything added later refuse exactly the same characters; before it, each
// kept a copy and the copies had drifted apart (the join form accepted the
// direction marks U+200E/U+200F that the console refused).
//
// Refused: control characters (C0, DEL, C1 — line breaks included);
// everything that changes the direction text is displayed in (the marks
// U+061C, U+200E, U+200F, the embeddings and overrides U+202A–U+202E and the
// isolates U+2066–U+2069: "Trojan Source", a name that reads as something
// else in the console or the PDF); the line and paragraph separators
// U+2028/U+2029, which break a one-line value like a newline; the byte-order
// mark U+FEFF; the replacement character U+FFFD (a character already lost);
// the interlinear annotation marks U+FFF9–U+FFFB and the tag characters
// U+E0000–U+E007F, both invisible ways to hide text. Zero-width joiners
// (U+200C, U+200D) stay allowed: Persian and Indic names need them.
package textrule

import "unicode"

// Refused reports whether r may not appear in one-line text from a form.
func Refused(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case Directional(r):
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xfeff || r == unicode.ReplacementChar:
		return true
	case (r >= 0xfff9 && r <= 0xfffb) || (r >= 0xe0000 && r <= 0xe007f):
		return true
	}
	return false
}

// Directional reports whether r is one of the invisible characters that
// change the direction text is displayed in (marks, embeddings, overrides,
// isolates): the refused characters a form names in a message of its own.
func Directional(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// HasRefused reports whether s holds any refused character.
func HasRefused(s string) bool {
	for _, r := range s {
		if Refused(r) {
			return true
		}
	}
	return false
}

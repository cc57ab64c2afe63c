package statement

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"unionhall/internal/textrule"
)

// cleanText makes a bank's text safe to show the treasurer: the decision is
// to keep such characters out and mark the movement, not to refuse the
// file. A payer writes the message, so a refusal would let any payer block
// the union's import; an escaped "\u202e" would still be noise in the
// console. What goes:
//
//   - line breaks, tabs and the Unicode line and paragraph separators become
//     one space (a message is one line in every view);
//   - every character textrule refuses — controls, the bidi marks,
//     embeddings, overrides and isolates ("Trojan Source": a message that
//     reads as another member number), the byte-order mark, invisible tag
//     characters, U+FFFD — is removed, and WarnTextCleaned is noted;
//   - invalid UTF-8 bytes are removed, and noted the same way;
//   - runs of white space collapse to one, ends are trimmed;
//   - the result is NFC, so the same name from two banks compares equal.
//
// Zero-width joiners stay (textrule allows them: scripts need them).
func cleanText(s string, t *Transaction) string {
	if s == "" {
		return s
	}
	if plainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	changed := false
	space := true // drop leading white space
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			changed = true
			i++
			continue
		}
		i += n
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029' || unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
		case textrule.Refused(r):
			changed = true
		default:
			b.WriteRune(r)
			space = false
		}
	}
	out := strings.TrimRight(b.String(), " ")
	if changed && t != nil {
		t.warn(WarnTextCleaned)
	}
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return out
}

// plainASCII reports whether s is printable ASCII with single inner spaces
// and no space at either end: most bank text, returned as it is.
func plainASCII(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// normSymbol reads a payment symbol field: white space around it is
// ignored, leading zeros dropped ("0000001234" is 1234; all zeros is none),
// and anything but 1–max digits is not a symbol.
func normSymbol(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if len(s) > max {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return strings.TrimLeft(s, "0"), true
}

// symbols is what findSymbols read from a text.
type symbols struct {
	vs, ss, ks  string
	vsAmbiguous bool // two different variable symbols: the payment needs a person
}

// findSymbols reads the Czech ways of writing payment symbols inside a text:
// "VS:123", "VS 123", "VS123", "VS-123", "VS=123", "/VS/123", "/VS123", the
// same with SS and KS, any letter case, several in one text
// ("/VS/123/SS/456/KS/0308"). "VS" must not be the end of a longer word
// ("ZVS1" is not a symbol), the digits must not run on into more digits
// than a symbol has (an IBAN or a phone number is not a symbol). A variable
// symbol has at most 10 digits, a specific symbol 10, a constant symbol 4.
func findSymbols(s string) symbols {
	var out symbols
	for i := 0; i+2 < len(s); i++ {
		c0 := s[i] | 0x20
		if (c0 != 'v' && c0 != 's' && c0 != 'k') || s[i+1]|0x20 != 's' {
			continue
		}
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + 2
		for j < len(s) && j-i < 6 && (s[j] == ':' || s[j] == '/' || s[j] == '=' || s[j] == ' ' || s[j] == '.' || s[j] == '-' || s[j] == '#') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j || k-j > 10 || (k < len(s) && isLetter(s[k])) {
			continue
		}
		digits := strings.TrimLeft(s[j:k], "0")
		switch c0 {
		case 'v':
			if out.vs != "" && out.vs != digits {
				out.vsAmbiguous = true
			}
			if out.vs == "" {
				out.vs = digits
			}
		case 's':
			if out.ss == "" {
				out.ss = digits
			}
		case 'k':
			if k-j <= 4 && out.ks == "" {
				out.ks = digits
			}
		}
		i = k - 1
	}
	if out.vsAmbiguous {
		out.vs = ""
	}
	return out
}

func isLetter(c byte) bool { c |= 0x20; return c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool  { return isLetter(c) || (c >= '0' && c <= '9') }

// fillSymbolsFromText takes the symbols still missing from the message: a
// payer whose bank has no symbol field (a payment from abroad, some
// internet banks) writes "VS 123" in the message.
func fillSymbolsFromText(t *Transaction, text string) {
	if text == "" || (t.VS != "" && t.SS != "" && t.KS != "") {
		return
	}
	sy := findSymbols(text)
	if t.VS == "" && sy.vs != "" {
		t.VS, t.VSSource = sy.vs, VSUnstructured
	}
	if sy.vsAmbiguous && t.VS == "" {
		t.warn(WarnVSAmbiguous)
	}
	if t.SS == "" {
		t.SS = sy.ss
	}
	if t.KS == "" {
		t.KS = sy.ks
	}
}

package textrule

import "testing"

func TestRefused(t *testing.T) {
	for _, s := range []string{"Jana Nováková", "Ђорђе Петровић", "Brno-střed", "O'Brien", "فاطمه\u200cای", "अर्\u200dजुन", "👩🏽‍💻"} {
		if HasRefused(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"a\x00", "a\n", "a\r", "a\u0085", "a\u061c", "a\u200e", "a\u200f", "a\u202e", "a\u2066", "a\u2069",
		"a\u2028", "a\u2029", "a\ufeff", "a\ufffd", "a\ufff9", "a\U000e0041", "a\x7f", "a\u009b"} {
		if !HasRefused(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzRefused(f *testing.F) {
	f.Add("Jana\u202eevil")
	f.Fuzz(func(t *testing.T, s string) {
		// Refused is a property of single characters: a string is refused
		// exactly when one of its characters is.
		any := false
		for _, r := range s {
			any = any || Refused(r)
		}
		if any != HasRefused(s) {
			t.Fatalf("HasRefused(%q) = %v", s, !any)
		}
	})
}

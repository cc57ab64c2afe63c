package applicationpdf

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// maxFieldRunes bounds every printed field. The form allows 100 characters;
// the bound only keeps a hostile or corrupted record from producing a
// hundred-page PDF.
const maxFieldRunes = 200

// coverage records which runes of the Basic Multilingual Plane both subset
// fonts (see subsetFonts) have glyphs for. fpdf indexes a 65536-entry width table by rune, so a
// rune above U+FFFF (an emoji) would make it panic, and a rune without a glyph
// prints as an empty box; both are replaced before fpdf sees them.
var coverage = sync.OnceValue(func() *[65536 / 64]uint64 {
	var bits [65536 / 64]uint64
	regular, boldBytes := subsetFonts()
	reg, err1 := sfnt.Parse(regular)
	bold, err2 := sfnt.Parse(boldBytes)
	if err1 != nil || err2 != nil {
		// The fonts are embedded and tested; this cannot happen at run time.
		panic("applicationpdf: embedded font does not parse")
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 0x10000; r++ {
		g1, _ := reg.GlyphIndex(&buf, r)
		g2, _ := bold.GlyphIndex(&buf, r)
		if g1 != 0 && g2 != 0 {
			bits[r/64] |= 1 << (r % 64)
		}
	}
	return &bits
})

func covered(r rune) bool {
	return r >= 0 && r < 0x10000 && coverage()[r/64]&(1<<(r%64)) != 0
}

// clean makes untrusted text safe to print on one logical line:
//   - invalid UTF-8 becomes U+FFFD;
//   - line breaks, tabs and other spaces become one plain space, so nobody can
//     push text into the next table row or off the page;
//   - control characters (Cc) and format characters (Cf) are dropped — among
//     the latter are the bidirectional overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) that could make "Nováková" display as something else,
//     and zero-width characters that hide text;
//   - characters the font cannot draw become "?";
//   - the result is trimmed and cut to maxFieldRunes.
func clean(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	space := false
	for _, r := range s {
		if n >= maxFieldRunes {
			b.WriteRune('…')
			break
		}
		switch {
		case r == utf8.RuneError:
			r = '?'
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
			continue
		case !covered(r):
			r = '?'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}

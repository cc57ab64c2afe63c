package applicationpdf

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FileName is the attachment name "Surname_Name_application.pdf". It is
// plain ASCII so every mail client and file system keeps it intact: Latin
// diacritics are dropped (Dvořák → Dvorak), Cyrillic is transliterated
// (Јовановић → Jovanovic), and anything else that is not a letter or digit
// becomes a hyphen, so no path separator, dot or quote can get through.
func FileName(a Application) string {
	last := asciiPart(a.LastName)
	first := asciiPart(a.FirstName)
	var parts []string
	for _, p := range []string{last, first} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		parts = []string{"applicant"}
	}
	return strings.Join(parts, "_") + "_application.pdf"
}

const maxNamePart = 40

// cyrillic maps capital Serbian (and the common Russian, Ukrainian, Belarusian and
// Macedonian) Cyrillic letters to ASCII, following Serbian Latin with its
// diacritics dropped (Ђ → Dj, Ћ → C, Џ → Dz), as people write it in e-mail.
// Digraphs are in title case (Љубица → Ljubica).
var cyrillic = map[rune]string{
	'А': "A", 'Б': "B", 'В': "V", 'Г': "G", 'Д': "D", 'Ђ': "Dj", 'Е': "E", 'Ж': "Z",
	'З': "Z", 'И': "I", 'Ј': "J", 'К': "K", 'Л': "L", 'Љ': "Lj", 'М': "M", 'Н': "N",
	'Њ': "Nj", 'О': "O", 'П': "P", 'Р': "R", 'С': "S", 'Т': "T", 'Ћ': "C", 'У': "U",
	'Ф': "F", 'Х': "H", 'Ц': "C", 'Ч': "C", 'Џ': "Dz", 'Ш': "S",
	'Ё': "Yo", 'Й': "J", 'Щ': "Sc", 'Ъ': "", 'Ы': "Y", 'Ь': "", 'Э': "E", 'Ю': "Yu",
	'Я': "Ya", 'Є': "Ye", 'І': "I", 'Ї': "Yi", 'Ґ': "G", 'Ў': "U", 'Ѓ': "Gj", 'Ќ': "Kj",
	'Ѕ': "Dz",
}

// latin maps Latin letters that have no decomposition into base + accent.
var latin = map[rune]string{
	'Đ': "Dj", 'đ': "dj", 'Ł': "L", 'ł': "l", 'Ø': "O", 'ø': "o", 'ß': "ss", 'Æ': "AE",
	'æ': "ae", 'Œ': "OE", 'œ': "oe", 'Þ': "Th", 'þ': "th", 'ı': "i", 'Ħ': "H", 'ħ': "h",
}

// asciiPart transliterates one name to letters, digits and single hyphens.
func asciiPart(s string) string {
	var b strings.Builder
	hyphen := false
	put := func(t string) {
		for _, c := range t {
			if b.Len() >= maxNamePart {
				return
			}
			if c == '-' {
				hyphen = b.Len() > 0
				continue
			}
			if hyphen {
				b.WriteByte('-')
				hyphen = false
			}
			b.WriteRune(c)
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if t, ok := cyrillic[unicode.ToUpper(r)]; ok {
			if unicode.IsLower(r) {
				t = strings.ToLower(t)
			} else if shouting(rs, i) {
				// A name written in capitals: ЉУБИЦА → LJUBICA.
				t = strings.ToUpper(t)
			}
			put(t)
			continue
		}
		if t, ok := latin[r]; ok {
			put(t)
			continue
		}
		// NFD splits Dvořák's ř into r + combining caron; keep the ASCII
		// base, drop the accents, and hyphenate anything else.
		for _, d := range norm.NFD.String(string(r)) {
			switch {
			case d < 0x80 && (unicode.IsLetter(d) || unicode.IsDigit(d)):
				put(string(d))
			case unicode.Is(unicode.Mn, d):
			default:
				put("-")
			}
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// shouting reports whether the letter at i stands among capitals: its
// neighbours are upper-case letters.
func shouting(rs []rune, i int) bool {
	if i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
		return unicode.IsUpper(rs[i+1])
	}
	return i > 0 && unicode.IsUpper(rs[i-1])
}

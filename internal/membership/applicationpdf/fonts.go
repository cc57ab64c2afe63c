package applicationpdf

import (
	"strings"
	"sync"

	"github.com/go-pdf/fpdf"
)

// fpdf parses a TrueType font every time it is added to a document and
// subsets it again when the document is written, walking every glyph of the
// font each time. DejaVu Sans has about 6000 glyphs, most of them for scripts
// nobody writes a name in here, and that work made up most of a PDF's cost.
// So the fonts are cut once per process, with fpdf's own subsetter, to the
// scripts an application can contain (see subsetRanges); documents then add
// the small fonts. Characters outside the subset print as "?" (see clean).
var subsetFonts = sync.OnceValues(func() (regular, bold []byte) {
	var cutset strings.Builder
	for _, r := range subsetRanges {
		for c := r[0]; c <= r[1]; c++ {
			cutset.WriteRune(c)
		}
	}
	return fpdf.UTF8CutFont(regularTTF, cutset.String()), fpdf.UTF8CutFont(boldTTF, cutset.String())
})

// subsetRanges are the Unicode blocks kept: Latin (all of Europe and
// Vietnam), Greek, Cyrillic (Serbian, Macedonian, Russian, Ukrainian…),
// Armenian, Georgian, combining accents (names typed in decomposed form),
// punctuation and the symbols in the texts. Hebrew and Arabic are left out:
// fpdf would draw them unshaped and left to right, which misrepresents a name
// worse than a question mark does.
var subsetRanges = [][2]rune{
	{0x0020, 0x007E}, // Basic Latin
	{0x00A0, 0x024F}, // Latin-1 Supplement, Latin Extended-A and -B
	{0x02B0, 0x036F}, // spacing modifiers (ˇ ˘), combining diacritics
	{0x0370, 0x03FF}, // Greek
	{0x0400, 0x052F}, // Cyrillic and its supplement
	{0x0530, 0x058F}, // Armenian
	{0x10A0, 0x10FF}, // Georgian
	{0x1E00, 0x1EFF}, // Latin Extended Additional
	{0x2000, 0x206F}, // General Punctuation („“ – — … ·)
	{0x20A0, 0x20CF}, // currency (€)
	{0x2100, 0x214F}, // letterlike (№)
	{0xFFFD, 0xFFFD}, // replacement character
}

// addFonts registers the subset DejaVu Sans regular and bold.
func addFonts(pdf *fpdf.Fpdf) {
	regular, bold := subsetFonts()
	pdf.AddUTF8FontFromBytes(fontFamily, "", regular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", bold)
}

// FontFamily is the family name AddFonts registers (regular and "B").
const FontFamily = fontFamily

// AddFonts registers the application PDF's embedded, subset DejaVu Sans on
// another document, so every PDF Unionhall writes (the member portal's data
// export too) prints the same names the same way.
func AddFonts(pdf *fpdf.Fpdf) { addFonts(pdf) }

// Clean makes untrusted text safe to print on one line with these fonts
// (see clean).
func Clean(s string) string { return clean(s) }

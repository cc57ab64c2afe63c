// Package applicationpdf renders a membership application as the A4 PDF the
// applicant receives with the verification email and the union files.
//
// Why it is built so:
//
//   - fpdf (github.com/go-pdf/fpdf) with DejaVu Sans embedded in the binary
//     (go:embed, loaded from bytes, never from a path): one pure-Go
//     dependency, no font on the server needed, and DejaVu covers Czech,
//     Serbian Latin and Cyrillic and the rest of Europe. The font licence is
//     in LICENSE-DejaVu.txt beside the fonts.
//   - Speed: fpdf parses a TrueType font each time it is added to a document
//     and subsets it again on output. The full DejaVu fonts (6000 glyphs each)
//     made that the main cost of a PDF, so they are cut once per process to
//     the scripts a name can be written in (see fonts.go) and documents add
//     the ~175 KB subsets. The signature and the logo are flattened to an
//     opaque palette PNG that fpdf embeds as is; the logo is converted once
//     and cached.
//   - Every field is untrusted: clean strips control and bidirectional
//     formatting characters (an RTL override could make a name read
//     differently), turns line breaks into spaces so a value cannot fake
//     another table row, replaces characters the font lacks (emoji would
//     otherwise crash fpdf's width table) and caps the length. Values wrap
//     inside their table cell, breaking long unbroken strings, so nothing
//     runs off the page.
//   - Texts are written in Czech and English; any other language falls back
//     to English rather than print a half-translated legal statement. Dates
//     are shown in the site's time zone in the language's style.
//   - Output is deterministic for the same input (creation date = signing
//     time), which makes the PDF testable and re-generation harmless.
//   - FileName gives the attachment name in plain ASCII (transliterating
//     diacritics and Cyrillic) so no mail client or file system mangles it and
//     no path character can get in.
package applicationpdf

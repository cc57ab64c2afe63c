package petitions

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/net/html"

	"unionhall/internal/console"
	"unionhall/internal/membership/applicationpdf"
)

// The delivery PDF: what organisers hand to a petition's target. It holds
// the petition's title, target and text, the number of confirmed
// signatures, and the names and cities of only those signers who ticked
// "show my name" (the same opt-in as the public list of names): a signer
// who did not agree is counted but never named. Emails, workplaces and
// comments are never printed — the target has no business with them.
//
// It is drawn with the membership application's embedded, subset DejaVu
// Sans (applicationpdf.AddFonts), loaded from bytes and never from a path,
// so Czech diacritics and Cyrillic print the same way in every PDF
// Unionhall writes; every untrusted string goes through applicationpdf.Clean
// (control and direction characters dropped, characters the font lacks
// shown as "?"), so a hostile name can neither break the layout nor turn
// the text around.

// Delivery is what the delivery PDF shows. Every string is untrusted.
type Delivery struct {
	Lang      string // the PDF's language: "cs", else English
	Union     string // the site's name, in the footer
	Title     string
	Target    string
	Text      string // plain text; paragraphs separated by blank lines
	Confirmed int    // every confirmed signature, named or not
	Closed    bool   // the petition no longer takes signatures
	At        time.Time
	Loc       *time.Location
	Signers   []DeliverySigner // only those who agreed to be named
}

// DeliverySigner is one named signer in the PDF.
type DeliverySigner struct{ Name, City string }

// Page geometry in millimetres.
const (
	pdfMargin  = 18.0
	pdfWidth   = 210.0 - 2*pdfMargin
	pdfNumW    = 14.0
	pdfNameW   = 92.0
	pdfCityW   = pdfWidth - pdfNumW - pdfNameW
	pdfRowH    = 6.2
	pdfMaxText = 20000 // runes of petition text printed; content is a page, not a book
)

// pdfLang is the language the PDF's texts are printed in.
func pdfLang(lang string) string {
	if lang == "cs" {
		return "cs"
	}
	return "en"
}

// RenderDelivery draws the delivery PDF.
func RenderDelivery(d Delivery) ([]byte, error) {
	lang := pdfLang(d.Lang)
	t := func(key string, args ...any) string { return console.T(lang, key, args...) }
	loc := d.Loc
	if loc == nil {
		loc = time.UTC
	}
	f := applicationpdf.FontFamily
	clean := applicationpdf.Clean
	pdf := fpdf.New("P", "mm", "A4", "")
	// Page streams uncompressed: fpdf makes a new deflate writer (about a
	// megabyte) for every page, and a viral petition's delivery has
	// hundreds of pages. Measured with 10,000 names (BenchmarkDeliveryPDF):
	// compressed 570 ms and 335 MB allocated, uncompressed 63 ms and 41 MB,
	// for a 2 MB file instead of a smaller one — fine to hand over.
	pdf.SetCompression(false)
	// Resource catalogs in a fixed order (fpdf walks maps otherwise), so
	// the same delivery gives the same bytes, as the application PDF does.
	pdf.SetCatalogSort(true)
	applicationpdf.AddFonts(pdf)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+4)
	pdf.SetTitle(clean(d.Title), true)
	pdf.SetLang(lang)
	if !d.At.IsZero() {
		// The same petition at the same moment gives the same bytes.
		pdf.SetCreationDate(d.At.UTC())
		pdf.SetModificationDate(d.At.UTC())
	}
	union := clean(d.Union)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin)
		pdf.SetFont(f, "", 7.5)
		pdf.SetTextColor(0x5f, 0x63, 0x68)
		pdf.CellFormat(pdfWidth/2, 4, union, "", 0, "L", false, 0, "")
		pdf.CellFormat(pdfWidth/2, 4, t("pet.pdf.page", "n", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0x1a, 0x1a, 0x1a)
	})
	pdf.AddPage()
	pdf.SetTextColor(0x1a, 0x1a, 0x1a)

	pdf.SetFont(f, "", 9)
	pdf.MultiCell(0, 5, t("pet.pdf.kicker"), "", "L", false)
	pdf.SetFont(f, "B", 18)
	pdf.MultiCell(0, 9, clean(d.Title), "", "L", false)
	pdf.Ln(2)
	if target := clean(d.Target); target != "" {
		pdf.SetFont(f, "B", 10.5)
		pdf.CellFormat(pdf.GetStringWidth(t("pet.pdf.to"))+2, 6, t("pet.pdf.to"), "", 0, "L", false, 0, "")
		pdf.SetFont(f, "", 10.5)
		pdf.MultiCell(0, 6, target, "", "L", false)
	}
	pdf.SetFont(f, "", 9)
	state := t("pet.pdf.as_of", "when", d.At.In(loc).Format("2006-01-02 15:04"))
	if d.Closed {
		state = t("pet.pdf.closed_as_of", "when", d.At.In(loc).Format("2006-01-02 15:04"))
	}
	pdf.MultiCell(0, 5, state, "", "L", false)
	pdf.Ln(3)

	pdf.SetFont(f, "", 10.5)
	for _, para := range paragraphs(d.Text) {
		pdf.MultiCell(0, 5.4, para, "", "L", false)
		pdf.Ln(2)
	}
	pdf.Ln(2)

	pdf.SetFont(f, "B", 12)
	pdf.MultiCell(0, 7, t("pet.pdf.count", "n", strconv.Itoa(d.Confirmed)), "", "L", false)
	pdf.SetFont(f, "", 9.5)
	unnamed := d.Confirmed - len(d.Signers)
	if unnamed < 0 {
		unnamed = 0
	}
	pdf.MultiCell(0, 5, t("pet.pdf.named", "named", strconv.Itoa(len(d.Signers)), "unnamed", strconv.Itoa(unnamed)), "", "L", false)
	pdf.Ln(3)
	if len(d.Signers) == 0 {
		return output(pdf)
	}
	header := func() {
		pdf.SetFont(f, "B", 9.5)
		pdf.SetFillColor(0xf1, 0xf3, 0xf5)
		pdf.CellFormat(pdfNumW, pdfRowH, "#", "B", 0, "R", true, 0, "")
		pdf.CellFormat(pdfNameW, pdfRowH, "  "+t("pet.pdf.name"), "B", 0, "L", true, 0, "")
		pdf.CellFormat(pdfCityW, pdfRowH, t("pet.pdf.city"), "B", 1, "L", true, 0, "")
		pdf.SetFont(f, "", 9.5)
	}
	header()
	_, pageH := pdf.GetPageSize()
	for i, s := range d.Signers {
		if pdf.GetY()+pdfRowH > pageH-pdfMargin-4 {
			pdf.AddPage()
			header()
		}
		pdf.CellFormat(pdfNumW, pdfRowH, strconv.Itoa(i+1), "", 0, "R", false, 0, "")
		pdf.CellFormat(pdfNameW, pdfRowH, "  "+fit(pdf, clean(s.Name), pdfNameW-4), "", 0, "L", false, 0, "")
		pdf.CellFormat(pdfCityW, pdfRowH, fit(pdf, clean(s.City), pdfCityW-2), "", 1, "L", false, 0, "")
	}
	return output(pdf)
}

func output(pdf *fpdf.Fpdf) ([]byte, error) {
	var b strings.Builder
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("delivery pdf: %w", err)
	}
	return []byte(b.String()), nil
}

// fit shortens s with "…" until it fits w millimetres, so a long name
// cannot run into the next column (the full name is in the CSV).
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// paragraphs splits plain text at blank lines and cleans each paragraph
// for printing. applicationpdf.Clean cuts a value at 200 characters (it is
// made for fields), so a paragraph is cleaned in word-bounded pieces and
// put together again.
func paragraphs(text string) []string {
	if utf8.RuneCountInString(text) > pdfMaxText {
		text = string([]rune(text)[:pdfMaxText]) + "…"
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, para := range strings.Split(text, "\n\n") {
		var parts []string
		var cur strings.Builder
		n := 0
		for _, w := range strings.Fields(para) {
			if n > 0 && n+utf8.RuneCountInString(w) > 150 {
				parts = append(parts, applicationpdf.Clean(cur.String()))
				cur.Reset()
				n = 0
			}
			if n > 0 {
				cur.WriteByte(' ')
			}
			cur.WriteString(w)
			n += utf8.RuneCountInString(w) + 1
		}
		if cur.Len() > 0 {
			parts = append(parts, applicationpdf.Clean(cur.String()))
		}
		if p := strings.TrimSpace(strings.Join(parts, " ")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// PlainText turns a page's rendered (sanitised) body into the plain text
// the PDF prints: paragraphs, headings and list items each become a
// paragraph (items start with "•"), line breaks and the rest of the
// markup are dropped, entities decoded. Scripts and styles, which the
// sanitiser has removed anyway, are skipped.
func PlainText(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	skip := 0
	brk := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n\n") {
			b.WriteString("\n\n")
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			var out []string
			for _, para := range strings.Split(b.String(), "\n\n") {
				if para = strings.Join(strings.Fields(para), " "); para != "" && para != "•" {
					out = append(out, para)
				}
			}
			return strings.Join(out, "\n\n")
		case html.TextToken:
			if skip == 0 {
				// Inline text: the spaces around it are kept (one is enough),
				// line breaks inside a paragraph are spaces.
				b.WriteString(strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table", "tr", "div", "pre":
				brk()
			case "li":
				brk()
				b.WriteString("• ")
			case "br":
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if skip > 0 {
					skip--
				}
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "tr", "div", "pre":
				brk()
			}
		}
	}
}

package applicationpdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

//go:embed DejaVuSans.ttf
var regularTTF []byte

//go:embed DejaVuSans-Bold.ttf
var boldTTF []byte

// Application is what the applicant submitted. All strings are untrusted and
// are cleaned before printing (see clean).
type Application struct {
	Lang        string // language of the PDF: "cs" or "en"; others fall back to English
	FirstName   string
	LastName    string
	Email       string
	DateOfBirth string // "YYYY-MM-DD"; printed as given if it does not parse
	Address     string
	City        string
	PostalCode  string
	Phone       string
	Company     string
	Occupation  string
	// Signature is a PNG or JPEG (normally from package signature); nil when
	// the applicant signed by typing their name.
	Signature []byte
	// TypedSignature is the full name typed as an electronic signature; used
	// when Signature is nil.
	TypedSignature string
	SignedAt       time.Time
	Place          string // from the site's configuration, e.g. "Praha"
}

// Union is the organisation the application is addressed to.
type Union struct {
	Name string
	// Logo is a PNG or JPEG; nil, SVG or anything unreadable is left out
	// rather than failing an applicant's PDF over a configuration problem.
	Logo               []byte
	LegalName          string
	RegistrationNumber string
	Address            string
}

// Page geometry, in millimetres.
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 20.0
	marginTop    = 16.0
	marginBottom = 18.0
	// pageBreakMargin keeps body text clear of the footer line.
	pageBreakMargin = marginBottom + 4
	contentW        = pageW - 2*marginX
	labelW          = 50.0
	fontFamily      = "DejaVu"
)

// Colours (RGB).
var (
	ink    = [3]int{0x1a, 0x1a, 0x1a}
	muted  = [3]int{0x5f, 0x63, 0x68}
	accent = [3]int{0xb0, 0x1c, 0x2e}
	rule   = [3]int{0xc8, 0xcc, 0xd0}
	shade  = [3]int{0xf1, 0xf3, 0xf5}
)

// Render lays out the application as a one-page (longer only for very long
// fields) A4 PDF. loc is the site's time zone for the signing date; nil means
// UTC.
func Render(a Application, u Union, loc *time.Location) ([]byte, error) {
	if loc == nil {
		loc = time.UTC
	}
	t := textsFor(a.Lang)
	sig, err := normaliseImage(a.Signature, maxSignatureSide)
	if err != nil {
		return nil, fmt.Errorf("application pdf: signature: %w", err)
	}
	logo := cachedLogo(u.Logo)

	unionName := clean(u.Name)
	controller := clean(u.LegalName)
	if controller == "" {
		controller = unionName
	}

	pdf := newDocument()
	pdf.SetTitle(t.Title, true)
	pdf.SetLang(langTag(a.Lang))
	signedAt := a.SignedAt.In(loc)
	if !a.SignedAt.IsZero() {
		// Reproducible output: the same application gives the same bytes.
		pdf.SetCreationDate(a.SignedAt.UTC())
		pdf.SetModificationDate(a.SignedAt.UTC())
	}
	pdf.SetFooterFunc(func() {
		pdf.SetY(-marginBottom + 6)
		setFont(pdf, "", 7.5, muted)
		pdf.CellFormat(contentW/2, 4, unionName, "", 0, "L", false, 0, "")
		pdf.CellFormat(contentW/2, 4, fmt.Sprintf(t.Page, pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()

	// Header: logo, union name, legal details, a rule.
	textX := marginX
	headerBottom := marginTop
	if logo != nil {
		const logoH = 18.0
		logoW := min(logoH*float64(logo.w)/float64(logo.h), 50)
		h := logoW * float64(logo.h) / float64(logo.w)
		pdf.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(logo.png))
		pdf.ImageOptions("logo", marginX, marginTop, logoW, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		textX += logoW + 5
		headerBottom = marginTop + h
	}
	pdf.SetXY(textX, marginTop)
	setFont(pdf, "B", 15, ink)
	pdf.MultiCell(pageW-marginX-textX, 7, unionName, "", "L", false)
	// The legal name on its own line, registration number and seat below.
	var details []string
	if reg := clean(u.RegistrationNumber); reg != "" {
		details = append(details, t.RegNo+" "+reg)
	}
	if addr := clean(u.Address); addr != "" {
		details = append(details, addr)
	}
	setFont(pdf, "", 8.5, muted)
	for _, line := range []string{controller, strings.Join(details, "  ·  ")} {
		if line != "" && line != unionName {
			pdf.SetX(textX)
			pdf.MultiCell(pageW-marginX-textX, 4.2, line, "", "L", false)
		}
	}
	y := max(pdf.GetY(), headerBottom) + 4
	drawRule(pdf, y, accent, 0.6)

	// Title and the statement of joining.
	pdf.SetXY(marginX, y+7)
	setFont(pdf, "B", 20, ink)
	pdf.CellFormat(contentW, 9, t.Title, "", 1, "L", false, 0, "")
	pdf.Ln(3)
	setFont(pdf, "", 10.5, ink)
	// The name ends a sentence; "z. s." must not become "z. s..".
	pdf.MultiCell(contentW, 5.4, fmt.Sprintf(t.Statement, strings.TrimSuffix(controller, ".")), "", "L", false)
	pdf.Ln(5)

	// The applicant's details as a labelled table.
	setFont(pdf, "B", 11, ink)
	pdf.CellFormat(contentW, 7, t.Applicant, "", 1, "L", false, 0, "")
	rows := [][2]string{
		{t.FirstName, clean(a.FirstName)},
		{t.LastName, clean(a.LastName)},
		{t.DateOfBirth, formatBirthDate(a.DateOfBirth, t)},
		{t.Email, clean(a.Email)},
		{t.Phone, clean(a.Phone)},
		{t.Address, clean(a.Address)},
		{t.City, clean(a.City)},
		{t.PostalCode, clean(a.PostalCode)},
		{t.Company, clean(a.Company)},
		{t.Occupation, clean(a.Occupation)},
	}
	for _, r := range rows {
		tableRow(pdf, r[0], r[1], t.NotGiven)
	}
	pdf.Ln(7)

	// Place and date, then the signature.
	dateStr := ""
	if !a.SignedAt.IsZero() {
		dateStr = t.formatDate(signedAt)
	}
	ensureSpace(pdf, 55)
	half := contentW / 2
	labelled := func(label, value string, w float64) {
		setFont(pdf, "", 8.5, muted)
		lw := pdf.GetStringWidth(label+": ") + 1
		pdf.CellFormat(lw, 6, label+":", "", 0, "L", false, 0, "")
		setFont(pdf, "", 10.5, ink)
		fitCell(pdf, w-lw-4, 6, value)
	}
	labelled(t.Place, clean(a.Place), half)
	pdf.SetX(marginX + half)
	labelled(t.Date, dateStr, half)
	pdf.Ln(10)
	signatureBlock(pdf, a, t, sig, signedAt)

	// The consent sits at the foot of the last page when there is room.
	consent := fmt.Sprintf(t.Consent, controller)
	setFont(pdf, "", 7.8, muted)
	lines := len(pdf.SplitText(consent, contentW))
	h := 6 + float64(lines+1)*3.6 // +1: justified wrapping may differ by a line
	bottom := pageH - pageBreakMargin
	if pdf.GetY()+8+h <= bottom {
		pdf.SetY(bottom - h)
	} else {
		pdf.Ln(6)
		ensureSpace(pdf, h)
	}
	drawRule(pdf, pdf.GetY(), rule, 0.2)
	pdf.Ln(1.5)
	setFont(pdf, "B", 8, muted)
	pdf.CellFormat(contentW, 4.5, t.ConsentHeading, "", 1, "L", false, 0, "")
	setFont(pdf, "", 7.8, muted)
	pdf.MultiCell(contentW, 3.6, consent, "", "J", false)

	var out bytes.Buffer
	out.Grow(64 << 10)
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("application pdf: %w", err)
	}
	return out.Bytes(), nil
}

// newDocument creates an A4 document with the embedded fonts registered.
func newDocument() *fpdf.Fpdf {
	pdf := fpdf.NewCustom(&fpdf.InitType{
		OrientationStr: "P",
		UnitStr:        "mm",
		Size:           fpdf.SizeType{Wd: pageW, Ht: pageH},
	})
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(true, pageBreakMargin)
	pdf.SetCreator("Unionhall", true)
	pdf.SetProducer("Unionhall", true)
	pdf.SetCatalogSort(true)
	addFonts(pdf)
	return pdf
}

func langTag(lang string) string {
	if textsFor(lang) == &czech {
		return "cs"
	}
	return "en"
}

func setFont(pdf *fpdf.Fpdf, style string, size float64, c [3]int) {
	pdf.SetFont(fontFamily, style, size)
	pdf.SetTextColor(c[0], c[1], c[2])
}

func drawRule(pdf *fpdf.Fpdf, y float64, c [3]int, width float64) {
	pdf.SetDrawColor(c[0], c[1], c[2])
	pdf.SetLineWidth(width)
	pdf.Line(marginX, y, pageW-marginX, y)
}

// ensureSpace starts a new page when less than h millimetres remain.
func ensureSpace(pdf *fpdf.Fpdf, h float64) {
	if pdf.GetY()+h > pageH-pageBreakMargin {
		pdf.AddPage()
	}
}

// fitCell prints one line, shrinking the font until it fits the width, so a
// long place name cannot run into the next column.
func fitCell(pdf *fpdf.Fpdf, w, h float64, s string) {
	size, _ := pdf.GetFontSize()
	for size > 6 && pdf.GetStringWidth(s) > w-1 {
		size -= 0.5
		pdf.SetFontSize(size)
	}
	for pdf.GetStringWidth(s) > w-1 && s != "" {
		r := []rune(s)
		s = string(r[:len(r)-1])
	}
	pdf.CellFormat(w, h, s, "", 0, "L", false, 0, "")
}

// tableRow draws one label/value row. Values wrap inside their cell (long
// unbroken strings are broken at the cell edge) and the row grows to fit, so
// nothing overflows the page.
func tableRow(pdf *fpdf.Fpdf, label, value, notGiven string) {
	const lineH, pad = 5.0, 1.6
	muteValue := value == ""
	if muteValue {
		value = notGiven
	}
	valueW := contentW - labelW
	setFont(pdf, "", 10.5, ink)
	lines := pdf.SplitText(value, valueW)
	setFont(pdf, "B", 9, muted)
	labelLines := pdf.SplitText(label, labelW)
	h := float64(max(len(lines), len(labelLines), 1))*lineH + 2*pad
	ensureSpace(pdf, h)
	x, y := marginX, pdf.GetY()

	pdf.SetFillColor(shade[0], shade[1], shade[2])
	pdf.SetDrawColor(rule[0], rule[1], rule[2])
	pdf.SetLineWidth(0.2)
	pdf.Rect(x, y, labelW, h, "FD")
	pdf.Rect(x+labelW, y, valueW, h, "D")

	pdf.SetXY(x, y+pad)
	pdf.MultiCell(labelW, lineH, label, "", "L", false)
	if muteValue {
		setFont(pdf, "", 10.5, muted)
	} else {
		setFont(pdf, "", 10.5, ink)
	}
	for i, l := range lines {
		pdf.SetXY(x+labelW, y+pad+float64(i)*lineH)
		pdf.CellFormat(valueW, lineH, l, "", 0, "L", false, 0, "")
	}
	pdf.SetXY(x, y+h)
}

// signatureBlock draws the signature image in a 492:192 box above a line, or
// the typed name with the note that it is an electronic signature. With
// neither, the line is left empty for a pen.
func signatureBlock(pdf *fpdf.Fpdf, a Application, t *texts, sig *pdfImage, signedAt time.Time) {
	const boxW, boxH = 80.0, 80.0 * 192 / 492
	x, y := marginX, pdf.GetY()
	typed := clean(a.TypedSignature)
	switch {
	case sig != nil:
		w, h := boxW, boxW*float64(sig.h)/float64(sig.w)
		if h > boxH {
			w, h = boxH*float64(sig.w)/float64(sig.h), boxH
		}
		pdf.RegisterImageOptionsReader("signature", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(sig.png))
		pdf.ImageOptions("signature", x, y+boxH-h, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	case typed != "":
		pdf.SetXY(x, y+boxH-10)
		setFont(pdf, "B", 16, ink)
		fitCell(pdf, boxW+40, 9, typed)
	}
	pdf.SetDrawColor(muted[0], muted[1], muted[2])
	pdf.SetLineWidth(0.3)
	pdf.Line(x, y+boxH+1, x+boxW+40, y+boxH+1)
	pdf.SetXY(x, y+boxH+2)
	setFont(pdf, "", 8.5, muted)
	pdf.CellFormat(boxW, 4.5, t.SignatureCaption, "", 1, "L", false, 0, "")
	if sig == nil && typed != "" {
		when := ""
		if !a.SignedAt.IsZero() {
			when = t.formatTime(signedAt)
		}
		note := fmt.Sprintf(t.TypedSignature, when)
		if when == "" {
			note = strings.Replace(note, "  ", " ", 1)
			note = strings.Replace(note, " .", ".", 1)
		}
		setFont(pdf, "", 8.5, ink)
		pdf.MultiCell(contentW, 4.5, note, "", "L", false)
	}
}

// formatBirthDate prints "YYYY-MM-DD" in the language's style; anything else
// is printed cleaned, as given.
func formatBirthDate(s string, t *texts) string {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return clean(s)
	}
	return t.formatDate(d)
}

package applicationpdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var prague = mustLoc("Europe/Prague")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// signaturePNG is a canvas-like drawing: transparent, a dark wavy stroke.
func signaturePNG(t testing.TB) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, 492, 192))
	for x := 40; x < 450; x++ {
		y := 96 + int(50*math.Sin(float64(x)/38))
		for d := -2; d <= 2; d++ {
			m.Set(x, y+d, color.NRGBA{0x12, 0x22, 0x66, 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// logoPNG is a small two-colour logo with transparency.
func logoPNG(t testing.TB) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := range 120 {
		for x := range 120 {
			dx, dy := x-60, y-60
			if dx*dx+dy*dy < 55*55 {
				m.Set(x, y, color.NRGBA{0xb0, 0x1c, 0x2e, 0xff})
			}
			if x > 45 && x < 75 && y > 25 && y < 95 {
				m.Set(x, y, color.NRGBA{0xff, 0xff, 0xff, 0xff})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, m)
	return b.Bytes()
}

func czechApplication(t testing.TB) Application {
	return Application{
		Lang:        "cs",
		FirstName:   "Jana",
		LastName:    "Dvořáková",
		Email:       "jana.dvorakova@example.cz",
		DateOfBirth: "1990-03-07",
		Address:     "Křižíkova 148/34",
		City:        "Praha 8",
		PostalCode:  "186 00",
		Phone:       "+420 777 123 456",
		Company:     "Žluťoučký kůň s.r.o.",
		Occupation:  "Testerka softwaru",
		Signature:   signaturePNG(t),
		SignedAt:    time.Date(2026, 11, 22, 13, 5, 0, 0, time.UTC),
		Place:       "Praha",
	}
}

func testUnion(t testing.TB) Union {
	return Union{
		Name:               "Odborová organizace IT pracovníků",
		Logo:               logoPNG(t),
		LegalName:          "Základní odborová organizace IT, z. s.",
		RegistrationNumber: "12345678",
		Address:            "Senovážné náměstí 23, 110 00 Praha 1",
	}
}

// pdftotext extracts the text with poppler, the way a person's PDF reader
// or a screen reader would see it.
func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("UNIONHALL_TEST_REQUIRE_ALL") == "1" {
			t.Fatal("pdftotext (poppler-utils) is required: apt-get install poppler-utils")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "a.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

const mm = 72 / 25.4 // points per millimetre

type wordBox struct {
	text       string
	xMin, xMax float64
}

// wordBoxes lists every word with its horizontal extent (pdftotext -bbox).
func wordBoxes(t *testing.T, pdf []byte) []wordBox {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed")
	}
	in := filepath.Join(t.TempDir(), "a.pdf")
	os.WriteFile(in, pdf, 0o600)
	out, err := exec.Command(bin, "-bbox", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>`)
	var words []wordBox
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		var w wordBox
		w.text = m[3]
		fmt.Sscan(m[1], &w.xMin)
		fmt.Sscan(m[2], &w.xMax)
		words = append(words, w)
	}
	if len(words) < 20 {
		t.Fatalf("only %d words found by pdftotext -bbox", len(words))
	}
	return words
}

// pageCount asks poppler's pdfinfo how many pages the PDF has (0 if absent).
func pageCount(t *testing.T, pdf []byte) int {
	t.Helper()
	bin, err := exec.LookPath("pdfinfo")
	if err != nil {
		return 0
	}
	in := filepath.Join(t.TempDir(), "a.pdf")
	os.WriteFile(in, pdf, 0o600)
	out, err := exec.Command(bin, in).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", out)
	}
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
	}
	return n
}

// keep writes the PDF to $APPLICATIONPDF_OUT for a person to look at.
func keep(t *testing.T, name string, pdf []byte) {
	if dir := os.Getenv("APPLICATIONPDF_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func render(t *testing.T, a Application, u Union) []byte {
	t.Helper()
	pdf, err := Render(a, u, prague)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
	}
	return pdf
}

// squash removes -layout's column padding so phrases can be searched.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRenderCzech(t *testing.T) {
	pdf := render(t, czechApplication(t), testUnion(t))
	keep(t, "czech.pdf", pdf)
	text := squash(pdftotext(t, pdf))
	for _, want := range []string{
		"Přihláška za člena",
		"Odborová organizace IT pracovníků",
		"IČO 12345678",
		"Dvořáková", "Jana", "7. 3. 1990",
		"Žluťoučký kůň s.r.o.", "Křižíkova 148/34", "+420 777 123 456",
		"Příjmení", "Datum narození", "Zaměstnavatel",
		"stanovami",
		"Místo: Praha", "Datum: 22. 11. 2026",
		"Podpis žadatele/žadatelky",
		"Souhlas se zpracováním osobních údajů",
		"nejsou nikdy předávány zaměstnavateli",
		"Strana 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Application for membership") {
		t.Error("English title in a Czech PDF")
	}
	if n := pageCount(t, pdf); n != 1 && n != 0 {
		t.Errorf("%d pages, want 1", n)
	}
	if strings.Contains(text, "z. s..") {
		t.Error("double full stop after the union's name")
	}
}

func TestRenderSerbianNamesEnglishFallback(t *testing.T) {
	for _, tc := range []struct{ lang, first, last string }{
		{"sr", "Љубица", "Јовановић"},
		{"sr-Latn", "Ljubica", "Jovanović"},
		{"", "Ђорђе", "Џаковић"},
		{"de", "Jürgen", "Groß"},
	} {
		a := czechApplication(t)
		a.Lang, a.FirstName, a.LastName = tc.lang, tc.first, tc.last
		a.City, a.Company = "Нови Сад", "Шабачка фабрика"
		pdf := render(t, a, testUnion(t))
		keep(t, "fallback-"+tc.lang+".pdf", pdf)
		text := squash(pdftotext(t, pdf))
		for _, want := range []string{
			"Application for membership", tc.first, tc.last, "Нови Сад", "Шабачка фабрика",
			"Last name", "Date of birth", "7 March 1990", "22 November 2026",
			"never passed to the applicant's employer",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("lang %q: missing %q in:\n%s", tc.lang, want, text)
			}
		}
	}
}

func TestRenderTypedSignature(t *testing.T) {
	a := czechApplication(t)
	a.Signature = nil
	a.TypedSignature = "Jana Dvořáková"
	pdf := render(t, a, testUnion(t))
	keep(t, "typed-cs.pdf", pdf)
	text := squash(pdftotext(t, pdf))
	// 13:05 UTC is 14:05 in Prague in November.
	want := "Podepsáno elektronicky napsáním celého jména dne 22. 11. 2026 v 14:05 CET."
	if !strings.Contains(text, want) {
		t.Errorf("missing %q in:\n%s", want, text)
	}
	if strings.Count(text, "Jana Dvořáková") < 1 {
		t.Errorf("typed name missing")
	}

	a.Lang = "en"
	pdf = render(t, a, testUnion(t))
	keep(t, "typed-en.pdf", pdf)
	text = squash(pdftotext(t, pdf))
	if want := "Signed electronically by typing the full name on 22 November 2026, 14:05 CET."; !strings.Contains(text, want) {
		t.Errorf("missing %q in:\n%s", want, text)
	}
}

// The drawn signature is in the PDF as an image; the typed-name note is not.
func TestRenderDrawnSignatureIsImage(t *testing.T) {
	a := czechApplication(t)
	with := render(t, a, Union{Name: "U"})
	if !bytes.Contains(with, []byte("/Subtype /Image")) {
		t.Fatal("no image in a PDF with a drawn signature")
	}
	if strings.Contains(squash(pdftotext(t, with)), "elektronicky") {
		t.Fatal("typed-signature note on a drawn signature")
	}
	a.Signature = nil
	without := render(t, a, Union{Name: "U"})
	if bytes.Contains(without, []byte("/Subtype /Image")) {
		t.Fatal("image in a PDF with neither signature nor logo")
	}
	// A JPEG signature (an uploaded photo) works too.
	m := image.NewRGBA(image.Rect(0, 0, 300, 120))
	for i := range m.Pix {
		m.Pix[i] = 0xee
	}
	var j bytes.Buffer
	jpeg.Encode(&j, m, nil)
	a.Signature = j.Bytes()
	if !bytes.Contains(render(t, a, Union{Name: "U"}), []byte("/Subtype /Image")) {
		t.Fatal("JPEG signature not embedded")
	}
}

func TestRenderMissingOptionalFields(t *testing.T) {
	a := Application{Lang: "en", FirstName: "Ann", LastName: "Lee", Email: "ann@example.org"}
	pdf := render(t, a, Union{Name: "ICT Union"})
	keep(t, "minimal.pdf", pdf)
	text := squash(pdftotext(t, pdf))
	for _, want := range []string{"Application for membership", "ICT Union", "Ann", "Lee", "Address —", "Postal code —", "Signature of the applicant"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Reg. No.") {
		t.Error("empty registration number printed")
	}
	// Nothing at all still gives a PDF (a blank form to sign by hand).
	render(t, Application{}, Union{})
}

func TestRenderHostileFields(t *testing.T) {
	long := strings.Repeat("Dlouhé jméno ", 40)
	unbroken := strings.Repeat("W", 400)
	a := Application{
		Lang:        "cs",
		FirstName:   "Jana\u202eávokářovD\u202c",                  // RTL override to disguise the name
		LastName:    "Dvořáková\x00\x07\x1b[31m\r\nInjected: row", // control chars, fake row
		Email:       "<script>alert(1)</script>@example.org",
		DateOfBirth: "1990-13-45\u2066",
		Address:     long,
		City:        unbroken,
		PostalCode:  "\u200b\u200d\ufeff",
		Phone:       "'); DROP TABLE members;--",
		Company:     "Emoji 😀 company \U0010FFFF",
		Occupation:  "bad utf8 \xff\xfe end",
		Place:       strings.Repeat("Místo ", 60),
		SignedAt:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	u := Union{Name: "U\u202eX", Logo: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}
	pdf := render(t, a, u)
	keep(t, "hostile.pdf", pdf)
	raw := pdftotext(t, pdf)
	for _, bad := range []string{"\u202e", "\u202c", "\u2066", "\u200b", "\ufeff", "\x00", "\x07", "\x1b", "😀"} {
		if strings.Contains(raw, bad) {
			t.Errorf("%q reached the PDF text", bad)
		}
	}
	text := squash(raw)
	for _, want := range []string{
		"Janaávokářovd", // not reversed: the override is gone
		"Dvořáková[31m Injected: row", "<script>alert(1)</script>@example.org",
		"1990-13-45", "'); DROP TABLE members;--", "Emoji ? company ?", "bad utf8 ?? end",
	} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	// Long values wrap inside the page: every line of the extracted text
	// fits an A4 width (about 100 characters at this size), and the unbroken
	// 400-character string is split over several lines.
	for _, l := range strings.Split(raw, "\n") {
		if n := len([]rune(strings.TrimSpace(l))); n > 130 {
			t.Errorf("line of %d characters, text overflowed: %q", n, l)
		}
	}
	if strings.Count(raw, strings.Repeat("W", 20)) < 4 {
		t.Error("unbroken value not wrapped")
	}
	// Every word lies within the page's side margins.
	for _, w := range wordBoxes(t, pdf) {
		if w.xMin < marginX*mm-1 || w.xMax > (pageW-marginX)*mm+1 {
			t.Errorf("word %q at x %.1f–%.1f pt overflows the margins", w.text, w.xMin, w.xMax)
		}
	}
	if n := pageCount(t, pdf); n > 3 {
		t.Errorf("%d pages for one application", n)
	}
}

func TestRenderRefusesBadSignatureKeepsGoingWithBadLogo(t *testing.T) {
	a := czechApplication(t)
	for name, sig := range map[string][]byte{
		"html":      []byte("<html><script>alert(1)</script>"),
		"truncated": signaturePNG(t)[:100],
		"huge":      hugePNGHeader(),
	} {
		a.Signature = sig
		if _, err := Render(a, Union{Name: "U"}, prague); err == nil {
			t.Errorf("%s signature accepted", name)
		}
	}
	a = czechApplication(t)
	for name, logo := range map[string][]byte{
		"svg": []byte("<svg/>"), "garbage": []byte("GIF89a...."), "huge": hugePNGHeader(),
	} {
		pdf := render(t, a, Union{Name: "U", Logo: logo})
		if !strings.Contains(squash(pdftotext(t, pdf)), "Dvořáková") {
			t.Errorf("%s logo: PDF incomplete", name)
		}
	}
}

// hugePNGHeader is a PNG signature and IHDR claiming 100000×100000 pixels.
func hugePNGHeader() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x06\x00\x00\x00\x00\x00\x00\x00")
}

func TestRenderDeterministicAndLogoCached(t *testing.T) {
	a, u := czechApplication(t), testUnion(t)
	p1 := render(t, a, u)
	p2 := render(t, a, u)
	if !bytes.Equal(p1, p2) {
		t.Fatal("the same application rendered to different bytes")
	}
	l1, l2 := cachedLogo(u.Logo), cachedLogo(bytes.Clone(u.Logo))
	if l1 == nil || l1 != l2 {
		t.Fatal("logo not cached")
	}
	if cachedLogo([]byte("<svg/>")) != nil || cachedLogo(nil) != nil {
		t.Fatal("SVG or empty logo not skipped")
	}
}

func TestLanguageChoice(t *testing.T) {
	for lang, want := range map[string]*texts{
		"cs": &czech, "cs-CZ": &czech, "CS": &czech, " cs_CZ ": &czech,
		"en": &english, "sr": &english, "": &english, "csx": &english, "<script>": &english,
	} {
		if textsFor(lang) != want {
			t.Errorf("textsFor(%q) is the wrong language", lang)
		}
	}
}

// Documents rendered at the same time share the subset fonts and the logo
// cache; each must come out exactly as when rendered alone.
func TestRenderConcurrent(t *testing.T) {
	u := testUnion(t)
	apps := []Application{czechApplication(t), czechApplication(t), czechApplication(t)}
	apps[1].Lang, apps[1].FirstName = "en", "Љубица"
	apps[2].Signature, apps[2].TypedSignature = nil, "Jana Dvořáková"
	want := make([][]byte, len(apps))
	for i, a := range apps {
		want[i] = render(t, a, u)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 12)
	for i := range 12 {
		wg.Go(func() {
			got, err := Render(apps[i%3], u, prague)
			if err != nil || !bytes.Equal(got, want[i%3]) {
				errs <- fmt.Sprintf("render %d differs (err %v)", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"  Jana \t\n Nováková  ":  "Jana Nováková",
		"a\u202eb\u2067c\u200fd":  "abcd",
		"x\x00y\x7fz\u0085w":      "xyz w",
		"😀":                       "?",
		"\xff":                    "?",
		"Љубица":                  "Љубица",
		strings.Repeat("é", 1000): strings.Repeat("é", maxFieldRunes) + "…",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct {
		first, last, want string
	}{
		{"Antonín", "Dvořák", "Dvorak_Antonin_application.pdf"},
		{"Jana", "Dvořáková", "Dvorakova_Jana_application.pdf"},
		{"Љубица", "Јовановић", "Jovanovic_Ljubica_application.pdf"},
		{"ЉУБИЦА", "ЂОРЂЕВИЋ", "DJORDJEVIC_LJUBICA_application.pdf"},
		{"Џон", "Шћепановић", "Scepanovic_Dzon_application.pdf"},
		{"Ljubica", "Jovanović", "Jovanovic_Ljubica_application.pdf"},
		{"Đorđe", "Łukasz", "Lukasz_Djordje_application.pdf"},
		{"Jürgen", "Groß", "Gross_Jurgen_application.pdf"},
		{"Anna Marie", "Nová-Svobodová", "Nova-Svobodova_Anna-Marie_application.pdf"},
		{"../../etc", "passwd\x00", "passwd_etc_application.pdf"},
		{`a"b`, `c\d/e`, "c-d-e_a-b_application.pdf"},
		{"\u202egnp.exe", "x", "x_gnp-exe_application.pdf"},
		{"", "", "applicant_application.pdf"},
		{"李", "王", "applicant_application.pdf"},
		{"", "Novák", "Novak_application.pdf"},
	} {
		got := FileName(Application{FirstName: tc.first, LastName: tc.last})
		if got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tc.first, tc.last, got, tc.want)
		}
	}
	long := FileName(Application{FirstName: strings.Repeat("a", 500), LastName: strings.Repeat("b", 500)})
	if len(long) > 2*maxNamePart+20 || !regexp.MustCompile(`^[A-Za-z0-9_-]+\.pdf$`).MatchString(long) {
		t.Errorf("long name gives %q", long)
	}
}

func FuzzFileName(f *testing.F) {
	f.Add("Љубица", "Dvořák")
	f.Add("../..", "\x00/\\")
	ok := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*_application\.pdf$`)
	f.Fuzz(func(t *testing.T, first, last string) {
		if got := FileName(Application{FirstName: first, LastName: last}); !ok.MatchString(got) || len(got) > 120 {
			t.Fatalf("FileName(%q, %q) = %q", first, last, got)
		}
	})
}

func FuzzClean(f *testing.F) {
	f.Add("Jana\u202e Dvořáková\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		c := clean(s)
		for _, r := range c {
			if r == '\n' || r == '\r' || r < 0x20 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r > 0xffff {
				t.Fatalf("clean(%q) kept %U", s, r)
			}
		}
		// Whatever clean lets through must not crash fpdf's width tables.
		if len(c) > 0 {
			pdf := newDocument()
			pdf.AddPage()
			pdf.SetFont(fontFamily, "", 10)
			pdf.SplitText(c, 50)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	a, u := czechApplication(b), testUnion(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(a, u, prague); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderTypedSignature(b *testing.B) {
	a, u := czechApplication(b), testUnion(b)
	a.Signature, a.TypedSignature = nil, "Jana Dvořáková"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(a, u, prague); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderParallel(b *testing.B) {
	a, u := czechApplication(b), testUnion(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Render(a, u, prague); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

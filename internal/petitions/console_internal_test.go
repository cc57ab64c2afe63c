package petitions

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"unionhall/internal/console"
	"unionhall/internal/testenv"
)

func TestDefuseCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+420 777": "'+420 777", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Jana": "Jana", " =1": " =1", "a=b": "a=b", "'quoted": "'quoted",
	} {
		if got := defuseCell(in); got != want {
			t.Errorf("defuseCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	rows := [][]string{{`=HYPERLINK("http://evil")`, "a,b", "line\nbreak", `"q"`}}
	if err := writeCSV(&b, []string{"one", "two", "three", "four"}, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Fatal("no UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b.Bytes()[3:])).ReadAll()
	if err != nil || len(recs) != 2 || len(recs[1]) != 4 {
		t.Fatalf("%q %v", recs, err)
	}
	if recs[1][0] != `'=HYPERLINK("http://evil")` || recs[1][1] != "a,b" || recs[1][2] != "line\nbreak" || recs[1][3] != `"q"` {
		t.Errorf("cells: %q", recs[1])
	}
}

func TestFillDays(t *testing.T) {
	got := fillDays([]DayCount{{"2026-06-01", 2}, {"2026-06-04", 3}}, "2026-06-05")
	want := []chartDay{{"2026-06-01", 2}, {"2026-06-02", 0}, {"2026-06-03", 0}, {"2026-06-04", 3}, {"2026-06-05", 0}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %d: %v, want %v", i, got[i], want[i])
		}
	}
	if fillDays(nil, "2026-06-05") != nil {
		t.Error("no days should draw nothing")
	}
	// A long-running petition: the latest maxChartDays only.
	long := fillDays([]DayCount{{"2020-01-01", 1}, {"2026-06-01", 1}}, "")
	if len(long) != maxChartDays || long[len(long)-1].Day != "2026-06-01" {
		t.Errorf("long: %d days ending %v", len(long), long[len(long)-1])
	}
}

func TestCityCounts(t *testing.T) {
	var sigs []Signature
	add := func(city, status string, n int) {
		for range n {
			sigs = append(sigs, Signature{Status: status, Signer: Signer{City: city}})
		}
	}
	add("Praha", StatusConfirmed, 3)
	add("praha ", StatusConfirmed, 2)
	add("PRAHA", StatusPending, 4) // pending never counts
	add("Brno", StatusConfirmed, 4)
	add("Zlín", StatusConfirmed, 5)
	add("", StatusConfirmed, 2)
	shown, others, unknown := cityCounts(sigs)
	if len(shown) != 2 || shown[0] != (cityCount{"Praha", 5}) || shown[1] != (cityCount{"Zlín", 5}) || others != 4 || unknown != 2 {
		t.Errorf("shown %v, others %d, unknown %d", shown, others, unknown)
	}
}

func TestDayChartEscapes(t *testing.T) {
	svg := string(dayChart([]chartDay{{"2026-06-01", 1}, {"2026-06-02", 4}}, `A <script>"x"</script>`, "d & e"))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "A &lt;script&gt;&#34;x&#34;&lt;/script&gt;") || !strings.Contains(svg, "d &amp; e") {
		t.Errorf("not escaped: %s", svg)
	}
	if strings.Count(svg, "<rect") != 2 || !strings.Contains(svg, `role="img"`) {
		t.Errorf("bars: %s", svg)
	}
}

func TestPlainText(t *testing.T) {
	in := `<h2>Why</h2><p>We ask for <strong>fair</strong> rent,<br>now.</p><ul><li>one</li><li>two &amp; three</li></ul><script>alert(1)</script><p>Last
line</p>`
	want := "Why\n\nWe ask for fair rent, now.\n\n• one\n\n• two & three\n\nLast line"
	if got := PlainText(in); got != want {
		t.Errorf("PlainText:\n%q\nwant\n%q", got, want)
	}
}

func TestParagraphsLong(t *testing.T) {
	long := strings.Repeat("slovo ", 400) // 2,400 characters, beyond Clean's 200
	ps := paragraphs(long + "\n\nDruhý\u202Eodstavec")
	if len(ps) != 2 || strings.Count(ps[0], "slovo") != 400 || strings.Contains(ps[0], "…") {
		t.Fatalf("long paragraph cut: %d paragraphs, %d words", len(ps), strings.Count(ps[0], "slovo"))
	}
	if ps[1] != "Druhýodstavec" {
		t.Errorf("direction override kept: %q", ps[1])
	}
}

// BenchmarkDeliveryPDF: the delivery PDF of a petition with 10,000 named
// signers (a viral petition's delivery).
func BenchmarkDeliveryPDF(b *testing.B) {
	d := Delivery{Lang: "cs", Union: "Odbory", Title: "Férové nájmy", Target: "Ministerstvo", Text: strings.Repeat("Žádáme o férové nájmy. ", 50), Confirmed: 12000}
	for i := range 10000 {
		d.Signers = append(d.Signers, DeliverySigner{Name: "Bořek Dvořák " + strings.Repeat("x", i%7), City: "Praha"})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderDelivery(d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMessageLang(t *testing.T) {
	langs := []string{"cs", "en"}
	for in, want := range map[string]string{"cs": "cs", "en": "en", "sr": "en", "": "en"} {
		if got := messageLang(in, langs, "en"); got != want {
			t.Errorf("messageLang(%q) = %q, want %q", in, got, want)
		}
	}
	if got := messageLang("sr", []string{"cs"}, "en"); got != "cs" {
		t.Errorf("no default-language page: %q", got)
	}
}

// pdfText extracts a PDF's text with poppler.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		testenv.SkipOrFail(t, "pdftotext (poppler-utils) is needed: apt-get install poppler-utils")
	}
	in := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// TestRenderDeliveryHostileAndLong: names that try to break the layout
// (line breaks, direction overrides, an emoji, a name longer than its
// column) print on their row, cleaned; a long list repeats the table's
// header on every page.
func TestRenderDeliveryHostileAndLong(t *testing.T) {
	d := Delivery{Lang: "en", Union: "Union", Title: "Title\nwith a break", Target: "The\u202Eboard", Text: "Text.", Confirmed: 400,
		At: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), Closed: true,
		Signers: []DeliverySigner{{Name: "Ana\nNext Row", City: "Brno\u202Ezlín"}, {Name: "Emoji 😀 Person", City: "Praha"},
			{Name: strings.Repeat("Dlouhé Jméno ", 20), City: "Ostrava"}}}
	for i := range 300 {
		d.Signers = append(d.Signers, DeliverySigner{Name: fmt.Sprintf("Signer %03d", i), City: "Kladno"})
	}
	pdf, err := RenderDelivery(d)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"Title with a break", "Theboard", "Ana Next Row", "Brnozlín", "Emoji ? Person", "Dlouhé Jméno Dlouhé", "…", "Signer 299",
		console.T("en", "pet.pdf.count", "n", "400"), console.T("en", "pet.pdf.closed_as_of", "when", "2026-06-01 10:00")} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("pdf lacks %q", want)
		}
	}
	pages := strings.Count(text, "\f")
	if pages < 2 || strings.Count(text, console.T("en", "pet.pdf.city")) != pages {
		t.Errorf("%d pages, %d table headers", pages, strings.Count(text, console.T("en", "pet.pdf.city")))
	}
	// The same petition at the same moment: the same bytes.
	again, _ := RenderDelivery(d)
	if !bytes.Equal(pdf, again) {
		t.Error("the delivery PDF is not reproducible")
	}
}

// FuzzRenderDelivery: whatever a signer typed (the public form refuses
// most of it, but erasure, imports and old rows are not the form), the
// delivery PDF is drawn, and the page's body turns into printable text.
func FuzzRenderDelivery(f *testing.F) {
	for _, s := range []string{"Ána", "Љубица\u202E", "😀\x00\r\n\t", strings.Repeat("W", 500), "<p>a<br>b</p><li>c", "\xff\xfe", "=cmd|' /C calc'!A0"} {
		f.Add(s, s, "<p>"+s+"</p>")
	}
	f.Fuzz(func(t *testing.T, name, city, body string) {
		text := PlainText(body)
		if _, err := RenderDelivery(Delivery{Lang: "cs", Title: name, Target: city, Text: text, Confirmed: 1,
			Signers: []DeliverySigner{{Name: name, City: city}}}); err != nil {
			t.Fatal(err)
		}
	})
}

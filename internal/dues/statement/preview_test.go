package statement

import (
	"strings"
	"testing"
)

func TestPreviewCSV(t *testing.T) {
	p, err := PreviewCSV(open(t, "bank-2026-11-cp1250.csv"), 0, EncodingAuto, 3, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Comma != ';' || p.Encoding != EncodingWindows1250 || len(p.Rows) != 3 {
		t.Fatalf("%#v", p)
	}
	if p.Rows[1][4] != "Název protiúčtu" || p.Rows[2][4] != "Jana Nováková" || p.Rows[2][1] != "500,00" {
		t.Errorf("%q", p.Rows)
	}
	p, err = PreviewCSV(open(t, "bank-2026-11-utf8bom.csv"), 0, EncodingAuto, 100, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Comma != ',' || p.Encoding != EncodingUTF8 || len(p.Rows) != 6 || p.Rows[0][0] != "date" {
		t.Fatalf("%#v", p)
	}
	// Hostile cells are shown cleaned; a bare quote does not stop the
	// preview; tabs are guessed.
	p, err = PreviewCSV(strings.NewReader("a\tb\"c\tx\u202ey\n1\t2\t3\n"), 0, EncodingAuto, 5, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Comma != '\t' || len(p.Rows) != 2 || p.Rows[0][2] != "xy" {
		t.Errorf("%#v", p)
	}
	_, err = PreviewCSV(strings.NewReader(""), 0, EncodingAuto, 5, Limits{})
	wantCode(t, err, CodeEmpty)
	// A huge file: only the start is read.
	big := &countingReader{r: strings.NewReader(strings.Repeat("03.11.2026;500,00;CZK;1001;x\n", 1<<16))}
	p, err = PreviewCSV(big, 0, EncodingAuto, 10, Limits{})
	if err != nil || len(p.Rows) != 10 {
		t.Fatalf("%v %#v", err, p)
	}
	if big.n > 1<<20 {
		t.Errorf("read %d bytes for a ten-row preview", big.n)
	}
}

package statement

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
)

// maxPreviewRows bounds PreviewCSV: enough to recognise the header and a
// few movements.
const maxPreviewRows = 50

// Preview is the start of a CSV file as the treasurer sees it while
// choosing a Mapping.
type Preview struct {
	Comma    rune       // the separator used (guessed when none was given)
	Encoding Encoding   // the encoding used (detected when Auto)
	Rows     [][]string // cells, cleaned like every text (no control or bidi characters)
}

// PreviewCSV reads the first rows of a CSV file, decoded the way ParseCSV
// would, so that the import page can show the columns and let the
// treasurer say which is which. With comma 0 the separator is guessed from
// the first line (see guessComma). It reads at most the first rows and
// the encoding sniff; the rest of the file is not touched.
func PreviewCSV(r io.Reader, comma rune, enc Encoding, rows int, lim Limits) (*Preview, error) {
	lim = lim.withDefaults()
	rows = min(max(rows, 1), maxPreviewRows)
	text, enc, err := decodeText(&sizeLimit{r: r, max: lim.MaxBytes}, enc)
	if err != nil {
		return nil, csvReadError(err, 0)
	}
	br := bytes.NewBuffer(nil)
	// Only what the rows need is read: lines up to the limit, at most
	// rows of them plus the multi-line cells a quote may open.
	lr := &lineLimit{r: text, max: lim.MaxLineBytes}
	buf := make([]byte, 32<<10)
	for lines := 0; lines <= rows*4 && br.Len() < rows*lim.MaxLineBytes; {
		n, rerr := lr.Read(buf)
		br.Write(buf[:n])
		lines += bytes.Count(buf[:n], []byte{'\n'})
		if errors.Is(rerr, errLineTooLong) {
			// The preview is only what fits; a line this long is
			// refused by ParseCSV anyway, with its number.
			break
		}
		if rerr != nil {
			break
		}
	}
	data := br.Bytes()
	if comma == 0 {
		comma = guessComma(data)
	}
	p := &Preview{Comma: comma, Encoding: enc}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true // a preview shows what is there, even if ParseCSV will refuse it
	for len(p.Rows) < rows {
		rec, err := cr.Read()
		if err != nil {
			break // the end of the preview (or of the file)
		}
		row := make([]string, len(rec))
		for i, c := range rec {
			if len(c) > lim.MaxFieldBytes {
				c = c[:lim.MaxFieldBytes]
			}
			row[i] = cleanText(c, nil)
		}
		p.Rows = append(p.Rows, row)
	}
	if len(p.Rows) == 0 {
		return nil, &Error{Code: CodeEmpty, Format: FormatCSV}
	}
	return p, nil
}

// guessComma picks the separator that occurs most on the first line
// outside quotes, among ';', ',', tab and '|'; ';' when none does (what
// Czech banks and spreadsheets write, since ',' is their decimal mark).
func guessComma(data []byte) rune {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	counts := map[byte]int{}
	quoted := false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ';' || c == ',' || c == '\t' || c == '|'):
			counts[c]++
		}
	}
	best, n := byte(';'), 0
	for _, c := range []byte{';', ',', '\t', '|'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return rune(best)
}

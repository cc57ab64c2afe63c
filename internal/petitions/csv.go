package petitions

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// The organisers' CSV export of a petition's signers. Three things make
// it safe to open:
//
//   - It starts with a UTF-8 byte-order mark. Spreadsheet programs (Excel
//     above all) read a CSV without one in the machine's legacy code page,
//     and "Dvořáková" or "Јовановић" would come out as mojibake; with it
//     they read UTF-8. Tools that read CSV properly skip the mark.
//   - A cell a spreadsheet would run as a formula — one that starts with
//     = + - @, a tab or a carriage return — gets a leading apostrophe
//     (defuseCell), so a signer named =HYPERLINK("http://evil") is shown as
//     text instead of becoming a link that sends the sheet's data away.
//   - encoding/csv quotes every cell holding a comma, a quote or a line
//     break, so hostile text cannot add columns or rows.

// csvBOM is the UTF-8 byte-order mark written before the header.
const csvBOM = "\ufeff"

// defuseCell defuses a cell a spreadsheet would read as a formula.
func defuseCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeCSV writes the byte-order mark, header and rows to w, every cell
// defused.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, csvBOM); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	// CRLF, as RFC 4180 and spreadsheet programs expect.
	cw.UseCRLF = true
	line := make([]string, 0, len(header))
	for _, rec := range append([][]string{header}, rows...) {
		line = line[:0]
		for _, c := range rec {
			line = append(line, defuseCell(c))
		}
		if err := cw.Write(line); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

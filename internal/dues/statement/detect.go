package statement

import "bytes"

// Detect tells a statement's format from its first bytes (a few kilobytes
// are plenty). It never decides on content alone that a file is safe; it
// only routes it to a parser, which checks everything again. Compressed
// files (gzip, zip, …) are FormatUnknown: see compressed.
func Detect(head []byte) Format {
	head = bytes.TrimPrefix(head, utf8BOM)
	if compressed(head) {
		return FormatUnknown
	}
	s := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(s) == 0:
		return FormatUnknown
	case s[0] == '<':
		if bytes.Contains(head, []byte("camt.053.")) || bytes.Contains(head, []byte("BkToCstmrStmt")) {
			return FormatCamt053
		}
		return FormatUnknown
	case s[0] == '{':
		if bytes.Contains(head, []byte(`"accountStatement"`)) {
			return FormatFioJSON
		}
		return FormatUnknown
	case bytes.HasPrefix(s, []byte("074")) && gpcHeaderShape(s):
		return FormatGPC
	}
	// CSV: a text with a separator on its first line. Whether the columns
	// make sense is for the Mapping to say.
	first := s
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if bytes.IndexByte(first, 0) < 0 && bytes.ContainsAny(first, ";,\t|") {
		return FormatCSV
	}
	return FormatUnknown
}

// gpcHeaderShape: "074" then sixteen digits (the account).
func gpcHeaderShape(s []byte) bool {
	if len(s) < 19 {
		return false
	}
	for _, c := range s[3:19] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

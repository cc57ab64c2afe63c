package statement

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Mapping says how to read one bank's CSV export. Columns are 1-based; 0
// means the file has no such column. Date and Amount are required, and a
// currency from Currency, Options.Currency or DefaultCurrency.
type Mapping struct {
	Date                int
	ValueDate           int
	Amount              int // signed; with Debit set, the credit (money in) column
	Debit               int // optional: a separate column for money out, written positive or negative
	Currency            int
	VS, SS, KS          int
	Message             int
	Counterparty        int
	CounterpartyAccount int
	ID                  int // the bank's movement id

	Comma           rune   // field separator; default ';' (what Czech banks and spreadsheets write)
	DecimalComma    bool   // "1 234,50" rather than "1,234.50"
	DateLayout      string // Go time layout; default "02.01.2006"
	SkipRows        int    // rows before the data (headers, the bank's preamble)
	DefaultCurrency string
}

// maxColumn bounds a mapping's column numbers: nothing real has more.
const maxColumn = 500

func (m *Mapping) check(opts Options) (Mapping, error) {
	c := *m
	if c.Comma == 0 {
		c.Comma = ';'
	}
	if c.DateLayout == "" {
		c.DateLayout = "02.01.2006"
	}
	bad := func(field string) error {
		return &Error{Code: CodeBadMapping, Format: FormatCSV, Field: field}
	}
	if c.Comma == '"' || c.Comma == '\r' || c.Comma == '\n' || c.Comma == utf8.RuneError || !utf8.ValidRune(c.Comma) {
		return c, bad("Comma")
	}
	if c.DecimalComma && c.Comma == ',' {
		return c, bad("DecimalComma")
	}
	if c.Date == 0 {
		return c, bad("Date")
	}
	if c.Amount == 0 {
		return c, bad("Amount")
	}
	for name, v := range map[string]int{"Date": c.Date, "ValueDate": c.ValueDate, "Amount": c.Amount, "Debit": c.Debit,
		"Currency": c.Currency, "VS": c.VS, "SS": c.SS, "KS": c.KS, "Message": c.Message, "Counterparty": c.Counterparty,
		"CounterpartyAccount": c.CounterpartyAccount, "ID": c.ID} {
		if v < 0 || v > maxColumn {
			return c, bad(name)
		}
	}
	if c.SkipRows < 0 || c.SkipRows > 1000 {
		return c, bad("SkipRows")
	}
	// A layout must name the year, the month and the day: one without Go's
	// reference tokens ("dd.mm.yyyy") would parse only itself.
	if len(c.DateLayout) > 64 {
		return c, bad("DateLayout")
	}
	probe := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	if back, err := time.Parse(c.DateLayout, probe.Format(c.DateLayout)); err != nil || !back.Equal(probe) {
		return c, bad("DateLayout")
	}
	if c.Currency == 0 && opts.Currency == "" && c.DefaultCurrency == "" {
		return c, bad("Currency")
	}
	if c.DefaultCurrency != "" && !validCurrency(c.DefaultCurrency) {
		return c, bad("DefaultCurrency")
	}
	return c, nil
}

// lineLimit fails when a line is longer than max bytes; encoding/csv has
// no limit of its own and would hold a line of the whole file in memory.
type lineLimit struct {
	r   io.Reader
	run int
	max int
}

var errLineTooLong = errors.New("line longer than the limit")

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			l.run = 0
		} else {
			l.run++
		}
	}
	if l.run > l.max {
		return n, errLineTooLong
	}
	return n, err
}

// ParseCSV reads a CSV export as opts.Mapping describes it.
func ParseCSV(r io.Reader, opts Options) (*Statement, error) {
	lim := opts.Limits.withDefaults()
	m, err := opts.Mapping.check(opts)
	if err != nil {
		return nil, err
	}
	st := &Statement{Format: FormatCSV, Account: opts.Account, Currency: opts.Currency}
	if st.Currency == "" {
		st.Currency = m.DefaultCurrency
	}
	text, enc, err := decodeText(&sizeLimit{r: r, max: lim.MaxBytes}, opts.Encoding)
	if err != nil {
		return nil, csvReadError(err, 0)
	}
	cr := csv.NewReader(&lineLimit{r: text, max: lim.MaxLineBytes})
	cr.Comma = m.Comma
	cr.FieldsPerRecord = -1 // banks end rows ragged
	cr.ReuseRecord = true
	dec := byte('.')
	group := ','
	if m.DecimalComma {
		dec, group = ',', ' '
	}
	row := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := 0
		if err == nil {
			line, _ = cr.FieldPos(0)
		} else {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
				if errors.Is(pe.Err, errLineTooLong) {
					return nil, &Error{Code: CodeLineTooLong, Format: FormatCSV, Line: line}
				}
				if errors.Is(pe.Err, errTooLarge) {
					return nil, &Error{Code: CodeTooLarge, Format: FormatCSV, Line: line}
				}
				if pe.Err == csv.ErrQuote && pe.StartLine != pe.Line {
					return nil, &Error{Code: CodeTruncated, Format: FormatCSV, Line: pe.StartLine, Err: err}
				}
				return nil, &Error{Code: CodeMalformed, Format: FormatCSV, Line: line, Err: err}
			}
			return nil, csvReadError(err, line)
		}
		if enc == EncodingUTF8 {
			for _, f := range rec {
				if !utf8.ValidString(f) {
					return nil, &Error{Code: CodeEncoding, Format: FormatCSV, Line: line}
				}
			}
		}
		row++
		if row <= m.SkipRows || blankRecord(rec) {
			continue
		}
		if st.buf.n >= lim.MaxTransactions {
			return nil, &Error{Code: CodeTooManyTransactions, Format: FormatCSV, Line: line}
		}
		t, rerr := csvRow(rec, &m, st.Currency, dec, group, lim)
		if rerr != nil {
			rerr.Line, rerr.Entry = line, st.buf.n+1
			return nil, rerr
		}
		t.Entry, t.Line = st.buf.n+1, line
		st.buf.add(t)
	}
	st.finish()
	return st, nil
}

func csvReadError(err error, line int) error {
	switch {
	case errors.Is(err, errTooLarge):
		return &Error{Code: CodeTooLarge, Format: FormatCSV, Line: line, Err: err}
	case errors.Is(err, errLineTooLong):
		return &Error{Code: CodeLineTooLong, Format: FormatCSV, Line: line, Err: err}
	}
	return &Error{Code: CodeRead, Format: FormatCSV, Line: line, Err: err}
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvRow(rec []string, m *Mapping, stmtCcy string, dec byte, group rune, lim Limits) (Transaction, *Error) {
	var t Transaction
	fail := func(c Code, field string) (Transaction, *Error) {
		return t, &Error{Code: c, Format: FormatCSV, Field: field}
	}
	for _, f := range rec {
		if len(f) > lim.MaxFieldBytes {
			return fail(CodeFieldTooLong, "")
		}
	}
	get := func(i int) (string, bool) {
		if i == 0 {
			return "", true
		}
		if i > len(rec) {
			return "", false
		}
		return strings.TrimSpace(rec[i-1]), true
	}
	need := func(i int, name string) (string, *Error) {
		s, ok := get(i)
		if !ok || s == "" {
			return "", &Error{Code: CodeMissingField, Format: FormatCSV, Field: name}
		}
		return s, nil
	}
	ds, e := need(m.Date, "Date")
	if e != nil {
		return t, e
	}
	d, err := time.Parse(m.DateLayout, ds)
	if err != nil {
		return fail(CodeBadDate, "Date")
	}
	t.Date, _ = civilDate(d.Year(), int(d.Month()), d.Day())
	if t.Date.IsZero() {
		return fail(CodeBadDate, "Date")
	}
	if m.ValueDate != 0 {
		if vs, _ := get(m.ValueDate); vs != "" {
			v, err := time.Parse(m.DateLayout, vs)
			if err != nil {
				return fail(CodeBadDate, "ValueDate")
			}
			t.ValueDate, _ = civilDate(v.Year(), int(v.Month()), v.Day())
		}
	}
	if as, _ := get(m.Amount); as == "" {
		if d, _ := get(m.Debit); d == "" {
			return fail(CodeMissingField, "Amount")
		}
	}
	t.Currency = stmtCcy
	if m.Currency != 0 {
		c, _ := get(m.Currency)
		if c != "" {
			t.Currency = strings.ToUpper(c)
		}
	}
	if !validCurrency(t.Currency) {
		return fail(CodeBadCurrency, "Currency")
	}
	digits := minorDigits(t.Currency)
	amount := func(s string) (int64, bool) {
		if g := group; g == ' ' {
			// A decimal comma goes with a space or a dot between thousands.
			if strings.Contains(s, ".") {
				g = '.'
			}
			return parseAmount(s, dec, g, digits)
		}
		return parseAmount(s, dec, group, digits)
	}
	as, _ := get(m.Amount)
	var debit string
	if m.Debit != 0 {
		debit, _ = get(m.Debit)
	}
	switch {
	case as != "" && (debit == "" || isZeroAmount(debit)):
		v, ok := amount(as)
		if !ok {
			return fail(CodeBadAmount, "Amount")
		}
		t.Amount = v
	case debit != "" && (as == "" || isZeroAmount(as)):
		v, ok := amount(debit)
		if !ok {
			return fail(CodeBadAmount, "Debit")
		}
		if v > 0 {
			v = -v
		}
		t.Amount = v
	case as == "" && debit == "":
		return fail(CodeMissingField, "Amount")
	default:
		return fail(CodeBadAmount, "Debit") // both columns hold an amount
	}
	t.Direction = Credit
	if t.Amount < 0 {
		t.Direction = Debit
	}
	if s, _ := get(m.ID); s != "" {
		t.BankID = cleanText(s, &t)
		if len(t.BankID) > 128 {
			return fail(CodeFieldTooLong, "ID")
		}
	}
	msg, _ := get(m.Message)
	t.Message = cleanText(msg, &t)
	name, _ := get(m.Counterparty)
	t.Counterparty = cleanText(name, &t)
	acct, _ := get(m.CounterpartyAccount)
	t.CounterpartyAccount = cleanText(acct, &t)
	if vs, _ := get(m.VS); vs != "" {
		if n, ok := normSymbol(vs, 10); ok {
			t.VS = n
			if n != "" {
				t.VSSource = VSField
			}
		} else {
			t.warn(WarnVSNotNumeric)
			t.Reference = cleanText(vs, &t)
		}
	}
	ss, _ := get(m.SS)
	t.SS = symbolField(&t, ss, 10)
	ks, _ := get(m.KS)
	t.KS = symbolField(&t, ks, 4)
	fillSymbolsFromText(&t, t.Message)
	return t, nil
}

func isZeroAmount(s string) bool {
	return strings.Trim(s, "0.,+- \u00a0") == ""
}

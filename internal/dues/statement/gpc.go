package statement

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// The GPC (ABO "výpis") records, positions 1-based as in the banks'
// descriptions. Every record is 128 characters followed by CR LF (LF alone
// is accepted).
//
// 074 header: 4–19 account (16 digits: 6 prefix + 10 number), 20–39 account
// name, 40–45 date of the old balance (DDMMYY), 46–59 old balance in
// hellers, 60 its sign (+/-), 61–74 new balance, 75 sign, 76–89 debit
// turnover, 90 sign, 91–104 credit turnover, 105 sign, 106–108 statement
// number, 109–114 statement date, 115–128 filler (Fio writes "FIO").
//
// 075 item: 4–19 account, 20–35 counter-account (6 + 10 digits), 36–48
// document number (the bank's movement id), 49–60 amount in hellers, 61
// posting code, 62–71 variable symbol, 72–81 "00" + counter-bank code (4) +
// constant symbol (4), 82–91 specific symbol, 92–97 value date, 98–117 20
// characters of text (the counter-account's name at the banks seen), 118
// change code, 119–122 currency as "0" + ISO 4217 numeric ("0203" = CZK),
// 123–128 booking date.
//
// The extended variant adds lines after an item: 076 (a transaction id
// and a date: read but not needed), 078 and 079 (the message for the
// recipient, AV1–AV4, two 35-character parts per line: 4–38 and 39–73).
const gpcRecordLen = 128

type gpcParser struct {
	lim     Limits
	opts    Options
	variant GPCVariant
	st      Statement
	line    int
	headers int
	account string
	last    *Transaction // the item extra lines belong to
	av      [4]string
	enc     Encoding
	entry   int // items seen, for errors
}

// ParseGPC reads a Czech ABO/GPC statement, line by line.
func ParseGPC(r io.Reader, opts Options) (*Statement, error) {
	lim := opts.Limits.withDefaults()
	p := &gpcParser{lim: lim, opts: opts, variant: opts.GPC}
	p.st.Format = FormatGPC
	src, enc, err := decodeText(&sizeLimit{r: r, max: lim.MaxBytes}, opts.Encoding)
	if err != nil {
		return nil, p.readError(err)
	}
	p.enc = enc
	br := bufio.NewReaderSize(src, lim.MaxLineBytes+2)
	for {
		raw, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			p.line++
			return nil, p.fail(CodeLineTooLong, "")
		}
		if err != nil && err != io.EOF {
			return nil, p.readError(err)
		}
		if len(raw) > 0 {
			p.line++
			if perr := p.record(raw, err == io.EOF); perr != nil {
				return nil, perr
			}
		}
		if err == io.EOF {
			break
		}
	}
	if err := p.flush(); err != nil {
		return nil, err
	}
	if p.headers == 0 {
		return nil, p.fail(CodeMissingField, "074")
	}
	if p.st.Currency == "" {
		p.st.Currency = opts.Currency
	}
	p.st.finish()
	return &p.st, nil
}

func (p *gpcParser) fail(c Code, field string) error {
	return &Error{Code: c, Format: FormatGPC, Line: p.line, Entry: p.entry, Field: field}
}

func (p *gpcParser) readError(err error) error {
	if errors.Is(err, errTooLarge) {
		return &Error{Code: CodeTooLarge, Format: FormatGPC, Line: p.line, Err: err}
	}
	return &Error{Code: CodeRead, Format: FormatGPC, Line: p.line, Err: err}
}

func (p *gpcParser) record(raw []byte, atEOF bool) error {
	b := bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte("\n")), []byte("\r"))
	// The empty line at the end many banks write, and the DOS end-of-file
	// mark (Ctrl-Z) that old ABO software still appends.
	if len(bytes.Trim(b, " \t\x1a")) == 0 {
		return nil
	}
	if p.enc == EncodingUTF8 && !utf8.Valid(b) {
		return p.fail(CodeEncoding, "")
	}
	// Positions count characters; decoding made Windows-1250 UTF-8, so
	// cut on runes, not bytes.
	rs := []rune(string(b))
	if len(rs) < 3 {
		return p.fail(CodeMalformed, "")
	}
	kind := string(rs[:3])
	switch kind {
	case "074":
		if len(rs) < gpcRecordLen {
			return p.short(atEOF)
		}
		if err := p.flush(); err != nil {
			return err
		}
		return p.header(rs)
	case "075":
		if p.headers == 0 {
			return p.fail(CodeBadRecord, "075")
		}
		if len(rs) < gpcRecordLen {
			return p.short(atEOF)
		}
		if err := p.flush(); err != nil {
			return err
		}
		return p.item(rs)
	case "076":
		if p.last == nil {
			return p.fail(CodeBadRecord, kind)
		}
		return nil
	case "078", "079":
		if p.last == nil {
			return p.fail(CodeBadRecord, kind)
		}
		if len(rs) < 73 {
			// A message line may be cut short when AV2/AV4 are empty.
			rs = append(rs, []rune(strings.Repeat(" ", 73-len(rs)))...)
		}
		i := 0
		if kind == "079" {
			i = 2
		}
		p.av[i], p.av[i+1] = string(rs[3:38]), string(rs[38:73])
		return nil
	}
	return p.fail(CodeBadRecord, "")
}

func (p *gpcParser) short(atEOF bool) error {
	if atEOF {
		return p.fail(CodeTruncated, "")
	}
	return p.fail(CodeMalformed, "")
}

// flush finishes the item the extra lines belonged to.
func (p *gpcParser) flush() error {
	t := p.last
	if t == nil {
		return nil
	}
	p.last = nil
	// The parts are the message cut every 35 characters, so they are joined
	// as they are; cleanText then folds the padding.
	msg := p.av[0] + p.av[1] + p.av[2] + p.av[3]
	p.av = [4]string{}
	t.Message = cleanText(msg, t)
	fillSymbolsFromText(t, t.Message)
	return nil
}

func field(rs []rune, from, to int) string { return string(rs[from-1 : to]) }

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// gpcDate reads DDMMYY; the century is 20 (no statement reaches into the
// 1990s any more, and 2100 is far off).
func gpcDate(s string) (time.Time, bool) {
	if len(s) != 6 || !digitsOnly(s) {
		return time.Time{}, false
	}
	d, _ := atoiDigits(s[0:2])
	m, _ := atoiDigits(s[2:4])
	y, _ := atoiDigits(s[4:6])
	return civilDate(2000+y, m, d)
}

// gpcAccount writes a 16-digit account field as "prefix-number" without
// leading zeros ("000019" "2000145399" → "19-2000145399"); all zeros is none.
func gpcAccount(s string) string {
	prefix := strings.TrimLeft(s[:6], "0")
	number := strings.TrimLeft(s[6:], "0")
	if number == "" && prefix == "" {
		return ""
	}
	if prefix == "" {
		return number
	}
	return prefix + "-" + number
}

func gpcBalance(digits, sign string) (int64, bool) {
	if !digitsOnly(digits) || (sign != "+" && sign != "-") {
		return 0, false
	}
	v, ok := parseAmount(digits, '.', 0, 0)
	if !ok {
		return 0, false
	}
	if sign == "-" {
		v = -v
	}
	return v, true
}

func (p *gpcParser) header(rs []rune) error {
	acct := field(rs, 4, 19)
	if !digitsOnly(acct) {
		return p.fail(CodeMalformed, "074 account")
	}
	account := gpcAccount(acct)
	if p.headers > 0 && account != p.account {
		return p.fail(CodeAccountMismatch, "074 account")
	}
	from, ok := gpcDate(field(rs, 40, 45))
	if !ok {
		return p.fail(CodeBadDate, "074 old balance date")
	}
	to, ok := gpcDate(field(rs, 109, 114))
	if !ok {
		return p.fail(CodeBadDate, "074 statement date")
	}
	open, ok1 := gpcBalance(field(rs, 46, 59), field(rs, 60, 60))
	closing, ok2 := gpcBalance(field(rs, 61, 74), field(rs, 75, 75))
	if !ok1 || !ok2 {
		return p.fail(CodeBadAmount, "074 balance")
	}
	if p.headers == 0 {
		p.account = account
		p.st.Account = account
		if p.opts.Account != "" {
			p.st.Account = p.opts.Account
		}
		p.st.AccountName = cleanText(field(rs, 20, 39), nil)
		p.st.ID = strings.TrimLeft(field(rs, 106, 108), "0 ")
		p.st.From, p.st.OpeningBalance = from, open
		if p.variant == GPCAuto {
			p.variant = GPCStandard
			if strings.Contains(strings.ToUpper(field(rs, 115, 128)), "FIO") {
				p.variant = GPCFio
			}
		}
	}
	if to.Before(from) {
		return p.fail(CodeBadDate, "074 statement date")
	}
	if from.Before(p.st.From) {
		p.st.From = from
	}
	if to.After(p.st.To) {
		p.st.To = to
	}
	p.st.ClosingBalance, p.st.HasBalances, p.st.periodGiven = closing, true, true
	p.headers++
	return nil
}

func (p *gpcParser) item(rs []rune) error {
	p.entry++
	if p.st.buf.n >= p.lim.MaxTransactions {
		return p.fail(CodeTooManyTransactions, "")
	}
	t := Transaction{Entry: p.st.buf.n + 1, Line: p.line}
	counter := field(rs, 20, 35)
	doc := field(rs, 36, 48)
	amt := field(rs, 49, 60)
	code := field(rs, 61, 61)
	ks := field(rs, 72, 81)
	if !digitsOnly(counter) || !digitsOnly(amt) {
		return p.fail(CodeMalformed, "075")
	}
	ccyNum := field(rs, 119, 122)
	ccy, ok := gpcCurrency(ccyNum)
	if !ok {
		if strings.TrimSpace(ccyNum) == "" && p.opts.Currency != "" {
			ccy = p.opts.Currency
		} else {
			return p.fail(CodeBadCurrency, "075 currency")
		}
	}
	t.Currency = ccy
	if p.st.Currency == "" {
		p.st.Currency = ccy
	}
	v, ok := parseAmount(amt, '.', 0, 0) // already in minor units
	if !ok {
		return p.fail(CodeBadAmount, "075 amount")
	}
	if d := minorDigits(ccy); d != 2 {
		// The field is hundredths whatever the currency; scale to the
		// currency's own minor unit only when that is exact.
		switch d {
		case 0:
			if v%100 != 0 {
				return p.fail(CodeBadAmount, "075 amount")
			}
			v /= 100
		case 3:
			v *= 10
		}
	}
	switch {
	case code == "1":
		t.Amount, t.Direction = -v, Debit
	case code == "2":
		t.Amount, t.Direction = v, Credit
	case (code == "4" && p.variant == GPCStandard) || (code == "3" && p.variant == GPCFio):
		// The reversal of a debit gives the money back.
		t.Amount, t.Direction, t.Reversal = v, Credit, true
	case (code == "5" && p.variant == GPCStandard) || (code == "4" && p.variant == GPCFio):
		t.Amount, t.Direction, t.Reversal = -v, Debit, true
	default:
		return p.fail(CodeBadDirection, "075 posting code")
	}
	booked, ok := gpcDate(field(rs, 123, 128))
	value, okv := gpcDate(field(rs, 92, 97))
	switch {
	case ok && okv:
	case ok && field(rs, 92, 97) == "000000":
		value = booked
	case !ok && okv && strings.Trim(field(rs, 123, 128), "0 ") == "":
		booked = value
	default:
		return p.fail(CodeBadDate, "075 date")
	}
	t.Date, t.ValueDate = booked, value
	if strings.Trim(doc, "0 ") != "" {
		t.BankID = strings.TrimLeft(strings.TrimSpace(doc), "0")
		if !digitsOnly(t.BankID) {
			t.BankID = cleanText(strings.TrimSpace(doc), &t)
		}
	}
	if a := gpcAccount(counter); a != "" {
		t.CounterpartyAccount = a
		if bank := ks[2:6]; digitsOnly(bank) && bank != "0000" {
			t.CounterpartyAccount += "/" + bank
		}
	}
	vsRaw := strings.TrimSpace(field(rs, 62, 71))
	if n, ok := normSymbol(vsRaw, 10); ok {
		t.VS = n
		if n != "" {
			t.VSSource = VSField
		}
	} else {
		t.warn(WarnVSNotNumeric)
		t.Reference = cleanText(vsRaw, &t)
	}
	t.KS = symbolField(&t, ks[6:10], 4)
	t.SS = symbolField(&t, field(rs, 82, 91), 10)
	t.Counterparty = cleanText(field(rs, 98, 117), &t)
	p.last = p.st.buf.add(t)
	return nil
}

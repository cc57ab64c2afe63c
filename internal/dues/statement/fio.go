package statement

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// errElementTooLarge is what budget returns when one JSON value is larger
// than Limits.MaxJSONElement.
var errElementTooLarge = errors.New("JSON value larger than the limit")

// budget fails once more than left bytes have been read since the parser
// last refilled it. encoding/json buffers a whole value before decoding it;
// refilled before each transaction, this bounds that buffer by
// MaxJSONElement (plus the decoder's read-ahead) instead of by the file.
type budget struct {
	r    io.Reader
	left int
}

func (b *budget) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errElementTooLarge
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// fioValue is the "value" of a Fio column: a string, a number (kept as its
// decimal text, never a float) or null.
type fioValue struct {
	s     string
	isNum bool
	set   bool
}

func (v *fioValue) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		v.set = true
		return json.Unmarshal(b, &v.s)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		v.s, v.isNum, v.set = string(b), true, true
		return nil
	}
	return errFioValue
}

var errFioValue = errors.New("a Fio value is a string, a number or null")

type fioColumn struct {
	Value fioValue `json:"value"`
}

// fioTx holds the columns read; the others (7 user identification, 9
// "Provedl", 12 bank name, 18 details, 25 the owner's own comment, 26 BIC,
// 27 payer reference …) are skipped by the decoder.
type fioTx struct {
	C0  *fioColumn `json:"column0"`  // date, "2026-05-28+0200"
	C1  *fioColumn `json:"column1"`  // amount, signed number
	C2  *fioColumn `json:"column2"`  // counter-account
	C3  *fioColumn `json:"column3"`  // its bank code
	C4  *fioColumn `json:"column4"`  // constant symbol
	C5  *fioColumn `json:"column5"`  // variable symbol
	C6  *fioColumn `json:"column6"`  // specific symbol
	C10 *fioColumn `json:"column10"` // counter-account name
	C14 *fioColumn `json:"column14"` // currency
	C16 *fioColumn `json:"column16"` // message for the recipient
	C22 *fioColumn `json:"column22"` // movement id
}

func col(c *fioColumn) string {
	if c == nil {
		return ""
	}
	return strings.TrimSpace(c.Value.s)
}

type fioInfo struct {
	AccountID      fioValue `json:"accountId"`
	BankID         fioValue `json:"bankId"`
	Currency       fioValue `json:"currency"`
	IBAN           fioValue `json:"iban"`
	OpeningBalance fioValue `json:"openingBalance"`
	ClosingBalance fioValue `json:"closingBalance"`
	DateStart      fioValue `json:"dateStart"`
	DateEnd        fioValue `json:"dateEnd"`
	IDTo           fioValue `json:"idTo"`
}

type fioParser struct {
	dec   *json.Decoder
	b     *budget
	lim   Limits
	opts  Options
	st    Statement
	info  *fioInfo
	entry int
}

// ParseFioJSON reads the Fio bank's JSON statement
// ({"accountStatement":{"info":{…},"transactionList":{"transaction":[…]}}}),
// one transaction object at a time.
func ParseFioJSON(r io.Reader, opts Options) (*Statement, error) {
	lim := opts.Limits.withDefaults()
	p := &fioParser{lim: lim, opts: opts}
	p.st.Format = FormatFioJSON
	p.b = &budget{r: &sizeLimit{r: r, max: lim.MaxBytes}, left: lim.MaxJSONElement}
	p.dec = json.NewDecoder(p.b)
	p.dec.UseNumber()
	if err := p.run(); err != nil {
		return nil, err
	}
	if err := p.apply(); err != nil {
		return nil, err
	}
	p.st.finish()
	return &p.st, nil
}

func (p *fioParser) fail(c Code, field string, err error) error {
	return &Error{Code: c, Format: FormatFioJSON, Entry: p.entry, Field: field, Err: err}
}

func (p *fioParser) jsonError(err error, field string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errTooLarge):
		return p.fail(CodeTooLarge, "", err)
	case errors.Is(err, errElementTooLarge):
		return p.fail(CodeFieldTooLong, field, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return p.fail(CodeTruncated, "", err)
	case errors.As(err, &se), errors.As(err, &te):
		return p.fail(CodeMalformed, field, err)
	}
	var ee *Error
	if errors.As(err, &ee) {
		return err
	}
	return p.fail(CodeMalformed, field, err)
}

// token reads one structural token with a fresh budget.
func (p *fioParser) token() (json.Token, error) {
	p.b.left = p.lim.MaxJSONElement
	return p.dec.Token()
}

func (p *fioParser) expectDelim(d json.Delim, field string) error {
	tok, err := p.token()
	if err != nil {
		return p.jsonError(err, field)
	}
	if tok != d {
		return p.fail(CodeMalformed, field, nil)
	}
	return nil
}

// skip reads and drops one value (an unknown key's).
func (p *fioParser) skip(field string) error {
	p.b.left = p.lim.MaxJSONElement
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return p.jsonError(err, field)
	}
	return nil
}

// object walks the keys of an object whose '{' has been read, calling fn
// for each; fn must consume the value.
func (p *fioParser) object(field string, fn func(key string) error) error {
	for p.dec.More() {
		tok, err := p.token()
		if err != nil {
			return p.jsonError(err, field)
		}
		key, ok := tok.(string)
		if !ok {
			return p.fail(CodeMalformed, field, nil)
		}
		if err := fn(key); err != nil {
			return err
		}
	}
	return p.expectDelim('}', field)
}

func (p *fioParser) run() error {
	if err := p.expectDelim('{', ""); err != nil {
		return err
	}
	found := false
	if err := p.object("", func(key string) error {
		if key != "accountStatement" || found {
			return p.skip(key)
		}
		found = true
		if err := p.expectDelim('{', "accountStatement"); err != nil {
			return err
		}
		return p.object("accountStatement", func(key string) error {
			switch key {
			case "info":
				if p.info != nil {
					return p.fail(CodeMalformed, "info", nil)
				}
				p.info = new(fioInfo)
				p.b.left = p.lim.MaxJSONElement
				if err := p.dec.Decode(p.info); err != nil {
					return p.jsonError(err, "info")
				}
				return nil
			case "transactionList":
				return p.transactionList()
			}
			return p.skip(key)
		})
	}); err != nil {
		return err
	}
	// Nothing may follow the object.
	if _, err := p.token(); err != io.EOF {
		if err == nil {
			return p.fail(CodeMalformed, "", nil)
		}
		return p.jsonError(err, "")
	}
	if !found {
		return p.fail(CodeMissingField, "accountStatement", nil)
	}
	if p.info == nil {
		return p.fail(CodeMissingField, "accountStatement.info", nil)
	}
	return nil
}

func (p *fioParser) transactionList() error {
	tok, err := p.token()
	if err != nil {
		return p.jsonError(err, "transactionList")
	}
	if tok == nil { // "transactionList": null — no movements
		return nil
	}
	if tok != json.Delim('{') {
		return p.fail(CodeMalformed, "transactionList", nil)
	}
	return p.object("transactionList", func(key string) error {
		if key != "transaction" {
			return p.skip(key)
		}
		tok, err := p.token()
		if err != nil {
			return p.jsonError(err, "transaction")
		}
		if tok == nil {
			return nil
		}
		if tok != json.Delim('[') {
			return p.fail(CodeMalformed, "transaction", nil)
		}
		for p.dec.More() {
			p.entry++
			if p.st.buf.n >= p.lim.MaxTransactions {
				return p.fail(CodeTooManyTransactions, "", nil)
			}
			var raw fioTx
			p.b.left = p.lim.MaxJSONElement
			if err := p.dec.Decode(&raw); err != nil {
				return p.jsonError(err, "transaction")
			}
			t, err := p.tx(&raw)
			if err != nil {
				return err
			}
			p.st.buf.add(t)
		}
		return p.expectDelim(']', "transaction")
	})
}

func (p *fioParser) tx(raw *fioTx) (Transaction, error) {
	t := Transaction{Entry: p.entry}
	if raw.C0 == nil {
		return t, p.fail(CodeMissingField, "column0", nil)
	}
	d, ok := parseISODate(col(raw.C0))
	if !ok || raw.C0.Value.isNum {
		return t, p.fail(CodeBadDate, "column0", nil)
	}
	t.Date = d
	t.Currency = col(raw.C14)
	if t.Currency == "" && p.info != nil {
		t.Currency = strings.TrimSpace(p.info.Currency.s)
	}
	if t.Currency == "" {
		t.Currency = p.opts.Currency
	}
	if !validCurrency(t.Currency) {
		return t, p.fail(CodeBadCurrency, "column14", nil)
	}
	if raw.C1 == nil || !raw.C1.Value.set {
		return t, p.fail(CodeMissingField, "column1", nil)
	}
	v, ok := parseAmount(col(raw.C1), '.', 0, minorDigits(t.Currency))
	if !ok {
		return t, p.fail(CodeBadAmount, "column1", nil)
	}
	t.Amount = v
	t.Direction = Credit
	if v < 0 {
		t.Direction = Debit
	}
	t.BankID = cleanText(col(raw.C22), nil)
	if len(t.BankID) > 64 {
		return t, p.fail(CodeMalformed, "column22", nil)
	}
	t.Counterparty = cleanText(col(raw.C10), &t)
	acct, bank := cleanText(col(raw.C2), &t), cleanText(col(raw.C3), &t)
	if acct != "" && bank != "" && !strings.Contains(acct, "/") {
		acct += "/" + bank
	}
	t.CounterpartyAccount = acct
	t.Message = cleanText(col(raw.C16), &t)
	if vs := col(raw.C5); vs != "" {
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
	t.SS = symbolField(&t, col(raw.C6), 10)
	t.KS = symbolField(&t, col(raw.C4), 4)
	fillSymbolsFromText(&t, t.Message)
	return t, nil
}

// symbolField reads a specific or constant symbol field; one that is not
// a number is dropped with a warning (it only ever informs).
func symbolField(t *Transaction, s string, max int) string {
	n, ok := normSymbol(s, max)
	if !ok {
		t.warn(WarnSymbolInvalid)
	}
	return n
}

func (p *fioParser) apply() error {
	in := p.info
	ccy := strings.TrimSpace(in.Currency.s)
	if ccy != "" && !validCurrency(ccy) {
		return p.fail(CodeBadCurrency, "info.currency", nil)
	}
	p.st.Currency = ccy
	p.st.Account = strings.ToUpper(strings.ReplaceAll(cleanText(in.IBAN.s, nil), " ", ""))
	if p.st.Account == "" {
		if a := cleanText(in.AccountID.s, nil); a != "" {
			p.st.Account = a
			if b := cleanText(in.BankID.s, nil); b != "" {
				p.st.Account += "/" + b
			}
		}
	}
	if p.st.Account == "" {
		p.st.Account = p.opts.Account
	}
	p.st.ID = cleanText(in.IDTo.s, nil)
	if in.DateStart.set || in.DateEnd.set {
		from, ok1 := parseISODate(in.DateStart.s)
		to, ok2 := parseISODate(in.DateEnd.s)
		if !ok1 || !ok2 || to.Before(from) {
			return p.fail(CodeBadDate, "info.dateStart", nil)
		}
		p.st.From, p.st.To, p.st.periodGiven = from, to, true
	}
	if in.OpeningBalance.set && in.ClosingBalance.set && ccy != "" {
		o, ok1 := parseAmount(in.OpeningBalance.s, '.', 0, minorDigits(ccy))
		c, ok2 := parseAmount(in.ClosingBalance.s, '.', 0, minorDigits(ccy))
		if !ok1 || !ok2 {
			return p.fail(CodeBadAmount, "info.openingBalance", nil)
		}
		p.st.OpeningBalance, p.st.ClosingBalance, p.st.HasBalances = o, c, true
	}
	return nil
}

package statement

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// camtNamespaces are the camt.053 versions read. They differ, for what is
// read here, only in small ways: .001.02 writes an entry's status as text
// (<Sts>BOOK</Sts>) and a detail's amount under AmtDtls, later versions add
// TxDtls/Amt with its own CdtDbtInd, and .001.08 nests party names in
// <Pty> and the status in <Sts><Cd>. The parser accepts each shape in every
// version, since banks mix them.
var camtNamespaces = map[string]bool{
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": true,
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.03": true,
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.04": true,
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.05": true,
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.06": true,
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.07": true,
	"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": true,
}

// errRunTooLong is what runLimit returns for one text value too long.
var errRunTooLong = errors.New("text value longer than the limit")

// runLimit fails when more than max bytes pass without a '<' or '>'. Every
// XML text node, attribute value, comment and CDATA section lies between
// two of them, and encoding/xml holds a whole text node in memory before
// returning it; this bounds that memory by MaxFieldBytes instead of by the
// whole file. Indentation between elements is short, so no real camt file
// comes near it.
type runLimit struct {
	r   io.Reader
	run int
	max int
}

func (l *runLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if c == '<' || c == '>' {
			l.run = 0
		} else {
			l.run++
		}
	}
	if l.run > l.max {
		return n, errRunTooLong
	}
	return n, err
}

type camtParser struct {
	d   *xml.Decoder
	lim Limits
	st  Statement

	names []string // element names from the root
	path  []byte   // names joined by '/', for matching
	offs  []int    // where each depth's name starts in path
	text  []byte   // character data of the current element
	ccy   string   // Ccy attribute of the last <Amt>
	root  bool

	stmtDepth, balDepth, ntryDepth, txDepth int // 0 when outside

	// the statement being read
	acctIBAN, acctOther, acctCcy, stmtID string
	from, to                             time.Time
	stmts                                int

	bal   camtBal
	entry camtEntry
	tx    *camtTx

	entries int
	tokens  int
}

type camtBal struct {
	code, amt, ccy, ind string
}

type camtEntry struct {
	line                     int
	amt, ccy, ind, rvsl, sts string
	booked, value            string
	acctSvcrRef, addtl       string
	txs                      []camtTx
}

type camtTx struct {
	acctSvcrRef, txID, e2e      string
	amt, ccy, ind               string
	txAmt, txCcy                string
	dbtrNm, dbtrIBAN, dbtrOther string
	cdtrNm, cdtrIBAN, cdtrOther string
	ustrd                       []string
	refs                        []camtRef // Strd/CdtrRefInf, in order
	refType                     string    // Tp of the CdtrRefInf being read
	addtlRmt, addtlTx           string
}

// camtRef is one structured creditor reference with its type (Tp/CdOrPrtry
// Cd or Prtry), empty when untyped.
type camtRef struct{ tp, ref string }

// ParseCamt053 reads an ISO 20022 camt.053 statement (BkToCstmrStmt), one
// token at a time: memory grows with the movements kept, never with the
// document. Entries not booked (Sts other than BOOK) are counted in
// Skipped; each booked entry gives one movement, or one per TxDtls when
// the bank batched several payments into it.
func ParseCamt053(r io.Reader, opts Options) (*Statement, error) {
	lim := opts.Limits.withDefaults()
	p := &camtParser{lim: lim}
	p.st.Format = FormatCamt053
	p.d = xml.NewDecoder(&runLimit{r: &sizeLimit{r: r, max: lim.MaxBytes}, max: lim.MaxFieldBytes})
	p.d.Strict = true
	// Entity and CharsetReader stay nil: no entity but the five predefined
	// ones is expanded, and a document that declares an encoding other
	// than UTF-8 is refused (camt is UTF-8 by the standard).
	if err := p.run(); err != nil {
		return nil, err
	}
	if opts.Account != "" && p.st.Account == "" {
		p.st.Account = opts.Account
	}
	p.st.finish()
	return &p.st, nil
}

func (p *camtParser) fail(c Code, field string, err error) error {
	line, _ := p.d.InputPos()
	e := &Error{Code: c, Format: FormatCamt053, Line: line, Field: field, Err: err}
	if p.ntryDepth > 0 {
		e.Entry = p.entries
	}
	return e
}

// failEntry reports a problem with the entry as a whole (its amount, its
// date, its batch) at the line the entry starts on.
func (p *camtParser) failEntry(c Code, field string) error {
	e := p.fail(c, field, nil).(*Error)
	e.Line = p.entry.line
	return e
}

func (p *camtParser) run() error {
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.readError(err)
		}
		p.tokens++
		if p.tokens > p.lim.MaxXMLTokens {
			return p.fail(CodeTooManyTokens, "", nil)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			if err := p.end(); err != nil {
				return err
			}
		case xml.CharData:
			if len(p.names) > 0 {
				if len(p.text)+len(t) > p.lim.MaxFieldBytes {
					return p.fail(CodeFieldTooLong, p.leaf(), nil)
				}
				p.text = append(p.text, t...)
			}
		case xml.Directive:
			// A DOCTYPE is the only way to declare entities (billion
			// laughs, external entities). encoding/xml would not expand
			// them, but no camt file has one, so it is refused outright.
			return p.fail(CodeDoctype, "", nil)
		}
	}
	if !p.root {
		return p.fail(CodeMissingField, "Document", nil)
	}
	if len(p.names) > 0 {
		return p.fail(CodeTruncated, "", nil)
	}
	if p.stmts == 0 {
		return p.fail(CodeMissingField, "Stmt", nil)
	}
	return nil
}

func (p *camtParser) readError(err error) error {
	switch {
	case errors.Is(err, errTooLarge):
		return p.fail(CodeTooLarge, "", err)
	case errors.Is(err, errRunTooLong):
		return p.fail(CodeFieldTooLong, p.leaf(), err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return p.fail(CodeTruncated, "", err)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if strings.Contains(se.Msg, "unexpected EOF") {
			return p.fail(CodeTruncated, "", err)
		}
		if strings.Contains(se.Msg, "invalid UTF-8") {
			return p.fail(CodeEncoding, "", err)
		}
		return p.fail(CodeMalformed, "", err)
	}
	if strings.Contains(err.Error(), "CharsetReader") {
		return p.fail(CodeEncoding, "", err)
	}
	if errors.Is(err, io.EOF) {
		return p.fail(CodeTruncated, "", err)
	}
	// Anything else is the reader's own failure, not the file's.
	return p.fail(CodeRead, "", err)
}

func (p *camtParser) leaf() string {
	if len(p.names) == 0 {
		return ""
	}
	return p.names[len(p.names)-1]
}

// rel is the path of the current element below the element at depth d
// (1-based), empty for that element itself. It is bytes, not a string:
// the callers switch on string(rel), which Go compares without copying,
// and this runs for every end tag.
func (p *camtParser) rel(d int) []byte {
	if d >= len(p.names) {
		return nil
	}
	return p.path[p.offs[d]:]
}

func (p *camtParser) start(t xml.StartElement) error {
	if len(p.names) >= p.lim.MaxXMLDepth {
		return p.fail(CodeTooDeep, "", nil)
	}
	name := t.Name.Local
	if len(name) > 64 {
		return p.fail(CodeMalformed, "", nil)
	}
	depth := len(p.names) + 1
	if depth == 1 {
		if p.root {
			return p.fail(CodeMalformed, "", nil) // a second root element
		}
		if name != "Document" {
			return p.fail(CodeUnsupportedVersion, name, nil)
		}
		if !camtNamespaces[t.Name.Space] {
			ns := t.Name.Space
			if len(ns) > 80 {
				ns = ns[:80]
			}
			return p.fail(CodeUnsupportedVersion, ns, nil)
		}
		p.root = true
	}
	p.offs = append(p.offs, len(p.path))
	if len(p.names) > 0 {
		p.path = append(p.path, '/')
		p.offs[len(p.offs)-1] = len(p.path)
	}
	p.path = append(p.path, name...)
	p.names = append(p.names, name)
	p.text = p.text[:0]

	if name == "Amt" {
		p.ccy = ""
		for _, a := range t.Attr {
			if a.Name.Local == "Ccy" {
				p.ccy = a.Value
			}
		}
	}
	switch {
	case depth == 3 && name == "Stmt" && p.names[1] == "BkToCstmrStmt":
		p.stmtDepth = depth
		p.acctIBAN, p.acctOther, p.acctCcy, p.stmtID = "", "", "", ""
		p.from, p.to = time.Time{}, time.Time{}
	case p.stmtDepth > 0 && depth == p.stmtDepth+1 && name == "Bal":
		p.balDepth = depth
		p.bal = camtBal{}
	case p.stmtDepth > 0 && depth == p.stmtDepth+1 && name == "Ntry":
		p.ntryDepth = depth
		p.entries++
		line, _ := p.d.InputPos()
		p.entry = camtEntry{line: line, txs: p.entry.txs[:0]}
	case p.ntryDepth > 0 && depth == p.ntryDepth+2 && name == "TxDtls" && p.names[p.ntryDepth] == "NtryDtls":
		// One entry's details are held until the entry ends; count them
		// against the limit now, not after a million have been read.
		if p.st.buf.n+len(p.entry.txs) >= p.lim.MaxTransactions {
			return p.fail(CodeTooManyTransactions, "", nil)
		}
		p.txDepth = depth
		p.entry.txs = append(p.entry.txs, camtTx{})
		p.tx = &p.entry.txs[len(p.entry.txs)-1]
	}
	return nil
}

func (p *camtParser) end() error {
	depth := len(p.names)
	// Container elements hold only indentation: no string for them.
	var txt string
	if t := bytes.TrimSpace(p.text); len(t) > 0 {
		txt = string(t)
	}
	p.text = p.text[:0]
	var err error
	switch {
	case p.txDepth > 0 && depth > p.txDepth:
		p.txField(p.rel(p.txDepth), txt)
	case p.txDepth > 0 && depth == p.txDepth:
		p.txDepth, p.tx = 0, nil
	case p.ntryDepth > 0 && depth > p.ntryDepth:
		p.entryField(p.rel(p.ntryDepth), txt)
	case p.ntryDepth > 0 && depth == p.ntryDepth:
		err = p.endEntry()
		p.ntryDepth = 0
	case p.balDepth > 0 && depth > p.balDepth:
		switch string(p.rel(p.balDepth)) {
		case "Tp/CdOrPrtry/Cd":
			p.bal.code = txt
		case "Amt":
			p.bal.amt, p.bal.ccy = txt, p.ccy
		case "CdtDbtInd":
			p.bal.ind = txt
		}
	case p.balDepth > 0 && depth == p.balDepth:
		err = p.endBal()
		p.balDepth = 0
	case p.stmtDepth > 0 && depth > p.stmtDepth:
		switch string(p.rel(p.stmtDepth)) {
		case "Id":
			p.stmtID = txt
		case "Acct/Id/IBAN":
			p.acctIBAN = strings.ToUpper(strings.ReplaceAll(txt, " ", ""))
		case "Acct/Id/Othr/Id":
			p.acctOther = txt
		case "Acct/Ccy":
			p.acctCcy = txt
		case "FrToDt/FrDtTm":
			p.from, _ = parseISODate(txt)
		case "FrToDt/ToDtTm":
			p.to, _ = parseISODate(txt)
		}
	case p.stmtDepth > 0 && depth == p.stmtDepth:
		err = p.endStmt()
		p.stmtDepth = 0
	}
	p.names = p.names[:depth-1]
	p.path = p.path[:max(p.offs[depth-1]-1, 0)]
	p.offs = p.offs[:depth-1]
	return err
}

func (p *camtParser) entryField(rel []byte, txt string) {
	e := &p.entry
	switch string(rel) {
	case "Amt":
		e.amt, e.ccy = txt, p.ccy
	case "CdtDbtInd":
		e.ind = txt
	case "RvslInd":
		e.rvsl = txt
	case "Sts", "Sts/Cd":
		e.sts = txt
	case "BookgDt/Dt", "BookgDt/DtTm":
		e.booked = txt
	case "ValDt/Dt", "ValDt/DtTm":
		e.value = txt
	case "AcctSvcrRef":
		e.acctSvcrRef = txt
	case "AddtlNtryInf":
		e.addtl = txt
	}
}

func (p *camtParser) txField(rel []byte, txt string) {
	t := p.tx
	switch string(rel) {
	case "Refs/AcctSvcrRef":
		t.acctSvcrRef = txt
	case "Refs/TxId":
		t.txID = txt
	case "Refs/EndToEndId":
		t.e2e = txt
	case "Amt":
		t.amt, t.ccy = txt, p.ccy
	case "CdtDbtInd":
		t.ind = txt
	case "AmtDtls/TxAmt/Amt":
		t.txAmt, t.txCcy = txt, p.ccy
	case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm":
		t.dbtrNm = txt
	case "RltdPties/DbtrAcct/Id/IBAN":
		t.dbtrIBAN = txt
	case "RltdPties/DbtrAcct/Id/Othr/Id":
		t.dbtrOther = txt
	case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm":
		t.cdtrNm = txt
	case "RltdPties/CdtrAcct/Id/IBAN":
		t.cdtrIBAN = txt
	case "RltdPties/CdtrAcct/Id/Othr/Id":
		t.cdtrOther = txt
	case "RmtInf/Ustrd":
		if len(t.ustrd) < 16 {
			t.ustrd = append(t.ustrd, txt)
		}
	case "RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Cd", "RmtInf/Strd/CdtrRefInf/Tp/CdOrPrtry/Prtry":
		t.refType = strings.ToUpper(txt)
	case "RmtInf/Strd/CdtrRefInf/Ref":
		if len(t.refs) < 8 {
			t.refs = append(t.refs, camtRef{t.refType, txt})
		}
	case "RmtInf/Strd/CdtrRefInf":
		t.refType = ""
	case "RmtInf/Strd/AddtlRmtInf":
		if t.addtlRmt == "" {
			t.addtlRmt = txt
		}
	case "AddtlTxInf":
		t.addtlTx = txt
	}
}

func (p *camtParser) endBal() error {
	b := p.bal
	if b.code != "OPBD" && b.code != "PRCD" && b.code != "CLBD" {
		return nil
	}
	if !validCurrency(b.ccy) {
		return p.fail(CodeBadCurrency, "Bal/Amt/@Ccy", nil)
	}
	v, ok := parseAmount(b.amt, '.', 0, minorDigits(b.ccy))
	if !ok || v < 0 {
		return p.fail(CodeBadAmount, "Bal/Amt", nil)
	}
	switch b.ind {
	case "CRDT":
	case "DBIT":
		v = -v
	default:
		return p.fail(CodeBadDirection, "Bal/CdtDbtInd", nil)
	}
	if b.code == "CLBD" {
		p.st.ClosingBalance = v
	} else if p.stmts == 0 || !p.st.HasBalances {
		p.st.OpeningBalance = v
	}
	p.st.HasBalances = true
	return nil
}

func (p *camtParser) endStmt() error {
	acct := cleanText(p.acctIBAN, nil)
	if acct == "" {
		acct = cleanText(p.acctOther, nil)
	}
	if p.stmts > 0 && acct != p.st.Account {
		return p.fail(CodeAccountMismatch, "Stmt/Acct", nil)
	}
	if p.acctCcy != "" && !validCurrency(p.acctCcy) {
		return p.fail(CodeBadCurrency, "Acct/Ccy", nil)
	}
	if p.stmts > 0 && p.acctCcy != p.st.Currency {
		return p.fail(CodeAccountMismatch, "Stmt/Acct/Ccy", nil)
	}
	p.st.Account, p.st.Currency = acct, p.acctCcy
	if p.stmts == 0 {
		p.st.ID = cleanText(p.stmtID, nil)
	}
	if !p.from.IsZero() && !p.to.IsZero() && !p.to.Before(p.from) {
		if !p.st.periodGiven || p.from.Before(p.st.From) {
			p.st.From = p.from
		}
		if !p.st.periodGiven || p.to.After(p.st.To) {
			p.st.To = p.to
		}
		p.st.periodGiven = true
	}
	p.stmts++
	return nil
}

// signed reads an amount and its CdtDbtInd into signed minor units.
func (p *camtParser) signed(amt, ccy, ind, field string) (int64, Direction, error) {
	if !validCurrency(ccy) {
		return 0, "", p.failEntry(CodeBadCurrency, field+"/@Ccy")
	}
	v, ok := parseAmount(amt, '.', 0, minorDigits(ccy))
	if !ok || v < 0 || strings.HasPrefix(amt, "+") {
		return 0, "", p.failEntry(CodeBadAmount, field)
	}
	switch ind {
	case "CRDT":
		return v, Credit, nil
	case "DBIT":
		return -v, Debit, nil
	}
	return 0, "", p.failEntry(CodeBadDirection, field+"/CdtDbtInd")
}

func (p *camtParser) endEntry() error {
	e := &p.entry
	if e.sts != "" && e.sts != "BOOK" {
		p.st.Skipped++
		return nil
	}
	total, dir, err := p.signed(e.amt, e.ccy, e.ind, "Ntry/Amt")
	if err != nil {
		return err
	}
	if e.booked == "" {
		return p.failEntry(CodeMissingField, "Ntry/BookgDt")
	}
	booked, ok := parseISODate(e.booked)
	if !ok {
		return p.failEntry(CodeBadDate, "Ntry/BookgDt")
	}
	var value time.Time
	if e.value != "" {
		if value, ok = parseISODate(e.value); !ok {
			return p.failEntry(CodeBadDate, "Ntry/ValDt")
		}
	}
	reversal := e.rvsl == "true" || e.rvsl == "1"
	base := Transaction{Date: booked, ValueDate: value, Currency: e.ccy, Reversal: reversal, Entry: p.entries, Line: e.line}

	if len(e.txs) == 0 {
		t := base
		t.Amount, t.Direction = total, dir
		t.BankID = cleanText(e.acctSvcrRef, nil)
		t.Message = cleanText(e.addtl, &t)
		fillSymbolsFromText(&t, t.Message)
		return p.add(t)
	}
	var sum int64
	for i := range e.txs {
		x := &e.txs[i]
		t := base
		if len(e.txs) == 1 {
			t.Amount, t.Direction = total, dir
			t.BankID = firstNonEmpty(e.acctSvcrRef, x.acctSvcrRef, x.txID)
		} else {
			amt, ccy, field := x.amt, x.ccy, "TxDtls/Amt"
			if amt == "" {
				amt, ccy, field = x.txAmt, x.txCcy, "TxDtls/AmtDtls/TxAmt/Amt"
			}
			if amt == "" {
				return p.failEntry(CodeBatchMismatch, "TxDtls/Amt")
			}
			if ccy != e.ccy {
				return p.failEntry(CodeBatchMismatch, field+"/@Ccy")
			}
			ind := x.ind
			if ind == "" {
				ind = e.ind
			}
			v, d, err := p.signed(amt, ccy, ind, field)
			if err != nil {
				return err
			}
			t.Amount, t.Direction = v, d
			// Each amount is at most 10^15, so keeping the running sum
			// within that too means it can never overflow (and a
			// wrapped sum never "adds up" to a forged entry).
			sum += v
			if sum > maxMinor || sum < -maxMinor {
				return p.failEntry(CodeBatchMismatch, "Ntry/Amt")
			}
			t.BankID = firstNonEmpty(x.acctSvcrRef, x.txID)
			if t.BankID == "" && e.acctSvcrRef != "" {
				// The details of one booking, in the bank's order: the
				// booking's reference and the position identify each.
				t.BankID = e.acctSvcrRef + "/" + strconv.Itoa(i+1)
			}
		}
		t.BankID = cleanText(t.BankID, nil)
		if t.Direction == Credit {
			t.Counterparty = cleanText(x.dbtrNm, &t)
			t.CounterpartyAccount = cleanText(firstNonEmpty(x.dbtrIBAN, x.dbtrOther), &t)
		} else {
			t.Counterparty = cleanText(x.cdtrNm, &t)
			t.CounterpartyAccount = cleanText(firstNonEmpty(x.cdtrIBAN, x.cdtrOther), &t)
		}
		msg := strings.Join(x.ustrd, " ")
		if msg == "" {
			msg = firstNonEmpty(x.addtlRmt, x.addtlTx, e.addtl)
		}
		t.Message = cleanText(msg, &t)
		p.symbols(&t, x)
		if err := p.add(t); err != nil {
			return err
		}
	}
	if len(e.txs) > 1 && sum != total {
		return p.failEntry(CodeBatchMismatch, "Ntry/Amt")
	}
	return nil
}

// symbols reads the variable, specific and constant symbols from where
// Czech banks put them in camt.053, most explicit first: the structured
// creditor references (typed VS, SS or KS; untyped, a bare number or
// "VS:123", "/VS/123/SS/…"; an RF creditor reference, type SCOR, is never a
// symbol), the end-to-end id ("VS20260001", "/VS/20260001/KS/0308"), then
// the message.
func (p *camtParser) symbols(t *Transaction, x *camtTx) {
	for _, r := range x.refs {
		ref := cleanText(r.ref, t)
		if ref == "" {
			continue
		}
		hadVS := t.VS != ""
		switch r.tp {
		case "VS":
			if n, ok := normSymbol(ref, 10); ok && n != "" && t.VS == "" {
				t.VS, t.VSSource = n, VSStructured
			}
		case "SS":
			if n, ok := normSymbol(ref, 10); ok && t.SS == "" {
				t.SS = n
			}
		case "KS":
			if n, ok := normSymbol(ref, 4); ok && t.KS == "" {
				t.KS = n
			}
		case "":
			if n, ok := normSymbol(ref, 10); ok && n != "" {
				if t.VS == "" {
					t.VS, t.VSSource = n, VSStructured
				}
				break
			}
			sy := findSymbols(ref)
			if sy.vs != "" && t.VS == "" {
				t.VS, t.VSSource = sy.vs, VSStructured
			}
			if t.SS == "" {
				t.SS = sy.ss
			}
			if t.KS == "" {
				t.KS = sy.ks
			}
		}
		// Reference shows the reference the VS came from, else the first.
		if t.Reference == "" || (!hadVS && t.VS != "") {
			t.Reference = ref
		}
	}
	e2e := cleanText(x.e2e, t)
	if e2e != "" && e2e != "NOTPROVIDED" {
		sy := findSymbols(e2e)
		if t.VS == "" && sy.vs != "" {
			t.VS, t.VSSource = sy.vs, VSEndToEnd
		}
		if t.SS == "" {
			t.SS = sy.ss
		}
		if t.KS == "" {
			t.KS = sy.ks
		}
		if t.Reference == "" {
			t.Reference = e2e
		}
	}
	fillSymbolsFromText(t, t.Message)
}

func (p *camtParser) add(t Transaction) error {
	if p.st.buf.n >= p.lim.MaxTransactions {
		return p.fail(CodeTooManyTransactions, "", nil)
	}
	p.st.buf.add(t)
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

package statement

import (
	"bytes"
	"compress/gzip"
	"errors"
	"golang.org/x/text/encoding/charmap"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const camtNS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"

// camtDoc wraps entries in a minimal valid statement.
func camtDoc(entries string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="` + camtNS + `"><BkToCstmrStmt><Stmt><Id>S</Id>` +
		`<Acct><Id><IBAN>` + accountIBAN + `</IBAN></Id><Ccy>CZK</Ccy></Acct>` + entries + `</Stmt></BkToCstmrStmt></Document>`
}

func camtNtry(amt, ind string) string {
	return `<Ntry><Amt Ccy="CZK">` + amt + `</Amt><CdtDbtInd>` + ind + `</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt><AcctSvcrRef>1</AcctSvcrRef></Ntry>`
}

func TestCamtHostile(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>` +
		`<Document xmlns="` + camtNS + `"><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>`
	xxe := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="` + camtNS + `"><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>`
	good := sample(t, "camt053-v02-2026-11.xml")
	many := camtDoc(strings.Repeat(camtNtry("1.00", "CRDT"), 3))
	batch := camtDoc(`<Ntry><Amt Ccy="CZK">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt><NtryDtls>` +
		`<TxDtls><Amt Ccy="CZK">4.00</Amt></TxDtls><TxDtls><Amt Ccy="CZK">5.00</Amt></TxDtls></NtryDtls></Ntry>`)
	twoAccounts := strings.Replace(camtDoc(""), "</Stmt>", `</Stmt><Stmt><Acct><Id><IBAN>CZ0708000000001234567890</IBAN></Id><Ccy>CZK</Ccy></Acct></Stmt>`, 1)
	for _, c := range []struct {
		name string
		doc  string
		lim  Limits
		code Code
	}{
		{"billion laughs", laughs, Limits{}, CodeDoctype},
		{"external entity", xxe, Limits{}, CodeDoctype},
		{"undeclared entity", camtDoc(`<Ntry><AddtlNtryInf>&lol;</AddtlNtryInf></Ntry>`), Limits{}, CodeMalformed},
		{"truncated", good[:len(good)/2], Limits{}, CodeTruncated},
		{"cut after the root", good[:strings.Index(good, "</Document>")], Limits{}, CodeTruncated},
		{"not XML", "<Document", Limits{}, CodeTruncated},
		{"windows-1250 declared", strings.Replace(good, `encoding="UTF-8"`, `encoding="windows-1250"`, 1), Limits{}, CodeEncoding},
		{"invalid UTF-8", strings.Replace(good, "Nováková", "Nov\xe1kov\xe1", 1), Limits{}, CodeEncoding},
		{"camt.052", strings.Replace(good, "camt.053.001.02", "camt.052.001.02", 1), Limits{}, CodeUnsupportedVersion},
		{"camt.053.001.09", strings.Replace(good, "camt.053.001.02", "camt.053.001.09", 1), Limits{}, CodeUnsupportedVersion},
		{"no namespace", strings.Replace(good, `xmlns="`+camtNS+`"`, "", 1), Limits{}, CodeUnsupportedVersion},
		{"other root", `<html/>`, Limits{}, CodeUnsupportedVersion},
		{"deep", camtDoc(strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)), Limits{}, CodeTooDeep},
		{"long text", camtDoc("<Ntry><AddtlNtryInf>" + strings.Repeat("x", 20<<10) + "</AddtlNtryInf></Ntry>"), Limits{}, CodeFieldTooLong},
		{"long attribute", camtDoc(`<Ntry><Amt Ccy="` + strings.Repeat("x", 20<<10) + `">1</Amt></Ntry>`), Limits{}, CodeFieldTooLong},
		{"long comment", camtDoc("<!--" + strings.Repeat("x", 20<<10) + "-->"), Limits{}, CodeFieldTooLong},
		{"tokens", good, Limits{MaxXMLTokens: 50}, CodeTooManyTokens},
		{"size", good, Limits{MaxBytes: 1000}, CodeTooLarge},
		{"count", many, Limits{MaxTransactions: 2}, CodeTooManyTransactions},
		{"count in one batch", camtDoc(`<Ntry><NtryDtls>` + strings.Repeat(`<TxDtls/>`, 5) + `</NtryDtls></Ntry>`), Limits{MaxTransactions: 3}, CodeTooManyTransactions},
		{"negative amount", camtDoc(camtNtry("-500.00", "CRDT")), Limits{}, CodeBadAmount},
		{"plus amount", camtDoc(camtNtry("+500.00", "CRDT")), Limits{}, CodeBadAmount},
		{"three decimals", camtDoc(camtNtry("500.005", "CRDT")), Limits{}, CodeBadAmount},
		{"float notation", camtDoc(camtNtry("5E2", "CRDT")), Limits{}, CodeBadAmount},
		{"huge amount", camtDoc(camtNtry("99999999999999999999.00", "CRDT")), Limits{}, CodeBadAmount},
		{"direction", camtDoc(camtNtry("5.00", "CREDIT")), Limits{}, CodeBadDirection},
		{"no currency", camtDoc(strings.Replace(camtNtry("5.00", "CRDT"), ` Ccy="CZK"`, "", 1)), Limits{}, CodeBadCurrency},
		{"bad date", camtDoc(strings.Replace(camtNtry("5.00", "CRDT"), "2026-11-03", "2026-02-30", 1)), Limits{}, CodeBadDate},
		{"no date", camtDoc(strings.Replace(camtNtry("5.00", "CRDT"), "<BookgDt><Dt>2026-11-03</Dt></BookgDt>", "", 1)), Limits{}, CodeMissingField},
		{"batch sum", batch, Limits{}, CodeBatchMismatch},
		{"batch sum overflow", camtDoc(`<Ntry><Amt Ccy="CZK">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-03</Dt></BookgDt><NtryDtls>` +
			strings.Repeat(`<TxDtls><Amt Ccy="CZK">9000000000000.00</Amt></TxDtls>`, 3) + `</NtryDtls></Ntry>`), Limits{}, CodeBatchMismatch},
		{"two accounts", twoAccounts, Limits{}, CodeAccountMismatch},
		{"no statement", `<Document xmlns="` + camtNS + `"><BkToCstmrStmt/></Document>`, Limits{}, CodeMissingField},
		{"trailing junk", good + "<x/>", Limits{}, CodeMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := ParseCamt053(strings.NewReader(c.doc), Options{Limits: c.lim})
			if st != nil {
				t.Error("a statement came back with the error")
			}
			wantCode(t, err, c.code)
		})
	}
}

func TestCamtErrorPosition(t *testing.T) {
	doc := camtDoc(camtNtry("1.00", "CRDT") + "\n" + camtNtry("x", "CRDT"))
	_, err := ParseCamt053(strings.NewReader(doc), Options{})
	e := wantCode(t, err, CodeBadAmount)
	if e != nil && (e.Entry != 2 || e.Line != 2 || e.Field != "Ntry/Amt") {
		t.Errorf("entry %d line %d field %q, want 2, 2, Ntry/Amt", e.Entry, e.Line, e.Field)
	}
	// The message names the place and the code, never the value.
	if e != nil && strings.Contains(e.Error(), "x<") {
		t.Errorf("error quotes the input: %s", e)
	}
}

// countingReader counts what a parser pulled from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestCompressedRefusedUnread(t *testing.T) {
	// 64 MiB of zeros in about 64 KiB: never unpacked, and read no
	// further than the format check.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	cr := &countingReader{r: bytes.NewReader(bomb.Bytes())}
	_, err := Parse(cr, Options{})
	wantCode(t, err, CodeCompressed)
	if !errors.Is(err, &Error{Code: CodeCompressed}) || errors.Is(err, &Error{Code: CodeMalformed}) {
		t.Error("errors.Is does not match on the code")
	}
	if cr.n > headBytes {
		t.Errorf("read %d bytes of a compressed file", cr.n)
	}
	_, err = Parse(strings.NewReader("PK\x03\x04rest of a zip"), Options{})
	wantCode(t, err, CodeCompressed)
	_, err = Parse(strings.NewReader(" \n\t"), Options{})
	wantCode(t, err, CodeEmpty)
	_, err = Parse(strings.NewReader("<html><body>not a statement</body></html>"), Options{})
	wantCode(t, err, CodeUnknownFormat)
}

func fioDoc(txs string) string {
	return `{"accountStatement":{"info":{"accountId":"2001234567","bankId":"2010","currency":"CZK","iban":"` + accountIBAN + `"},` +
		`"transactionList":{"transaction":[` + txs + `]}}}`
}

func fioTxJSON(amount, vs, msg string) string {
	return `{"column22":{"value":1,"name":"ID pohybu","id":22},"column0":{"value":"2026-11-03+0100","name":"Datum","id":0},` +
		`"column1":{"value":` + amount + `,"name":"Objem","id":1},"column14":{"value":"CZK","name":"Měna","id":14},` +
		`"column5":` + vs + `,"column16":{"value":` + msg + `,"name":"Zpráva pro příjemce","id":16}}`
}

func TestFioHostile(t *testing.T) {
	good := sample(t, "fio-2026-11.json")
	for _, c := range []struct {
		name string
		doc  string
		lim  Limits
		code Code
	}{
		{"truncated", good[:len(good)/2], Limits{}, CodeTruncated},
		{"not JSON", "{accountStatement", Limits{}, CodeMalformed},
		{"array", "[]", Limits{}, CodeMalformed},
		{"no statement", `{"error":"token expired"}`, Limits{}, CodeMissingField},
		{"no info", `{"accountStatement":{"transactionList":null}}`, Limits{}, CodeMissingField},
		{"float notation", fioDoc(fioTxJSON("5e2", "null", `""`)), Limits{}, CodeBadAmount},
		{"three decimals", fioDoc(fioTxJSON("5.005", "null", `""`)), Limits{}, CodeBadAmount},
		{"amount as object", fioDoc(fioTxJSON("{}", "null", `""`)), Limits{}, CodeMalformed},
		{"no amount", fioDoc(fioTxJSON("null", "null", `""`)), Limits{}, CodeMissingField},
		{"huge element", fioDoc(fioTxJSON("1", "null", `"`+strings.Repeat("x", 300<<10)+`"`)), Limits{}, CodeFieldTooLong},
		{"size", good, Limits{MaxBytes: 500}, CodeTooLarge},
		{"count", good, Limits{MaxTransactions: 3}, CodeTooManyTransactions},
		{"bad date", strings.Replace(good, "2026-11-03+0100", "3.11.2026", 1), Limits{}, CodeBadDate},
		{"bad currency", strings.Replace(good, `"value": "CZK"`, `"value": "Kč"`, 1), Limits{}, CodeBadCurrency},
		{"trailing data", good + "{}", Limits{}, CodeMalformed},
		{"deep junk", fioDoc(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), Limits{}, CodeMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := ParseFioJSON(strings.NewReader(c.doc), Options{Limits: c.lim})
			if st != nil {
				t.Error("a statement came back with the error")
			}
			wantCode(t, err, c.code)
		})
	}
}

func TestFioOddButAccepted(t *testing.T) {
	doc := fioDoc(fioTxJSON("-1.000", `{"value":"12a","name":"VS","id":5}`, `"Příspěvek\u202e4001 SV\u202c\n\tlistopad\u0000"`) + "," +
		fioTxJSON("0.5", "null", `"VS 1004, VS 1004"`) + "," + fioTxJSON("7", `{"value":"0000001001","name":"VS","id":5}`, "null"))
	st, err := ParseFioJSON(strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := st.Transactions[0], st.Transactions[1], st.Transactions[2]
	// A trailing zero decimal is exact; a VS that is not a number is kept
	// as the reference, flagged; the override, the line break, the tab and
	// the NUL are gone, and the movement says so.
	if a.Amount != -100 || a.Direction != Debit || a.VS != "" || a.Reference != "12a" || a.Message != "Příspěvek4001 SV listopad" {
		t.Errorf("first: %#v", a)
	}
	if len(a.Warnings) != 2 || a.Warnings[0] != WarnTextCleaned || a.Warnings[1] != WarnVSNotNumeric {
		t.Errorf("warnings %v", a.Warnings)
	}
	// The same symbol twice is not ambiguous.
	if b.Amount != 50 || b.VS != "1004" || b.VSSource != VSUnstructured {
		t.Errorf("second: %#v", b)
	}
	if c.Amount != 700 || c.VS != "1001" || c.Message != "" {
		t.Errorf("third: %#v", c)
	}
	if st.Transactions[0].StableID == st.Transactions[1].StableID {
		t.Error("equal bank ids must still give two ids")
	}
	empty, err := ParseFioJSON(strings.NewReader(`{"accountStatement":{"info":{"currency":"CZK"},"transactionList":{"transaction":null}}}`), Options{})
	if err != nil || len(empty.Transactions) != 0 {
		t.Errorf("empty statement: %v %v", empty, err)
	}
}

func gpcLines(t *testing.T) []string {
	return strings.Split(strings.TrimSuffix(sample(t, "fio-2026-11.gpc"), "\r\n"), "\r\n")
}

func TestGPCHostile(t *testing.T) {
	lines := gpcLines(t)
	join := func(ls ...string) string { return strings.Join(ls, "\r\n") + "\r\n" }
	item := lines[1]
	set := func(s string, pos int, v string) string { return s[:pos-1] + v + s[pos-1+len(v):] }
	otherAcct := set(lines[0], 4, "0000001234567890")
	for _, c := range []struct {
		name string
		doc  string
		lim  Limits
		code Code
	}{
		{"truncated line", join(lines[0]) + item[:60], Limits{}, CodeTruncated},
		{"short line inside", join(lines[0], item[:60], item), Limits{}, CodeMalformed},
		{"item first", join(item), Limits{}, CodeBadRecord},
		{"no header", "", Limits{}, CodeMissingField},
		{"unknown record", join(lines[0], "099"+item[3:]), Limits{}, CodeBadRecord},
		{"message first", join(lines[0], lines[3]), Limits{}, CodeBadRecord},
		{"31 February", join(lines[0], set(item, 123, "310226")), Limits{}, CodeBadDate},
		{"letters in amount", join(lines[0], set(item, 49, "00000000050X")), Limits{}, CodeMalformed},
		{"unknown currency", join(lines[0], set(item, 119, "0999")), Limits{}, CodeBadCurrency},
		{"posting code", join(lines[0], set(item, 61, "9")), Limits{}, CodeBadDirection},
		{"balance sign", join(set(lines[0], 60, "x")), Limits{}, CodeBadAmount},
		{"second account", join(lines[0], item, otherAcct), Limits{}, CodeAccountMismatch},
		{"long line", join(lines[0], item+strings.Repeat(" ", 70<<10)), Limits{}, CodeLineTooLong},
		{"count", join(lines[0], item, item, item), Limits{MaxTransactions: 2}, CodeTooManyTransactions},
		{"size", join(lines...), Limits{MaxBytes: 300}, CodeTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := ParseGPC(strings.NewReader(c.doc), Options{Limits: c.lim})
			if st != nil {
				t.Error("a statement came back with the error")
			}
			wantCode(t, err, c.code)
		})
	}
}

func TestGPCOddButAccepted(t *testing.T) {
	lines := gpcLines(t)
	item := lines[1]
	set := func(s string, pos int, v string) string { return s[:pos-1] + v + s[pos-1+len(v):] }
	// LF line ends, no final newline, a VS with letters, a control
	// character in the 20-character name, an EUR movement.
	// (The file is Windows-1250: 0xe1 is "á".)
	odd := set(set(item, 62, "12AB567890"), 98, "Jana\x1bNov\xe1kov\xe1")
	eur := set(lines[4], 119, "0978")
	doc := strings.Join([]string{lines[0], odd, eur}, "\n") + "\n\x1a"
	st, err := ParseGPC(strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := st.Transactions[0], st.Transactions[1]
	if a.VS != "" || a.Reference != "12AB567890" || a.Counterparty != "JanaNováková" {
		t.Errorf("first: %#v", a)
	}
	if len(a.Warnings) != 2 || a.Warnings[0] != WarnVSNotNumeric || a.Warnings[1] != WarnTextCleaned {
		t.Errorf("warnings %v", a.Warnings)
	}
	if b.Currency != "EUR" || len(b.Warnings) != 1 || b.Warnings[0] != WarnForeignCurrency {
		t.Errorf("second: %#v", b)
	}
}

func TestCSVHostile(t *testing.T) {
	m := Mapping{Date: 1, Amount: 2, Currency: 3, VS: 4, Message: 5, Comma: ';', DecimalComma: true, SkipRows: 1}
	head := "Datum;Částka;Měna;VS;Zpráva\n"
	for _, c := range []struct {
		name string
		m    Mapping
		doc  string
		lim  Limits
		code Code
		line int
	}{
		{"no date column", Mapping{Amount: 1, DefaultCurrency: "CZK"}, head, Limits{}, CodeBadMapping, 0},
		{"no amount column", Mapping{Date: 1, DefaultCurrency: "CZK"}, head, Limits{}, CodeBadMapping, 0},
		{"no currency", Mapping{Date: 1, Amount: 2}, head, Limits{}, CodeBadMapping, 0},
		{"comma twice", Mapping{Date: 1, Amount: 2, Comma: ',', DecimalComma: true, DefaultCurrency: "CZK"}, head, Limits{}, CodeBadMapping, 0},
		{"quote as comma", Mapping{Date: 1, Amount: 2, Comma: '"', DefaultCurrency: "CZK"}, head, Limits{}, CodeBadMapping, 0},
		{"column out of range", Mapping{Date: 1, Amount: 100000, DefaultCurrency: "CZK"}, head, Limits{}, CodeBadMapping, 0},
		{"bad layout", Mapping{Date: 1, Amount: 2, DateLayout: "dd.mm.yyyy", DefaultCurrency: "CZK"}, head, Limits{}, CodeBadMapping, 0},
		{"bad amount", m, head + "03.11.2026;12,3,4;CZK;1001;x\n", Limits{}, CodeBadAmount, 2},
		{"three decimals", m, head + "03.11.2026;12,345;CZK;1001;x\n", Limits{}, CodeBadAmount, 2},
		{"letters", m, head + "03.11.2026;500 Kč;CZK;1001;x\n", Limits{}, CodeBadAmount, 2},
		{"bad date", m, head + "31.02.2026;500,00;CZK;1001;x\n", Limits{}, CodeBadDate, 2},
		{"bad currency", m, head + "03.11.2026;500,00;Kč;1001;x\n", Limits{}, CodeBadCurrency, 2},
		{"short row", m, head + "03.11.2026\n", Limits{}, CodeMissingField, 2},
		{"open quote", m, head + "03.11.2026;500,00;CZK;1001;\"never closed\n04.11.2026;1,00;CZK;;\n", Limits{}, CodeTruncated, 2},
		{"bare quote", m, head + "03.11.2026;500,00;CZK;1001;a\"b\n", Limits{}, CodeMalformed, 2},
		{"long line", m, head + "03.11.2026;500,00;CZK;1001;" + strings.Repeat("x", 70<<10) + "\n", Limits{}, CodeLineTooLong, 0},
		{"long field", m, head + "03.11.2026;500,00;CZK;1001;" + strings.Repeat("x", 20<<10) + "\n", Limits{}, CodeFieldTooLong, 2},
		{"count", m, head + strings.Repeat("03.11.2026;500,00;CZK;1001;x\n", 3), Limits{MaxTransactions: 2}, CodeTooManyTransactions, 4},
		{"size", m, head + strings.Repeat("03.11.2026;500,00;CZK;1001;x\n", 100), Limits{MaxBytes: 1000}, CodeTooLarge, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := ParseCSV(strings.NewReader(c.doc), Options{Mapping: c.m, Limits: c.lim})
			if st != nil {
				t.Error("a statement came back with the error")
			}
			e := wantCode(t, err, c.code)
			if e != nil && c.line != 0 && e.Line != c.line {
				t.Errorf("line %d, want %d", e.Line, c.line)
			}
		})
	}
}

func TestCSVAmountsAndText(t *testing.T) {
	m := Mapping{Date: 1, Amount: 2, Currency: 3, VS: 4, Message: 5, Comma: ';', DecimalComma: true, SkipRows: 1}
	doc := "Datum;Částka;Měna;VS;Zpráva\n" +
		"03.11.2026;1 234,50;CZK;1001;ok\n" +
		"03.11.2026;\u22121\u00a0234,50;CZK;;VS 1002\n" +
		"03.11.2026;1.234,5;CZK;VS1003;x\n" +
		"03.11.2026;-0,01;EUR;;\"a\u202eb\u2066c\r\nd\"\n" +
		"\n;;;;\n" +
		"03.11.2026;+7;CZK;0000000000;x\n"
	st, err := ParseCSV(strings.NewReader(doc), Options{Mapping: m, Currency: "CZK"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		amount int64
		vs     string
		msg    string
		warn   []Code
	}{
		{123450, "1001", "ok", nil},
		{-123450, "1002", "VS 1002", nil},
		{123450, "", "x", []Code{WarnVSNotNumeric}},
		{-1, "", "abc d", []Code{WarnTextCleaned, WarnForeignCurrency}},
		{700, "", "x", nil},
	}
	if len(st.Transactions) != len(want) {
		t.Fatalf("%d transactions: %#v", len(st.Transactions), st.Transactions)
	}
	for i, w := range want {
		g := st.Transactions[i]
		if g.Amount != w.amount || g.VS != w.vs || g.Message != w.msg || len(g.Warnings) != len(w.warn) {
			t.Errorf("%d: %#v, want %#v", i, g, w)
			continue
		}
		for j := range w.warn {
			if g.Warnings[j] != w.warn[j] {
				t.Errorf("%d: warnings %v, want %v", i, g.Warnings, w.warn)
			}
		}
	}
	if st.Transactions[2].Reference != "VS1003" {
		t.Errorf("reference %q", st.Transactions[2].Reference)
	}
}

func TestFindSymbols(t *testing.T) {
	for _, c := range []struct {
		in, vs, ss, ks string
		ambiguous      bool
	}{
		{"VS:123", "123", "", "", false},
		{"vs 0000123", "123", "", "", false},
		{"/VS/123/SS/45/KS/0308", "123", "45", "308", false},
		{"/VS123/SS45", "123", "45", "", false},
		{"VS20260001", "20260001", "", "", false},
		{"příspěvek VS=77, listopad", "77", "", "", false},
		{"ZVS123", "", "", "", false},
		{"VS12345678901", "", "", "", false}, // 11 digits is not a symbol
		{"VS123abc", "", "", "", false},
		{"VSTUP 5", "", "", "", false},
		{"KS 12345", "", "", "", false}, // a constant symbol has 4 digits
		{"VS 1 VS 2", "", "", "", true},
		{"VS 1, vs: 0001", "1", "", "", false},
		{"", "", "", "", false},
	} {
		got := findSymbols(c.in)
		if got.vs != c.vs || got.ss != c.ss || got.ks != c.ks || got.vsAmbiguous != c.ambiguous {
			t.Errorf("%q: %#v", c.in, got)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		in     string
		dec    byte
		group  rune
		digits int
		want   int64
		ok     bool
	}{
		{"500", '.', 0, 2, 50000, true},
		{"500.5", '.', 0, 2, 50050, true},
		{"500.50", '.', 0, 2, 50050, true},
		{"500.500", '.', 0, 2, 50050, true},
		{"500.501", '.', 0, 2, 0, false},
		{"-0.01", '.', 0, 2, -1, true},
		{"1,234.56", '.', ',', 2, 123456, true},
		{"1,,234", '.', ',', 2, 0, false},
		{",234", '.', ',', 2, 0, false},
		{"1 234,56", ',', ' ', 2, 123456, true},
		{"12.", '.', 0, 2, 0, false},
		{".5", '.', 0, 2, 0, false},
		{"1e3", '.', 0, 2, 0, false},
		{"", '.', 0, 2, 0, false},
		{"-", '.', 0, 2, 0, false},
		{"100", '.', 0, 0, 100, true},
		{"1.5", '.', 0, 0, 0, false},
		{"1.234", '.', 0, 3, 1234, true},
		{"10000000000000", '.', 0, 2, 1000000000000000, true},
		{"10000000000001", '.', 0, 2, 0, false},
		{"9223372036854775807", '.', 0, 0, 0, false},
	} {
		got, ok := parseAmount(c.in, c.dec, c.group, c.digits)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// A long message comes in 35-character parts cut mid-word; joined as they
// are, it reads as written.
func TestGPCLongMessage(t *testing.T) {
	lines := gpcLines(t)
	msg := "Členský příspěvek za září, říjen a listopad 2026, VS 1001, platím za sebe i za manželku Janu"
	rs := []rune(msg + strings.Repeat(" ", 140-len([]rune(msg))))
	enc := func(s string) string {
		b, err := charmap.Windows1250.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	l078 := enc("078" + string(rs[0:35]) + string(rs[35:70]) + strings.Repeat(" ", 55))
	l079 := enc("079" + string(rs[70:105]) + string(rs[105:140]))
	// The 075 item has no VS of its own: the message's counts.
	item := lines[7][:61] + "0000000000" + lines[7][71:]
	doc := strings.Join([]string{lines[0], item, lines[8], l078, l079}, "\r\n")
	st, err := ParseGPC(strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx := st.Transactions[0]
	if tx.Message != msg || tx.VS != "1001" || tx.VSSource != VSUnstructured {
		t.Errorf("%#v", tx)
	}
}

func TestCSVCreditAndDebitColumns(t *testing.T) {
	m := Mapping{Date: 1, Amount: 2, Debit: 3, Comma: ';', DecimalComma: true, DefaultCurrency: "CZK"}
	st, err := ParseCSV(strings.NewReader("03.11.2026;0,00;125,00\n03.11.2026;300,00;0\n03.11.2026;;-7,00\n"), Options{Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{-12500, 30000, -700} {
		if st.Transactions[i].Amount != want {
			t.Errorf("%d: %d, want %d", i, st.Transactions[i].Amount, want)
		}
	}
	_, err = ParseCSV(strings.NewReader("03.11.2026;1,00;2,00\n"), Options{Mapping: m})
	wantCode(t, err, CodeBadAmount)
	_, err = ParseCSV(strings.NewReader("03.11.2026;;\n"), Options{Mapping: m})
	wantCode(t, err, CodeMissingField)
}

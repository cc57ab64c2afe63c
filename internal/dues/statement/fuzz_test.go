package statement

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"unionhall/internal/textrule"
)

// The fuzz targets check properties, not only the absence of a panic:
//   - a refusal is an *Error with a listed code and no statement;
//   - an accepted statement keeps every invariant the importer relies on
//     (checkInvariants);
//   - parsing is deterministic;
//   - whatever any parser accepts survives a round trip through CSV
//     (exportCSV then ParseCSV): amounts exact, symbols and texts unchanged.

var knownCodes = map[Code]bool{
	CodeRead: true, CodeEmpty: true, CodeCompressed: true, CodeUnknownFormat: true, CodeTooLarge: true, CodeTooManyTransactions: true,
	CodeLineTooLong: true, CodeFieldTooLong: true, CodeTooDeep: true, CodeTooManyTokens: true, CodeDoctype: true, CodeMalformed: true,
	CodeTruncated: true, CodeUnsupportedVersion: true, CodeEncoding: true, CodeMissingField: true, CodeBadAmount: true, CodeBadDate: true,
	CodeBadCurrency: true, CodeBadDirection: true, CodeBatchMismatch: true, CodeAccountMismatch: true, CodeBadMapping: true, CodeBadRecord: true,
}

var knownWarnings = map[Code]bool{WarnTextCleaned: true, WarnVSNotNumeric: true, WarnSymbolInvalid: true, WarnForeignCurrency: true, WarnVSAmbiguous: true}

// fuzzLimits are small so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxTransactions: 200, MaxLineBytes: 4096, MaxFieldBytes: 2048, MaxXMLDepth: 24, MaxXMLTokens: 100_000, MaxJSONElement: 8192}

func cleanInvariant(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) || textrule.HasRefused(s) || s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
		t.Errorf("%s not clean: %q", what, s)
	}
}

func symbolInvariant(t *testing.T, what, s string, max int) {
	t.Helper()
	if s == "" {
		return
	}
	if len(s) > max || s[0] == '0' {
		t.Errorf("%s %q", what, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			t.Errorf("%s %q", what, s)
		}
	}
}

func checkResult(t *testing.T, st *Statement, err error, lim Limits) {
	t.Helper()
	if err != nil {
		if st != nil {
			t.Fatal("statement and error")
		}
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("error %T %v is not *Error", err, err)
		}
		if !knownCodes[e.Code] {
			t.Fatalf("unlisted code %q", e.Code)
		}
		if e.Line < 0 || e.Entry < 0 {
			t.Fatalf("position %d/%d", e.Line, e.Entry)
		}
		return
	}
	if st == nil {
		t.Fatal("no statement, no error")
	}
	checkInvariants(t, st, lim)
}

func checkInvariants(t *testing.T, st *Statement, lim Limits) {
	t.Helper()
	if len(st.Transactions) > lim.MaxTransactions {
		t.Errorf("%d transactions over the limit", len(st.Transactions))
	}
	for _, s := range []string{st.ID, st.Account, st.AccountName} {
		cleanInvariant(t, "statement text", s)
	}
	if st.Currency != "" && !validCurrency(st.Currency) {
		t.Errorf("statement currency %q", st.Currency)
	}
	ids := map[string]bool{}
	for i, tx := range st.Transactions {
		if tx.Amount > maxMinor || tx.Amount < -maxMinor {
			t.Errorf("%d: amount %d", i, tx.Amount)
		}
		if (tx.Direction == Credit && tx.Amount < 0) || (tx.Direction == Debit && tx.Amount > 0) || (tx.Direction != Credit && tx.Direction != Debit) {
			t.Errorf("%d: direction %q with %d", i, tx.Direction, tx.Amount)
		}
		if !validCurrency(tx.Currency) {
			t.Errorf("%d: currency %q", i, tx.Currency)
		}
		if tx.Date.IsZero() || tx.ValueDate.IsZero() || tx.Date.Year() < 1900 || tx.Date.Year() > 2199 || tx.Date.Hour() != 0 || tx.Date.Location().String() != "UTC" {
			t.Errorf("%d: date %v value %v", i, tx.Date, tx.ValueDate)
		}
		symbolInvariant(t, "VS", tx.VS, 10)
		symbolInvariant(t, "SS", tx.SS, 10)
		symbolInvariant(t, "KS", tx.KS, 4)
		if (tx.VS == "") != (tx.VSSource == VSNone) {
			t.Errorf("%d: VS %q from %q", i, tx.VS, tx.VSSource)
		}
		for _, s := range []string{tx.BankID, tx.Reference, tx.Counterparty, tx.CounterpartyAccount, tx.Message} {
			cleanInvariant(t, "text", s)
		}
		for _, w := range tx.Warnings {
			if !knownWarnings[w] {
				t.Errorf("%d: warning %q", i, w)
			}
		}
		if len(tx.StableID) != 64 || ids[tx.StableID] {
			t.Errorf("%d: stable id %q (duplicate %v)", i, tx.StableID, ids[tx.StableID])
		}
		ids[tx.StableID] = true
		if tx.Entry < 1 {
			t.Errorf("%d: entry %d", i, tx.Entry)
		}
	}
}

func formatMinor(v int64, digits int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if digits == 0 {
		return fmt.Sprintf("%s%d", sign, v)
	}
	p := int64(1)
	for range digits {
		p *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, v/p, digits, v%p)
}

// exportCSV writes what a statement holds as CSV, the way a treasurer's
// export (or another bank) would.
func exportCSV(st *Statement) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"date", "amount", "currency", "vs", "ss", "ks", "message", "name", "account", "id"})
	for _, tx := range st.Transactions {
		w.Write([]string{tx.Date.Format("2006-01-02"), formatMinor(tx.Amount, minorDigits(tx.Currency)), tx.Currency, tx.VS, tx.SS, tx.KS,
			tx.Message, tx.Counterparty, tx.CounterpartyAccount, tx.BankID})
	}
	w.Flush()
	return b.Bytes()
}

var exportMapping = Mapping{Date: 1, Amount: 2, Currency: 3, VS: 4, SS: 5, KS: 6, Message: 7, Counterparty: 8, CounterpartyAccount: 9, ID: 10,
	Comma: ',', DateLayout: "2006-01-02", SkipRows: 1, DefaultCurrency: "CZK"}

func checkRoundTrip(t *testing.T, st *Statement) {
	t.Helper()
	if st == nil || len(st.Transactions) == 0 {
		return
	}
	back, err := ParseCSV(bytes.NewReader(exportCSV(st)), Options{Mapping: exportMapping, Encoding: EncodingUTF8, Limits: Limits{MaxTransactions: len(st.Transactions)}})
	if err != nil {
		t.Fatalf("export not read back: %v (%v)", err, err.(*Error).Err)
	}
	key := func(tx Transaction) [10]any {
		return [10]any{tx.BankID, tx.Date, tx.Amount, tx.Currency, tx.VS, tx.SS, tx.KS, tx.Message, tx.Counterparty, tx.CounterpartyAccount}
	}
	for i := range st.Transactions {
		if a, b := key(st.Transactions[i]), key(back.Transactions[i]); a != b {
			t.Fatalf("round trip %d:\n  %v\n→ %v", i, a, b)
		}
	}
}

func fuzzSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzCamt053(f *testing.F) {
	fuzzSeeds(f, "camt053-v02-2026-11.xml", "camt053-v08-2026-11.xml", "camt053-v05-batch.xml")
	f.Add([]byte(camtDoc(camtNtry("1.00", "CRDT"))))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="` + camtNS + `">&x;</Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Limits: fuzzLimits}
		st, err := ParseCamt053(bytes.NewReader(data), opts)
		checkResult(t, st, err, fuzzLimits.withDefaults())
		again, err2 := ParseCamt053(bytes.NewReader(data), opts)
		if !reflect.DeepEqual(st, again) || (err == nil) != (err2 == nil) {
			t.Fatal("not deterministic")
		}
		checkRoundTrip(t, st)
	})
}

func FuzzFioJSON(f *testing.F) {
	fuzzSeeds(f, "fio-2026-11.json", "fio-overlap-a.json")
	f.Add([]byte(fioDoc(fioTxJSON("-1.000", `{"value":"12a"}`, `"a\u202eb"`))))
	f.Add([]byte(`{"accountStatement":{"info":{},"transactionList":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Limits: fuzzLimits}
		st, err := ParseFioJSON(bytes.NewReader(data), opts)
		checkResult(t, st, err, fuzzLimits.withDefaults())
		again, _ := ParseFioJSON(bytes.NewReader(data), opts)
		if !reflect.DeepEqual(st, again) {
			t.Fatal("not deterministic")
		}
		checkRoundTrip(t, st)
	})
}

func FuzzGPC(f *testing.F) {
	fuzzSeeds(f, "fio-2026-11.gpc", "basic-2026-11.gpc")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []GPCVariant{GPCAuto, GPCStandard} {
			opts := Options{Limits: fuzzLimits, GPC: v}
			st, err := ParseGPC(bytes.NewReader(data), opts)
			checkResult(t, st, err, fuzzLimits.withDefaults())
			again, _ := ParseGPC(bytes.NewReader(data), opts)
			if !reflect.DeepEqual(st, again) {
				t.Fatal("not deterministic")
			}
			checkRoundTrip(t, st)
		}
	})
}

func FuzzCSV(f *testing.F) {
	for _, n := range []string{"bank-2026-11-cp1250.csv", "bank-2026-11-utf8bom.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, byte(';'), true, uint8(0), uint8(2))
		f.Add(b, byte(','), false, uint8(1), uint8(1))
	}
	f.Add([]byte("03.11.2026;\u22121\u00a0234,50;CZK;;\"a\u202eb\"\n"), byte(';'), true, uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, comma byte, decComma bool, enc uint8, skip uint8) {
		m := Mapping{Date: 1, Amount: 2, Currency: 3, CounterpartyAccount: 4, Counterparty: 5, VS: 6, KS: 7, SS: 8, Message: 9, ID: 10,
			Comma: rune(comma), DecimalComma: decComma, SkipRows: int(skip % 4), DefaultCurrency: "CZK"}
		opts := Options{Limits: fuzzLimits, Mapping: m, Encoding: Encoding(enc % 3)}
		st, err := ParseCSV(bytes.NewReader(data), opts)
		checkResult(t, st, err, fuzzLimits.withDefaults())
		again, _ := ParseCSV(bytes.NewReader(data), opts)
		if !reflect.DeepEqual(st, again) {
			t.Fatal("not deterministic")
		}
		checkRoundTrip(t, st)
	})
}

// FuzzParse goes through Detect: whatever the bytes, the format chosen and
// its parser keep the same properties.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f, "fio-2026-11.json", "fio-2026-11.gpc", "camt053-v05-batch.xml", "bank-2026-11-utf8bom.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Parse(bytes.NewReader(data), Options{Limits: fuzzLimits, Mapping: exportMapping})
		checkResult(t, st, err, fuzzLimits.withDefaults())
	})
}

// FuzzAmount checks parseAmount against math/big: whatever it accepts is
// exactly the decimal written (separators removed), in minor units.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{"500", "-1 234,50", "1.234,5", "0.001", "1e3", "\u22127", "99999999999999.99", "12.", ".5", "1,,2"} {
		f.Add(s, true, uint8(2))
		f.Add(s, false, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, decComma bool, digits uint8) {
		d := int(digits % 4)
		dec, group := byte('.'), ','
		if decComma {
			dec, group = ',', ' '
		}
		v, ok := parseAmount(s, dec, group, d)
		if !ok {
			return
		}
		if v > maxMinor || v < -maxMinor {
			t.Fatalf("%q: %d out of bounds", s, v)
		}
		norm := strings.NewReplacer("\u2212", "-", string(group), "", "\u00a0", "").Replace(s)
		if decComma {
			norm = strings.Replace(norm, ",", ".", 1)
		}
		r, ok := new(big.Rat).SetString(norm)
		if !ok {
			t.Fatalf("%q accepted, but %q is not a number", s, norm)
		}
		want := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)))
		if !want.IsInt() || want.Num().Cmp(big.NewInt(v)) != 0 {
			t.Fatalf("%q (%d decimals): %d, want %s", s, d, v, want.RatString())
		}
		if strings.ContainsAny(norm, "eE") {
			t.Fatalf("%q: exponent accepted", s)
		}
		back, ok := parseAmount(formatMinor(v, d), '.', 0, d)
		if !ok || back != v {
			t.Fatalf("%d does not round-trip: %d %v", v, back, ok)
		}
	})
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// FuzzCamtFields builds well-formed camt.053 around fuzzed values, to reach
// the amount, date, symbol and text handling behind the XML syntax.
func FuzzCamtFields(f *testing.F) {
	f.Add("500.00", "CRDT", "CZK", "2026-11-03", "VS:1004 listopad", "VS:1001", "/VS/1002/SS/2026", "Jana Nováková", "true")
	f.Add("1.5", "DBIT", "EUR", "2026-02-29", "a\u202eb", "ABC-77", "NOTPROVIDED", "x\x00y", "")
	f.Fuzz(func(t *testing.T, amt, ind, ccy, date, ustrd, strd, e2e, name, rvsl string) {
		entry := `<Ntry><Amt Ccy="` + xmlText(ccy) + `">` + xmlText(amt) + `</Amt><CdtDbtInd>` + xmlText(ind) + `</CdtDbtInd>` +
			`<RvslInd>` + xmlText(rvsl) + `</RvslInd><Sts>BOOK</Sts><BookgDt><Dt>` + xmlText(date) + `</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef>` +
			`<NtryDtls><TxDtls><Refs><EndToEndId>` + xmlText(e2e) + `</EndToEndId></Refs><RltdPties><Dbtr><Nm>` + xmlText(name) + `</Nm></Dbtr>` +
			`<Cdtr><Nm>` + xmlText(name) + `</Nm></Cdtr></RltdPties><RmtInf><Ustrd>` + xmlText(ustrd) + `</Ustrd><Strd><CdtrRefInf><Ref>` + xmlText(strd) +
			`</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>`
		doc := camtDoc(entry)
		st, err := ParseCamt053(strings.NewReader(doc), Options{Limits: fuzzLimits})
		checkResult(t, st, err, fuzzLimits.withDefaults())
		if err != nil {
			return
		}
		tx := st.Transactions[0]
		// The amount is the decimal written, with the direction's sign.
		v, ok := parseAmount(strings.TrimSpace(amt), '.', 0, minorDigits(tx.Currency))
		if !ok || (ind == "CRDT") != (tx.Direction == Credit) || (tx.Amount != v && tx.Amount != -v) {
			t.Fatalf("amount %q %q → %d %s", amt, ind, tx.Amount, tx.Direction)
		}
		// A VS is a run of digits from one of the three places.
		if tx.VS != "" && !strings.Contains(strd+e2e+ustrd, tx.VS) {
			t.Fatalf("VS %q from nowhere", tx.VS)
		}
		checkRoundTrip(t, st)
	})
}

// FuzzPreviewCSV: the preview never panics, keeps its row bound and shows
// only clean text.
func FuzzPreviewCSV(f *testing.F) {
	for _, n := range []string{"bank-2026-11-cp1250.csv", "bank-2026-11-utf8bom.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, enc uint8, rows uint8) {
		p, err := PreviewCSV(bytes.NewReader(data), 0, Encoding(enc%3), int(rows), fuzzLimits)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%T %v", err, err)
			}
			return
		}
		if len(p.Rows) == 0 || len(p.Rows) > max(int(rows), 1) {
			t.Fatalf("%d rows for %d", len(p.Rows), rows)
		}
		for _, row := range p.Rows {
			for _, c := range row {
				cleanInvariant(t, "cell", c)
			}
		}
	})
}

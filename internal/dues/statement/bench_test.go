package statement

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// The benchmarks parse a generated statement of 100,000 movements per
// format from a file, as the importer will read an upload spooled to disk,
// so the input is not counted in the heap. Goal (issue 13): under 10 s and
// under 150 MB. Besides ns/op and B/op (allocated in total) they report
// peak-heap-MB, the largest heap (live and not yet collected objects)
// sampled every 0.5 ms during one parse, and retained-MB, what the parsed
// Statement itself holds after a collection: what the importer keeps.
//
//	go test -run '^$' -bench . -benchtime 3x ./internal/dues/statement/

const benchMovements = 100_000

var (
	benchOnce  sync.Once
	benchDir   string
	benchFiles = map[string]string{}
	benchErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var benchNames = []string{"Jana Nováková", "Petr Dvořák", "Zuzana Černá", "Ondřej Kříž", "Eliška Šťastná", "Marie Horáková", "Tomáš Růžička", "Lucie Bílá"}

type benchTx struct {
	id          int
	day, amount int
	vs          int
	name, acct  string
	msg         string
}

func benchTxs(yield func(benchTx) error) error {
	for i := range benchMovements {
		t := benchTx{id: 26000000000 + i, day: 1 + i*28/benchMovements, amount: 30000 + (i%17)*5000, vs: 1000 + i%9000,
			name: benchNames[i%len(benchNames)], acct: fmt.Sprintf("%d", 1000000000+i*7), msg: fmt.Sprintf("Členský příspěvek %d/2026", 1+i%12)}
		if i%10 == 9 {
			t.amount = -t.amount
		}
		if err := yield(t); err != nil {
			return err
		}
	}
	return nil
}

func amountText(v int) string {
	if v < 0 {
		v = -v
	}
	return fmt.Sprintf("%d.%02d", v/100, v%100)
}

func writeCamt(w io.Writer) error {
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-12-01T06:00:00+01:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>BENCH-2026-11</Id>
   <FrToDt><FrDtTm>2026-11-01T00:00:00+01:00</FrDtTm><ToDtTm>2026-11-30T23:59:59+01:00</ToDtTm></FrToDt>
   <Acct><Id><IBAN>%s</IBAN></Id><Ccy>CZK</Ccy></Acct>
`, accountIBAN)
	err := benchTxs(func(t benchTx) error {
		ind, role := "CRDT", "Dbtr"
		if t.amount < 0 {
			ind, role = "DBIT", "Cdtr"
		}
		_, err := fmt.Fprintf(w, `   <Ntry>
    <Amt Ccy="CZK">%s</Amt>
    <CdtDbtInd>%s</CdtDbtInd>
    <Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-11-%02d</Dt></BookgDt>
    <ValDt><Dt>2026-11-%02d</Dt></ValDt>
    <AcctSvcrRef>%d</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls>
     <TxDtls>
      <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
      <Amt Ccy="CZK">%s</Amt>
      <CdtDbtInd>%s</CdtDbtInd>
      <RltdPties><%s><Pty><Nm>%s</Nm></Pty></%s><%sAcct><Id><Othr><Id>%s/0800</Id></Othr></Id></%sAcct></RltdPties>
      <RmtInf><Ustrd>%s</Ustrd><Strd><CdtrRefInf><Ref>VS:%d</Ref></CdtrRefInf></Strd></RmtInf>
     </TxDtls>
    </NtryDtls>
   </Ntry>
`, amountText(t.amount), ind, t.day, t.day, t.id, amountText(t.amount), ind, role, t.name, role, role, t.acct, role, t.msg, t.vs)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "  </Stmt>\n </BkToCstmrStmt>\n</Document>\n")
	return err
}

func writeFio(w io.Writer) error {
	fmt.Fprintf(w, `{"accountStatement":{"info":{"accountId":"2001234567","bankId":"2010","currency":"CZK","iban":"%s","bic":"FIOBCZPPXXX","openingBalance":1000.00,"closingBalance":1000.00,"dateStart":"2026-11-01+0100","dateEnd":"2026-11-30+0100","yearList":null,"idList":null,"idFrom":26000000000,"idTo":26000099999,"idLastDownload":null},"transactionList":{"transaction":[`, accountIBAN)
	first := true
	err := benchTxs(func(t benchTx) error {
		sep := ","
		if first {
			sep, first = "", false
		}
		sign := ""
		if t.amount < 0 {
			sign = "-"
		}
		_, err := fmt.Fprintf(w, `%s
{"column22":{"value":%d,"name":"ID pohybu","id":22},"column0":{"value":"2026-11-%02d+0100","name":"Datum","id":0},"column1":{"value":%s%s,"name":"Objem","id":1},"column14":{"value":"CZK","name":"Měna","id":14},"column2":{"value":"%s","name":"Protiúčet","id":2},"column10":{"value":"%s","name":"Název protiúčtu","id":10},"column3":{"value":"0800","name":"Kód banky","id":3},"column12":{"value":"Fiktivní banka, a.s.","name":"Název banky","id":12},"column4":null,"column5":{"value":"%d","name":"VS","id":5},"column6":null,"column7":{"value":"%s","name":"Uživatelská identifikace","id":7},"column16":{"value":"%s","name":"Zpráva pro příjemce","id":16},"column8":{"value":"Bezhotovostní příjem","name":"Typ","id":8},"column9":null,"column18":null,"column25":{"value":"%s","name":"Komentář","id":25},"column26":null,"column17":{"value":%d,"name":"ID pokynu","id":17},"column27":null}`,
			sep, t.id, t.day, sign, amountText(t.amount), t.acct, t.name, t.vs, t.name, t.msg, t.name, t.id+1)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]}}}\n")
	return err
}

func writeGPC(w io.Writer) error {
	enc := charmap.Windows1250.NewEncoder()
	line := func(s string) error {
		b, err := enc.String(s)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, b+"\r\n")
		return err
	}
	if err := line(fmt.Sprintf("074%016d%-20s311026%014d+%014d+%014d0%014d0011301126%-14s", 2001234567, "Odborová org. ICT", 100000, 100000, 0, 0, "FIO")); err != nil {
		return err
	}
	return benchTxs(func(t benchTx) error {
		code, amt := "2", t.amount
		if amt < 0 {
			code, amt = "1", -amt
		}
		date := fmt.Sprintf("%02d1126", t.day)
		name := []rune(t.name)
		if err := line(fmt.Sprintf("075%016d%016s%013d%012d%s%010d000800%04d%010d%s%-20s00203%s", 2001234567, t.acct, t.id, amt, code, t.vs, 0, 0, date, string(name), date)); err != nil {
			return err
		}
		if err := line(fmt.Sprintf("076%-26d%s%93s", t.id, date, "")); err != nil {
			return err
		}
		return line(fmt.Sprintf("078%-70s%55s", t.msg, ""))
	})
}

func writeCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeffdate;amount;currency;account;name;vs;ks;ss;message;id\n"); err != nil {
		return err
	}
	return benchTxs(func(t benchTx) error {
		_, err := fmt.Fprintf(w, "%02d.11.2026;%s;CZK;%s/0800;%s;%d;;;\"%s\";%d\n", t.day, czAmount(t.amount), t.acct, t.name, t.vs, t.msg, t.id)
		return err
	})
}

func czAmount(v int) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d,%02d", sign, v/100, v%100)
}

func benchFile(b *testing.B, format string) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "statement-bench-")
		if benchErr != nil {
			return
		}
		for name, write := range map[string]func(io.Writer) error{"camt": writeCamt, "fio": writeFio, "gpc": writeGPC, "csv": writeCSV} {
			path := filepath.Join(benchDir, name)
			f, err := os.Create(path)
			if err != nil {
				benchErr = err
				return
			}
			bw := bufio.NewWriterSize(f, 1<<20)
			if err := write(bw); err != nil {
				benchErr = err
				return
			}
			if err := bw.Flush(); err != nil {
				benchErr = err
				return
			}
			f.Close()
			benchFiles[name] = path
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFiles[format]
}

// peakHeap samples the live heap every half millisecond until stopped.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak {
				peak = v
			}
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func benchParse(b *testing.B, format string, parse func(io.Reader) (*Statement, error)) {
	path := benchFile(b, format)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	var peak, retained uint64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		runtime.GC()
		base := liveHeap()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		stop := peakHeap()
		b.StartTimer()
		st, err := parse(f)
		b.StopTimer()
		if p := stop(); p > peak {
			peak = p
		}
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Transactions) != benchMovements {
			b.Fatalf("%d movements", len(st.Transactions))
		}
		runtime.GC()
		if r := liveHeap() - base; r > retained {
			retained = r
		}
		runtime.KeepAlive(st)
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(retained)/(1<<20), "retained-MB")
	b.ReportMetric(float64(info.Size())/(1<<20), "input-MB")
}

func BenchmarkParse100k(b *testing.B) {
	b.Run("camt053", func(b *testing.B) {
		benchParse(b, "camt", func(r io.Reader) (*Statement, error) { return ParseCamt053(r, Options{}) })
	})
	b.Run("fio-json", func(b *testing.B) {
		benchParse(b, "fio", func(r io.Reader) (*Statement, error) { return ParseFioJSON(r, Options{}) })
	})
	b.Run("gpc", func(b *testing.B) {
		benchParse(b, "gpc", func(r io.Reader) (*Statement, error) { return ParseGPC(r, Options{}) })
	})
	b.Run("csv", func(b *testing.B) {
		m := Mapping{Date: 1, Amount: 2, Currency: 3, CounterpartyAccount: 4, Counterparty: 5, VS: 6, KS: 7, SS: 8, Message: 9, ID: 10, DecimalComma: true, SkipRows: 1}
		benchParse(b, "csv", func(r io.Reader) (*Statement, error) { return ParseCSV(r, Options{Mapping: m}) })
	})
}

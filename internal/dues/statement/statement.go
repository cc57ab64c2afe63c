package statement

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Format names a statement file format.
type Format int

const (
	FormatUnknown Format = iota
	FormatCamt053        // ISO 20022 camt.053 XML, versions .001.02 to .001.08
	FormatFioJSON        // the Fio bank's JSON statement (API or download)
	FormatGPC            // the Czech ABO/GPC fixed-width statement
	FormatCSV            // CSV with columns described by a Mapping
)

func (f Format) String() string {
	switch f {
	case FormatCamt053:
		return "camt053"
	case FormatFioJSON:
		return "fio-json"
	case FormatGPC:
		return "gpc"
	case FormatCSV:
		return "csv"
	}
	return "unknown"
}

// Direction says whether money came into the account or left it.
type Direction string

const (
	Credit Direction = "credit" // money in; Amount > 0
	Debit  Direction = "debit"  // money out; Amount < 0
)

// VSSource says where a transaction's variable symbol was read from, so a
// treasurer assigning a payment by hand can see how sure the match is.
type VSSource string

const (
	VSNone         VSSource = ""
	VSField        VSSource = "field"        // the format's own symbol field (Fio column5, GPC, a CSV column)
	VSStructured   VSSource = "structured"   // camt Strd/CdtrRefInf/Ref
	VSEndToEnd     VSSource = "end-to-end"   // camt EndToEndId such as "VS20260001" or "/VS/20260001"
	VSUnstructured VSSource = "unstructured" // "VS:123", "VS 123" or "/VS/123" in the message (camt Ustrd, any format's message)
)

// Transaction is one movement on the account, in the same shape whatever the
// file it came from.
type Transaction struct {
	// BankID is the bank's own identifier of the movement when the format
	// carries one (camt AcctSvcrRef or TxId, Fio column22, the GPC document
	// number, a CSV column); empty otherwise.
	BankID string
	// StableID identifies the movement across imports: hex SHA-256, see
	// stableIDs. The importer keys on (bank account, StableID).
	StableID string

	Date      time.Time // booking date, midnight UTC of the bank's calendar day
	ValueDate time.Time // value date; equals Date when the file gives none
	Amount    int64     // signed, in minor units of Currency (hellers for CZK); credits positive
	Currency  string    // ISO 4217 alphabetic code
	Direction Direction
	Reversal  bool // the bank marks the movement as a reversal (storno) of an earlier one

	VS       string   // variable symbol: 1–10 digits, leading zeros removed; empty when none
	VSSource VSSource // where VS came from
	SS       string   // specific symbol, 1–10 digits, leading zeros removed
	KS       string   // constant symbol, 1–4 digits (10 in GPC with the bank code removed), leading zeros removed
	// Reference is the payer's reference as written (camt Strd/CdtrRefInf/Ref,
	// EndToEndId, a VS field that was not a valid symbol), cleaned like
	// Message; shown beside an unmatched payment.
	Reference string

	Counterparty        string // the other party's name, cleaned
	CounterpartyAccount string // IBAN or "prefix-number/bank", as the file writes it
	Message             string // message for the recipient, cleaned (see cleanText)

	// Warnings lists what was changed or doubtful in this movement (hidden
	// characters removed, a symbol that was not a number); codes in doc.go.
	Warnings []Code
	// Entry is the 1-based position of the movement in the file (camt
	// entries count Ntry elements; a batched entry's details share it);
	// Line the line it starts on where the format has lines.
	Entry int
	Line  int
}

// Statement is a parsed bank statement.
type Statement struct {
	Format      Format
	ID          string // the bank's statement id or number, when given
	Account     string // IBAN when the file gives one, else the account number as written
	AccountName string
	Currency    string    // the account's currency; the transactions' own when the file does not say
	From, To    time.Time // the period the statement covers (as the file states it, else the transactions' dates)

	HasBalances    bool
	OpeningBalance int64 // minor units, signed
	ClosingBalance int64

	Transactions []Transaction
	// Skipped counts entries deliberately left out: camt entries not booked
	// (Sts other than BOOK), which a later statement reports again as booked.
	Skipped int

	periodGiven bool   // From and To came from the file, not from the dates
	buf         txList // movements while parsing; Transactions once finished
}

// txList collects movements in chunks that never move, so a pointer to the
// last one stays valid (GPC's extra lines complete it) and a large
// statement is copied once, into a slice of exactly its size, instead of
// leaving append's ever larger discarded arrays to the collector: about a
// third less peak heap at 100,000 movements.
type txList struct {
	chunks [][]Transaction
	n      int
}

func (l *txList) add(t Transaction) *Transaction {
	last := len(l.chunks) - 1
	if last < 0 || len(l.chunks[last]) == cap(l.chunks[last]) {
		size := 64
		if last >= 0 {
			size = min(2*cap(l.chunks[last]), 8192)
		}
		l.chunks = append(l.chunks, make([]Transaction, 0, size))
		last++
	}
	l.chunks[last] = append(l.chunks[last], t)
	l.n++
	return &l.chunks[last][len(l.chunks[last])-1]
}

func (l *txList) slice() []Transaction {
	if l.n == 0 {
		return nil
	}
	out := make([]Transaction, 0, l.n)
	for i, c := range l.chunks {
		out = append(out, c...)
		l.chunks[i] = nil // let the collector take each chunk as soon as it is copied
	}
	l.chunks, l.n = nil, 0
	return out
}

// Encoding is the text encoding of a CSV or GPC file.
type Encoding int

const (
	EncodingAuto        Encoding = iota // BOM → UTF-8; valid UTF-8 in the first 64 KiB → UTF-8; else Windows-1250
	EncodingUTF8                        // UTF-8, a BOM removed when present
	EncodingWindows1250                 // Windows-1250 (what Czech banks' older exports use)
)

// GPCVariant says how a GPC file's posting codes read; banks differ only in
// the reversal codes.
type GPCVariant int

const (
	GPCAuto     GPCVariant = iota // Fio when the 074 header's trailing field says FIO, else GPCStandard
	GPCStandard                   // 1 debit, 2 credit, 4 reversal of a debit, 5 reversal of a credit (ČSOB, KB, most banks)
	GPCFio                        // 1 debit, 2 credit, 3 reversal of a debit, 4 reversal of a credit (Fio)
)

// Options tune parsing. The zero value is usable for every format but CSV,
// which needs a Mapping.
type Options struct {
	Limits   Limits
	Encoding Encoding   // CSV and GPC; camt and Fio JSON are UTF-8 by definition
	GPC      GPCVariant // GPC only
	Mapping  Mapping    // CSV only
	// Account and Currency fill in what a format does not carry (CSV has
	// neither, GPC has no currency in its header).
	Account  string
	Currency string
}

// Limits bound the work a hostile or broken file can cause. Zero fields take
// the defaults below, chosen so that a 100,000-movement statement of any
// format fits with room to spare while a bomb is refused early.
type Limits struct {
	MaxBytes        int64 // whole input; default 256 MiB
	MaxTransactions int   // default 200,000
	MaxLineBytes    int   // one line of CSV or GPC; default 64 KiB
	MaxFieldBytes   int   // one text value: XML text or attribute, a JSON string, a CSV field; default 16 KiB
	MaxXMLDepth     int   // element nesting; default 48 (camt.053 needs about 12)
	MaxXMLTokens    int   // default 60,000,000 (about 120 per camt entry)
	MaxJSONElement  int   // bytes of one Fio transaction object; default 256 KiB
}

const (
	defaultMaxBytes        = 256 << 20
	defaultMaxTransactions = 200_000
	defaultMaxLineBytes    = 64 << 10
	defaultMaxFieldBytes   = 16 << 10
	defaultMaxXMLDepth     = 48
	defaultMaxXMLTokens    = 60_000_000
	defaultMaxJSONElement  = 256 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = defaultMaxBytes
	}
	if l.MaxTransactions <= 0 {
		l.MaxTransactions = defaultMaxTransactions
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = defaultMaxLineBytes
	}
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = defaultMaxFieldBytes
	}
	if l.MaxXMLDepth <= 0 {
		l.MaxXMLDepth = defaultMaxXMLDepth
	}
	if l.MaxXMLTokens <= 0 {
		l.MaxXMLTokens = defaultMaxXMLTokens
	}
	if l.MaxJSONElement <= 0 {
		l.MaxJSONElement = defaultMaxJSONElement
	}
	return l
}

// headBytes is how much Parse reads to tell the format.
const headBytes = 4096

// Parse tells the format from the first bytes and parses the statement with
// the format's own parser.
func Parse(r io.Reader, opts Options) (*Statement, error) {
	br := bufio.NewReaderSize(r, headBytes)
	head, err := br.Peek(headBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, &Error{Code: CodeRead, Err: err}
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, &Error{Code: CodeEmpty}
	}
	if compressed(head) {
		return nil, &Error{Code: CodeCompressed}
	}
	switch f := Detect(head); f {
	case FormatCamt053:
		return ParseCamt053(br, opts)
	case FormatFioJSON:
		return ParseFioJSON(br, opts)
	case FormatGPC:
		return ParseGPC(br, opts)
	case FormatCSV:
		return ParseCSV(br, opts)
	}
	return nil, &Error{Code: CodeUnknownFormat}
}

// Balanced reports whether the file's own balances agree with its
// movements: opening balance + every amount = closing balance. A statement
// that does not balance is missing movements (a file cut at an entry
// boundary is still well-formed) or holds some twice; the import should
// show that before anything is saved. False when the file gives no
// balances (CSV). camt entries left out as not booked do not count, as
// the bank's balances leave them out too.
func (s *Statement) Balanced() bool {
	if !s.HasBalances {
		return false
	}
	// Amounts are at most 10^15 each; a running sum past 2^62 cannot come
	// back to a real balance, and stopping there keeps it from overflowing.
	acc := s.OpeningBalance
	for _, t := range s.Transactions {
		acc += t.Amount
		if acc > 1<<62 || acc < -(1<<62) {
			return false
		}
	}
	return acc == s.ClosingBalance
}

// finish checks what every format shares and gives each movement its
// StableID. It runs once the whole file has been read, so nothing of a
// refused file reaches the caller.
func (s *Statement) finish() {
	s.Transactions = s.buf.slice()
	if s.Currency == "" && len(s.Transactions) > 0 {
		s.Currency = s.Transactions[0].Currency
	}
	for i := range s.Transactions {
		t := &s.Transactions[i]
		if t.ValueDate.IsZero() {
			t.ValueDate = t.Date
		}
		if s.Currency != "" && t.Currency != s.Currency {
			t.warn(WarnForeignCurrency)
		}
		if !s.periodGiven {
			if s.From.IsZero() || t.Date.Before(s.From) {
				s.From = t.Date
			}
			if t.Date.After(s.To) {
				s.To = t.Date
			}
		}
	}
	stableIDs(s.Transactions)
}

// stableIDs gives every movement an id that is the same each time the
// movement is imported, from this file or from an overlapping one:
//
//	SHA-256( "unionhall/statement/v1" ‖ kind ‖ basis ‖ n )
//
// where every part is length-prefixed (so no two different inputs share an
// encoding), kind is "bank" with basis = BankID when the bank gives an id,
// else "fields" with basis = booking date, amount, currency, VS, SS, KS,
// counterparty account, counterparty name and message, and n counts the
// earlier movements of this statement with the same kind and basis (two equal
// payments on one day stay two). n is stable across overlapping statements
// because statements cover whole days: both files hold all of a day's equal
// payments, in the bank's order. The account is not part of the id; the
// importer scopes ids by the account it imports into.
//
// Ids already stored were made from the cleaned fields: changing what goes
// into a field (or cleanText) changes them, so such a change must bump the
// version tag and tell the importer how to match the old ids.
func stableIDs(txs []Transaction) {
	seen := make(map[[32]byte]uint32, len(txs))
	var buf []byte
	for i := range txs {
		t := &txs[i]
		buf = buf[:0]
		buf = appendPart(buf, "unionhall/statement/v1")
		if t.BankID != "" {
			buf = appendPart(buf, "bank")
			buf = appendPart(buf, t.BankID)
		} else {
			buf = appendPart(buf, "fields")
			buf = appendPart(buf, t.Date.Format("2006-01-02"))
			buf = appendPart(buf, strconv.FormatInt(t.Amount, 10))
			buf = appendPart(buf, t.Currency)
			buf = appendPart(buf, t.VS)
			buf = appendPart(buf, t.SS)
			buf = appendPart(buf, t.KS)
			buf = appendPart(buf, t.CounterpartyAccount)
			buf = appendPart(buf, t.Counterparty)
			buf = appendPart(buf, t.Message)
		}
		base := sha256.Sum256(buf)
		n := seen[base]
		seen[base] = n + 1
		buf = binary.BigEndian.AppendUint32(buf, n)
		sum := sha256.Sum256(buf)
		t.StableID = hex.EncodeToString(sum[:])
	}
}

func appendPart(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// civilDate is a calendar day as a time.Time at midnight UTC: bank dates
// are days, not instants, and must not move when the server's zone changes.
func civilDate(y, m, d int) (time.Time, bool) {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 31 February
		return time.Time{}, false
	}
	return t, true
}

// parseISODate reads "2026-05-28", optionally followed by a time or a zone
// ("2026-05-28+02:00", "2026-05-28T10:00:00", Fio's "2026-05-28+0200"): the
// calendar day the bank wrote, whatever the zone.
func parseISODate(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	rest := s[10:]
	if rest != "" && rest[0] != 'T' && rest[0] != '+' && rest[0] != '-' && rest[0] != 'Z' {
		return time.Time{}, false
	}
	if len(rest) > 40 {
		return time.Time{}, false
	}
	return civilDate(y, m, d)
}

func atoiDigits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (t *Transaction) warn(c Code) {
	for _, w := range t.Warnings {
		if w == c {
			return
		}
	}
	t.Warnings = append(t.Warnings, c)
}

// String names a movement by its position, day and amount only: a
// movement printed into a log by mistake must not carry a name, a message
// or a member's number. (%#v still shows every field, for tests.)
func (t Transaction) String() string {
	return fmt.Sprintf("entry %d: %s %d %s", t.Entry, t.Date.Format("2006-01-02"), t.Amount, t.Currency)
}

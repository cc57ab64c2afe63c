package statement

import (
	"fmt"
	"strings"
)

// Code is a stable, language-neutral name for what went wrong (or, in
// Transaction.Warnings, what was changed). The web layer maps each to a
// Czech and an English text; the list with meanings is in doc.go.
type Code string

const (
	CodeRead                Code = "read"                  // the reader failed (not the file's fault)
	CodeEmpty               Code = "empty"                 // nothing but white space
	CodeCompressed          Code = "compressed"            // gzip or zip: unpack first
	CodeUnknownFormat       Code = "unknown_format"        // not one of the four formats
	CodeTooLarge            Code = "too_large"             // more than Limits.MaxBytes
	CodeTooManyTransactions Code = "too_many_transactions" // more than Limits.MaxTransactions
	CodeLineTooLong         Code = "line_too_long"         // a line over Limits.MaxLineBytes
	CodeFieldTooLong        Code = "field_too_long"        // one value over Limits.MaxFieldBytes (or a JSON transaction over MaxJSONElement)
	CodeTooDeep             Code = "too_deep"              // XML nested deeper than Limits.MaxXMLDepth
	CodeTooManyTokens       Code = "too_many_tokens"       // XML with more than Limits.MaxXMLTokens tokens
	CodeDoctype             Code = "doctype"               // XML with a DOCTYPE / entity declarations (refused outright)
	CodeMalformed           Code = "malformed"             // not well-formed XML, JSON or CSV, or a fixed-width record of the wrong shape
	CodeTruncated           Code = "truncated"             // the file ends in the middle
	CodeUnsupportedVersion  Code = "unsupported_version"   // an XML document that is not camt.053.001.02–08
	CodeEncoding            Code = "encoding"              // text not in the declared or detected encoding
	CodeMissingField        Code = "missing_field"         // a required value is absent (Field says which)
	CodeBadAmount           Code = "bad_amount"            // an amount that is not a number, has too many decimals or is out of range
	CodeBadDate             Code = "bad_date"              // a date that is not a date
	CodeBadCurrency         Code = "bad_currency"          // not a three-letter ISO 4217 code (or an unknown GPC numeric code)
	CodeBadDirection        Code = "bad_direction"         // camt CdtDbtInd not CRDT/DBIT, GPC posting code unknown
	CodeBatchMismatch       Code = "batch_mismatch"        // a batched camt entry whose details do not add up to it
	CodeAccountMismatch     Code = "account_mismatch"      // one file, several accounts
	CodeBadMapping          Code = "bad_mapping"           // a CSV Mapping that cannot work
	CodeBadRecord           Code = "bad_record"            // a GPC record type that is not 074/075/076/078/079, or an item before the header

	// Warnings: the movement was kept, with this noted.
	WarnTextCleaned     Code = "text_cleaned"     // control, bidi-override or other invisible characters were removed from a text
	WarnVSNotNumeric    Code = "vs_not_numeric"   // a symbol field held something other than 1–10 digits; kept in Reference, VS empty
	WarnSymbolInvalid   Code = "symbol_invalid"   // a specific or constant symbol field was not digits; dropped
	WarnForeignCurrency Code = "foreign_currency" // the movement's currency differs from the statement's
	WarnVSAmbiguous     Code = "vs_ambiguous"     // the message names two different variable symbols; VS left empty for a person to decide
)

// Error is a refusal. Line and Entry are 1-based and 0 when unknown; Field
// names the element, column or key involved, never its value: errors are
// logged, and values may be personal data.
type Error struct {
	Code   Code
	Format Format
	Line   int
	Entry  int
	Field  string
	Err    error // the underlying error, for a developer (may quote the input; not in Error())
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("statement")
	if e.Format != FormatUnknown {
		b.WriteString(" (" + e.Format.String() + ")")
	}
	b.WriteString(": " + string(e.Code))
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
	}
	if e.Entry > 0 {
		fmt.Fprintf(&b, " in entry %d", e.Entry)
	}
	if e.Field != "" {
		b.WriteString(" (" + e.Field + ")")
	}
	// e.Err is left out on purpose: a decoder's message can quote the
	// input, and Error() ends up in logs.
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, &Error{Code: CodeTooLarge}) match on the code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Format == FormatUnknown && t.Line == 0 && t.Entry == 0
}

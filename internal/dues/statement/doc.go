// Package statement reads bank statements — ISO 20022 camt.053, the Fio
// bank's JSON, the Czech ABO/GPC fixed-width format and CSV with columns
// described by a Mapping — into one neutral form, Statement with its
// Transactions, for the dues import to match against members. It knows
// nothing of members, databases or HTTP: bytes in, movements or a typed
// refusal out. docs/dues-statements.md describes the formats and where each
// carries the variable symbol.
//
// Why it is built so:
//
//   - One neutral Transaction for every format. The importer, the matching
//     and the reports never look at a format again; the same movement
//     exported as camt.053, Fio JSON, GPC and CSV parses to the same
//     Transaction (the tests hold all four side by side). What can only
//     differ by nature — where the VS was found (VSSource), the raw
//     reference, the position in the file — is kept in fields of its own.
//   - Money is int64 minor units, signed (credits positive), parsed from
//     the decimal text without ever passing through a float; more decimals
//     than the currency has are refused unless zeros (parseAmount), and
//     every amount is bounded by 10^15 minor units.
//   - Streaming. camt.053 is read token by token (encoding/xml.Decoder),
//     Fio JSON one transaction object at a time (json.Decoder), GPC and CSV
//     line by line; memory grows with the movements kept, not with the
//     document. Nothing is returned until the whole file has been read and
//     checked: a refused file yields no statement, so an import is all or
//     nothing.
//   - Stable ids (stableIDs): the bank's id when the format has one, else a
//     hash of the fields that identify a movement, with an occurrence
//     counter so two equal payments on one day stay two — and, because
//     statements cover whole days, get the same two ids from an overlapping
//     statement. The importer keys on (account, StableID).
//   - Hostile input is bounded before it costs anything: Limits on input
//     size, movements, line length, one text value, XML depth and tokens,
//     one JSON transaction. XML with a DOCTYPE is refused outright
//     (encoding/xml expands no entities, but no camt file needs a DTD, and
//     refusing is simpler to trust than not expanding); compressed files
//     (gzip, zip, bzip2, xz, zstd) are refused unread — a statement is small
//     enough to upload as it is, and never decompressing is the one sure
//     defence against a decompression bomb.
//   - Text from the payer (message, name, reference) is shown to the
//     treasurer, so control characters, bidi overrides and other invisible
//     characters are removed and the movement marked (WarnTextCleaned)
//     rather than the file refused: any payer could otherwise block the
//     union's import with one crafted message (cleanText).
//   - Encodings: camt.053 and Fio JSON are UTF-8 by definition (another
//     declared encoding is refused); CSV and GPC are UTF-8 (with or without
//     a BOM) or Windows-1250, chosen by Options.Encoding or detected from
//     the first 64 KiB (decodeText).
//   - A well-formed file can still miss movements (cut at an entry
//     boundary): Statement.Balanced checks the file's balances against its
//     movements where the format has balances, for the import to show.
//   - PreviewCSV shows the start of a CSV file, decoded and cleaned, so the
//     treasurer can build the Mapping on the import page.
//
// Refusals are *Error values with a Code, the line and/or entry (1-based)
// and the element, column or key involved — never the value, which may be
// personal data. The web layer shows a Czech or English text per code:
//
//	read                  the reader failed (the upload, the disk) — not the file's fault
//	empty                 the file is empty or white space only
//	compressed            a gzip/zip/… archive: unpack it and upload the statement itself
//	unknown_format        not camt.053, Fio JSON, GPC or CSV
//	too_large             larger than Limits.MaxBytes (256 MiB by default)
//	too_many_transactions more than Limits.MaxTransactions (200,000)
//	line_too_long         a CSV or GPC line over Limits.MaxLineBytes (64 KiB)
//	field_too_long        one value over Limits.MaxFieldBytes (16 KiB), or one Fio transaction over MaxJSONElement (256 KiB)
//	too_deep              XML nested deeper than Limits.MaxXMLDepth (48)
//	too_many_tokens       XML with more than Limits.MaxXMLTokens (60 million)
//	doctype               XML with a DOCTYPE or entity declarations
//	malformed             not well-formed XML/JSON/CSV, or a GPC record of the wrong shape
//	truncated             the file ends in the middle (a cut download)
//	unsupported_version   XML that is not camt.053.001.02–.08
//	encoding              text not in the declared or chosen encoding
//	missing_field         a required value is absent (Field names it)
//	bad_amount            not an amount, too many decimals, or out of range
//	bad_date              not a date (31 February included)
//	bad_currency          not an ISO 4217 code (or an unknown GPC numeric code)
//	bad_direction         camt CdtDbtInd not CRDT/DBIT, a GPC posting code unknown for the variant
//	batch_mismatch        a batched camt entry whose details do not add up to it, or lack amounts
//	account_mismatch      several accounts (or currencies) in one file
//	bad_mapping           a CSV Mapping that cannot work (Field names the setting)
//	bad_record            a GPC record type other than 074/075/076/078/079, or in the wrong place
//
// Warnings on a kept movement (Transaction.Warnings):
//
//	text_cleaned          invisible or control characters were removed from its texts
//	vs_not_numeric        its VS field was not 1–10 digits: VS empty, the text kept in Reference
//	symbol_invalid        its SS or KS field was not digits: dropped
//	foreign_currency      its currency differs from the statement's
//	vs_ambiguous          its message names two different variable symbols: VS left for a person
package statement

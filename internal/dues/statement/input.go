package statement

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// errTooLarge is what sizeLimit returns once the input passes its limit; a
// parser turns it into CodeTooLarge.
var errTooLarge = errors.New("input larger than the limit")

// sizeLimit fails the read that goes past max bytes. It counts what the
// parser asks for, before any decoding, so the limit is on the upload.
type sizeLimit struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, errTooLarge
	}
	if rem := l.max + 1 - l.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, errTooLarge
	}
	return n, err
}

// compressed reports a gzip, zip, bzip2, xz or zstd file. They are refused,
// not unpacked: a statement is at most a few tens of megabytes, a browser
// uploads it as it is, and not decompressing is the one sure defence
// against a decompression bomb.
func compressed(head []byte) bool {
	for _, magic := range [][]byte{{0x1f, 0x8b}, []byte("PK\x03\x04"), []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z', 0}, {0x28, 0xb5, 0x2f, 0xfd}} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	return false
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// sniffBytes is how much of a CSV or GPC file decides its encoding.
const sniffBytes = 64 << 10

// decodeText returns r as UTF-8 text in the chosen encoding. A BOM means
// UTF-8 whatever was chosen. Auto, without a BOM: the first 64 KiB decide, valid UTF-8 (a character cut
// at the end allowed) meaning UTF-8, anything else Windows-1250. A
// Windows-1250 Czech text is almost never valid UTF-8 (an "á" followed by
// an ASCII letter is an invalid sequence), while UTF-8 read as Windows-1250
// would be mojibake, so this order is the safe one. Text decided as UTF-8
// that later proves invalid is refused by the parser (CodeEncoding, with the
// line) rather than guessed at.
func decodeText(r io.Reader, enc Encoding) (io.Reader, Encoding, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, enc, err
	}
	// A BOM is UTF-8 even when Windows-1250 was chosen: a Windows-1250
	// text cannot start with those three bytes ("ď»ż") in any real export,
	// so the choice was the mistake.
	if bytes.HasPrefix(head, utf8BOM) {
		br.Discard(len(utf8BOM))
		return br, EncodingUTF8, nil
	}
	if enc == EncodingAuto {
		enc = EncodingWindows1250
		if validUTF8Prefix(head) {
			enc = EncodingUTF8
		}
	}
	if enc == EncodingWindows1250 {
		return transform.NewReader(br, charmap.Windows1250.NewDecoder()), enc, nil
	}
	return br, enc, nil
}

// validUTF8Prefix is utf8.Valid allowing the last character to be cut off
// by the end of the sniffed bytes.
func validUTF8Prefix(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	for cut := 1; cut <= 3 && cut < len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) && !utf8.FullRune(b[len(b)-cut:]) {
			return true
		}
	}
	return false
}

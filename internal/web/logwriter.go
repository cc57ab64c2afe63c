package web

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The access log's cheap path (issue 8). Through slog, one access line cost
// about a microsecond of formatting and a write system call to stderr per
// request — on a cached page, more than serving it. LogHandler is the
// server's text log handler (slog.TextHandler) on a LogWriter: AccessLog
// notices it and appends its line, in exactly the format TextHandler writes,
// straight into the writer's buffer without allocating; the buffer goes out
// in one write when it fills or logFlushEvery after its first line. Every
// other log line (warnings, errors, start-up) is written at once, after the
// access lines before it, so the order in the log is kept and nothing but
// the last logFlushEvery of access lines is ever held back.

// logFlushEvery bounds how long an access line may wait in the buffer.
const logFlushEvery = 100 * time.Millisecond

// logBufferSize is the buffer's capacity; a full buffer is written at once.
const logBufferSize = 32 << 10

// LogWriter buffers access lines in front of out (see above). It is safe
// for concurrent use. Close (or Flush) it before the process exits.
type LogWriter struct {
	mu     sync.Mutex
	out    io.Writer
	buf    []byte
	timer  *time.Timer
	armed  bool
	closed bool
	err    error // the first write error, reported by Flush and Close
}

// NewLogWriter returns a LogWriter on out.
func NewLogWriter(out io.Writer) *LogWriter {
	w := &LogWriter{out: out, buf: make([]byte, 0, logBufferSize)}
	w.timer = time.AfterFunc(time.Hour, func() { _ = w.Flush() })
	w.timer.Stop()
	return w
}

// Write writes p (a complete log line from slog) after the access lines
// waiting in the buffer, at once.
func (w *LogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	n, err := w.out.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Flush writes the buffered access lines now.
func (w *LogWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	return w.err
}

// Close flushes and stops the timer; later access lines are written at once.
func (w *LogWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	w.closed = true
	w.timer.Stop()
	return w.err
}

func (w *LogWriter) flushLocked() {
	if w.armed {
		w.armed = false
		w.timer.Stop()
	}
	if len(w.buf) == 0 {
		return
	}
	if _, err := w.out.Write(w.buf); err != nil && w.err == nil {
		w.err = err
	}
	w.buf = w.buf[:0]
}

// access appends one access line, in slog.TextHandler's format:
//
//	time=… level=INFO msg=http method=GET path=/en/ status=200 bytes=6601 duration=41.2µs
func (w *LogWriter) access(t time.Time, method, path string, status int, bytes int64, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf
	b = append(b, "time="...)
	b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, " level=INFO msg=http method="...)
	b = appendLogString(b, method)
	b = append(b, " path="...)
	b = appendLogString(b, path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, bytes, 10)
	b = append(b, " duration="...)
	b = appendDuration(b, d)
	b = append(b, '\n')
	w.buf = b
	switch {
	case w.closed || len(b) >= logBufferSize-512:
		w.flushLocked()
	case !w.armed:
		w.armed = true
		w.timer.Reset(logFlushEvery)
	}
}

// appendLogString writes s as slog.TextHandler does: bare when it is
// non-empty and has no space, '=', '"', control or unprintable character,
// else quoted.
func appendLogString(b []byte, s string) []byte {
	if logNeedsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func logNeedsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendDuration appends d as time.Duration.String does, without
// allocating for the durations a request takes (under a second).
func appendDuration(b []byte, d time.Duration) []byte {
	switch {
	case d <= 0 || d >= time.Second:
		return append(b, d.String()...)
	case d < time.Microsecond:
		b = strconv.AppendInt(b, int64(d), 10)
		return append(b, "ns"...)
	case d < time.Millisecond:
		b = appendFrac(b, int64(d), 1000)
		return append(b, "µs"...)
	default:
		b = appendFrac(b, int64(d), 1000000)
		return append(b, "ms"...)
	}
}

// appendFrac appends v/unit with the fraction's trailing zeros dropped.
func appendFrac(b []byte, v, unit int64) []byte {
	b = strconv.AppendInt(b, v/unit, 10)
	frac := v % unit
	if frac == 0 {
		return b
	}
	var digits [8]byte
	n := 0
	for u := unit / 10; u > 0; u /= 10 {
		digits[n] = byte('0' + frac/u%10)
		n++
	}
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
}

// LogHandler is a slog.TextHandler whose output is a LogWriter, so that
// AccessLog can write its lines cheaply (see above). Derived handlers
// (WithAttrs, WithGroup) are plain TextHandlers on the same writer; the
// access log uses its fast path only with the LogHandler itself.
type LogHandler struct {
	*slog.TextHandler
	w *LogWriter
	// fast: the options leave TextHandler's line as access writes it
	// (no ReplaceAttr, no source).
	fast bool
}

// NewLogHandler returns a text log handler on w.
func NewLogHandler(w *LogWriter, opts *slog.HandlerOptions) *LogHandler {
	fast := opts == nil || (opts.ReplaceAttr == nil && !opts.AddSource)
	return &LogHandler{TextHandler: slog.NewTextHandler(w, opts), w: w, fast: fast}
}

// Writer is the handler's LogWriter.
func (h *LogHandler) Writer() *LogWriter { return h.w }

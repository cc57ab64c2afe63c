package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// frontMatter is the result of splitting a content file.
type frontMatter struct {
	format string // "yaml", "toml", "json" or "" (no front matter)
	raw    []byte // the front matter text without delimiters
	// rawLine is the file line of raw's first line.
	rawLine int
	body    []byte
	// bodyLine is the file line of body's first line.
	bodyLine int
}

// errUnclosed is returned when a front matter block is opened but never
// closed; treating the whole file as front matter would hide the body and
// treating it as a plain document would publish the metadata, so it is fatal.
var errUnclosed = errors.New("front matter is not closed")

// splitFrontMatter separates front matter from the body. src must already
// have CRLF normalised to LF and a BOM removed. Errors are *lineError.
func splitFrontMatter(src []byte) (frontMatter, error) {
	fm := frontMatter{body: src, bodyLine: 1}
	switch {
	case hasDelimLine(src, "---"):
		return splitDelimited(src, "---", "yaml")
	case hasDelimLine(src, "+++"):
		return splitDelimited(src, "+++", "toml")
	case looksLikeJSON(src):
		dec := json.NewDecoder(bytes.NewReader(src))
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			return fm, jsonErr(src, err)
		}
		end := int(dec.InputOffset())
		fm.format = "json"
		fm.raw = src[:end]
		fm.rawLine = 1
		rest := src[end:]
		// The body starts after the rest of the closing line.
		if i := bytes.IndexByte(rest, '\n'); i >= 0 && len(bytes.TrimSpace(rest[:i])) == 0 {
			rest = rest[i+1:]
			end += i + 1
		}
		fm.body = rest
		fm.bodyLine = lineAt(src, end)
		return fm, nil
	}
	return fm, nil
}

// looksLikeJSON: "{" then a key or "}" — not "{{< shortcode >}}", which a
// plain document may well start with.
func looksLikeJSON(src []byte) bool {
	if len(src) == 0 || src[0] != '{' {
		return false
	}
	rest := bytes.TrimLeft(src[1:], " \t\n")
	return len(rest) > 0 && (rest[0] == '"' || rest[0] == '}')
}

// hasDelimLine reports whether src starts with a line that is exactly delim
// (trailing spaces allowed).
func hasDelimLine(src []byte, delim string) bool {
	if !bytes.HasPrefix(src, []byte(delim)) {
		return false
	}
	rest := src[len(delim):]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		i = len(rest)
	}
	return len(bytes.TrimRight(rest[:i], " \t")) == 0
}

func splitDelimited(src []byte, delim, format string) (frontMatter, error) {
	fm := frontMatter{format: format, rawLine: 2}
	first := bytes.IndexByte(src, '\n')
	if first < 0 {
		return fm, &lineError{line: 1, msg: errUnclosed.Error() + " (no closing " + delim + ")"}
	}
	start := first + 1
	pos := start
	line := 2
	for pos <= len(src) {
		end := bytes.IndexByte(src[pos:], '\n')
		var l []byte
		next := 0
		if end < 0 {
			l = src[pos:]
			next = len(src) + 1
		} else {
			l = src[pos : pos+end]
			next = pos + end + 1
		}
		if string(bytes.TrimRight(l, " \t")) == delim {
			fm.raw = src[start:pos]
			if next > len(src) {
				next = len(src)
			}
			fm.body = src[next:]
			fm.bodyLine = line + 1
			return fm, nil
		}
		pos = next
		line++
	}
	return fm, &lineError{line: 1, msg: errUnclosed.Error() + " (no closing " + delim + ")"}
}

// normaliseSource removes a UTF-8 BOM and turns CRLF and lone CR into LF so
// that line numbers and delimiters work for files written on any system.
func normaliseSource(src []byte) []byte {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(src, '\r') < 0 {
		return src
	}
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
}

// timeLayouts are the forms accepted for dates, most specific first. Hugo
// accepts these and so do people writing front matter by hand.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999 -07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseTime reads a front matter time. Values written with "Z" or with no
// zone at all are wall-clock times in loc (unless utc is set: then "Z" means
// UTC); an explicit numeric offset is respected. ok is false for text that is
// not a time.
func parseTime(v any, loc *time.Location, utc bool) (time.Time, bool) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, true
	case time.Time:
		// TOML values: local date/times carry a special location, "Z" is UTC.
		switch name := t.Location().String(); {
		case name == "UTC" && utc:
			return t, true
		case name == "UTC", strings.Contains(name, "local"), t.Location() == time.Local:
			return wallClock(t, loc), true
		}
		return t, true
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return time.Time{}, true
		}
		for _, layout := range timeLayouts {
			p, err := time.Parse(layout, s)
			if err != nil {
				continue
			}
			hasZone := strings.Contains(layout, "07")
			zulu := strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z")
			switch {
			case !hasZone:
				return wallClock(p, loc), true
			case zulu && !utc:
				return wallClock(p, loc), true
			}
			return p, true
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}

// wallClock keeps t's calendar fields and reinterprets them in loc.
func wallClock(t time.Time, loc *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// ParseTime reads a front-matter date or time the way the loader reads
// startDate and date: times written with "Z" (and times without a zone)
// are site wall-clock time unless the site says they are UTC. Features
// reading their own front-matter fields (registrationCloses…) use it so
// every time on a page follows one rule. ok is false for a value that is
// not a date or time; a missing value gives the zero time.
func (s *Site) ParseTime(v any) (t time.Time, ok bool) {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	return parseTime(v, loc, s.TimesInUTC)
}

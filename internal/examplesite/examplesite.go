// Package examplesite holds the built-in example site that `unionhall serve`
// shows when no --site folder is given: an invented ICT workers' union
// ("Spojka") written in Czech and English, with every section the theme knows.
//
// Why it is built so:
//
//   - The site is an ordinary Hugo-style folder (site/), embedded whole with
//     `//go:embed all:site` so dot-folders such as static/.well-known ship too.
//     It doubles as a reference a union can copy and edit.
//   - An example that shows events must always show one past, one ongoing and
//     two upcoming events, whenever somebody runs the binary. Fixed dates would
//     rot within weeks, so .md files may contain date placeholders that FS
//     resolves relative to a given time. Everything else is served byte for
//     byte as embedded.
//   - The placeholder syntax `{{date "+7d 18:30"}}` cannot collide with Hugo
//     shortcodes, which always have `<` or `%` right after the braces.
//   - The result is a plain fs.FS, so the content loader treats the example
//     exactly like a union's folder on disk; there is no special path for it.
package examplesite

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing/fstest" // only its MapFS, a plain in-memory fs.FS; it does not import "testing"
	"time"
	_ "time/tzdata" // the example must resolve Europe/Prague even on hosts without tzdata
)

//go:embed all:site
var embedded embed.FS

// TimeZone is the zone the example site's config declares (config.toml
// `timeZone`); placeholders are resolved in it so that "18:30" means 18:30 on
// the site's wall clock.
const TimeZone = "Europe/Prague"

// maxOffsetDays bounds placeholder offsets: anything beyond ten years is a typo.
const maxOffsetDays = 3660

// FS returns the example site with date placeholders resolved relative to now,
// as an in-memory fs.FS rooted at the site folder (config.toml at its root).
//
// Only .md files are rendered. A placeholder that does not parse is an error
// naming the file and line, so a typo can never be served raw.
func FS(now time.Time) (fs.FS, error) {
	root, err := fs.Sub(embedded, "site")
	if err != nil {
		return nil, fmt.Errorf("example site: %w", err)
	}
	return build(root, now)
}

// RefreshAfter returns when a site rendered by FS(now) goes stale: the next
// midnight in the site's time zone, when every "+Nd" shifts by one day. A
// long-running server rebuilds the example then (or on its next reload after
// that), so the ongoing event never silently turns into a second past one.
func RefreshAfter(now time.Time) time.Time {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil { // cannot happen: time/tzdata is linked in
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// build copies src into memory, rendering the placeholders of every .md file.
// It is separate from FS so tests can feed it hostile input.
func build(src fs.FS, now time.Time) (fs.FS, error) {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return nil, fmt.Errorf("example site: load time zone %s: %w", TimeZone, err)
	}
	out := fstest.MapFS{}
	err = fs.WalkDir(src, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name != "." {
				out[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
			}
			return nil
		}
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return err
		}
		if path.Ext(name) == ".md" {
			data, err = render(data, now, loc)
			if err != nil {
				return fmt.Errorf("%s:%w", name, err)
			}
		}
		out[name] = &fstest.MapFile{Data: data, Mode: 0o644}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("example site: %w", err)
	}
	return out, nil
}

var (
	// placeholderRe matches a well-formed placeholder; spaces inside the braces
	// are tolerated the way Go templates tolerate them.
	placeholderRe = regexp.MustCompile(`\{\{ *date +"([^"\n]*)" *\}\}`)
	// attemptRe finds anything that looks like it was meant as a placeholder,
	// so a malformed one is reported instead of passed through.
	attemptRe = regexp.MustCompile(`\{\{-? *date\b`)
	// offsetRe is the argument: signed days, then an optional wall-clock time.
	offsetRe = regexp.MustCompile(`^([+-])([0-9]{1,4})d(?: ([0-9]{1,2}):([0-9]{2}))?$`)
)

// render replaces every `{{date "±Nd[ HH:MM]"}}` in src. With a time it yields
// "2006-01-02T15:04:05" (site wall clock, no zone); without, "2006-01-02".
// Errors start with the 1-based line number, so callers prefix the file name.
func render(src []byte, now time.Time, loc *time.Location) ([]byte, error) {
	matches := placeholderRe.FindAllSubmatchIndex(src, -1)
	attempts := attemptRe.FindAllIndex(src, -1)
	// Every attempt must be the start of a well-formed placeholder.
	j := 0
	for _, a := range attempts {
		for j < len(matches) && matches[j][0] < a[0] {
			j++
		}
		if j >= len(matches) || matches[j][0] != a[0] {
			return nil, fmt.Errorf("%d: malformed date placeholder %q (want {{date \"+7d 18:30\"}})",
				lineOf(src, a[0]), snippet(src[a[0]:]))
		}
	}
	if len(matches) == 0 {
		return src, nil
	}
	today := now.In(loc)
	var b bytes.Buffer
	b.Grow(len(src))
	last := 0
	for _, m := range matches {
		arg := string(src[m[2]:m[3]])
		s, err := resolve(arg, today, loc)
		if err != nil {
			return nil, fmt.Errorf("%d: date placeholder %q: %w", lineOf(src, m[0]), snippet([]byte(arg)), err)
		}
		b.Write(src[last:m[0]])
		b.WriteString(s)
		last = m[1]
	}
	b.Write(src[last:])
	return b.Bytes(), nil
}

// resolve turns "+7d 18:30" into the wall-clock date-time that many calendar
// days after today's date. Days are counted on the calendar, not as 24-hour
// steps, so daylight-saving changes never shift the time of day.
func resolve(arg string, today time.Time, loc *time.Location) (string, error) {
	m := offsetRe.FindStringSubmatch(arg)
	if m == nil {
		return "", fmt.Errorf(`want "±Nd" or "±Nd HH:MM"`)
	}
	days, _ := strconv.Atoi(m[2]) // at most 4 digits: cannot fail or overflow
	if days > maxOffsetDays {
		return "", fmt.Errorf("offset of %d days is more than %d", days, maxOffsetDays)
	}
	if m[1] == "-" {
		days = -days
	}
	y, mo, d := today.Date()
	if m[3] == "" {
		return time.Date(y, mo, d+days, 0, 0, 0, 0, loc).Format("2006-01-02"), nil
	}
	h, _ := strconv.Atoi(m[3])
	mi, _ := strconv.Atoi(m[4])
	if h > 23 || mi > 59 {
		return "", fmt.Errorf("time %s:%s is not a time of day", m[3], m[4])
	}
	// Format the wall clock directly rather than via time.Date in loc: a time
	// inside a spring-forward gap would otherwise be silently moved by an hour.
	day := time.Date(y, mo, d+days, 12, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%sT%02d:%02d:00", day.Format("2006-01-02"), h, mi), nil
}

func lineOf(src []byte, off int) int {
	return bytes.Count(src[:off], []byte("\n")) + 1
}

// snippet quotes at most one line and 40 bytes of hostile input in an error.
func snippet(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

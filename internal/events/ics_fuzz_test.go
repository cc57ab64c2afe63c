package events

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// FuzzCalendar writes a calendar from fuzzed event fields (a page title,
// description and place are written by many hands; the URL comes from
// front matter) and checks what every client relies on: CRLF lines of at
// most 75 octets folded without splitting a character, valid UTF-8, exactly
// the properties we wrote (no field can inject one), text that unfolds and
// unescapes back to what was given, and golang-ical parsing it back.
func FuzzCalendar(f *testing.F) {
	f.Add("Introduction to Unions in IT", "An open online meeting.\n\nParticipation is anonymous.", "Online", "https://union.example/en/events/2024/intro/", int64(0), uint16(90), false)
	f.Add("Žluťoučký kůň úpěl ďábelské ódy; a, b\\c", strings.Repeat("ř", 100), "Praha, Vinohradská 12", "/cs/akce/2024/x/", int64(86400*200), uint16(0), true)
	f.Add("x\r\nATTENDEE:mailto:evil@example.org", "\x00\x1b[31m\u202etxt.exe", "a\nb", "https://x/\r\nATTENDEE:evil", int64(-1), uint16(1), false)
	f.Add(strings.Repeat("\xe2\x82", 40), "\xff\xfe", "", strings.Repeat("\x80", 80), int64(1<<40), uint16(65535), false)
	prague, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, summary, desc, place, u string, startOff int64, minutes uint16, cancelled bool) {
		// Content dates are years 1970–2100 in practice; keep to those.
		base := time.Date(2024, 1, 24, 18, 30, 0, 0, prague)
		span := int64(70 * 365 * 24 * 3600)
		start := base.Add(time.Duration(startOff%span) * time.Second)
		ev := icsEvent{UID: "0123456789abcdef01234567@union.example", Seq: int(minutes % 7), Start: start,
			End: start.Add(time.Duration(minutes) * time.Minute), Summary: summary, Description: desc,
			Location: place, URL: u, Cancelled: cancelled}
		now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, loc := range []*time.Location{prague, time.UTC} {
			out := writeCalendar(summary, loc, now, []icsEvent{ev})
			checkCalendar(t, out, ev)
		}
	})
}

// wantProps are the only content lines a one-event calendar may hold
// (by property name), outside the VTIMEZONE.
var wantProps = map[string]bool{
	"BEGIN": true, "END": true, "VERSION": true, "PRODID": true, "CALSCALE": true, "METHOD": true,
	"X-WR-CALNAME": true, "UID": true, "DTSTAMP": true, "SEQUENCE": true, "DTSTART": true, "DTEND": true,
	"SUMMARY": true, "DESCRIPTION": true, "LOCATION": true, "URL": true, "STATUS": true,
	"TZID": true, "TZOFFSETFROM": true, "TZOFFSETTO": true, "TZNAME": true,
}

func checkCalendar(t *testing.T, out []byte, ev icsEvent) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("calendar is not valid UTF-8:\n%q", out)
	}
	if !bytes.HasSuffix(out, []byte("END:VCALENDAR\r\n")) {
		t.Fatalf("calendar does not end with END:VCALENDAR CRLF:\n%q", out)
	}
	phys := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	for _, l := range phys {
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("bare CR or LF inside a line: %q", l)
		}
		if l == "" || l == " " {
			t.Fatalf("empty physical line in:\n%q", out)
		}
	}
	// Unfold (RFC 5545 3.1) and look at every content line.
	unfolded := strings.ReplaceAll(string(out), "\r\n ", "")
	lines := strings.Split(strings.TrimSuffix(unfolded, "\r\n"), "\r\n")
	got := map[string]string{}
	events := 0
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("content line without a colon: %q", l)
		}
		name, _, _ = strings.Cut(name, ";")
		if !wantProps[name] {
			t.Fatalf("unexpected property %q (injected?) in line %q", name, l)
		}
		if name == "BEGIN" && value == "VEVENT" {
			events++
		}
		if _, seen := got[name]; !seen {
			got[name] = value
		}
	}
	if events != 1 {
		t.Fatalf("%d VEVENTs", events)
	}
	for prop, in := range map[string]string{"SUMMARY": ev.Summary, "DESCRIPTION": ev.Description, "LOCATION": ev.Location} {
		want := cleanICSText(in)
		v, ok := got[prop]
		if !ok {
			if want != "" && prop != "SUMMARY" {
				t.Fatalf("%s missing for %q", prop, in)
			}
			continue
		}
		if back := unescICSText(v); back != want && !(prop != "SUMMARY" && in == "") {
			t.Fatalf("%s round trip: wrote %q, read %q", prop, want, back)
		}
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("golang-ical: %v\n%s", err, out)
	}
	if n := len(cal.Events()); n != 1 {
		t.Fatalf("golang-ical sees %d events", n)
	}
}

// cleanICSText is what escText promises to keep of s: everything but
// control characters (newline excepted) and bidi overrides, with invalid
// UTF-8 replaced.
func cleanICSText(s string) string {
	var b strings.Builder
	for _, r := range s { // invalid bytes come out as U+FFFD, one each
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unescICSText reverses RFC 5545 TEXT escaping.
func unescICSText(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

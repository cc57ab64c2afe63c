package events

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendars are written by hand rather than through golang-ical's builder:
// the writer is forty lines, and it gives full control over what every
// client needs and the library does not generate — a VTIMEZONE derived
// from Go's zone data, so times stay right in Outlook, which ignores
// TZID values it has no definition for. The tests parse every calendar back
// with golang-ical.

// icsEvent is one VEVENT.
type icsEvent struct {
	UID         string
	Seq         int
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Cancelled   bool
}

// uid is an event's stable calendar identity: derived from its key alone, so
// a changed title or date updates the same entry in people's calendars.
func (s *Service) uid(key string) string {
	sum := sha256.Sum256([]byte("unionhall-event:" + key))
	host := "unionhall"
	if u, err := url.Parse(s.d.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return hex.EncodeToString(sum[:12]) + "@" + host
}

// writeCalendar renders a VCALENDAR with the zone definition for loc.
func writeCalendar(name string, loc *time.Location, now time.Time, evs []icsEvent) []byte {
	var b bytes.Buffer
	line := func(s string) { foldLine(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Unionhall//Events//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if name != "" {
		line("X-WR-CALNAME:" + escText(name))
	}
	tzid := loc.String()
	useTZ := loc != time.UTC && tzid != "" && tzid != "UTC" && tzid != "Local"
	if useTZ && len(evs) > 0 {
		first, last := evs[0].Start.Year(), evs[0].End.Year()
		for _, e := range evs {
			first, last = min(first, e.Start.In(loc).Year()), max(last, e.End.In(loc).Year())
		}
		writeTimezone(line, loc, first, last)
	}
	stamp := now.UTC().Format("20060102T150405Z")
	for _, e := range evs {
		line("BEGIN:VEVENT")
		line("UID:" + e.UID)
		line("DTSTAMP:" + stamp)
		line(fmt.Sprintf("SEQUENCE:%d", e.Seq))
		if useTZ {
			line("DTSTART;TZID=" + tzid + ":" + e.Start.In(loc).Format("20060102T150405"))
			line("DTEND;TZID=" + tzid + ":" + e.End.In(loc).Format("20060102T150405"))
		} else {
			line("DTSTART:" + e.Start.UTC().Format("20060102T150405Z"))
			line("DTEND:" + e.End.UTC().Format("20060102T150405Z"))
		}
		line("SUMMARY:" + escText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + escText(e.Description))
		}
		if e.Location != "" {
			line("LOCATION:" + escText(e.Location))
		}
		if e.URL != "" {
			line("URL:" + icsURI(e.URL))
		}
		if e.Cancelled {
			line("STATUS:CANCELLED")
		} else {
			line("STATUS:CONFIRMED")
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// writeTimezone writes loc's VTIMEZONE covering the years first..last:
// every transition is listed as its own observance (no RRULE), which is
// exact for any zone Go knows, including past rule changes.
func writeTimezone(line func(string), loc *time.Location, first, last int) {
	line("BEGIN:VTIMEZONE")
	line("TZID:" + loc.String())
	from := time.Date(first, 1, 1, 0, 0, 0, 0, loc)
	to := time.Date(last+1, 1, 1, 0, 0, 0, 0, loc)
	// The observance in force at the start of the range, dated from the
	// transition that began it (or 1970 for a zone that never changes).
	name, off := from.Zone()
	if startT, _ := from.ZoneBounds(); startT.IsZero() {
		observance(line, false, time.Date(1970, 1, 1, 0, 0, 0, 0, time.FixedZone("", off)), off, off, name)
	} else {
		_, prev := startT.Add(-time.Second).Zone()
		observance(line, startT.IsDST(), startT, prev, off, name)
	}
	t := from
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		_, before := end.Add(-time.Second).Zone()
		n, after := end.Zone()
		observance(line, end.IsDST(), end, before, after, n)
		t = end
	}
	line("END:VTIMEZONE")
}

func observance(line func(string), dst bool, at time.Time, from, to int, name string) {
	kind := "STANDARD"
	if dst {
		kind = "DAYLIGHT"
	}
	line("BEGIN:" + kind)
	// DTSTART is the local time just before the change, in the old offset.
	line("DTSTART:" + at.In(time.FixedZone("", from)).Format("20060102T150405"))
	line("TZOFFSETFROM:" + offset(from))
	line("TZOFFSETTO:" + offset(to))
	if name != "" && !strings.ContainsAny(name, "+-") {
		line("TZNAME:" + name)
	}
	line("END:" + kind)
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
}

// escText escapes a TEXT value (RFC 5545 3.3.11) and drops control
// characters other than newline, which a page title could smuggle in.
func escText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsURI makes a URI value safe to write as is: a URL property is not TEXT
// and has no escaping, so a control character (a line break in a page's
// `url` front matter) would start a property of its own. Such bytes, and
// anything outside ASCII, are percent-encoded (found by FuzzCalendar).
func icsURI(u string) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// foldLine writes s folded at 75 octets without splitting a UTF-8 sequence.
func foldLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			// Not UTF-8 at all (found by FuzzCalendar: this looped for
			// ever); cut anywhere rather than never.
			cut = limit
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// icsFor is an event as a VEVENT; withMeeting adds the meeting link, for
// a registered person's own copy only.
func (s *Service) icsFor(ev Event, seq int, withMeeting bool) icsEvent {
	p := ev.Page
	desc := p.DescriptionText
	if withMeeting && ev.MeetingURL != "" {
		desc = strings.TrimSpace(desc + "\n\n" + ev.MeetingURL)
	}
	loc := p.Place
	if p.PlaceAddress != "" {
		loc = strings.TrimSpace(loc + ", " + p.PlaceAddress)
	}
	if withMeeting && ev.MeetingURL != "" && loc == "" {
		loc = ev.MeetingURL
	}
	return icsEvent{UID: s.uid(ev.Key), Seq: seq, Start: ev.Start(), End: ev.End(), Summary: p.Title,
		Description: desc, Location: loc, URL: s.d.BaseURL + p.URL}
}

// eventICS is the calendar attached to a registrant's emails.
func (s *Service) eventICS(ev Event, lang string, seq int, withMeeting bool) []byte {
	return writeCalendar("", s.loc(s.d.Site()), s.now(), []icsEvent{s.icsFor(ev, seq, withMeeting)})
}

// googleCalendarURL is an "add to Google Calendar" link (times in UTC).
func googleCalendarURL(ev Event, details string) string {
	v := url.Values{}
	v.Set("action", "TEMPLATE")
	v.Set("text", ev.Page.Title)
	v.Set("dates", ev.Start().UTC().Format("20060102T150405Z")+"/"+ev.End().UTC().Format("20060102T150405Z"))
	if details != "" {
		v.Set("details", details)
	}
	if ev.Page.Place != "" {
		v.Set("location", ev.Page.Place)
	}
	return "https://calendar.google.com/calendar/render?" + v.Encode()
}

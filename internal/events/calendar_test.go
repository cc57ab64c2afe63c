package events

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"unionhall/internal/db"
	"unionhall/internal/dbtest"
)

// parseICS parses a calendar with golang-ical and checks what every
// calendar of ours must have.
func parseICS(t testing.TB, b []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("calendar does not parse: %v\n%s", err, b)
	}
	for _, line := range strings.SplitAfter(string(b), "\r\n") {
		if len(strings.TrimSuffix(line, "\r\n")) > 75 {
			t.Errorf("line longer than 75 octets: %q", line)
		}
		if line != "" && !strings.HasSuffix(line, "\r\n") {
			t.Errorf("line without CRLF: %q", line)
		}
	}
	return cal
}

func get(t testing.TB, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestCalendars(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		prague, _ := time.LoadLocation("Europe/Prague")

		// The per-event calendar.
		resp, body := get(t, e.srv.URL+CalendarURL(e.event("id:small", "en").Page))
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("event .ics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cal := parseICS(t, body)
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		ve := evs[0]
		start, err := ve.GetStartAt()
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2026, 3, 20, 18, 0, 0, 0, prague)
		if !start.Equal(want) {
			t.Errorf("DTSTART %v, want %v", start, want)
		}
		if dt := ve.GetProperty(ics.ComponentPropertyDtStart); dt == nil || dt.ICalParameters["TZID"][0] != "Europe/Prague" {
			t.Errorf("DTSTART without TZID Europe/Prague: %+v", dt)
		}
		tzs := cal.Timezones()
		if len(tzs) != 1 || !strings.Contains(string(body), "TZOFFSETTO:+0200") || !strings.Contains(string(body), "TZOFFSETTO:+0100") {
			t.Errorf("VTIMEZONE missing or without both offsets:\n%s", body)
		}
		uid := prop(ve, ics.ComponentPropertyUniqueId)
		if uid == "" || prop(ve, ics.ComponentPropertySequence) != "0" {
			t.Errorf("UID %q SEQUENCE %q", uid, prop(ve, ics.ComponentPropertySequence))
		}
		// Same UID in the other language: one event.
		_, csBody := get(t, e.srv.URL+CalendarURL(e.event("id:small", "cs").Page))
		if got := prop(parseICS(t, csBody).Events()[0], ics.ComponentPropertyUniqueId); got != uid {
			t.Errorf("Czech page UID %q, English %q: one event must have one UID", got, uid)
		}

		// The hostile title is escaped, not split into properties.
		_, body = get(t, e.srv.URL+CalendarURL(e.event("id:summer", "en").Page))
		ve = parseICS(t, body).Events()[0]
		if got := prop(ve, ics.ComponentPropertySummary); got != `Summer <script>alert(1)</script>; picnic, with "quotes"` {
			t.Errorf("summary round trip: %q", got)
		}
		// A summer event's time in the summer offset.
		if s, _ := ve.GetStartAt(); !s.Equal(time.Date(2026, 7, 1, 17, 0, 0, 0, prague)) {
			t.Errorf("summer DTSTART %v", s)
		}

		// The feed: every public upcoming event of the language, never the
		// meeting link, no drafts, no past events.
		resp, body = get(t, e.srv.URL+"/en/events.ics")
		if resp.StatusCode != 200 {
			t.Fatalf("feed: %d", resp.StatusCode)
		}
		cal = parseICS(t, body)
		titles := map[string]bool{}
		for _, ve := range cal.Events() {
			titles[prop(ve, ics.ComponentPropertySummary)] = true
		}
		if !titles["Small meeting"] || !titles["Introduction to unions in IT"] || titles["Draft event"] || titles["Past event"] {
			t.Errorf("feed titles: %v", titles)
		}
		if strings.Contains(string(body), "meet.example.org") {
			t.Error("the public feed shows the meeting link")
		}
		_, body = get(t, e.srv.URL+CalendarURL(e.event("content/events/intro-online/index.md", "en").Page))
		if strings.Contains(string(body), "meet.example.org") {
			t.Error("the public event calendar shows the meeting link")
		}
		if resp, _ := get(t, e.srv.URL+"/xx/events.ics"); resp.StatusCode != 404 {
			t.Errorf("unknown language feed: %d", resp.StatusCode)
		}
		if resp, _ := get(t, e.srv.URL+"/en/events/nope/"+icsSuffix); resp.StatusCode != 404 {
			t.Errorf("unknown event calendar: %d", resp.StatusCode)
		}
		if resp, _ := get(t, e.srv.URL+CalendarURL(e.event("content/events/draft/index.md", "en").Page)); resp.StatusCode != 404 {
			t.Errorf("draft event calendar: %d", resp.StatusCode)
		}
	})
}

// TestDateMoved: registrants are told once, calendars keep the UID and
// bump SEQUENCE, and the reminder follows the new time.
func TestDateMoved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ev := e.event("id:small", "en")
		if _, err := e.svc.Signup(ctx, ev, "cs", person(1)); err != nil {
			t.Fatal(err)
		}
		_, before := get(t, e.srv.URL+CalendarURL(e.event("id:small", "en").Page))
		uid := prop(parseICS(t, before).Events()[0], ics.ComponentPropertyUniqueId)

		moved := strings.ReplaceAll(extraEvents["content/events/small/index.en.md"], "2026-03-20", "2026-03-21")
		movedCS := strings.ReplaceAll(extraEvents["content/events/small/index.cs.md"], "2026-03-20", "2026-03-21")
		e.setSite(map[string]string{"content/events/small/index.en.md": moved, "content/events/small/index.cs.md": movedCS})
		if err := e.svc.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Sync(ctx); err != nil { // a second sync changes nothing
			t.Fatal(err)
		}
		e.runJobs()
		e.runJobs()
		msgs := e.mem.to("p1@example.org")
		if len(msgs) != 2 || !strings.Contains(msgs[1].Subject, "Změna času") {
			t.Fatalf("moved email (in the registrant's language): %d messages %+v", len(msgs), msgs)
		}
		if len(msgs[1].Attachments) != 1 {
			t.Fatal("moved email without calendar")
		}
		ve := parseICS(t, msgs[1].Attachments[0].Data).Events()[0]
		if prop(ve, ics.ComponentPropertySequence) != "1" || prop(ve, ics.ComponentPropertyUniqueId) != uid {
			t.Errorf("updated calendar: SEQUENCE %s UID %s (want 1, %s)", prop(ve, ics.ComponentPropertySequence), prop(ve, ics.ComponentPropertyUniqueId), uid)
		}
		_, after := get(t, e.srv.URL+CalendarURL(e.event("id:small", "en").Page))
		ve = parseICS(t, after).Events()[0]
		if prop(ve, ics.ComponentPropertySequence) != "1" || prop(ve, ics.ComponentPropertyUniqueId) != uid {
			t.Error("public calendar not updated")
		}
		// The reminder goes out 2h before the NEW time, once.
		prague, _ := time.LoadLocation("Europe/Prague")
		e.clock.Set(time.Date(2026, 3, 20, 16, 30, 0, 0, prague))
		e.runJobs()
		if n := len(e.mem.to("p1@example.org")); n != 2 {
			t.Fatalf("reminded at the old time: %d messages", n)
		}
		e.clock.Set(time.Date(2026, 3, 21, 16, 30, 0, 0, prague))
		e.runJobs()
		if n := len(e.mem.to("p1@example.org")); n != 3 {
			t.Fatalf("not reminded at the new time: %d messages", n)
		}
	})
}

func TestICSFolding(t *testing.T) {
	var b bytes.Buffer
	long := strings.Repeat("žluťoučký kůň ", 20)
	foldLine(&b, "SUMMARY:"+long)
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line of %d octets", len(l))
		}
	}
	unfolded := strings.ReplaceAll(b.String(), "\r\n ", "")
	if unfolded != "SUMMARY:"+long+"\r\n" {
		t.Fatal("folding lost or split characters")
	}
	if got := escText("a;b,c\\d\ne\u202ef\x00"); got != `a\;b\,c\\d\nef` {
		t.Fatalf("escText = %q", got)
	}
}

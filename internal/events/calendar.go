package events

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"time"

	"unionhall/internal/content"
)

// sequences returns the stored calendar SEQUENCE of every event key.
func (s *Service) sequences(ctx context.Context) map[string]int {
	out := map[string]int{}
	rows, err := s.d.DB.Query(ctx, `SELECT event_key, sequence FROM event_state`)
	if err != nil {
		s.log.Error("read calendar sequences", "err", err)
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if rows.Scan(&k, &n) == nil {
			out[k] = n
		}
	}
	return out
}

// serveEventICS serves one event's public calendar: never the meeting link.
func (s *Service) serveEventICS(w http.ResponseWriter, r *http.Request, ev Event) {
	seq := s.sequences(r.Context())[ev.Key]
	body := writeCalendar(ev.Page.Title, s.loc(s.d.Site()), s.now(), []icsEvent{s.icsFor(ev, seq, false)})
	writeICS(w, r, "event.ics", body)
}

// FeedEvents are the public events a language's feed lists: visible,
// not yet over, soonest first.
func (s *Service) FeedEvents(lang string, now time.Time) []Event {
	cs := s.d.Site()
	if cs == nil {
		return nil
	}
	var out []Event
	for _, p := range cs.Pages {
		// build: {list: never} keeps an event off the feed; its page and
		// its own .ics still work.
		if p.Lang != lang || p.Kind != content.KindPage || p.StartDate.IsZero() || !p.Visible(now) || !p.Listed() || p.EventState(now) == content.EventPast {
			continue
		}
		if ev, _, ok := FromPage(p, cs); ok {
			out = append(out, ev)
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int { return a.Start().Compare(b.Start()) })
	return out
}

// handleFeed serves /{lang}/events.ics: every public upcoming event.
func (s *Service) handleFeed(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	cs := s.d.Site()
	if cs == nil || cs.Lang(lang) == nil {
		http.NotFound(w, r)
		return
	}
	now := s.now()
	seqs := s.sequences(r.Context())
	var evs []icsEvent
	for _, ev := range s.FeedEvents(lang, now) {
		evs = append(evs, s.icsFor(ev, seqs[ev.Key], false))
	}
	title := cs.Title
	if l := cs.Lang(lang); l != nil && l.Title != "" {
		title = l.Title
	}
	writeICS(w, r, "events.ics", writeCalendar(title, s.loc(cs), now, evs))
}

func writeICS(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	// Short: a moved date must reach subscribers soon.
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

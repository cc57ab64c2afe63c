package site

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"unionhall/internal/content"
)

// eventViews lists a language's events: active (upcoming and ongoing,
// soonest first) or past (newest first). n > 0 limits the list.
func (s *Server) eventViews(site *content.Site, r *http.Request, lang string, now time.Time, active bool, n int) []eventView {
	var ps []*content.Page
	for _, p := range site.PagesOfType(lang, "events", now) {
		if p.Kind != content.KindPage || p.StartDate.IsZero() || p.MembersOnly {
			continue
		}
		if (p.EventState(now) == content.EventPast) != active {
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(ps, func(a, b *content.Page) int {
		c := a.StartDate.Compare(b.StartDate)
		if !active {
			c = -c
		}
		if c != 0 {
			return c
		}
		return a.End().Compare(b.End())
	})
	if n > 0 {
		ps = limit(ps, n)
	}
	out := make([]eventView, len(ps))
	for i, p := range ps {
		out[i] = s.eventView(site, r, p, now, false)
	}
	return out
}

// eventView computes an event's state-dependent parts. full adds what only
// the event's own page shows (QR code).
func (s *Server) eventView(site *content.Site, r *http.Request, p *content.Page, now time.Time, full bool) eventView {
	u := ui{site: site, lang: p.Lang}
	ev := eventView{UI: u, P: p, When: u.When(p), Duration: u.duration(p)}
	if isSitePath(p.Poster) {
		ev.Poster = p.Poster
	}
	switch p.EventState(now) {
	case content.EventUpcoming:
		ev.State, ev.StateLabel = "upcoming", u.T("event_state_upcoming")
	case content.EventOngoing:
		ev.State, ev.StateLabel = "ongoing", u.T("event_state_ongoing")
	case content.EventPast:
		ev.State, ev.StateLabel = "past", u.T("event_state_past")
	}
	if p.Lat != nil && p.Lon != nil && validCoord(*p.Lat, 90) && validCoord(*p.Lon, 180) {
		lat := strconv.FormatFloat(*p.Lat, 'f', -1, 64)
		lon := strconv.FormatFloat(*p.Lon, 'f', -1, 64)
		ev.MapURL = "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=16/" + lat + "/" + lon
	}
	if p.RegisterURL != "" && (safeURL(p.RegisterURL) || isSitePath(p.RegisterURL)) {
		label := u.T("event_register")
		switch p.CTAType {
		case "fill":
			label = u.T("event_fill")
		case "sign":
			label = u.T("event_sign")
		}
		c := &cta{URL: p.RegisterURL, Label: label}
		if ev.State == "past" {
			c.Disabled, c.Reason = true, u.T("event_cta_ended")
		} else if full {
			target := s.abs(site, r, p.RegisterURL)
			if png := s.qr(target); png != "" {
				ev.QR = template.URL(png)
				ev.QRAlt = u.T("event_qr") + ": " + target
			}
		}
		ev.CTA = c
	}
	if full && s.eventExtra != nil {
		ev.Extra = s.eventExtra(r, p, now)
	}
	return ev
}

func validCoord(v, lim float64) bool { return v >= -lim && v <= lim }

func isSitePath(u string) bool {
	return len(u) > 0 && u[0] == '/' && (len(u) == 1 || u[1] != '/' && u[1] != '\\')
}

// qrCache keeps generated QR codes across cache generations: the same link
// always gives the same image and encoding costs a millisecond.
var qrCache sync.Map

// qr returns a PNG data: URI encoding text, or "" when it cannot be encoded
// (too long for a QR code).
func (s *Server) qr(text string) string {
	if v, ok := qrCache.Load(text); ok {
		return v.(string)
	}
	if len(text) > 1000 {
		return ""
	}
	png, err := qrcode.Encode(text, qrcode.Medium, 200)
	if err != nil {
		s.log.Warn("qr code", "err", err)
		return ""
	}
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	qrCache.Store(text, uri)
	return uri
}

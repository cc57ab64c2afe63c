package events

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"unionhall/internal/mail"
)

// PersonalLink is the URL of a registration's personal page.
func (s *Service) PersonalLink(lang, token string) string {
	return s.d.BaseURL + "/" + url.PathEscape(lang) + "/registration/?t=" + url.QueryEscape(token)
}

// mailVars are the placeholders every event email uses.
func (s *Service) mailVars(ev Event, reg Registration, token string, withMeeting bool) []any {
	cs := s.d.Site()
	lang := reg.Lang
	when := ""
	siteName := ""
	if cs != nil {
		when = cs.FormatDateRange(lang, ev.Start(), ev.End())
		siteName = cs.Title
	}
	where := ev.Page.Place
	if ev.Page.PlaceAddress != "" {
		where = strings.TrimSpace(where + ", " + ev.Page.PlaceAddress)
	}
	meeting := ""
	if withMeeting && ev.MeetingURL != "" && reg.Status == StatusConfirmed {
		meeting = T(lang, "mail.meeting", "url", ev.MeetingURL)
	}
	name := strings.TrimSpace(reg.Registrant.Name)
	return []any{"name", name, "event", ev.Page.Title, "when", when, "where", where,
		"meeting", meeting, "link", s.PersonalLink(lang, token), "site", siteName}
}

// message builds one email; calendar attaches the event's .ics.
func (s *Service) message(ev Event, reg Registration, subjectKey, bodyKey string, vars []any, ics []byte) mail.Message {
	lang := reg.Lang
	m := mail.Message{
		To:      reg.Registrant.Email,
		Subject: sanitizeHeader(T(lang, subjectKey, vars...)),
		Text:    T(lang, bodyKey, vars...) + T(lang, "mail.footer", vars...),
	}
	if ics != nil {
		m.Attachments = []mail.Attachment{{Name: "event.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics}}
	}
	return m
}

// sanitizeHeader keeps a subject made from a page title one line long.
func sanitizeHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			return ' '
		}
		return r
	}, s)
}

// sendConfirmation queues the email after registering (or re-registering).
func (s *Service) sendConfirmation(ctx context.Context, tx *sql.Tx, ev Event, reg Registration, token string, seq int, existing bool) error {
	ev = s.inLang(ev, reg.Lang)
	vars := s.mailVars(ev, reg, token, true)
	subj, body := "mail.confirm_subject", "mail.confirmed_body"
	if reg.Status == StatusWaiting {
		subj, body = "mail.waiting_subject", "mail.waiting_body"
	}
	m := s.message(ev, reg, subj, body, vars, s.eventICS(ev, reg.Lang, seq, reg.Status == StatusConfirmed))
	if err := s.d.Outbox.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("queue confirmation: %w", err)
	}
	return nil
}

func (s *Service) sendPromoted(ctx context.Context, tx *sql.Tx, ev Event, reg Registration, token string, seq int) error {
	ev = s.inLang(ev, reg.Lang)
	vars := s.mailVars(ev, reg, token, true)
	m := s.message(ev, reg, "mail.promoted_subject", "mail.promoted_body", vars, s.eventICS(ev, reg.Lang, seq, true))
	if err := s.d.Outbox.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("queue promotion email: %w", err)
	}
	return nil
}

// inLang is ev's page in lang when the site has one (the person chose to get
// emails in another language than the page they registered on).
func (s *Service) inLang(ev Event, lang string) Event {
	if ev.Page != nil && ev.Page.Lang == lang {
		return ev
	}
	if other, ok := s.EventByKey(ev.Key, lang); ok && other.Page.Lang == lang {
		return other
	}
	return ev
}

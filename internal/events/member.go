package events

import (
	"context"
	"fmt"
	"strings"
	"time"

	"unionhall/internal/db"
)

// MemberRegistration is one of a person's registrations, as the member
// portal lists it (internal/portal): which event, in which state. It holds
// no answers or names, so the portal shows nothing the person did not know.
type MemberRegistration struct {
	EventKey   string    `json:"event_key"`
	Title      string    `json:"title"`
	URL        string    `json:"url"`
	Start      time.Time `json:"start"`
	Status     string    `json:"status"`
	Anonymous  bool      `json:"anonymous"`
	Registered time.Time `json:"registered_at"`
}

// RegistrationsOf lists the registrations made with email at the events of
// the current site with built-in registration, in lang's page titles,
// newest event first. The blind index is per event (emailIndex), so this
// computes one index per event and asks once; registrations cannot be
// linked across events in the database, only by someone who knows the
// address, as the member does.
func (s *Service) RegistrationsOf(ctx context.Context, email, lang string) ([]MemberRegistration, error) {
	evs := s.InternalEvents()
	if len(evs) == 0 || email == "" {
		return nil, nil
	}
	byKey := make(map[string]Event, len(evs))
	args := make([]any, 0, len(evs))
	for _, ev := range evs {
		if l, ok := s.EventByKey(ev.Key, lang); ok {
			ev = l
		}
		byKey[ev.Key] = ev
		args = append(args, s.emailIndex(ev.Key, email))
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	rows, err := s.d.DB.Query(ctx, `SELECT event_key, status, anonymous, created_at FROM event_registrations
		WHERE email_bidx IN (`+ph+`) ORDER BY created_at DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("registrations of a member: %w", err)
	}
	defer rows.Close()
	var out []MemberRegistration
	for rows.Next() {
		var r MemberRegistration
		var at db.Time
		if err := rows.Scan(&r.EventKey, &r.Status, &r.Anonymous, &at); err != nil {
			return nil, fmt.Errorf("registrations of a member: %w", err)
		}
		ev, ok := byKey[r.EventKey]
		if !ok {
			continue
		}
		r.Registered = at.Time
		r.Title, r.URL, r.Start = ev.Page.Title, ev.Page.URL, ev.Start()
		out = append(out, r)
	}
	return out, rows.Err()
}

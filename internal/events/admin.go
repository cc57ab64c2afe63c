package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/mail"
)

// This file is the store API for the admin console (issue 5, item 6). The
// console checks the person's role before calling any of it: these
// functions return decrypted personal data.

// Registrations lists an event's registrations, decrypted, in registration
// order (confirmed and waiting first, cancelled last).
func (s *Service) Registrations(ctx context.Context, key string) ([]Registration, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT `+regColumns+` FROM event_registrations WHERE event_key = ?
		ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'waiting' THEN 1 ELSE 2 END, created_at, id`, key)
	if err != nil {
		return nil, fmt.Errorf("list registrations of %s: %w", key, err)
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		r, err := s.scanReg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// InTx is work a caller adds to a change's own transaction — the console's
// audit entry — so that the change and its record commit together or not
// at all: no change without its entry, no entry for a change that failed.
type InTx func(tx *sql.Tx) error

// CheckIn marks a confirmed registration as present at the door (in=false
// undoes it); also runs in the same transaction.
func (s *Service) CheckIn(ctx context.Context, key, id string, in bool, also ...InTx) error {
	var at any
	if in {
		at = db.T(s.now())
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET checked_in_at = ?, updated_at = ?
			WHERE id = ? AND event_key = ? AND status = 'confirmed'`), at, db.T(s.now()), id, key)
		if err != nil {
			return fmt.Errorf("check in: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return runAlso(tx, also)
	})
}

func runAlso(tx *sql.Tx, also []InTx) error {
	for _, f := range also {
		if err := f(tx); err != nil {
			return err
		}
	}
	return nil
}

// CSVHeader and CSVRows are the export: one row per registration, answers
// in question order. Cells that a spreadsheet would run as a formula are
// prefixed with an apostrophe.
func (s *Service) CSVHeader(ev Event, lang string) []string {
	h := []string{"status", "name", "email", "language", "registered", "checked_in"}
	for _, q := range ev.Questions {
		h = append(h, q.label(lang))
	}
	return h
}

// CSVRows returns the export's rows for ev (see CSVHeader).
func (s *Service) CSVRows(ctx context.Context, ev Event) ([][]string, error) {
	regs, err := s.Registrations(ctx, ev.Key)
	if err != nil {
		return nil, err
	}
	loc := s.loc(s.d.Site())
	var out [][]string
	for _, r := range regs {
		checked := ""
		if !r.CheckedInAt.IsZero() {
			checked = r.CheckedInAt.In(loc).Format("2006-01-02 15:04")
		}
		row := []string{r.Status, r.Registrant.Name, r.Registrant.Email, r.Lang, r.CreatedAt.In(loc).Format("2006-01-02 15:04"), checked}
		for _, q := range ev.Questions {
			row = append(row, r.Registrant.Answers[q.ID])
		}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		out = append(out, row)
	}
	return out, nil
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// SetClosed closes registration early (or reopens it). Once the change has
// committed it calls Deps.PublicChanged, so the public site drops its cached
// event pages and the next visitor sees the "Register" button gone (or
// back) at once; the console needs to do nothing more. The registration
// page and its POST read the flag themselves and are never cached.
//
// also runs in the same transaction.
func (s *Service) SetClosed(ctx context.Context, ev Event, closed bool, also ...InTx) error {
	now := s.now()
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockEvent(ctx, tx, ev, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_state SET closed = ?, updated_at = ? WHERE event_key = ?`), closed, db.T(now), ev.Key); err != nil {
			return fmt.Errorf("set closed: %w", err)
		}
		return runAlso(tx, also)
	})
	if err != nil {
		return err
	}
	// After the commit, not inside the transaction: a page rendered from
	// the dropped cache must read the new flag (see site.Server.DropCache).
	if s.d.PublicChanged != nil {
		s.d.PublicChanged()
	}
	return nil
}

// Audience of Message.
type Audience string

const (
	AudienceConfirmed Audience = "confirmed"
	AudienceWaiting   Audience = "waiting"
	AudienceAll       Audience = "all" // confirmed and waiting
)

// Message queues an email (plain text, the organiser's words) to every
// live registrant of ev in audience and reports how many were queued. All
// are queued in one transaction: either everyone gets it or nobody does.
// also runs in that transaction with the number queued.
func (s *Service) Message(ctx context.Context, ev Event, audience Audience, subject, text string, also ...func(tx *sql.Tx, queued int) error) (int, error) {
	if strings.TrimSpace(subject) == "" || strings.TrimSpace(text) == "" {
		return 0, errors.New("events: message needs a subject and a text")
	}
	switch audience {
	case AudienceConfirmed, AudienceWaiting, AudienceAll:
	default:
		return 0, fmt.Errorf("events: unknown audience %q", audience)
	}
	regs, err := s.Registrations(ctx, ev.Key)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, r := range regs {
			if r.Erased || r.Registrant.Email == "" || r.Status == StatusCancelled ||
				(audience == AudienceConfirmed && r.Status != StatusConfirmed) || (audience == AudienceWaiting && r.Status != StatusWaiting) {
				continue
			}
			m := mail.Message{To: r.Registrant.Email, Subject: sanitizeHeader(subject), Text: text}
			if err := s.d.Outbox.Enqueue(ctx, tx, m); err != nil {
				return fmt.Errorf("queue message: %w", err)
			}
			n++
		}
		for _, f := range also {
			if err := f(tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// EventSummary is an event with its numbers, for the console's list.
type EventSummary struct {
	Event
	Counts
	Start time.Time
}

// Summaries lists every internal-registration event with its counts.
func (s *Service) Summaries(ctx context.Context) ([]EventSummary, error) {
	var out []EventSummary
	for _, ev := range s.InternalEvents() {
		c, err := s.Counts(ctx, ev.Key)
		if err != nil {
			return nil, err
		}
		out = append(out, EventSummary{Event: ev, Counts: c, Start: ev.Start()})
	}
	return out, nil
}

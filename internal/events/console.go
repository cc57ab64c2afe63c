package events

// The events pages of the console (issue 5, item 6; the section is
// console_section.go): the events with built-in
// registration and their numbers, the registrants (decrypted), check-in at
// the door, the CSV export, a message to the registrants or the waiting
// list, and closing registration early.
//
// Why it is built so:
//
//   - The store lives in internal/events (its admin.go is made for this
//     page); the console only checks roles, validates input, audits and
//     renders. EventStore is the slice of *Service used here, so the
//     tests and the wiring stay honest about what the console may do.
//   - Event keys are file paths or front-matter ids, so URLs carry an opaque
//     handle instead: the first 20 hex digits of SHA-256 over the key. It
//     is stable across restarts and reloads (bookmarks keep working at the
//     door) and reveals nothing about the site's files. Registrations are
//     addressed by their random row ids, only in POST bodies and fragments.
//   - list-events sees everything read-only plus check-in and the export;
//     manage-events may close registration and write to people. A workplace
//     representative gets neither: event registrants belong to no workplace.
//   - Auditing: the events store runs its own transactions, so the audit
//     entry cannot share them. Data that leaves the system (the export, a
//     message) is recorded first — an action that cannot be recorded is not
//     taken; if the action then fails a second entry says so. Check-in and
//     closing are recorded after they succeeded. Opening a registrant list
//     is recorded like opening a member page. Details hold counts and
//     audience names, never names, emails or the message text.
//   - Check-in is one POST per person with a large button, so it works on
//     a phone at the door without JavaScript; the answer redirects back to
//     the person's row (#r-<id>) so the list does not jump.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"unionhall/internal/auth"
	"unionhall/internal/console"
)

// Limits of a message to registrants.
const (
	maxMessageSubject = 200
	maxMessageText    = 10000
)

// EventID is the opaque handle of an event key in console URLs.
func EventID(key string) string {
	sum := sha256.Sum256([]byte("event:" + key))
	return hex.EncodeToString(sum[:10])
}

// EventRow is an event in the console's list.
type EventRow struct {
	ID, Key, Title, URL string
	Start, ClosesAt     time.Time
	Capacity            int // 0: unlimited
	Confirmed, Waiting  int
	CheckedIn           int
	// Open is true while people can still register (not closed early and
	// the deadline not passed).
	Open         bool
	ClosedEarly  bool
	Past         bool
	Ongoing      bool
	Draft        bool // not published on the site (draft or publish date ahead)
	Anonymous    bool
	External     bool   // registration happens elsewhere
	RegisterURL  string // for External: where (http(s) only, else empty)
	QuestionsLen int
	ev           Event
}

// EventRows lists the events with built-in registration (upcoming first,
// soonest first; then past ones, latest first) and after them the events
// whose registration happens elsewhere.
func (cp *consolePages) EventRows(ctx context.Context) ([]EventRow, error) {
	sums, err := cp.s.Summaries(ctx)
	if err != nil {
		return nil, fmt.Errorf("event summaries: %w", err)
	}
	checked, err := cp.checkedInCounts(ctx)
	if err != nil {
		return nil, err
	}
	now := cp.s.now()
	var out []EventRow
	for _, s := range sums {
		out = append(out, cp.eventRow(s, checked[s.Key], now))
	}
	slices.SortStableFunc(out, func(a, b EventRow) int {
		if a.Past != b.Past {
			if a.Past {
				return 1
			}
			return -1
		}
		if a.Past {
			return b.Start.Compare(a.Start)
		}
		return a.Start.Compare(b.Start)
	})
	return append(out, cp.externalEvents(now)...), nil
}

func (cp *consolePages) eventRow(s EventSummary, checked int, now time.Time) EventRow {
	ev := s.Event
	row := EventRow{ID: EventID(ev.Key), Key: ev.Key, Start: s.Start, ClosesAt: ev.ClosesAt(), Capacity: ev.Capacity,
		Confirmed: s.Confirmed, Waiting: s.Waiting, CheckedIn: checked, ClosedEarly: s.Closed,
		Anonymous: ev.Anonymous, QuestionsLen: len(ev.Questions), ev: ev}
	if ev.Page != nil {
		row.Title, row.URL = ev.Page.Title, ev.Page.URL
		row.Draft = !ev.Page.Visible(now)
	}
	row.Past = !now.Before(ev.End())
	row.Ongoing = !row.Past && !now.Before(ev.Start())
	row.Open = !s.Closed && now.Before(row.ClosesAt)
	return row
}

// externalEvents are the events that link to a registration form
// elsewhere: listed so nobody looks for their registrants here.
func (cp *consolePages) externalEvents(now time.Time) []EventRow {
	evs := cp.s.AllEvents()
	seen := map[string]bool{}
	var out []EventRow
	for _, ev := range evs {
		if ev.Internal || ev.Page == nil || ev.Page.RegisterURL == "" || seen[ev.Key] {
			continue
		}
		seen[ev.Key] = true
		row := EventRow{ID: EventID(ev.Key), Key: ev.Key, Title: ev.Page.Title, URL: ev.Page.URL, Start: ev.Start(),
			External: true, Past: !now.Before(ev.End())}
		if u := ev.Page.RegisterURL; strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			row.RegisterURL = u
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out, func(a, b EventRow) int { return a.Start.Compare(b.Start) })
	return out
}

// checkedInCounts counts checked-in people per event key. It reads the
// events feature's table directly (counts only, nothing sealed), as the
// console does with applications: the list must not open every
// registrant's sealed data just to count.
func (cp *consolePages) checkedInCounts(ctx context.Context) (map[string]int, error) {
	rows, err := cp.s.d.DB.Query(ctx, `SELECT event_key, COUNT(*) FROM event_registrations
		WHERE checked_in_at IS NOT NULL AND status = 'confirmed' GROUP BY event_key`)
	if err != nil {
		return nil, fmt.Errorf("checked-in counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("checked-in counts: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// LoadEvent finds an event with built-in registration by its console id.
func (cp *consolePages) LoadEvent(ctx context.Context, id string) (EventRow, error) {
	if len(id) != 20 || strings.Trim(id, "0123456789abcdef") != "" {
		return EventRow{}, ErrNotFound
	}
	sums, err := cp.s.Summaries(ctx)
	if err != nil {
		return EventRow{}, fmt.Errorf("event summaries: %w", err)
	}
	for _, s := range sums {
		if EventID(s.Key) == id {
			checked, err := cp.checkedInCounts(ctx)
			if err != nil {
				return EventRow{}, err
			}
			return cp.eventRow(s, checked[s.Key], cp.s.now()), nil
		}
	}
	return EventRow{}, ErrNotFound
}

// RegistrantRow is a registration as the console shows it.
type RegistrantRow struct {
	ID, Status, Name, Email, Lang string
	Anonymous, Erased             bool
	CreatedAt, CheckedInAt        time.Time
	Answers                       []string // in question order
}

// EventRegistrants returns an event's registrations, decrypted, and
// records that actor opened them.
func (cp *consolePages) EventRegistrants(ctx context.Context, actor *auth.Account, ev EventRow) ([]RegistrantRow, error) {
	return cp.eventRegistrants(ctx, actor, ev, "registrants")
}

// eventRegistrants is EventRegistrants naming the page in the audit entry
// (the registrant list or the door).
func (cp *consolePages) eventRegistrants(ctx context.Context, actor *auth.Account, ev EventRow, page string) ([]RegistrantRow, error) {
	regs, err := cp.s.Registrations(ctx, ev.Key)
	if err != nil {
		return nil, fmt.Errorf("registrations: %w", err)
	}
	if err := cp.s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return consoleAudit(ctx, cp.s, tx, actor, "event.view", "event", ev.Key, fmt.Sprintf("%s, %d registrations", page, len(regs)))
	}); err != nil {
		return nil, err
	}
	out := make([]RegistrantRow, 0, len(regs))
	for _, r := range regs {
		p := RegistrantRow{ID: r.ID, Status: r.Status, Name: r.Registrant.Name, Email: r.Registrant.Email, Lang: r.Lang,
			Anonymous: r.Anonymous, Erased: r.Erased, CreatedAt: r.CreatedAt, CheckedInAt: r.CheckedInAt}
		for _, q := range ev.ev.Questions {
			p.Answers = append(p.Answers, r.Registrant.Answers[q.ID])
		}
		out = append(out, p)
	}
	return out, nil
}

// Questions are the labels of ev's extra questions in lang (the console's
// language) where the front matter has it, else in English, else any.
func (ev EventRow) Questions(lang string) []string {
	var out []string
	for _, q := range ev.ev.Questions {
		l := q.Label[lang]
		if l == "" {
			l = q.Label["en"]
		}
		if l == "" {
			l = q.Label[""]
		}
		if l == "" {
			for _, k := range slices.Sorted(maps.Keys(q.Label)) {
				if l = q.Label[k]; l != "" {
					break
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// CheckInRegistrant marks a confirmed registrant as present (in=false
// undoes it) and records it.
func (cp *consolePages) CheckInRegistrant(ctx context.Context, actor *auth.Account, ev EventRow, regID string, in bool) error {
	if !validID(regID) {
		return ErrNotFound
	}
	action := "event.checkin"
	if !in {
		action = "event.checkin.undo"
	}
	err := cp.s.CheckIn(ctx, ev.Key, regID, in, func(tx *sql.Tx) error {
		return consoleAudit(ctx, cp.s, tx, actor, action, "event_registration", regID, "event "+ev.ID)
	})
	if errors.Is(err, ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("check in at %s: %w", ev.ID, err)
	}
	return nil
}

// validID accepts what db.NewID makes (and nothing that could be a path
// or a query): a short run of letters and digits.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// SetEventClosed closes registration early (or reopens it) and records it.
func (cp *consolePages) SetEventClosed(ctx context.Context, actor *auth.Account, ev EventRow, closed bool) error {
	action := "event.close"
	if !closed {
		action = "event.reopen"
	}
	if err := cp.s.SetClosed(ctx, ev.ev, closed, func(tx *sql.Tx) error {
		return consoleAudit(ctx, cp.s, tx, actor, action, "event", ev.Key, "")
	}); err != nil {
		return fmt.Errorf("set closed on %s: %w", ev.ID, err)
	}
	return nil
}

// ExportEvent writes ev's registrants as CSV (formula cells neutralised
// by the store) after recording the export.
func (cp *consolePages) ExportEvent(ctx context.Context, actor *auth.Account, ev EventRow, w io.Writer) error {
	rows, err := cp.s.CSVRows(ctx, ev.ev)
	if err != nil {
		return fmt.Errorf("export %s: %w", ev.ID, err)
	}
	if err := cp.s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return consoleAudit(ctx, cp.s, tx, actor, "export.event", "event", ev.Key, fmt.Sprintf("%d rows", len(rows)))
	}); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cp.s.CSVHeader(ev.ev, "en")); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// Audiences a message may go to (labels "audience.<value>" in
// messages.json).
var messageAudiences = []string{string(AudienceAll), string(AudienceConfirmed), string(AudienceWaiting)}

// EventMessage is a message to an event's registrants.
type EventMessage struct {
	Audience, Subject, Text string
}

var errBadMessage = errors.New("a message needs an audience, a subject (at most 200 characters, one line) and a text (at most 10,000 characters), without control characters")

// checkMessage validates a message form; plain text, so markup is not
// refused but is sent (and previewed) as the literal characters.
func checkMessage(m EventMessage) (EventMessage, error) {
	subj, ok1 := console.CleanText(m.Subject, maxMessageSubject, false)
	text, ok2 := console.CleanText(m.Text, maxMessageText, true)
	if !ok1 || !ok2 || subj == "" || text == "" || !slices.Contains(messageAudiences, m.Audience) {
		return m, errBadMessage
	}
	return EventMessage{Audience: m.Audience, Subject: subj, Text: text}, nil
}

// recipients counts the live registrants a message to audience reaches,
// by the same rule as the store's Message.
func recipients(regs []RegistrantRow, audience string) int {
	n := 0
	for _, r := range regs {
		if reaches(r.Erased, r.Email, r.Status, audience) {
			n++
		}
	}
	return n
}

func reaches(erased bool, email, status, audience string) bool {
	if erased || email == "" || status == StatusCancelled {
		return false
	}
	return audience == string(AudienceAll) || audience == status
}

// countRecipients is recipients over the store's registrations.
func (cp *consolePages) countRecipients(ctx context.Context, ev EventRow, audience string) (int, error) {
	regs, err := cp.s.Registrations(ctx, ev.Key)
	if err != nil {
		return 0, fmt.Errorf("registrations: %w", err)
	}
	n := 0
	for _, r := range regs {
		if reaches(r.Erased, r.Registrant.Email, r.Status, audience) {
			n++
		}
	}
	return n, nil
}

var errNoRecipients = errors.New("nobody in that group can be written to")

// SendEventMessage queues m to ev's registrants through the outbox and
// records it in the same transaction (a failure is recorded afterwards).
// It returns how many were queued.
func (cp *consolePages) SendEventMessage(ctx context.Context, actor *auth.Account, ev EventRow, m EventMessage) (int, error) {
	m, err := checkMessage(m)
	if err != nil {
		return 0, err
	}
	want, err := cp.countRecipients(ctx, ev, m.Audience)
	if err != nil {
		return 0, err
	}
	if want == 0 {
		return 0, errNoRecipients
	}
	n, err := cp.s.Message(ctx, ev.ev, Audience(m.Audience), m.Subject, m.Text, func(tx *sql.Tx, queued int) error {
		detail := fmt.Sprintf("audience %s, %d recipients, subject %d characters, text %d characters",
			m.Audience, queued, utf8.RuneCountInString(m.Subject), utf8.RuneCountInString(m.Text))
		return consoleAudit(ctx, cp.s, tx, actor, "event.message", "event", ev.Key, detail)
	})
	if err != nil {
		// The message and its entry rolled back together; the attempt is
		// still worth a line in the trail (best effort).
		bg := context.WithoutCancel(ctx)
		if aerr := cp.s.d.DB.Tx(bg, func(tx *sql.Tx) error {
			return consoleAudit(bg, cp.s, tx, actor, "event.message.failed", "event", ev.Key, "nothing was queued")
		}); aerr != nil {
			cp.s.log.Error("record failed event message", "event", ev.ID, "err", aerr)
		}
		return 0, fmt.Errorf("message registrants of %s: %w", ev.ID, err)
	}
	return n, nil
}

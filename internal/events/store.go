package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Registration statuses.
const (
	StatusConfirmed = "confirmed"
	StatusWaiting   = "waiting"
	StatusCancelled = "cancelled"
)

// Errors the store returns; handlers turn them into messages.
var (
	ErrNotOpen          = errors.New("events: registration is not open for this event")
	ErrClosed           = errors.New("events: registration is closed")
	ErrNotFound         = errors.New("events: no such registration")
	ErrAlreadyCancelled = errors.New("events: registration already cancelled")
	// ErrEventOver refuses changing or cancelling a registration once the
	// event has ended: there is no seat left to give anyone, and the
	// organiser's list of who came must not change under them.
	ErrEventOver = errors.New("events: the event is over")
)

// Registrant is what a person gives when registering. Name is a nickname
// for anonymous events.
type Registrant struct {
	Name    string            `json:"n"`
	Email   string            `json:"e"`
	Answers map[string]string `json:"a,omitempty"`
}

// Registration is a stored registration with its personal data opened
// (empty once erased).
type Registration struct {
	ID          string
	EventKey    string
	Status      string
	Lang        string
	Anonymous   bool
	Registrant  Registrant
	CreatedAt   time.Time
	CheckedInAt time.Time // zero: not checked in
	Erased      bool
}

// Counts are an event's live numbers.
type Counts struct {
	Confirmed, Waiting int
	Closed             bool // closed early by an organiser
	Sequence           int  // calendar SEQUENCE
}

// Outcome of Register.
type Outcome struct {
	Registration
	// Token is the personal link's secret; only its hash is stored.
	Token string
	// Existing is true when the email was already registered: the link was
	// re-sent (with a fresh token) and nothing else changed.
	Existing bool
}

// state is an event_state row.
type state struct {
	start, end      time.Time
	seq             int
	confirmed, wait int
	closed          bool
	reminderAt      sql.Null[db.Time]
	eraseAt         sql.Null[db.Time]
}

func dataAAD(id string) []byte { return seal.AAD("event_registrations", "data", id) }

const emailPurpose = "events.email"

// emailIndex is the blind index of an email, scoped to one event so the
// same person's registrations at two events cannot be linked by it.
func (s *Service) emailIndex(key, email string) []byte {
	return s.d.Keys.BlindIndex(emailPurpose, key+"\x00"+seal.NormaliseEmail(email))
}

// lockEvent takes the event's row lock (creating the row on first use),
// brings its stored times up to date with the page and schedules the
// reminder and erasure jobs. Everything that changes seats runs after it in
// the same transaction: on SQLite the single writer already serialises
// transactions; on PostgreSQL the row lock (FOR UPDATE) does, so two
// registrations can never both see the last free seat.
func (s *Service) lockEvent(ctx context.Context, tx *sql.Tx, ev Event, now time.Time) (state, error) {
	d := s.d.DB
	start, end := ev.Start().UTC().Truncate(time.Microsecond), ev.End().UTC().Truncate(time.Microsecond)
	if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO event_state (event_key, start_at, end_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING`), ev.Key, db.T(start), db.T(end), db.T(now), db.T(now)); err != nil {
		return state{}, fmt.Errorf("create event state: %w", err)
	}
	q := `SELECT start_at, end_at, sequence, confirmed, waiting, closed, reminder_at, erase_at FROM event_state WHERE event_key = ?`
	if d.Dialect() == db.Postgres {
		q += ` FOR UPDATE`
	}
	var st state
	var s0, e0 db.Time
	if err := tx.QueryRowContext(ctx, d.Rebind(q), ev.Key).Scan(&s0, &e0, &st.seq, &st.confirmed, &st.wait, &st.closed, &st.reminderAt, &st.eraseAt); err != nil {
		return state{}, fmt.Errorf("lock event state: %w", err)
	}
	st.start, st.end = s0.Time, e0.Time
	if !st.start.Equal(start) || !st.end.Equal(end) {
		// The date moved: calendars need a higher SEQUENCE, registrants a
		// new reminder and a message.
		st.seq++
		if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE event_state SET start_at = ?, end_at = ?, sequence = ?, updated_at = ? WHERE event_key = ?`),
			db.T(start), db.T(end), st.seq, db.T(now), ev.Key); err != nil {
			return state{}, fmt.Errorf("update event times: %w", err)
		}
		if !st.start.Equal(start) {
			if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE event_registrations SET reminded_at = NULL WHERE event_key = ? AND reminded_at IS NOT NULL`), ev.Key); err != nil {
				return state{}, fmt.Errorf("reset reminders: %w", err)
			}
		}
		if st.confirmed+st.wait > 0 && s.d.Queue != nil {
			if _, err := s.d.Queue.Enqueue(ctx, tx, JobMoved, []byte(ev.Key), now); err != nil {
				return state{}, err
			}
		}
		st.start, st.end = start, end
	}
	if s.d.Queue == nil || !ev.Internal {
		return st, nil
	}
	if ev.Reminder > 0 {
		due := start.Add(-ev.Reminder)
		if !st.reminderAt.Valid || !st.reminderAt.V.Equal(due) {
			if _, err := s.d.Queue.Enqueue(ctx, tx, JobReminder, []byte(ev.Key), due); err != nil {
				return state{}, err
			}
			if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE event_state SET reminder_at = ? WHERE event_key = ?`), db.T(due), ev.Key); err != nil {
				return state{}, fmt.Errorf("schedule reminder: %w", err)
			}
		}
	}
	erase := end.Add(s.d.Retention)
	if !st.eraseAt.Valid || !st.eraseAt.V.Equal(erase) {
		if _, err := s.d.Queue.Enqueue(ctx, tx, JobErase, []byte(ev.Key), erase); err != nil {
			return state{}, err
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`UPDATE event_state SET erase_at = ? WHERE event_key = ?`), db.T(erase), ev.Key); err != nil {
			return state{}, fmt.Errorf("schedule erasure: %w", err)
		}
	}
	return st, nil
}

// Open reports why registration is not open at now (nil when it is).
func (ev Event) Open(now time.Time) error {
	if !ev.Internal || ev.Page == nil || !ev.Page.Visible(now) {
		return ErrNotOpen
	}
	if !now.Before(ev.ClosesAt()) {
		return ErrClosed
	}
	return nil
}

// Signup registers in for ev in lang. A second registration with the same
// email returns the existing one with a fresh personal link, re-sent by
// email. Confirmed while seats are free, waiting after.
func (s *Service) Signup(ctx context.Context, ev Event, lang string, in Registrant) (Outcome, error) {
	now := s.now()
	if err := ev.Open(now); err != nil {
		return Outcome{}, err
	}
	// Sealing and hashing happen before the transaction: Tx may re-run fn,
	// and the write lock should be held as briefly as possible.
	id := db.NewID()
	plain, err := json.Marshal(in)
	if err != nil {
		return Outcome{}, fmt.Errorf("register: encode: %w", err)
	}
	sealed, err := s.d.Keys.Seal(plain, dataAAD(id))
	if err != nil {
		return Outcome{}, fmt.Errorf("register: seal: %w", err)
	}
	bidx := s.emailIndex(ev.Key, in.Email)
	token, hash := seal.NewToken()
	var out Outcome
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		out = Outcome{Token: token}
		st, err := s.lockEvent(ctx, tx, ev, now)
		if err != nil {
			return err
		}
		if st.closed {
			return ErrClosed
		}
		var existing string
		err = tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT id FROM event_registrations
			WHERE event_key = ? AND email_bidx = ? AND status <> 'cancelled'`), ev.Key, bidx).Scan(&existing)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET token_hash = ?, updated_at = ? WHERE id = ?`),
				hash, db.T(now), existing); err != nil {
				return fmt.Errorf("rotate token: %w", err)
			}
			reg, err := s.loadTx(ctx, tx, existing)
			if err != nil {
				return err
			}
			out.Registration, out.Existing = reg, true
		case errors.Is(err, sql.ErrNoRows):
			status := StatusConfirmed
			if ev.Capacity > 0 && st.confirmed >= ev.Capacity {
				status = StatusWaiting
			}
			var reminded any
			if ev.Reminder > 0 && !now.Before(ev.Start().Add(-ev.Reminder)) {
				// The reminder has gone out already; this person's
				// confirmation carries everything it would.
				reminded = db.T(now)
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO event_registrations
				(id, event_key, status, lang, anonymous, email_bidx, data, token_hash, created_at, updated_at, reminded_at, notified_seq)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				id, ev.Key, status, lang, ev.Anonymous, bidx, sealed, hash, db.T(now), db.T(now), reminded, st.seq); err != nil {
				return fmt.Errorf("insert registration: %w", err)
			}
			col := "confirmed"
			if status == StatusWaiting {
				col = "waiting"
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_state SET `+col+` = `+col+` + 1, updated_at = ? WHERE event_key = ?`),
				db.T(now), ev.Key); err != nil {
				return fmt.Errorf("count registration: %w", err)
			}
			out.Registration = Registration{ID: id, EventKey: ev.Key, Status: status, Lang: lang, Anonymous: ev.Anonymous, Registrant: in, CreatedAt: now}
		default:
			return fmt.Errorf("find registration: %w", err)
		}
		return s.sendConfirmation(ctx, tx, ev, out.Registration, token, st.seq, out.Existing)
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("register for %s: %w", ev.Key, err)
	}
	return out, nil
}

const regColumns = `id, event_key, status, lang, anonymous, data, created_at, checked_in_at, erased_at`

func (s *Service) scanReg(sc interface{ Scan(...any) error }) (Registration, error) {
	var r Registration
	var data []byte
	var created db.Time
	var checked, erased sql.Null[db.Time]
	if err := sc.Scan(&r.ID, &r.EventKey, &r.Status, &r.Lang, &r.Anonymous, &data, &created, &checked, &erased); err != nil {
		return r, err
	}
	r.CreatedAt = created.Time
	if checked.Valid {
		r.CheckedInAt = checked.V.Time
	}
	r.Erased = erased.Valid
	if len(data) > 0 {
		plain, err := s.d.Keys.Open(data, dataAAD(r.ID))
		if err != nil {
			return r, fmt.Errorf("open registration %s: %w", r.ID, err)
		}
		if err := json.Unmarshal(plain, &r.Registrant); err != nil {
			return r, fmt.Errorf("decode registration %s: %w", r.ID, err)
		}
	}
	return r, nil
}

func (s *Service) loadTx(ctx context.Context, tx *sql.Tx, id string) (Registration, error) {
	return s.scanReg(tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT `+regColumns+` FROM event_registrations WHERE id = ?`), id))
}

// ByToken returns the registration a personal link points to. A link of a
// cancelled registration still finds it (Status cancelled), so the page
// can say so; an erased one is not found.
func (s *Service) ByToken(ctx context.Context, token string) (Registration, error) {
	if !seal.ValidToken(token) {
		return Registration{}, ErrNotFound
	}
	r, err := s.scanReg(s.d.DB.QueryRow(ctx, `SELECT `+regColumns+` FROM event_registrations WHERE token_hash = ?`, seal.HashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("registration by token: %w", err)
	}
	return r, nil
}

// Update changes a registration's name, language and answers (not its
// email: that is its identity; cancel and register again to change it).
// Once the event is over it returns ErrEventOver and changes nothing.
func (s *Service) Update(ctx context.Context, token, lang string, in Registrant) (Registration, error) {
	cur, err := s.ByToken(ctx, token)
	if err != nil {
		return cur, err
	}
	if cur.Status == StatusCancelled {
		return cur, ErrAlreadyCancelled
	}
	if ev, found := s.EventByKey(cur.EventKey, cur.Lang); found && eventOver(ev, s.now()) {
		return cur, ErrEventOver
	}
	in.Email = cur.Registrant.Email
	plain, err := json.Marshal(in)
	if err != nil {
		return cur, fmt.Errorf("update: encode: %w", err)
	}
	sealed, err := s.d.Keys.Seal(plain, dataAAD(cur.ID))
	if err != nil {
		return cur, fmt.Errorf("update: seal: %w", err)
	}
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET data = ?, lang = ?, updated_at = ?
			WHERE id = ? AND token_hash = ? AND status <> 'cancelled' AND erased_at IS NULL`),
			sealed, lang, db.T(s.now()), cur.ID, seal.HashToken(token))
		if err != nil {
			return fmt.Errorf("update registration: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return cur, err
	}
	cur.Lang, cur.Registrant = lang, in
	return cur, nil
}

// Cancel cancels the registration behind token. A confirmed seat goes to
// the first person waiting, who is told by email. The cancelled row keeps
// only what the counts need: its personal data is erased at once. Once the
// event is over it returns ErrEventOver and changes nothing.
func (s *Service) Cancel(ctx context.Context, token string) (Registration, error) {
	cur, err := s.ByToken(ctx, token)
	if err != nil {
		return cur, err
	}
	if cur.Status == StatusCancelled {
		return cur, ErrAlreadyCancelled
	}
	ev, found := s.EventByKey(cur.EventKey, cur.Lang)
	now := s.now()
	if found && eventOver(ev, now) {
		return cur, ErrEventOver
	}
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		var st state
		if found {
			if st, err = s.lockEvent(ctx, tx, ev, now); err != nil {
				return err
			}
		}
		var status string
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT status FROM event_registrations WHERE id = ?`), cur.ID).Scan(&status)
		if err != nil {
			return fmt.Errorf("cancel: %w", err)
		}
		if status == StatusCancelled {
			return ErrAlreadyCancelled
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET status = 'cancelled', cancelled_at = ?, updated_at = ?,
			data = NULL, email_bidx = NULL WHERE id = ?`), db.T(now), db.T(now), cur.ID); err != nil {
			return fmt.Errorf("cancel: %w", err)
		}
		col := "confirmed"
		if status == StatusWaiting {
			col = "waiting"
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_state SET `+col+` = `+col+` - 1, updated_at = ? WHERE event_key = ?`),
			db.T(now), cur.EventKey); err != nil {
			return fmt.Errorf("cancel: count: %w", err)
		}
		if found && status == StatusConfirmed {
			st.confirmed--
			return s.promote(ctx, tx, ev, st, now)
		}
		return nil
	})
	if err != nil {
		return cur, err
	}
	cur.Status = StatusCancelled
	return cur, nil
}

// promote moves people from the waitlist to free seats, first come first
// served, until the event is full, and emails each. Nobody is promoted once
// the event has started: a seat freed then helps no one.
func (s *Service) promote(ctx context.Context, tx *sql.Tx, ev Event, st state, now time.Time) error {
	if !now.Before(ev.Start()) {
		return nil
	}
	for st.wait > 0 && (ev.Capacity == 0 || st.confirmed < ev.Capacity) {
		var id string
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT id FROM event_registrations WHERE event_key = ? AND status = 'waiting'
			ORDER BY created_at, id LIMIT 1`), ev.Key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		token, hash := seal.NewToken()
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET status = 'confirmed', promoted_at = ?, updated_at = ?, token_hash = ? WHERE id = ?`),
			db.T(now), db.T(now), hash, id); err != nil {
			return fmt.Errorf("promote: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_state SET confirmed = confirmed + 1, waiting = waiting - 1, updated_at = ? WHERE event_key = ?`),
			db.T(now), ev.Key); err != nil {
			return fmt.Errorf("promote: count: %w", err)
		}
		st.confirmed++
		st.wait--
		reg, err := s.loadTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.sendPromoted(ctx, tx, ev, reg, token, st.seq); err != nil {
			return err
		}
	}
	return nil
}

// Counts returns the event's live numbers (zero before anyone registered).
func (s *Service) Counts(ctx context.Context, key string) (Counts, error) {
	var c Counts
	err := s.d.DB.QueryRow(ctx, `SELECT confirmed, waiting, closed, sequence FROM event_state WHERE event_key = ?`, key).
		Scan(&c.Confirmed, &c.Waiting, &c.Closed, &c.Sequence)
	if errors.Is(err, sql.ErrNoRows) {
		return Counts{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("counts of %s: %w", key, err)
	}
	return c, nil
}

// closedEarly reports whether an organiser has closed registration for the
// event with key (SetClosed); false when nobody has touched it yet. It is
// the one stored fact the cached public event page depends on.
func (s *Service) closedEarly(ctx context.Context, key string) (bool, error) {
	var closed bool
	err := s.d.DB.QueryRow(ctx, `SELECT closed FROM event_state WHERE event_key = ?`, key).Scan(&closed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("closed flag of %s: %w", key, err)
	}
	return closed, nil
}

// Sync brings every event's stored times up to date
// with the site — bumping the calendar SEQUENCE and telling registrants when
// a date moved — and schedules reminders, erasure and promotions (a raised
// capacity frees seats). Call it at start and after every site reload.
func (s *Service) Sync(ctx context.Context) error {
	now := s.now()
	evs := s.AllEvents()
	// In key order, so that two processes syncing at once (several
	// instances on one PostgreSQL) lock event rows in the same order and
	// cannot deadlock.
	slices.SortFunc(evs, func(a, b Event) int { return strings.Compare(a.Key, b.Key) })
	syncOne := func(tx *sql.Tx, ev Event) error {
		st, err := s.lockEvent(ctx, tx, ev, now)
		if err != nil {
			return err
		}
		return s.promote(ctx, tx, ev, st, now)
	}
	var errs []error
	for len(evs) > 0 {
		// syncBatch events per transaction: one commit (a disk flush) per
		// event made start-up with a 5,000-page site take 0.3 s of CPU and
		// more of waiting (issue 8). A batch that fails is redone event by
		// event, so one broken event holds back no other.
		batch := evs[:min(syncBatch, len(evs))]
		evs = evs[len(batch):]
		err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, ev := range batch {
				if err := syncOne(tx, ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			continue
		}
		for _, ev := range batch {
			if err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error { return syncOne(tx, ev) }); err != nil {
				errs = append(errs, fmt.Errorf("sync event %s: %w", ev.Key, err))
			}
		}
	}
	return errors.Join(errs...)
}

// syncBatch is how many events Sync brings up to date per transaction.
const syncBatch = 100

// Orphans lists event keys that have live registrations but no page on the
// current site any more (`unionhall check` warns about them).
func (s *Service) Orphans(ctx context.Context) ([]string, error) {
	return Orphans(ctx, s.d.DB, s.d.Site())
}

// Orphans lists the keys of events that still hold registrations but have
// no page in site any more. `unionhall check` calls it with only a database
// and a loaded site, no running service.
func Orphans(ctx context.Context, d *db.DB, site *content.Site) ([]string, error) {
	s := &Service{d: Deps{DB: d, Site: func() *content.Site { return site }}}
	rows, err := d.Query(ctx, `SELECT event_key FROM event_state WHERE confirmed + waiting > 0 AND erased_at IS NULL ORDER BY event_key`)
	if err != nil {
		return nil, fmt.Errorf("orphans: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		if _, ok := s.EventByKey(k, ""); !ok {
			out = append(out, k)
		}
	}
	return out, rows.Err()
}

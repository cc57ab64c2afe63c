package petitions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/mail"
	"unionhall/internal/seal"
)

// Errors the service returns; handlers and the console turn them into
// messages.
var (
	ErrNotFound = errors.New("petitions: no such petition")
	ErrClosed   = errors.New("petitions: the petition is closed")
	ErrNoToken  = errors.New("petitions: the confirmation link is not valid (any more)")
	ErrErased   = errors.New("petitions: the signers' personal data has been erased")
	ErrNotEarly = errors.New("petitions: the petition was not closed early")
)

func dataAAD(id string) []byte { return seal.AAD("petition_signatures", "data", id) }

const emailPurpose = "petitions.email"

// emailKey is what the blind index is computed over: scoped to one
// petition, so the same person's signatures of two petitions cannot be
// linked by it.
func emailKey(id, email string) string { return id + "\x00" + seal.NormaliseEmail(email) }

// stored is a petition_state row with the summed counts.
type stored struct {
	confirmed, pending int
	closedEarly        sql.Null[db.Time]
	closedBy           string
	eraseAt, erasedAt  sql.Null[db.Time]
}

func (st stored) apply(p *Petition) {
	p.Confirmed, p.Pending, p.ClosedBy = st.confirmed, st.pending, st.closedBy
	if st.closedEarly.Valid {
		p.ClosedEarly = st.closedEarly.V.Time
	}
	if st.eraseAt.Valid {
		p.EraseAt = st.eraseAt.V.Time
	}
	if st.erasedAt.Valid {
		p.ErasedAt = st.erasedAt.V.Time
	}
}

const stateCols = `closed_early_at, closed_by, erase_at, erased_at`

func scanState(row interface{ Scan(...any) error }) (stored, error) {
	var st stored
	err := row.Scan(&st.closedEarly, &st.closedBy, &st.eraseAt, &st.erasedAt)
	return st, err
}

// countShards is how many rows a petition's counters are spread over
// (migration 00090 says why).
const countShards = 16

// shard picks the counter row a transaction writes: the same one for every
// item of a batch (they share tx), a different one for each of the
// batcher's parallel PostgreSQL transactions as far as their addresses
// differ. One row per transaction, always taken in the same order (counts,
// then days), means two transactions can wait for each other but never
// deadlock; random shards per item did, under a thousand signers at once.
func shard(tx *sql.Tx) int {
	p := reflect.ValueOf(tx).Pointer()
	return int((p >> 6) % countShards)
}

// ensureState creates the petition's state row on first use, in its own
// transaction, once per process and petition: the signatures' foreign key
// needs it, and the hot path should not pay a statement for it.
func (s *Service) ensureState(ctx context.Context, id string) error {
	if _, ok := s.known.Load(id); ok {
		return nil
	}
	now := s.now()
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return s.ensureStateTx(ctx, tx, id, now)
	})
	if err == nil {
		s.known.Store(id, true)
	}
	return err
}

func (s *Service) ensureStateTx(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO petition_state (petition_id, created_at, updated_at)
		VALUES (?, ?, ?) ON CONFLICT (petition_id) DO NOTHING`), id, db.T(now), db.T(now))
	if err != nil {
		return fmt.Errorf("create petition state: %w", err)
	}
	return nil
}

// addCounts adds to one shard of a petition's counters.
func (s *Service) addCounts(ctx context.Context, tx *sql.Tx, id string, confirmed, pending int) error {
	_, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO petition_counts (petition_id, shard, confirmed, pending) VALUES (?, ?, ?, ?)
		ON CONFLICT (petition_id, shard) DO UPDATE SET confirmed = petition_counts.confirmed + excluded.confirmed,
		pending = petition_counts.pending + excluded.pending`), id, shard(tx), confirmed, pending)
	if err != nil {
		return fmt.Errorf("count signature: %w", err)
	}
	return nil
}

// load adds the stored state to a declared petition.
func (s *Service) load(ctx context.Context, p Petition) (Petition, error) {
	st, err := scanState(s.d.DB.QueryRow(ctx, `SELECT `+stateCols+` FROM petition_state WHERE petition_id = ?`, p.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("petition state: %w", err)
	}
	if err := s.d.DB.QueryRow(ctx, `SELECT COALESCE(SUM(confirmed), 0), COALESCE(SUM(pending), 0) FROM petition_counts WHERE petition_id = ?`, p.ID).
		Scan(&st.confirmed, &st.pending); err != nil {
		return p, fmt.Errorf("petition counts: %w", err)
	}
	st.apply(&p)
	return p, nil
}

// Petitions lists every petition declared in the current site (in its
// default language), with stored state, by title.
func (s *Service) Petitions(ctx context.Context) ([]Petition, error) {
	cs := s.d.Site()
	if cs == nil {
		return nil, nil
	}
	var out []Petition
	for id := range s.pages() {
		p, _ := s.declared(id, cs.DefaultLang)
		p, err := s.load(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Title != out[j].Title {
			return out[i].Title < out[j].Title
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Get returns one petition (in the site's default language) with its
// stored state; ErrNotFound when no page declares id.
func (s *Service) Get(ctx context.Context, id string) (Petition, error) {
	lang := ""
	if cs := s.d.Site(); cs != nil {
		lang = cs.DefaultLang
	}
	return s.GetIn(ctx, id, lang)
}

// GetIn is Get with the page in lang when it has one.
func (s *Service) GetIn(ctx context.Context, id, lang string) (Petition, error) {
	p, ok := s.declared(id, lang)
	if !ok {
		return Petition{}, ErrNotFound
	}
	return s.load(ctx, p)
}

// Signers lists a petition's signatures with their personal data opened,
// confirmed first, oldest first. Erased ones carry no personal data.
func (s *Service) Signers(ctx context.Context, id string) ([]Signature, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT id, status, lang, member, show_name, news, data, created_at, confirmed_at, erased_at
		FROM petition_signatures WHERE petition_id = ? ORDER BY status, confirmed_at, created_at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("petition signers: %w", err)
	}
	defer rows.Close()
	var out []Signature
	for rows.Next() {
		var g Signature
		var data []byte
		var created db.Time
		var confirmed, erased sql.Null[db.Time]
		if err := rows.Scan(&g.ID, &g.Status, &g.Lang, &g.Member, &g.ShowName, &g.News, &data, &created, &confirmed, &erased); err != nil {
			return nil, fmt.Errorf("petition signers: %w", err)
		}
		g.PetitionID, g.CreatedAt = id, created.Time
		if confirmed.Valid {
			g.ConfirmedAt = confirmed.V.Time
		}
		g.Erased = erased.Valid
		if data != nil {
			if err := s.d.Keys.OpenJSON(data, dataAAD(g.ID), &g.Signer); err != nil {
				return nil, fmt.Errorf("open signature %s: %w", g.ID, err)
			}
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("petition signers: %w", err)
	}
	// Confirmed before pending, whatever the collation says.
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Status == StatusConfirmed && out[j].Status != StatusConfirmed
	})
	return out, nil
}

// CountsPerDay lists confirmed signatures per day (site time zone), oldest
// day first. The numbers survive erasure.
func (s *Service) CountsPerDay(ctx context.Context, id string) ([]DayCount, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT day, SUM(confirmed) FROM petition_days WHERE petition_id = ? GROUP BY day ORDER BY day`, id)
	if err != nil {
		return nil, fmt.Errorf("petition days: %w", err)
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var d DayCount
		if err := rows.Scan(&d.Day, &d.Confirmed); err != nil {
			return nil, fmt.Errorf("petition days: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Service) audit(ctx context.Context, tx *sql.Tx, actor *auth.Account, action, id, detail string) error {
	if actor == nil {
		return fmt.Errorf("petitions: %s without an actor", action)
	}
	return auth.Audit(ctx, s.d.DB, tx, auth.Entry{At: s.now(), ActorID: actor.ID, Action: action,
		SubjectType: "petition", SubjectID: id, Detail: detail})
}

// CloseEarly stops signing now (audited). Closing twice keeps the first
// time. The erasure of signers' data is scheduled from the closing time.
func (s *Service) CloseEarly(ctx context.Context, actor *auth.Account, id string) error {
	p, ok := s.declared(id, "")
	if !ok {
		return ErrNotFound
	}
	now := s.now()
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.ensureStateTx(ctx, tx, id, now); err != nil {
			return err
		}
		closedAt := now
		if !p.Closes.IsZero() && p.Closes.Before(now) {
			closedAt = p.Closes
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_state SET closed_early_at = ?, closed_by = ?,
			erase_at = ?, updated_at = ? WHERE petition_id = ? AND closed_early_at IS NULL`),
			db.T(now), actor.ID, db.T(closedAt.Add(s.eraseAfter(p))), db.T(now), id); err != nil {
			return fmt.Errorf("close petition: %w", err)
		}
		return s.audit(ctx, tx, actor, "petition.close", id, "")
	})
	s.counts.forget(id)
	return err
}

// Reopen undoes an early close (audited); ErrNotEarly when it was not
// closed early, ErrErased once the signers' data is gone (a reopened
// petition would mix erased and live signatures).
func (s *Service) Reopen(ctx context.Context, actor *auth.Account, id string) error {
	if _, ok := s.declared(id, ""); !ok {
		return ErrNotFound
	}
	now := s.now()
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		st, err := scanState(tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT `+stateCols+` FROM petition_state WHERE petition_id = ?`), id))
		if errors.Is(err, sql.ErrNoRows) || err == nil && !st.closedEarly.Valid {
			return ErrNotEarly
		}
		if err != nil {
			return fmt.Errorf("reopen petition: %w", err)
		}
		if st.erasedAt.Valid {
			return ErrErased
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_state SET closed_early_at = NULL, closed_by = '',
			erase_at = NULL, updated_at = ? WHERE petition_id = ?`), db.T(now), id); err != nil {
			return fmt.Errorf("reopen petition: %w", err)
		}
		return s.audit(ctx, tx, actor, "petition.reopen", id, "")
	})
	s.counts.forget(id)
	return err
}

// Message queues subject and body (plain text) to every confirmed signer
// through the outbox, each framed in the language they signed in (audited
// with the number sent). It returns how many were queued.
func (s *Service) Message(ctx context.Context, actor *auth.Account, id, subject, body string) (int, error) {
	if _, ok := s.declared(id, ""); !ok {
		return 0, ErrNotFound
	}
	subject, body = strings.TrimSpace(subject), strings.TrimSpace(body)
	if subject == "" || body == "" || len(subject) > mail.MaxSubject || strings.ContainsAny(subject, "\r\n") || len(body) > 100_000 {
		return 0, fmt.Errorf("petitions: message needs a one-line subject and a body under 100 KB")
	}
	sigs, err := s.Signers(ctx, id)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, g := range sigs {
			if g.Status != StatusConfirmed || g.Erased || g.Signer.Email == "" {
				continue
			}
			p, _ := s.declared(id, g.Lang)
			m := mail.Message{To: g.Signer.Email, Subject: subject,
				Text: T(g.Lang, "mail.message_text", "name", g.Signer.Name, "title", p.Title, "body", body)}
			if err := s.d.Outbox.Enqueue(ctx, tx, m); err != nil {
				return err
			}
			n++
		}
		return s.audit(ctx, tx, actor, "petition.message", id, fmt.Sprintf("%d recipients: %s", n, subject))
	})
	return n, err
}

// EraseDue erases the personal data of every petition whose erasure time
// has come (eraseAfterDays after it closed): sealed data, email indexes and
// tokens go, pending signatures are deleted; counts and per-day numbers
// stay. It returns the number of petitions erased. The hourly sweep calls
// it (RunErasure).
func (s *Service) EraseDue(ctx context.Context) (int, error) {
	now := s.now()
	// A petition that closed by its date has no erase_at yet: set it from
	// the declaration, so the sweep needs no job per petition.
	for id := range s.pages() {
		p, _ := s.declared(id, "")
		if p.Closes.IsZero() || now.Before(p.Closes) {
			continue
		}
		err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			if err := s.ensureStateTx(ctx, tx, id, now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_state SET erase_at = ?, updated_at = ?
				WHERE petition_id = ? AND erase_at IS NULL AND closed_early_at IS NULL AND erased_at IS NULL`),
				db.T(p.Closes.Add(s.eraseAfter(p))), db.T(now), id)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("schedule petition erasure: %w", err)
		}
	}
	rows, err := s.d.DB.Query(ctx, `SELECT petition_id FROM petition_state WHERE erase_at <= ? AND erased_at IS NULL`, db.T(now))
	if err != nil {
		return 0, fmt.Errorf("petitions due for erasure: %w", err)
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range due {
		err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`DELETE FROM petition_signatures WHERE petition_id = ? AND status = ?`), id, StatusPending); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_signatures SET data = NULL, email_bidx = NULL, token_hash = NULL,
				show_name = ?, news = ?, erased_at = ? WHERE petition_id = ? AND erased_at IS NULL`), false, false, db.T(now), id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_counts SET pending = 0 WHERE petition_id = ?`), id); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE petition_state SET erased_at = ?, updated_at = ? WHERE petition_id = ?`),
				db.T(now), db.T(now), id)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("erase petition %s: %w", id, err)
		}
		s.log.Info("petition signers erased", "petition", id)
		s.counts.forget(id)
		s.names.forget(id)
	}
	return len(due), nil
}

// RunErasure calls EraseDue at start and every interval until ctx ends.
func (s *Service) RunErasure(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.EraseDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("petitions: erasure", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

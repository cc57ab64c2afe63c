package surveys

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/seal"
)

// Errors of answering.
var (
	ErrClosed          = errors.New("surveys: closed")
	ErrAlreadyAnswered = errors.New("surveys: already answered")
	ErrNotMember       = errors.New("surveys: not a current member")
	ErrSignIn          = errors.New("surveys: members only, sign in")
	ErrNotFound        = errors.New("surveys: no such survey")
)

// Answers are one person's answers by question id: the chosen option ids
// (single: one, multiple: any), the scale's value, or the text (one
// element). A question left unanswered is absent.
type Answers map[string][]string

// Respondent is who answers. MemberID is set for a member-only survey
// (from the portal session, never from the form); Name and Email only on
// a named public survey (both optional); Lang is the page's language.
type Respondent struct {
	MemberID, Name, Email, Lang string
}

// record is what is sealed for one answer. An anonymous survey's record
// holds the answers only: no member, no language, no time.
type record struct {
	A      Answers   `json:"a"`
	Member string    `json:"m,omitempty"`
	Name   string    `json:"n,omitempty"`
	Email  string    `json:"e,omitempty"`
	Lang   string    `json:"l,omitempty"`
	At     time.Time `json:"t,omitzero"`
}

// State is a survey's stored state.
type State struct {
	// ClosedAt is when it closed (zero: open, or past its time but not
	// yet closed by Tick); ClosedBy the account of an early close.
	ClosedAt time.Time
	ClosedBy string
	Scrubbed bool
	Answers  int
}

// Open says whether sv takes answers at now.
func (s *Service) Open(ctx context.Context, sv *Survey) (bool, error) {
	st, err := s.State(ctx, sv.ID)
	if err != nil {
		return false, err
	}
	return st.ClosedAt.IsZero() && !sv.pastClose(s.now()), nil
}

// State reads a survey's state and its number of answers.
func (s *Service) State(ctx context.Context, id string) (State, error) {
	var st State
	var closed sql.Null[db.Time]
	err := s.d.DB.QueryRow(ctx, `SELECT closed_at, closed_by, scrubbed FROM survey_state WHERE id = ?`, id).Scan(&closed, &st.ClosedBy, &st.Scrubbed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("surveys: state %s: %w", id, err)
	}
	if closed.Valid {
		st.ClosedAt = closed.V.Time
	}
	if err := s.d.DB.QueryRow(ctx, `SELECT COUNT(*) FROM survey_answers WHERE survey_id = ?`, id).Scan(&st.Answers); err != nil {
		return st, fmt.Errorf("surveys: count %s: %w", id, err)
	}
	return st, nil
}

// Answered is the day a member answered a member-only survey ("" not yet).
func (s *Service) Answered(ctx context.Context, id, memberID string) (string, error) {
	var day string
	err := s.d.DB.QueryRow(ctx, `SELECT answered_on FROM survey_takers WHERE survey_id = ? AND member_id = ?`, id, memberID).Scan(&day)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("surveys: answered: %w", err)
	}
	return day, nil
}

// Submit stores one person's answers, already checked (Check), and
// returns after the transaction holding them committed (group commit,
// db.Batcher). A member-only survey takes one answer per current member:
// the insert into survey_takers is the guard, so two submissions at once
// give one answer and ErrAlreadyAnswered.
func (s *Service) Submit(ctx context.Context, sv *Survey, who Respondent, a Answers) error {
	if sv.Members() && who.MemberID == "" {
		return ErrSignIn
	}
	if sv.pastClose(s.now()) {
		return ErrClosed
	}
	// The state row exists before any answer, so the close and a
	// submission meet on it (FOR SHARE below, FOR UPDATE in the close).
	// Once per survey and process: a write of its own per answer would
	// cost each answer a commit outside the group commit.
	if err := s.ensureState(ctx, sv.ID); err != nil {
		return err
	}
	rec := record{A: a}
	if !sv.Anonymous() {
		rec.Member, rec.Name, rec.Email, rec.Lang, rec.At = who.MemberID, who.Name, who.Email, who.Lang, s.now().UTC()
	}
	item := func(tx *sql.Tx) error { return s.submitTx(context.WithoutCancel(ctx), tx, sv, who.MemberID, rec) }
	return s.batch.Do(ctx, item)
}

func (s *Service) submitTx(ctx context.Context, tx *sql.Tx, sv *Survey, memberID string, rec record) error {
	q := `SELECT closed_at IS NOT NULL FROM survey_state WHERE id = ?`
	if s.d.DB.Dialect() == db.Postgres {
		q += ` FOR SHARE`
	}
	var closed bool
	if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(q), sv.ID).Scan(&closed); err != nil {
		return fmt.Errorf("surveys: submit: %w", err)
	}
	if closed {
		return ErrClosed
	}
	if err := s.secureDelete(ctx, tx); err != nil {
		return err
	}
	if sv.Members() {
		var one int
		err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT 1 FROM members WHERE id = ? AND left_at IS NULL AND erased = ?`), memberID, false).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotMember
		}
		if err != nil {
			return fmt.Errorf("surveys: submit: member: %w", err)
		}
		day := s.now().In(s.loc()).Format(time.DateOnly)
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO survey_takers (survey_id, member_id, answered_on) VALUES (?, ?, ?) ON CONFLICT (survey_id, member_id) DO NOTHING`), sv.ID, memberID, day)
		if err != nil {
			return fmt.Errorf("surveys: submit: takers: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrAlreadyAnswered
		}
	}
	return s.insertAnswer(ctx, tx, sv.ID, rec)
}

// insertAnswer seals rec under a fresh random id and stores it.
func (s *Service) insertAnswer(ctx context.Context, tx *sql.Tx, surveyID string, rec record) error {
	id := surveyID + "/" + newSlot()
	sealed, err := s.d.Keys.SealJSON(rec, aadAnswer(id))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO survey_answers (id, survey_id, sealed) VALUES (?, ?, ?)`), id, surveyID, sealed); err != nil {
		return fmt.Errorf("surveys: store answer: %w", err)
	}
	return nil
}

func aadAnswer(id string) []byte { return seal.AAD("survey_answers", "sealed", id) }

// newSlot is 16 random bytes in hex: an answer's place, which says
// nothing of when it came.
func newSlot() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// records reads and opens every answer of a survey, in id order (random).
func (s *Service) records(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id string) ([]string, []record, error) {
	rows, err := q.QueryContext(ctx, s.d.DB.Rebind(`SELECT id, sealed FROM survey_answers WHERE survey_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, nil, fmt.Errorf("surveys: read answers: %w", err)
	}
	defer rows.Close()
	var ids []string
	var out []record
	for rows.Next() {
		var aid string
		var sealed []byte
		if err := rows.Scan(&aid, &sealed); err != nil {
			return nil, nil, fmt.Errorf("surveys: read answers: %w", err)
		}
		var r record
		if err := s.d.Keys.OpenJSON(sealed, aadAnswer(aid), &r); err != nil {
			return nil, nil, fmt.Errorf("surveys: open answer: %w", err)
		}
		ids = append(ids, aid)
		out = append(out, r)
	}
	return ids, out, rows.Err()
}

// Tick closes the surveys whose time has passed (by the injected clock):
// the close's rewrite runs once per survey. Errors are joined.
func (s *Service) Tick(ctx context.Context) error {
	var errs []error
	now := s.now()
	for _, sv := range s.List() {
		if !sv.pastClose(now) {
			continue
		}
		st, err := s.State(ctx, sv.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if st.Scrubbed {
			continue
		}
		if err := s.close(ctx, sv, ""); err != nil {
			s.log.Error("surveys: close failed", "survey", sv.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CloseEarly closes an open survey now, for an organiser (audited).
func (s *Service) CloseEarly(ctx context.Context, sv *Survey, actor string) error {
	if actor == "" {
		return errors.New("surveys: close early: no actor")
	}
	return s.close(ctx, sv, actor)
}

// close ends a survey in one transaction: the state row marks it closed
// (so no submission commits after), every answer is read, deleted and
// written again sealed under a fresh random id, in id order, and the
// takers are deleted and written again in member order. Every row then
// carries this transaction's id (PostgreSQL xmin) and a new place in
// storage; neither tells when anyone answered or who answered in the
// transaction that stored some answer. scrub then removes what the engine
// keeps of the old rows.
func (s *Service) close(ctx context.Context, sv *Survey, actor string) error {
	done := false
	if err := s.ensureState(ctx, sv.ID); err != nil {
		return err
	}
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		done = false
		if err := s.d.DB.LockKey(ctx, tx, "surveys.state", []byte(sv.ID)); err != nil {
			return err
		}
		q := `SELECT closed_at IS NOT NULL, scrubbed FROM survey_state WHERE id = ?`
		if s.d.DB.Dialect() == db.Postgres {
			q += ` FOR UPDATE`
		}
		var closed, scrubbed bool
		if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(q), sv.ID).Scan(&closed, &scrubbed); err != nil {
			return fmt.Errorf("surveys: close: %w", err)
		}
		if scrubbed {
			if actor != "" {
				return ErrClosed
			}
			return nil
		}
		if err := s.secureDelete(ctx, tx); err != nil {
			return err
		}
		_, recs, err := s.records(ctx, tx, sv.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`DELETE FROM survey_answers WHERE survey_id = ?`), sv.ID); err != nil {
			return fmt.Errorf("surveys: close: delete answers: %w", err)
		}
		// Fresh ids, inserted in their sorted order: the stored order is
		// the ids' and the ids are new, so neither says anything of the
		// order of answering.
		type fresh struct {
			id  string
			rec record
		}
		fs := make([]fresh, len(recs))
		for i, r := range recs {
			fs[i] = fresh{sv.ID + "/" + newSlot(), r}
		}
		slices.SortFunc(fs, func(a, b fresh) int { return strings.Compare(a.id, b.id) })
		for _, f := range fs {
			sealed, err := s.d.Keys.SealJSON(f.rec, aadAnswer(f.id))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO survey_answers (id, survey_id, sealed) VALUES (?, ?, ?)`), f.id, sv.ID, sealed); err != nil {
				return fmt.Errorf("surveys: close: rewrite answers: %w", err)
			}
		}
		if err := s.rewriteTakers(ctx, tx, sv.ID); err != nil {
			return err
		}
		now := db.T(s.now())
		if sv.pastClose(s.now()) && actor == "" {
			now = db.T(sv.Closes)
		}
		if closed {
			_, err = tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE survey_state SET scrubbed = ? WHERE id = ?`), true, sv.ID)
		} else {
			_, err = tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE survey_state SET closed_at = ?, closed_by = ?, scrubbed = ? WHERE id = ?`), now, actor, true, sv.ID)
		}
		if err != nil {
			return fmt.Errorf("surveys: close: %w", err)
		}
		done = true
		who, detail := actor, fmt.Sprintf("%d answers", len(recs))
		if who == "" {
			who, detail = SystemActor, detail+", at its closing time"
		} else {
			detail += ", closed early"
		}
		return auth.Audit(ctx, s.d.DB, tx, auth.Entry{At: s.now(), ActorID: who, Action: "survey.close", SubjectType: "survey", SubjectID: sv.ID, Detail: detail})
	})
	if err == nil && done {
		s.scrub(ctx)
	}
	return err
}

// SystemActor is the audit trail's actor of what the clock does.
const SystemActor = "system"

// rewriteTakers deletes and re-inserts a survey's takers with the same
// values, in member order.
func (s *Service) rewriteTakers(ctx context.Context, tx *sql.Tx, id string) error {
	rows, err := tx.QueryContext(ctx, s.d.DB.Rebind(`SELECT member_id, answered_on FROM survey_takers WHERE survey_id = ? ORDER BY member_id`), id)
	if err != nil {
		return fmt.Errorf("surveys: read takers: %w", err)
	}
	var takers [][2]string
	for rows.Next() {
		var t [2]string
		if err := rows.Scan(&t[0], &t[1]); err != nil {
			rows.Close()
			return fmt.Errorf("surveys: read takers: %w", err)
		}
		takers = append(takers, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`DELETE FROM survey_takers WHERE survey_id = ?`), id); err != nil {
		return fmt.Errorf("surveys: rewrite takers: %w", err)
	}
	for _, t := range takers {
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO survey_takers (survey_id, member_id, answered_on) VALUES (?, ?, ?)`), id, t[0], t[1]); err != nil {
			return fmt.Errorf("surveys: rewrite takers: %w", err)
		}
	}
	return nil
}

// secureDelete makes SQLite overwrite deleted content with zeros on the
// writer's connection (the one tx runs on), as votes does.
func (s *Service) secureDelete(ctx context.Context, tx *sql.Tx) error {
	if s.d.DB.Dialect() != db.SQLite {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("surveys: secure_delete: %w", err)
	}
	return nil
}

// scrub removes what the engine keeps of deleted and rewritten rows after
// a close: PostgreSQL rewrites the tables without dead tuples (VACUUM
// FULL); SQLite checkpoints the write-ahead log (pages in commit order)
// into the file and truncates it. A failure is logged: the survey is
// closed, and the next close scrubs again.
func (s *Service) scrub(ctx context.Context) {
	const hint = "surveys: scrub after close failed; answers may be linkable to who answered in the database files until it succeeds"
	if s.d.DB.Dialect() == db.Postgres {
		if _, err := s.d.DB.Exec(ctx, `VACUUM FULL survey_answers, survey_takers, survey_state`); err != nil {
			s.log.Error(hint, "err", err)
		}
		return
	}
	var busy, frames, done int
	err := s.d.DB.Writer().QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done)
	if err != nil || busy != 0 {
		s.log.Error(hint, "err", err, "busy", busy)
	}
}

// audit writes an entry of the console's trail outside a transaction.
func (s *Service) audit(r *http.Request, actor, action, id, detail string) error {
	return s.d.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		return auth.Audit(r.Context(), s.d.DB, tx, auth.Entry{At: s.now(), ActorID: actor, Action: action, SubjectType: "survey", SubjectID: id, Detail: detail})
	})
}

// ensureState makes the survey's state row exist (once per process).
func (s *Service) ensureState(ctx context.Context, id string) error {
	if _, ok := s.ensured.Load(id); ok {
		return nil
	}
	if _, err := s.d.DB.Exec(ctx, `INSERT INTO survey_state (id) VALUES (?) ON CONFLICT (id) DO NOTHING`, id); err != nil {
		return fmt.Errorf("surveys: state: %w", err)
	}
	s.ensured.Store(id, true)
	return nil
}

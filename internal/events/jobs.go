package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/jobs"
)

// Jobs carry only the event key. Each handler re-reads the current event
// and database state, so a job scheduled for an old date finds it stale and
// does nothing (a new job was scheduled when the date moved), and each
// person is emailed at most once: the row is marked in the same
// transaction that queues their email.

// runReminder emails every confirmed registrant not yet reminded.
func (s *Service) runReminder(ctx context.Context, j jobs.Job) error {
	key := string(j.Payload)
	now := s.now()
	ev, ok := s.EventByKey(key, "")
	if !ok || !ev.Internal || ev.Reminder <= 0 {
		return nil // the event is gone or no longer wants reminders
	}
	if now.Before(ev.Start().Add(-ev.Reminder).Add(-time.Minute)) || !now.Before(ev.Start()) {
		return nil // stale: the date moved (a newer job exists) or it is too late
	}
	ids, err := s.ids(ctx, `SELECT id FROM event_registrations WHERE event_key = ? AND status = 'confirmed' AND reminded_at IS NULL AND erased_at IS NULL`, key)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET reminded_at = ? WHERE id = ? AND status = 'confirmed' AND reminded_at IS NULL`), db.T(now), id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // cancelled or reminded meanwhile
			}
			reg, err := s.loadTx(ctx, tx, id)
			if err != nil {
				return err
			}
			evl, _ := s.EventByKey(key, reg.Lang)
			vars := s.mailVars(evl, reg, "", true)
			return s.d.Outbox.Enqueue(ctx, tx, s.message(evl, reg, "mail.reminder_subject", "mail.reminder_body", vars, nil))
		})
		if err != nil {
			return fmt.Errorf("remind registration %s: %w", id, err)
		}
	}
	return nil
}

// runMoved tells every live registrant that the time changed, with an
// updated calendar file (same UID, higher SEQUENCE).
func (s *Service) runMoved(ctx context.Context, j jobs.Job) error {
	key := string(j.Payload)
	if _, ok := s.EventByKey(key, ""); !ok {
		return nil
	}
	var seq int
	if err := s.d.DB.QueryRow(ctx, `SELECT sequence FROM event_state WHERE event_key = ?`, key).Scan(&seq); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return fmt.Errorf("moved: %w", err)
	}
	ids, err := s.ids(ctx, `SELECT id FROM event_registrations WHERE event_key = ? AND status <> 'cancelled' AND erased_at IS NULL AND notified_seq < ?`, key, seq)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET notified_seq = ? WHERE id = ? AND notified_seq < ? AND status <> 'cancelled'`), seq, id, seq)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil
			}
			reg, err := s.loadTx(ctx, tx, id)
			if err != nil {
				return err
			}
			evl, _ := s.EventByKey(key, reg.Lang)
			vars := s.mailVars(evl, reg, "", false)
			ics := s.eventICS(evl, reg.Lang, seq, reg.Status == StatusConfirmed)
			return s.d.Outbox.Enqueue(ctx, tx, s.message(evl, reg, "mail.moved_subject", "mail.moved_body", vars, ics))
		})
		if err != nil {
			return fmt.Errorf("tell registration %s of the move: %w", id, err)
		}
	}
	return nil
}

// runErase erases personal data of every event that ended more than
// Retention ago — not only the job's own event, so events removed from the
// site, or a missed job, are covered by the next one that runs.
func (s *Service) runErase(ctx context.Context, _ jobs.Job) error {
	_, err := s.EraseDue(ctx)
	return err
}

// EraseDue erases the personal data of registrants of events that ended
// more than Retention ago, keeping statuses and counts, and reports how many
// registrations it erased.
func (s *Service) EraseDue(ctx context.Context) (int64, error) {
	now := s.now()
	var n int64
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		n = 0
		cutoff := db.T(now.Add(-s.d.Retention))
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_registrations SET data = NULL, email_bidx = NULL, token_hash = NULL, erased_at = ?
			WHERE erased_at IS NULL AND event_key IN (SELECT event_key FROM event_state WHERE end_at <= ?)`), db.T(now), cutoff)
		if err != nil {
			return fmt.Errorf("erase registrations: %w", err)
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE event_state SET erased_at = ? WHERE erased_at IS NULL AND end_at <= ?`), db.T(now), cutoff)
		return err
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.log.Info("erased registrants' personal data after their events", "registrations", n)
	}
	return n, nil
}

func (s *Service) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.d.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list registrations: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

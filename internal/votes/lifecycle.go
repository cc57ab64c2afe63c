package votes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/votes/count"
)

// Create stores a new draft vote.
func (s *Service) Create(ctx context.Context, actor string, in Input) (id string, p Problems, err error) {
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		v, pp, err := s.build(ctx, tx, in, false)
		if err != nil || !pp.OK() {
			p = pp
			return err
		}
		p = nil
		id = db.NewID()
		now := db.T(s.now())
		args := append([]any{id}, fieldArgs(v)...)
		args = append(args, StateDraft, actor, now, now)
		if _, err := s.exec(ctx, tx, `INSERT INTO votes (id, `+formCols+`, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
			return fmt.Errorf("votes: create: %w", err)
		}
		return s.audit(ctx, tx, actor, "vote.create", id, string(v.Kind))
	})
	if err != nil || !p.OK() {
		return "", p, err
	}
	return id, nil, nil
}

// Update changes a draft or scheduled vote (ErrLocked once open). A
// scheduled vote must still open in the future.
func (s *Service) Update(ctx context.Context, actor, id string, in Input) (Problems, error) {
	var p Problems
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.getVote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := editable(cur); err != nil {
			return err
		}
		v, pp, err := s.build(ctx, tx, in, cur.State == StateScheduled)
		if err != nil || !pp.OK() {
			p = pp
			return err
		}
		args := append(fieldArgs(v), db.T(s.now()), id)
		if _, err := s.exec(ctx, tx, `UPDATE votes SET (`+formCols+`, updated_at, open_problem) =
			(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '') WHERE id = ?`, args...); err != nil {
			return fmt.Errorf("votes: update: %w", err)
		}
		return s.audit(ctx, tx, actor, "vote.edit", id, "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// editable says why a vote can no longer be edited, or nil.
func editable(v *Vote) error {
	switch v.State {
	case StateDraft, StateScheduled:
		return nil
	case StateCancelled:
		return ErrCancelled
	default:
		return ErrLocked
	}
}

// Schedule moves a draft to scheduled: Tick opens it at OpensAt. A vote
// whose opening time has passed is refused (*ProblemsError, "opens":
// "opens.past"). Scheduling a scheduled vote again does nothing.
func (s *Service) Schedule(ctx context.Context, actor, id string) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		v, err := s.getVote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if v.State == StateScheduled {
			return nil
		}
		if err := editable(v); err != nil {
			return err
		}
		// The stored vote passed build already; re-check it as a schedule.
		_, p, err := s.build(ctx, tx, inputOf(v, s.loc()), true)
		if err != nil {
			return err
		}
		if !p.OK() {
			return &ProblemsError{Problems: p}
		}
		if _, err := s.exec(ctx, tx, `UPDATE votes SET state = ?, updated_at = ? WHERE id = ?`, StateScheduled, db.T(s.now()), id); err != nil {
			return fmt.Errorf("votes: schedule: %w", err)
		}
		return s.audit(ctx, tx, actor, "vote.schedule", id, "opens "+v.OpensAt.UTC().Format(time.RFC3339))
	})
}

// Unschedule moves a scheduled vote back to draft (it will not open).
func (s *Service) Unschedule(ctx context.Context, actor, id string) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		v, err := s.getVote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if v.State == StateDraft {
			return nil
		}
		if err := editable(v); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE votes SET state = ?, open_problem = '', updated_at = ? WHERE id = ?`, StateDraft, db.T(s.now()), id); err != nil {
			return fmt.Errorf("votes: unschedule: %w", err)
		}
		return s.audit(ctx, tx, actor, "vote.unschedule", id, "")
	})
}

// Cancel cancels a draft, scheduled or open vote with a reason voters see
// (*ProblemsError "reason" when empty or refused). An open vote's ballots
// are deleted unread and the roll rewritten, as at a close; its roll stays,
// so members who were on it see the reason.
func (s *Service) Cancel(ctx context.Context, actor, id, reason string) error {
	reason = strings.TrimSpace(reason)
	p := Problems{}
	if reason == "" {
		p["reason"] = "reason.required"
	} else {
		checkText(p, "reason", reason, MaxReason)
	}
	if !p.OK() {
		return &ProblemsError{Problems: p}
	}
	wasOpen := false
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.d.DB.LockKey(ctx, tx, "votes.state", []byte(id)); err != nil {
			return err
		}
		v, err := s.getVote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		switch v.State {
		case StateCancelled:
			return ErrCancelled
		case StateClosed:
			return ErrClosed
		}
		wasOpen = v.State == StateOpen
		detail := "before opening"
		if wasOpen {
			if err := s.secureDelete(ctx, tx); err != nil {
				return err
			}
			res, err := s.exec(ctx, tx, `DELETE FROM vote_ballots WHERE vote_id = ?`, id)
			if err != nil {
				return fmt.Errorf("votes: cancel: delete ballots: %w", err)
			}
			n, _ := res.RowsAffected()
			if err := s.rewriteRoll(ctx, tx, id); err != nil {
				return err
			}
			detail = fmt.Sprintf("while open, %d ballots deleted unread", n)
		}
		if _, err := s.exec(ctx, tx, `UPDATE votes SET state = ?, cancel_reason = ?, updated_at = ?, closed_at = ? WHERE id = ?`,
			StateCancelled, reason, db.T(s.now()), db.T(s.now()), id); err != nil {
			return fmt.Errorf("votes: cancel: %w", err)
		}
		return s.audit(ctx, tx, actor, "vote.cancel", id, detail+"; reason: "+reason)
	})
	if err == nil && wasOpen {
		s.openVotes.Delete(id)
		s.scrub(ctx)
	}
	return err
}

// Get returns a vote (ErrNotFound).
func (s *Service) Get(ctx context.Context, id string) (*Vote, error) {
	return s.getVote(ctx, s.d.DB.Reader(), id, false)
}

// List returns every vote, the latest opening first.
func (s *Service) List(ctx context.Context) ([]Vote, error) {
	return s.listVotes(ctx, `ORDER BY v.opens_at DESC, v.id`)
}

// Tick opens the scheduled votes whose time has come and closes the open
// votes whose time has passed, by the injected clock. Each vote changes in
// its own transaction under an advisory lock (PostgreSQL), and the state is
// re-read under it, so two servers ticking at once open and close each
// vote once. One vote's failure is logged and does not stop the others; the
// errors are returned joined.
func (s *Service) Tick(ctx context.Context) error {
	now := db.T(s.now())
	var errs []error
	due, err := s.dueIDs(ctx, `state = 'scheduled' AND opens_at <= ? AND closes_at > ?`, now, now)
	if err != nil {
		return err
	}
	for _, id := range due {
		if err := s.open(ctx, id); err != nil {
			s.log.Error("votes: open failed", "vote", id, "err", err)
			errs = append(errs, err)
		}
	}
	// A scheduled vote whose closing time passed before it could open
	// (too few eligible members all along, or the server was down) never
	// opens; the console shows why.
	if _, err := s.d.DB.Exec(ctx, `UPDATE votes SET open_problem = 'closes.passed' WHERE state = 'scheduled' AND closes_at <= ? AND open_problem <> 'closes.passed'`, now); err != nil {
		errs = append(errs, fmt.Errorf("votes: mark missed: %w", err))
	}
	due, err = s.dueIDs(ctx, `state = 'open' AND closes_at <= ?`, now)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, id := range due {
		if err := s.close(ctx, id); err != nil {
			s.log.Error("votes: close failed", "vote", id, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) dueIDs(ctx context.Context, where string, args ...any) ([]string, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT id FROM votes WHERE `+where+` ORDER BY opens_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("votes: due: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// open fixes the roll and opens the vote, or records why it cannot
// (too few eligible members; retried at every Tick until the close time).
func (s *Service) open(ctx context.Context, id string) error {
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.d.DB.LockKey(ctx, tx, "votes.state", []byte(id)); err != nil {
			return err
		}
		v, err := s.getVote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		now := s.now()
		if v.State != StateScheduled || now.Before(v.OpensAt) || !now.Before(v.ClosesAt) {
			return nil // another server got here first, or it changed meanwhile
		}
		if err := s.secureDelete(ctx, tx); err != nil {
			return err
		}
		// Current members: not left, not erased (an accepted member who
		// has not finished onboarding is a member). By workplace: a
		// current workplace of theirs is among the vote's.
		q := `INSERT INTO vote_roll (vote_id, member_id, voted) SELECT ?, m.id, ? FROM members m WHERE m.left_at IS NULL AND m.erased = ?`
		args := []any{id, false, false}
		if len(v.Workplaces) > 0 {
			q += ` AND EXISTS (SELECT 1 FROM member_workplaces mw WHERE mw.member_id = m.id AND mw.workplace_id IN (?` + strings.Repeat(", ?", len(v.Workplaces)-1) + `))`
			for _, w := range v.Workplaces {
				args = append(args, w)
			}
		}
		res, err := s.exec(ctx, tx, q+` ORDER BY m.id`, args...)
		if err != nil {
			return fmt.Errorf("votes: open: fix the roll: %w", err)
		}
		n64, _ := res.RowsAffected()
		n := int(n64)
		if n < s.d.MinEligible {
			if _, err := s.exec(ctx, tx, `DELETE FROM vote_roll WHERE vote_id = ?`, id); err != nil {
				return fmt.Errorf("votes: open: %w", err)
			}
			if v.OpenProblem != "eligible.too_few" {
				s.log.Warn("votes: not opened, too few eligible members", "vote", id, "eligible", n, "min_eligible", s.d.MinEligible)
				if err := s.audit(ctx, tx, SystemActor, "vote.open.refused", id, fmt.Sprintf("%d eligible, at least %d needed", n, s.d.MinEligible)); err != nil {
					return err
				}
			}
			_, err := s.exec(ctx, tx, `UPDATE votes SET open_problem = 'eligible.too_few' WHERE id = ?`, id)
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE votes SET state = ?, eligible = ?, opened_at = ?, open_problem = '', updated_at = ? WHERE id = ?`,
			StateOpen, n, db.T(now), db.T(now), id); err != nil {
			return fmt.Errorf("votes: open: %w", err)
		}
		if v.Invite {
			if err := s.queueInvitations(ctx, tx, id, ""); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, SystemActor, "vote.open", id, fmt.Sprintf("%d eligible", n))
	})
}

// close counts the ballots, publishes the board, deletes the live ballots
// and rewrites the roll, in one transaction; then scrubs what the engine
// keeps of the old rows (scrub).
func (s *Service) close(ctx context.Context, id string) error {
	closed := false
	err := s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		closed = false
		if err := s.d.DB.LockKey(ctx, tx, "votes.state", []byte(id)); err != nil {
			return err
		}
		v, err := s.getVote(ctx, tx, id, true)
		if err != nil {
			return err
		}
		now := s.now()
		if v.State != StateOpen || now.Before(v.ClosesAt) {
			return nil
		}
		if err := s.secureDelete(ctx, tx); err != nil {
			return err
		}
		ballots, err := s.openBallots(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := count.Count(v.Rule(), ballots)
		if err != nil {
			return fmt.Errorf("votes: count %s: %w", id, err)
		}
		// Tracker order, so that the board's storage order (and on
		// PostgreSQL its heap order) is the public order and says nothing
		// of when a ballot came.
		board := make([][]any, len(ballots))
		for i, b := range ballots {
			board[i] = []any{id, b.Receipt, mustJSON(b)}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO vote_board (vote_id, tracker, ballot) VALUES `, board); err != nil {
			return fmt.Errorf("votes: board: %w", err)
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM vote_ballots WHERE vote_id = ?`, id); err != nil {
			return fmt.Errorf("votes: delete ballots: %w", err)
		}
		if err := s.rewriteRoll(ctx, tx, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE votes SET state = ?, result = ?, cast_count = ?, closed_at = ?, updated_at = ? WHERE id = ?`,
			StateClosed, mustJSON(res), len(ballots), db.T(now), db.T(now), id); err != nil {
			return fmt.Errorf("votes: close: %w", err)
		}
		closed = true
		return s.audit(ctx, tx, SystemActor, "vote.close", id, fmt.Sprintf("%d of %d eligible cast; %s", len(ballots), v.Eligible, res.Outcome))
	})
	if err == nil && closed {
		s.openVotes.Delete(id)
		s.scrub(ctx)
	}
	return err
}

// openBallots reads and opens every live ballot of a vote, sorted by
// tracker, with the tracker as the receipt.
func (s *Service) openBallots(ctx context.Context, tx *sql.Tx, id string) ([]count.Ballot, error) {
	rows, err := tx.QueryContext(ctx, s.d.DB.Rebind(`SELECT id, tracker, sealed FROM vote_ballots WHERE vote_id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("votes: read ballots: %w", err)
	}
	defer rows.Close()
	var out []count.Ballot
	for rows.Next() {
		var bid, tracker string
		var sealed []byte
		if err := rows.Scan(&bid, &tracker, &sealed); err != nil {
			return nil, fmt.Errorf("votes: read ballots: %w", err)
		}
		var b count.Ballot
		if err := s.d.Keys.OpenJSON(sealed, aadBallot(bid), &b); err != nil {
			return nil, fmt.Errorf("votes: open ballot: %w", err)
		}
		b.Receipt = tracker
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b count.Ballot) int { return strings.Compare(a.Receipt, b.Receipt) })
	return out, nil
}

// rewriteRoll deletes and re-inserts a vote's roll rows with the same
// values, in member order: every row then carries this transaction's id
// (PostgreSQL xmin) and a fresh place in storage, so neither tells when a
// member voted, or that they voted in the transaction that stored some
// ballot.
func (s *Service) rewriteRoll(ctx context.Context, tx *sql.Tx, id string) error {
	type row struct {
		member string
		voted  bool
		on     sql.NullString
	}
	rows, err := tx.QueryContext(ctx, s.d.DB.Rebind(`SELECT member_id, voted, voted_on FROM vote_roll WHERE vote_id = ? ORDER BY member_id`), id)
	if err != nil {
		return fmt.Errorf("votes: read roll: %w", err)
	}
	var roll []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.member, &r.voted, &r.on); err != nil {
			rows.Close()
			return fmt.Errorf("votes: read roll: %w", err)
		}
		roll = append(roll, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM vote_roll WHERE vote_id = ?`, id); err != nil {
		return fmt.Errorf("votes: rewrite roll: %w", err)
	}
	vals := make([][]any, len(roll))
	for i, r := range roll {
		vals[i] = []any{id, r.member, r.voted, r.on}
	}
	if err := s.insertRows(ctx, tx, `INSERT INTO vote_roll (vote_id, member_id, voted, voted_on) VALUES `, vals); err != nil {
		return fmt.Errorf("votes: rewrite roll: %w", err)
	}
	return nil
}

// insertRows inserts rows in their order, up to 200 a statement: a close
// writes every board and roll row, and one statement each made the close
// of a large vote a round trip per row on PostgreSQL. A multi-row VALUES
// list is inserted in its order, so the storage order stays the one the
// caller chose.
func (s *Service) insertRows(ctx context.Context, tx *sql.Tx, prefix string, rows [][]any) error {
	const chunk = 200
	for len(rows) > 0 {
		n := min(chunk, len(rows))
		var q strings.Builder
		q.WriteString(prefix)
		args := make([]any, 0, n*len(rows[0]))
		for i, r := range rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?" + strings.Repeat(", ?", len(r)-1) + ")")
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(q.String()), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// secureDelete makes SQLite overwrite deleted and replaced content with
// zeros on the writer's connection (the one tx runs on), so a ballot
// replaced or deleted leaves no copy in the file's free space. internal/db
// opens every SQLite connection with it on; the lifecycle's transactions
// (open, close, cancel) still say so, so the vote's secrecy does not rest
// on a connection string elsewhere.
func (s *Service) secureDelete(ctx context.Context, tx *sql.Tx) error {
	if s.d.DB.Dialect() != db.SQLite {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("votes: secure_delete: %w", err)
	}
	return nil
}

// scrub removes what the engine keeps of deleted and rewritten rows after
// a close or cancellation. PostgreSQL: VACUUM FULL rewrites the tables
// without dead tuples (the old roll rows and the ballots, each stamped with
// its cast's transaction id). SQLite: the write-ahead log holds pages in
// commit order, so it is checkpointed into the file and truncated. A
// failure is logged: the vote is closed already, and the next close or
// cancellation scrubs again.
func (s *Service) scrub(ctx context.Context) {
	const hint = "votes: scrub after close failed; ballots may be linkable to the roll in the database files until it succeeds"
	if s.d.DB.Dialect() == db.Postgres {
		if _, err := s.d.DB.Exec(ctx, `VACUUM FULL vote_ballots, vote_roll, vote_board, votes`); err != nil {
			s.log.Error(hint, "err", err)
		}
		return
	}
	// A reader in the middle of a long query keeps the log from being
	// truncated (busy = 1 once the busy timeout ran out): try again a few
	// times before leaving it to the next close.
	var busy, frames, done int
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.d.DB.Writer().QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done)
		if err == nil && busy == 0 {
			return
		}
		select {
		case <-ctx.Done():
			attempt = 5
		case <-time.After(time.Second):
		}
	}
	s.log.Error(hint, "err", err, "busy", busy)
}

package votes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/db"
	"unionhall/internal/votes/count"
)

// Cast records a member's ballot and returns the receipt. With a change
// code (a vote that allows change) it replaces the ballot that code
// belongs to, which keeps its tracker; the code must be the member's own,
// which the service cannot check (nothing links the two) — it requires
// only that the member has voted, and a code is 60 random bits.
//
// The write goes through the group-commit batcher: Cast returns after the
// transaction holding it committed. Invalid ballots are refused before
// (*count.BallotError); the state of the vote and the roll are checked in
// the transaction, so a cast racing the close is either counted or
// refused with ErrClosed, never lost.
func (s *Service) Cast(ctx context.Context, voteID, memberID string, b count.Ballot, changeCode string) (Receipt, error) {
	v, err := s.castVote(ctx, voteID)
	if err != nil {
		return Receipt{}, err
	}
	if err := castable(v, s.now()); err != nil {
		return Receipt{}, err
	}
	b.Receipt = ""
	if err := count.ValidBallot(v.Rule(), b); err != nil {
		return Receipt{}, err
	}
	var code string
	if changeCode != "" {
		var ok bool
		if code, ok = NormaliseChangeCode(changeCode); !ok || !v.AllowChange {
			return Receipt{}, ErrBadChangeCode
		}
	}
	sealedBallot := count.Ballot{Abstain: b.Abstain, Choices: b.Choices}
	for attempt := 0; ; attempt++ {
		var rc Receipt
		item := func(tx *sql.Tx) error {
			var err error
			rc, err = s.castTx(context.WithoutCancel(ctx), tx, v, memberID, sealedBallot, code)
			return err
		}
		if s.batch != nil {
			err = s.batch.Do(ctx, item)
		} else {
			err = s.d.DB.Tx(ctx, item)
		}
		// A tracker (or change code) drawn twice in one vote: the item
		// was rolled back to its savepoint; draw again. A deadlock
		// (PostgreSQL: two batches holding roll rows of members who
		// submitted twice at once, in opposite order) was rolled back
		// the same way and releases its locks: run it again.
		if err != nil && (db.IsUniqueViolation(err) || db.Retryable(err)) && attempt < 5 {
			continue
		}
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrCancelled) {
			s.openVotes.Delete(voteID) // another server closed or cancelled it
		}
		return rc, err
	}
}

// castVote is the vote for a cast: from memory while it is open (nothing
// of an open vote but its state can change, and castTx re-reads the state
// in the transaction), so a thousand members casting at once do not each
// load it.
func (s *Service) castVote(ctx context.Context, id string) (*Vote, error) {
	if v, ok := s.openVotes.Load(id); ok {
		return v.(*Vote), nil
	}
	v, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.State == StateOpen {
		s.openVotes.Store(id, v)
	}
	return v, nil
}

// castable says why a vote takes no ballots now, or nil.
func castable(v *Vote, now time.Time) error {
	switch v.State {
	case StateOpen:
		if !now.Before(v.ClosesAt) {
			return ErrClosed
		}
		return nil
	case StateClosed:
		return ErrClosed
	case StateCancelled:
		return ErrCancelled
	default:
		return ErrNotOpen
	}
}

// castTx is one cast inside a (batched) transaction.
func (s *Service) castTx(ctx context.Context, tx *sql.Tx, v *Vote, memberID string, b count.Ballot, code string) (Receipt, error) {
	// The vote's state under a share lock (PostgreSQL): the close takes it
	// exclusively, so a cast either commits before the close reads the
	// ballots or sees the vote closed. SQLite has one writer.
	q := qCastState
	if s.d.DB.Dialect() == db.Postgres {
		q = qCastStatePG
	}
	var state string
	var closes db.Time
	if err := s.queryRowQ(ctx, tx, q, v.ID).Scan(&state, &closes); err != nil {
		return Receipt{}, fmt.Errorf("votes: cast: %w", err)
	}
	cur := *v
	cur.State, cur.ClosesAt = state, closes.Time
	if err := castable(&cur, s.now()); err != nil {
		return Receipt{}, err
	}
	// secure_delete is on for every SQLite connection (internal/db), so a
	// replaced ballot's old bytes do not stay in the file; no PRAGMA is
	// spent on each cast.
	if code != "" {
		return s.changeTx(ctx, tx, v, memberID, b, code)
	}
	// Mark the roll first: the update is the double-submission guard (two
	// casts of one member serialise on the row; the second finds it voted).
	day := s.now().In(s.loc()).Format(time.DateOnly)
	res, err := s.execQ(ctx, tx, qCastRoll, true, day, v.ID, memberID)
	if err != nil {
		return Receipt{}, fmt.Errorf("votes: cast: roll: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Receipt{}, s.notCastable(ctx, tx, v, memberID)
	}
	rc := Receipt{VoteID: v.ID}
	var hash []byte
	if v.AllowChange {
		rc.ChangeCode = newChangeCode()
		hash = changeHash(v.ID, rc.ChangeCode)
	}
	// A tracker drawn twice in one vote (40 bits: about one in a billion
	// for a thousand ballots) fails the unique index; Cast draws again.
	rc.Tracker = newTracker()
	id := v.ID + "/" + newSlot()
	sealed, err := s.d.Keys.SealJSON(b, aadBallot(id))
	if err != nil {
		return Receipt{}, err
	}
	if _, err := s.execQ(ctx, tx, qCastInsert,
		id, v.ID, rc.Tracker, hash, sealed); err != nil {
		return Receipt{}, fmt.Errorf("votes: cast: %w", err)
	}
	return rc, nil
}

// changeTx replaces the ballot whose change code is code. The roll is
// only read: the member's day stays the day of their first ballot, and no
// roll row is written in the transaction that rewrites a ballot.
func (s *Service) changeTx(ctx context.Context, tx *sql.Tx, v *Vote, memberID string, b count.Ballot, code string) (Receipt, error) {
	var voted bool
	err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT voted FROM vote_roll WHERE vote_id = ? AND member_id = ?`), v.ID, memberID).Scan(&voted)
	if errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, s.notCastable(ctx, tx, v, memberID)
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("votes: change: %w", err)
	}
	if !voted {
		return Receipt{}, ErrBadChangeCode
	}
	var id, tracker string
	err = tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT id, tracker FROM vote_ballots WHERE vote_id = ? AND change_hash = ?`), v.ID, changeHash(v.ID, code)).Scan(&id, &tracker)
	if errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, ErrBadChangeCode
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("votes: change: %w", err)
	}
	sealed, err := s.d.Keys.SealJSON(b, aadBallot(id))
	if err != nil {
		return Receipt{}, err
	}
	if _, err := s.exec(ctx, tx, `UPDATE vote_ballots SET sealed = ? WHERE id = ?`, sealed, id); err != nil {
		return Receipt{}, fmt.Errorf("votes: change: %w", err)
	}
	return Receipt{VoteID: v.ID, Tracker: tracker, Changed: true}, nil
}

// notCastable says why a member could not cast: voted already, joined
// after the opening, or not on the roll.
func (s *Service) notCastable(ctx context.Context, tx *sql.Tx, v *Vote, memberID string) error {
	var voted bool
	err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT voted FROM vote_roll WHERE vote_id = ? AND member_id = ?`), v.ID, memberID).Scan(&voted)
	if err == nil {
		if voted {
			return ErrAlreadyVoted
		}
		return fmt.Errorf("votes: cast: roll row not updated")
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("votes: cast: %w", err)
	}
	return s.whyNotOnRoll(ctx, tx, v, memberID)
}

// whyNotOnRoll tells a member who joined after the opening (of an
// all-members vote, or into one of its workplaces) from one who may not
// vote at all.
func (s *Service) whyNotOnRoll(ctx context.Context, q querier, v *Vote, memberID string) error {
	var joined db.Time
	err := q.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT joined_at FROM members WHERE id = ?`), memberID).Scan(&joined)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotEligible
		}
		return fmt.Errorf("votes: member: %w", err)
	}
	if !v.OpenedAt.IsZero() && joined.After(v.OpenedAt) {
		return ErrJoinedLater
	}
	return ErrNotEligible
}

// castQueries are prepared on the writer when the service starts (stmt):
// a cast's statements run a thousand times a minute at a vote's opening,
// and parsing them each time was a third of a cast's cost on SQLite.
var castQueries = []string{
	qCastState, qCastStatePG, qCastRoll, qCastInsert,
}

const (
	qCastState   = `SELECT state, closes_at FROM votes WHERE id = ?`
	qCastStatePG = qCastState + ` FOR SHARE`
	qCastRoll    = `UPDATE vote_roll SET voted = ?, voted_on = ? WHERE vote_id = ? AND member_id = ? AND NOT voted`
	qCastInsert  = `INSERT INTO vote_ballots (id, vote_id, tracker, change_hash, sealed) VALUES (?, ?, ?, ?, ?)`
)

// prepare prepares castQueries on the writer. It must run outside any
// transaction: SQLite's writer has one connection, which a transaction
// holds. A failure only costs speed (stmt falls back).
func (s *Service) prepare(ctx context.Context) {
	for _, q := range castQueries {
		if q == qCastStatePG && s.d.DB.Dialect() != db.Postgres {
			continue
		}
		st, err := s.d.DB.Writer().PrepareContext(ctx, s.d.DB.Rebind(q))
		if err != nil {
			s.log.Warn("votes: prepare", "err", err)
			continue
		}
		s.stmts.Store(q, st)
	}
}

// execQ runs one of castQueries in tx, prepared if it could be.
func (s *Service) execQ(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st, ok := s.stmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.d.DB.Rebind(q), args...)
}

// queryRowQ is execQ for a query of one row.
func (s *Service) queryRowQ(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st, ok := s.stmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, s.d.DB.Rebind(q), args...)
}

package votes

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/votes/count"
)

// querier is what reads need: the read pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// voteCols are the columns scanVote reads, from "votes v". Cast is the
// roll's count while a vote is open (no hot counter row that every cast
// would lock and stamp), the stored count once it closed.
const voteCols = `v.id, v.title, v.body, v.kind, v.options, v.max_choices, v.seats, v.workplaces,
	v.opens_at, v.closes_at, v.quorum_percent, v.threshold, v.allow_change, v.invite, v.meeting,
	v.state, v.cancel_reason, v.open_problem, v.eligible,
	CASE WHEN v.state = 'closed' THEN v.cast_count ELSE (SELECT COUNT(*) FROM vote_roll r WHERE r.vote_id = v.id AND r.voted) END,
	v.result, v.created_at, v.opened_at, v.closed_at`

type optionJSON struct {
	ID    string            `json:"id"`
	Label map[string]string `json:"label"`
}

func scanVote(rs interface{ Scan(...any) error }) (*Vote, error) {
	var v Vote
	var title, body, options, workplaces string
	var result sql.NullString
	var opens, closes, created, opened, closed db.Time
	var kind string
	if err := rs.Scan(&v.ID, &title, &body, &kind, &options, &v.MaxChoices, &v.Seats, &workplaces,
		&opens, &closes, &v.QuorumPercent, &v.Threshold, &v.AllowChange, &v.Invite, &v.Meeting,
		&v.State, &v.CancelReason, &v.OpenProblem, &v.Eligible, &v.Cast,
		&result, &created, &opened, &closed); err != nil {
		return nil, err
	}
	v.Kind = Kind(kind)
	v.OpensAt, v.ClosesAt, v.CreatedAt, v.OpenedAt, v.ClosedAt = opens.Time, closes.Time, created.Time, opened.Time, closed.Time
	var opts []optionJSON
	for _, f := range []struct {
		src string
		dst any
	}{{title, &v.Title}, {body, &v.Text}, {options, &opts}, {workplaces, &v.Workplaces}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("votes: vote %s: %w", v.ID, err)
		}
	}
	for _, o := range opts {
		v.Options = append(v.Options, Option{ID: o.ID, Label: o.Label})
	}
	if result.Valid && result.String != "" {
		v.Result = new(count.Result)
		if err := json.Unmarshal([]byte(result.String), v.Result); err != nil {
			return nil, fmt.Errorf("votes: vote %s result: %w", v.ID, err)
		}
	}
	if v.Title == nil {
		v.Title = map[string]string{}
	}
	if v.Text == nil {
		v.Text = map[string]string{}
	}
	return &v, nil
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and slices of them always encode
	}
	return string(b)
}

// formCols are the columns the vote form sets, in fieldArgs' order.
const formCols = `title, body, kind, options, max_choices, seats, workplaces, opens_at, closes_at,
	quorum_percent, threshold, allow_change, invite, meeting`

func fieldArgs(v *Vote) []any {
	opts := make([]optionJSON, len(v.Options))
	for i, o := range v.Options {
		opts[i] = optionJSON{ID: o.ID, Label: o.Label}
	}
	ws := v.Workplaces
	if ws == nil {
		ws = []string{}
	}
	return []any{mustJSON(v.Title), mustJSON(v.Text), string(v.Kind), mustJSON(opts), v.MaxChoices, v.Seats,
		mustJSON(ws), db.T(v.OpensAt), db.T(v.ClosesAt), v.QuorumPercent, v.Threshold,
		v.AllowChange, v.Invite, v.Meeting}
}

func (s *Service) getVote(ctx context.Context, q querier, id string, lock bool) (*Vote, error) {
	if !db.ValidID(id) {
		return nil, ErrNotFound
	}
	query := `SELECT ` + voteCols + ` FROM votes v WHERE v.id = ?`
	if lock && s.d.DB.Dialect() == db.Postgres {
		query += ` FOR UPDATE OF v`
	}
	v, err := scanVote(q.QueryRowContext(ctx, s.d.DB.Rebind(query), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("votes: load %s: %w", id, err)
	}
	return v, nil
}

func (s *Service) listVotes(ctx context.Context, where string, args ...any) ([]Vote, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT `+voteCols+` FROM votes v `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("votes: list: %w", err)
	}
	defer rows.Close()
	var out []Vote
	for rows.Next() {
		v, err := scanVote(rows)
		if err != nil {
			return nil, fmt.Errorf("votes: list: %w", err)
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// exec runs a statement in tx with the dialect's placeholders.
func (s *Service) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, s.d.DB.Rebind(q), args...)
}

// audit writes the console's audit entry of a state change inside tx.
func (s *Service) audit(ctx context.Context, tx *sql.Tx, actor, action, id, detail string) error {
	return auth.Audit(ctx, s.d.DB, tx, auth.Entry{At: s.now(), ActorID: actor, Action: action, SubjectType: "vote", SubjectID: id, Detail: detail})
}

func (s *Service) now() time.Time { return s.d.Now() }

// SystemActor is the audit actor of what the clock does (opening, closing).
const SystemActor = "system:votes"

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

package votes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"unionhall/internal/votes/count"
)

// ForMember lists the votes a member sees in the portal: every vote whose
// roll they are on (open, closed, or cancelled after opening), and the open
// votes of all members that they are not on (OnRoll false: they joined
// after the opening). Open ones first, soonest close first; then the rest,
// latest first.
func (s *Service) ForMember(ctx context.Context, memberID string) ([]MemberVote, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT `+voteCols+`, r.voted FROM votes v JOIN vote_roll r ON r.vote_id = v.id
		WHERE r.member_id = ? AND v.state IN ('open', 'closed', 'cancelled')`, memberID)
	if err != nil {
		return nil, fmt.Errorf("votes: for member: %w", err)
	}
	var out []MemberVote
	for rows.Next() {
		var voted bool
		v, err := scanVote(scanExtra{rows, &voted})
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("votes: for member: %w", err)
		}
		out = append(out, MemberVote{Vote: *v, OnRoll: true, Voted: voted})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	later, err := s.listVotes(ctx, `WHERE v.state = 'open' AND v.workplaces = '[]'
		AND NOT EXISTS (SELECT 1 FROM vote_roll r WHERE r.vote_id = v.id AND r.member_id = ?)`, memberID)
	if err != nil {
		return nil, err
	}
	for _, v := range later {
		out = append(out, MemberVote{Vote: v})
	}
	slices.SortFunc(out, func(a, b MemberVote) int {
		ao, bo := a.State == StateOpen, b.State == StateOpen
		switch {
		case ao && !bo:
			return -1
		case bo && !ao:
			return 1
		case ao:
			return a.ClosesAt.Compare(b.ClosesAt)
		default:
			return b.ClosesAt.Compare(a.ClosesAt)
		}
	})
	return out, nil
}

// scanExtra scans a vote's columns followed by more.
type scanExtra struct {
	rs    interface{ Scan(...any) error }
	extra *bool
}

func (x scanExtra) Scan(dst ...any) error { return x.rs.Scan(append(dst, x.extra)...) }

// Status is one vote as a member sees it (ErrNotFound; drafts and
// scheduled votes are ErrNotFound too, as members do not see them). Err
// says why they cannot vote in it now, or nil: ErrNotOpen, ErrClosed,
// ErrCancelled, ErrJoinedLater, ErrNotEligible, ErrAlreadyVoted (when the
// vote allows no change).
func (s *Service) Status(ctx context.Context, voteID, memberID string) (*MemberVote, error) {
	v, err := s.Get(ctx, voteID)
	if err != nil {
		return nil, err
	}
	if v.State == StateDraft || v.State == StateScheduled {
		return nil, ErrNotFound
	}
	mv := &MemberVote{Vote: *v}
	err = s.d.DB.QueryRow(ctx, `SELECT voted FROM vote_roll WHERE vote_id = ? AND member_id = ?`, voteID, memberID).Scan(&mv.Voted)
	switch {
	case err == nil:
		mv.OnRoll = true
	case errors.Is(err, sql.ErrNoRows):
	default:
		return nil, fmt.Errorf("votes: status: %w", err)
	}
	return mv, nil
}

// CanCast says why memberID cannot cast a new ballot in the vote now, or
// nil. With change true it asks about replacing their ballot instead.
func (s *Service) CanCast(ctx context.Context, mv *MemberVote, memberID string, change bool) error {
	if err := castable(&mv.Vote, s.now()); err != nil {
		return err
	}
	if !mv.OnRoll {
		return s.whyNotOnRoll(ctx, s.d.DB.Reader(), &mv.Vote, memberID)
	}
	if change {
		if !mv.AllowChange || !mv.Voted {
			return ErrBadChangeCode
		}
		return nil
	}
	if mv.Voted {
		return ErrAlreadyVoted
	}
	return nil
}

// Board is the public bulletin board of a closed vote: every counted
// ballot by receipt code and the result (ErrNotClosed before the close).
func (s *Service) Board(ctx context.Context, id string) (*count.Board, error) {
	v, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.State != StateClosed || v.Result == nil {
		return nil, ErrNotClosed
	}
	b := &count.Board{Format: count.BoardFormat, Version: count.BoardVersion, Result: *v.Result, Ballots: []count.Ballot{},
		Vote: count.BoardVote{ID: v.ID, Title: v.Title, Kind: v.Kind, Seats: v.Seats, MaxChoices: v.MaxChoices,
			QuorumPercent: v.QuorumPercent, Threshold: v.Threshold, Eligible: v.Eligible, OpensAt: v.OpensAt, ClosesAt: v.ClosesAt}}
	for _, o := range v.Options {
		b.Vote.Options = append(b.Vote.Options, count.BoardOption{ID: o.ID, Label: o.Label})
	}
	rows, err := s.d.DB.Query(ctx, `SELECT tracker, ballot FROM vote_board WHERE vote_id = ? ORDER BY tracker`, id)
	if err != nil {
		return nil, fmt.Errorf("votes: board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tracker, js string
		if err := rows.Scan(&tracker, &js); err != nil {
			return nil, fmt.Errorf("votes: board: %w", err)
		}
		var bl count.Ballot
		if err := jsonUnmarshal(js, &bl); err != nil {
			return nil, fmt.Errorf("votes: board: %w", err)
		}
		bl.Receipt = tracker
		b.Ballots = append(b.Ballots, bl)
	}
	return b, rows.Err()
}

// OfMeeting lists the votes that belong to a meeting page (its content
// path, with or without slashes around it) that members may see: open,
// closed, and cancelled after opening; by opening time.
func (s *Service) OfMeeting(ctx context.Context, path string) ([]Vote, error) {
	path = strings.Trim(strings.TrimSpace(path), "/")
	if path == "" {
		return nil, nil
	}
	return s.listVotes(ctx, `WHERE v.meeting = ? AND (v.state IN ('open', 'closed') OR (v.state = 'cancelled' AND v.opened_at IS NOT NULL))
		ORDER BY v.opens_at, v.id`, path)
}

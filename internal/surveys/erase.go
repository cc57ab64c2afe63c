package surveys

import (
	"context"
	"database/sql"
	"fmt"
)

// EraseMember removes a member's answers to named member-only surveys, in
// the transaction that erases the member (a members.Eraser, wired by the
// app): those answers hold the member's id and are theirs. Anonymous
// answers cannot be found — nothing links them to the member, which is
// the point — and stay, as do the takers' rows (a member id and a day:
// they keep an erased member from answering again and say nothing else).
func (s *Service) EraseMember(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
	n := 0
	for _, sv := range s.List() {
		if !sv.Members() || sv.Anonymous() {
			continue
		}
		ids, recs, err := s.records(ctx, tx, sv.ID)
		if err != nil {
			return "", err
		}
		if err := s.secureDelete(ctx, tx); err != nil {
			return "", err
		}
		for i, r := range recs {
			if r.Member != memberID {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`DELETE FROM survey_answers WHERE id = ?`), ids[i]); err != nil {
				return "", fmt.Errorf("surveys: erase member's answers: %w", err)
			}
			n++
		}
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d named survey answers deleted", n), nil
}

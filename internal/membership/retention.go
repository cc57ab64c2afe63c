package membership

import (
	"context"
	"fmt"
	"time"

	"unionhall/internal/db"
)

// UnverifiedRetention is how long an application whose email was never
// confirmed is kept. Such a row holds a person's data without their
// confirmed consent — it may even have been typed in by someone else — so it
// goes as soon as the longest verification link could no longer matter.
// The example site's privacy notice promises these 30 days.
const UnverifiedRetention = 30 * 24 * time.Hour

// RejectedRetention is how long a rejected application is kept after the
// rejection (counted from resolved_at, set by the console): long enough to
// answer a question about it or re-evaluate it, then it goes. The example
// site's privacy notice promises one year.
const RejectedRetention = 365 * 24 * time.Hour

// PurgeExpired deletes unverified applications older than
// UnverifiedRetention and rejected ones rejected more than
// RejectedRetention ago, with their tokens, signature and PDF (all in the
// row or cascading from it). It reports how many were deleted. It is
// idempotent, so several server processes may run it.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.d.Now().UTC()
	res, err := s.d.DB.Exec(ctx, `DELETE FROM applications
		WHERE (state = ? AND created_at < ?) OR (state = ? AND resolved_at < ?)`,
		StateUnverified, db.T(now.Add(-UnverifiedRetention)), StateRejected, db.T(now.Add(-RejectedRetention)))
	if err != nil {
		return 0, fmt.Errorf("purge expired applications: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.log.Info("deleted applications past their retention", "count", n)
	}
	return n, nil
}

// RunRetention calls PurgeExpired now and then every interval until ctx is
// done.
func (s *Service) RunRetention(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

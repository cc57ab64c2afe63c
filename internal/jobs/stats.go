package jobs

import (
	"context"
	"fmt"
	"time"

	"unionhall/internal/db"
)

// StateStats is what monitoring sees of one state: how many jobs are in it
// and how old the oldest of them is (since it was enqueued).
type StateStats struct {
	State  string
	Count  int
	Oldest time.Duration // 0 when Count is 0
}

// Stats returns every state's count and oldest job, for metrics. It reads
// no payload.
func (q *Queue) Stats(ctx context.Context) ([]StateStats, error) {
	rows, err := q.d.Query(ctx, `SELECT state, COUNT(*), MIN(created_at) FROM jobs GROUP BY state ORDER BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: stats: %w", err)
	}
	defer rows.Close()
	now := q.opts.Now()
	var out []StateStats
	for rows.Next() {
		var s StateStats
		var oldest db.Time
		if err := rows.Scan(&s.State, &s.Count, &oldest); err != nil {
			return nil, fmt.Errorf("jobs: stats: %w", err)
		}
		if !oldest.IsZero() {
			s.Oldest = max(now.Sub(oldest.Time), 0)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Overdue reports how long the job that has been due the longest has
// waited for a worker: 0 when no job is due. A pending job is due from its
// run_at; a running job whose lease expired (its worker died) is due again
// from the lease's end. Every running process polls every PollInterval, so
// a healthy queue keeps this at seconds; a large value means no process is
// working the queue (all stopped, or all stuck in handlers).
func (q *Queue) Overdue(ctx context.Context) (time.Duration, error) {
	now := q.opts.Now()
	var oldest db.Time
	err := q.d.QueryRow(ctx, `SELECT MIN(run_at) FROM jobs WHERE state IN ('pending', 'running') AND run_at <= ?`, db.T(now)).Scan(&oldest)
	if err != nil {
		return 0, fmt.Errorf("jobs: overdue: %w", err)
	}
	if oldest.IsZero() {
		return 0, nil
	}
	return max(now.Sub(oldest.Time), 0), nil
}

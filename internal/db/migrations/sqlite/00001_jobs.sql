-- Durable job queue (internal/jobs). While a job is 'running', run_at is its
-- lease deadline: after it passes, another worker may claim the job again.
-- +goose Up
CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    payload    BLOB NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    run_at     TEXT NOT NULL,
    lease      TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_done ON jobs (updated_at) WHERE state = 'done';

-- +goose Down
DROP TABLE jobs;

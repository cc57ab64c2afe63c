-- Durable job queue (internal/jobs). While a job is 'running', run_at is its
-- lease deadline: after it passes, another worker may claim the job again.
-- +goose Up
CREATE TABLE jobs (
    id         text PRIMARY KEY,
    kind       text NOT NULL,
    payload    bytea NOT NULL,
    state      text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts   integer NOT NULL DEFAULT 0,
    run_at     timestamptz NOT NULL,
    lease      text,
    last_error text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_done ON jobs (updated_at) WHERE state = 'done';

-- +goose Down
DROP TABLE jobs;

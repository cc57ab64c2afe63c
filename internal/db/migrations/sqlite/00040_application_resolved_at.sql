-- When an application was last rejected or marked invalid (internal/admin),
-- so rejected applications can be deleted after their retention period
-- (internal/membership/retention.go). NULL for every other state.
-- +goose Up
ALTER TABLE applications ADD COLUMN resolved_at TEXT;
CREATE INDEX applications_resolved ON applications (state, resolved_at);

-- +goose Down
DROP INDEX applications_resolved;
ALTER TABLE applications DROP COLUMN resolved_at;

-- A member's own request to leave (internal/members, RequestLeave): the
-- portal records when the member asked, the committee sees the pending
-- requests (LeaveRequests), and leaving itself stays members.left_at.
-- The time is not personal data beyond what left_at already is.
-- +goose Up
ALTER TABLE members ADD COLUMN leave_requested_at TEXT;
CREATE INDEX members_leave_requested ON members (leave_requested_at);

-- +goose Down
DROP INDEX members_leave_requested;
ALTER TABLE members DROP COLUMN leave_requested_at;

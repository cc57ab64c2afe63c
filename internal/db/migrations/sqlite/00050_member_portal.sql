-- The member portal (internal/portal): members sign in with a one-time
-- link to the email they joined with and get a session of their own. Both
-- are kept apart from the console's login_tokens and sessions, so a member
-- session can never be taken for a console session. Tokens and session ids
-- are stored only as SHA-256 hashes.
-- +goose Up
CREATE TABLE member_login_tokens (
    hash       BLOB PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX member_login_tokens_member ON member_login_tokens (member_id);

CREATE TABLE member_sessions (
    hash         BLOB PRIMARY KEY,
    member_id    TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX member_sessions_member ON member_sessions (member_id);

-- +goose Down
DROP TABLE member_sessions;
DROP TABLE member_login_tokens;

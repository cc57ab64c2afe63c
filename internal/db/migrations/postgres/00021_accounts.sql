-- Console accounts, one-time login links, sessions and the audit trail
-- (internal/auth). The email is sealed and found through its blind index;
-- tokens and session ids are stored only as SHA-256 hashes, so a copy of the
-- database lets nobody sign in. The audit trail is append-only: the code
-- never updates or deletes its rows.
-- +goose Up
CREATE TABLE accounts (
    id          text PRIMARY KEY,
    email_bidx  bytea NOT NULL UNIQUE,
    email       bytea NOT NULL,
    roles       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    disabled_at timestamptz
);

CREATE TABLE account_workplaces (
    account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    workplace_id text NOT NULL REFERENCES workplaces (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, workplace_id)
);
CREATE INDEX account_workplaces_workplace ON account_workplaces (workplace_id);

CREATE TABLE login_tokens (
    hash       bytea PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX login_tokens_account ON login_tokens (account_id);

CREATE TABLE sessions (
    hash         bytea PRIMARY KEY,
    account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE audit (
    id           text PRIMARY KEY,
    at timestamptz NOT NULL,
    actor_id     text NOT NULL,
    action       text NOT NULL,
    subject_type text NOT NULL DEFAULT '',
    subject_id   text NOT NULL DEFAULT '',
    detail       text NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_subject ON audit (subject_type, subject_id, at);
CREATE INDEX audit_actor ON audit (actor_id, at);

-- +goose Down
DROP TABLE audit;
DROP TABLE sessions;
DROP TABLE login_tokens;
DROP TABLE account_workplaces;
DROP TABLE accounts;

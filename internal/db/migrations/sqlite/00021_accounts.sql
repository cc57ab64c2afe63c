-- Console accounts, one-time login links, sessions and the audit trail
-- (internal/auth). The email is sealed and found through its blind index;
-- tokens and session ids are stored only as SHA-256 hashes, so a copy of the
-- database lets nobody sign in. The audit trail is append-only: the code
-- never updates or deletes its rows.
-- +goose Up
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    email_bidx  BLOB NOT NULL UNIQUE,
    email       BLOB NOT NULL,
    roles       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE account_workplaces (
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    workplace_id TEXT NOT NULL REFERENCES workplaces (id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, workplace_id)
);
CREATE INDEX account_workplaces_workplace ON account_workplaces (workplace_id);

CREATE TABLE login_tokens (
    hash       BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX login_tokens_account ON login_tokens (account_id);

CREATE TABLE sessions (
    hash         BLOB PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE audit (
    id           TEXT PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id   TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT ''
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

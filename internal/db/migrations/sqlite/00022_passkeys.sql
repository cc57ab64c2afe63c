-- Passkeys (WebAuthn credentials) of console accounts (internal/auth). The
-- credential JSON holds a public key, flags and a signature counter —
-- nothing secret or personal — so it is stored as is.
-- +goose Up
CREATE TABLE passkeys (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX passkeys_account ON passkeys (account_id);

-- +goose Down
DROP TABLE passkeys;

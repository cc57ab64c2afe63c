-- Passkeys (WebAuthn credentials) of console accounts (internal/auth). The
-- credential JSON holds a public key, flags and a signature counter —
-- nothing secret or personal — so it is stored as is.
-- +goose Up
CREATE TABLE passkeys (
    id           text PRIMARY KEY,
    account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz
);
CREATE INDEX passkeys_account ON passkeys (account_id);

-- +goose Down
DROP TABLE passkeys;

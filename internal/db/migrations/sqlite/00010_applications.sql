-- Membership applications (internal/membership). Every personal field lives
-- in the sealed blob `data` (JSON, AAD bound to the row id); the email is
-- findable only through its keyed blind index.
-- +goose Up
CREATE TABLE applications (
    id                   TEXT PRIMARY KEY,
    state                TEXT NOT NULL CHECK (state IN ('unverified', 'processing', 'accepted', 'rejected', 'invalid')),
    lang                 TEXT NOT NULL,
    email_bidx           BLOB NOT NULL,
    data                 BLOB NOT NULL,
    signature            BLOB,
    typed_signature      INTEGER NOT NULL DEFAULT 0,
    pdf                  BLOB,
    created_at           TEXT NOT NULL,
    verification_sent_at TEXT,
    confirmed_at         TEXT,
    last_send            TEXT
);
CREATE INDEX applications_email ON applications (email_bidx, created_at);
CREATE INDEX applications_state ON applications (state, created_at);

CREATE TABLE application_tokens (
    hash           BLOB PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT
);
CREATE INDEX application_tokens_application ON application_tokens (application_id);

-- +goose Down
DROP TABLE application_tokens;
DROP TABLE applications;

-- Membership applications (internal/membership). Every personal field lives
-- in the sealed blob `data` (JSON, AAD bound to the row id); the email is
-- findable only through its keyed blind index.
-- +goose Up
CREATE TABLE applications (
    id                   text PRIMARY KEY,
    state                text NOT NULL CHECK (state IN ('unverified', 'processing', 'accepted', 'rejected', 'invalid')),
    lang                 text NOT NULL,
    email_bidx           bytea NOT NULL,
    data                 bytea NOT NULL,
    signature            bytea,
    typed_signature      boolean NOT NULL DEFAULT false,
    pdf                  bytea,
    created_at           timestamptz NOT NULL,
    verification_sent_at timestamptz,
    confirmed_at         timestamptz,
    last_send            text
);
CREATE INDEX applications_email ON applications (email_bidx, created_at);
CREATE INDEX applications_state ON applications (state, created_at);

CREATE TABLE application_tokens (
    hash           bytea PRIMARY KEY,
    application_id text NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX application_tokens_application ON application_tokens (application_id);

-- +goose Down
DROP TABLE application_tokens;
DROP TABLE applications;

-- Emails the console sends to members (internal/admin), edited in the
-- console. A row overrides the default shipped in the binary; deleting it
-- restores the default. Templates hold no personal data.
-- +goose Up
CREATE TABLE email_templates (
    name       text NOT NULL,
    lang       text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    PRIMARY KEY (name, lang)
);

-- +goose Down
DROP TABLE email_templates;

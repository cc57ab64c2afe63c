-- Emails the console sends to members (internal/admin), edited in the
-- console. A row overrides the default shipped in the binary; deleting it
-- restores the default. Templates hold no personal data.
-- +goose Up
CREATE TABLE email_templates (
    name       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (name, lang)
);

-- +goose Down
DROP TABLE email_templates;

-- Workplaces, members and their records (internal/admin). Personal data is
-- sealed (JSON in `data`, AAD bound to the row id); look-ups by email use a
-- keyed blind index. Member numbers are unique; the next free one comes from
-- the `counters` row, which the accepting transaction locks (see
-- internal/admin/doc.go).
-- +goose Up
CREATE TABLE workplaces (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    contact_email TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);

CREATE TABLE members (
    id             TEXT PRIMARY KEY,
    number         INTEGER NOT NULL UNIQUE,
    application_id TEXT REFERENCES applications (id) ON DELETE SET NULL,
    email_bidx     BLOB,
    data           BLOB NOT NULL,
    joined_at      TEXT NOT NULL,
    onboarded_at   TEXT,
    left_at        TEXT,
    erased         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX members_email ON members (email_bidx);
CREATE INDEX members_joined ON members (joined_at);

CREATE TABLE member_workplaces (
    member_id    TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    workplace_id TEXT NOT NULL REFERENCES workplaces (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, workplace_id)
);
CREATE INDEX member_workplaces_workplace ON member_workplaces (workplace_id);

CREATE TABLE member_occupations (
    id         TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    occupation BLOB NOT NULL,
    since      TEXT NOT NULL
);
CREATE INDEX member_occupations_member ON member_occupations (member_id, since);

CREATE TABLE notes (
    id           TEXT PRIMARY KEY,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    body         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX notes_subject ON notes (subject_type, subject_id, created_at);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('member_number', 0);

-- +goose Down
DROP TABLE counters;
DROP TABLE notes;
DROP TABLE member_occupations;
DROP TABLE member_workplaces;
DROP TABLE members;
DROP TABLE workplaces;

-- Workplaces, members and their records (internal/admin). Personal data is
-- sealed (JSON in `data`, AAD bound to the row id); look-ups by email use a
-- keyed blind index. Member numbers are unique; the next free one comes from
-- the `counters` row, which the accepting transaction locks (see
-- internal/admin/doc.go).
-- +goose Up
CREATE TABLE workplaces (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    contact_email text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);

CREATE TABLE members (
    id             text PRIMARY KEY,
    number         bigint NOT NULL UNIQUE,
    application_id text REFERENCES applications (id) ON DELETE SET NULL,
    email_bidx     bytea,
    data           bytea NOT NULL,
    joined_at timestamptz NOT NULL,
    onboarded_at timestamptz,
    left_at timestamptz,
    erased         boolean NOT NULL DEFAULT false
);
CREATE INDEX members_email ON members (email_bidx);
CREATE INDEX members_joined ON members (joined_at);

CREATE TABLE member_workplaces (
    member_id    text NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    workplace_id text NOT NULL REFERENCES workplaces (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, workplace_id)
);
CREATE INDEX member_workplaces_workplace ON member_workplaces (workplace_id);

CREATE TABLE member_occupations (
    id         text PRIMARY KEY,
    member_id  text NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    occupation bytea NOT NULL,
    since timestamptz NOT NULL
);
CREATE INDEX member_occupations_member ON member_occupations (member_id, since);

CREATE TABLE notes (
    id           text PRIMARY KEY,
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    author_id    text NOT NULL,
    body         bytea NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX notes_subject ON notes (subject_type, subject_id, created_at);

CREATE TABLE counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('member_number', 0);

-- +goose Down
DROP TABLE counters;
DROP TABLE notes;
DROP TABLE member_occupations;
DROP TABLE member_workplaces;
DROP TABLE members;
DROP TABLE workplaces;

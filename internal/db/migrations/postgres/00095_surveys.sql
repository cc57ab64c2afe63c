-- Surveys (internal/surveys, issue 11). Surveys themselves are declared in
-- content; the database holds their state, who has answered a member-only
-- survey, and the sealed answers. Who answered (survey_takers: member id in
-- plain and the day only) and what was answered (survey_answers: a random
-- id and the sealed answers, no time) share no column but the survey's id.
-- PostgreSQL stores rows in a heap in insertion order and stamps each with
-- its transaction id (xmin): at the close both tables are rewritten in one
-- transaction and then by VACUUM FULL, so neither order nor xmin outlives
-- the survey (internal/surveys/doc.go, docs/surveys.md).
-- +goose Up
CREATE TABLE survey_state (
    id        TEXT PRIMARY KEY,
    closed_at timestamptz,
    closed_by TEXT NOT NULL DEFAULT '',
    scrubbed  boolean NOT NULL DEFAULT false
);

CREATE TABLE survey_takers (
    survey_id   TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    answered_on TEXT NOT NULL,              -- the day only, "2006-01-02"
    PRIMARY KEY (survey_id, member_id)
);
CREATE INDEX survey_takers_member ON survey_takers (member_id);

CREATE TABLE survey_answers (
    id        TEXT PRIMARY KEY,             -- survey id "/" hex of 16 random bytes
    survey_id TEXT NOT NULL,
    sealed    bytea NOT NULL
);
CREATE INDEX survey_answers_survey ON survey_answers (survey_id);

-- +goose Down
DROP TABLE survey_answers;
DROP TABLE survey_takers;
DROP TABLE survey_state;

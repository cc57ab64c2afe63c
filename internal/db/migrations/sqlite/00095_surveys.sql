-- Surveys (internal/surveys, issue 11). Surveys themselves are declared in
-- content; the database holds their state, who has answered a member-only
-- survey, and the sealed answers. Who answered (survey_takers: member id in
-- plain and the day only) and what was answered (survey_answers: a random
-- id and the sealed answers, no time) share no column but the survey's id.
-- Answers are WITHOUT ROWID tables keyed by "surveyID/hex(16 random bytes)",
-- so their storage order is random, not the order of answering. At the
-- close both tables are rewritten and the engine's leftovers scrubbed (see
-- internal/surveys/doc.go and docs/surveys.md).
-- +goose Up
CREATE TABLE survey_state (
    id        TEXT PRIMARY KEY,             -- the survey's id (content)
    closed_at TEXT,                         -- closed early by an organiser, or at its time
    closed_by TEXT NOT NULL DEFAULT '',     -- account id of an early close ("" at its time)
    scrubbed  INTEGER NOT NULL DEFAULT 0    -- the close's rewrite has run
);

CREATE TABLE survey_takers (
    survey_id   TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    answered_on TEXT NOT NULL,              -- the day only, "2006-01-02"
    PRIMARY KEY (survey_id, member_id)
) WITHOUT ROWID;
CREATE INDEX survey_takers_member ON survey_takers (member_id);

CREATE TABLE survey_answers (
    id        TEXT PRIMARY KEY,             -- survey id "/" hex of 16 random bytes
    survey_id TEXT NOT NULL,
    sealed    BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX survey_answers_survey ON survey_answers (survey_id);

-- +goose Down
DROP TABLE survey_answers;
DROP TABLE survey_takers;
DROP TABLE survey_state;

-- Votes (internal/votes, issue 10). Secret by construction: who may vote and
-- who did (vote_roll) and what was voted (vote_ballots) share no column, no
-- time finer than the day, and no storage order. Ballots are WITHOUT ROWID
-- tables keyed by a random slot, so their storage order is random, not the
-- order of casting; the board is keyed by tracker, so its order is the
-- tracker's. Ballots are sealed (AAD bound to the id "voteID/hex(slot)") and
-- deleted at the close, when their contents go to the public board. See
-- docs/votes.md for the threat model.
-- +goose Up
CREATE TABLE votes (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,          -- JSON {lang: text}
    body           TEXT NOT NULL,          -- JSON {lang: Markdown}
    kind           TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'yesno', 'ranked')),
    options        TEXT NOT NULL,          -- JSON [{id, label{lang}}]
    max_choices    INTEGER NOT NULL DEFAULT 0,
    seats          INTEGER NOT NULL DEFAULT 1,
    workplaces     TEXT NOT NULL DEFAULT '[]', -- JSON [workplace id]
    opens_at       TEXT NOT NULL,
    closes_at      TEXT NOT NULL,
    quorum_percent INTEGER NOT NULL DEFAULT 0,
    threshold      TEXT NOT NULL,
    allow_change   INTEGER NOT NULL DEFAULT 0,
    invite         INTEGER NOT NULL DEFAULT 0,
    meeting        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('draft', 'scheduled', 'open', 'closed', 'cancelled')),
    cancel_reason  TEXT NOT NULL DEFAULT '',
    open_problem   TEXT NOT NULL DEFAULT '', -- why Tick could not open it (a message key)
    eligible       INTEGER NOT NULL DEFAULT 0,
    cast_count     INTEGER NOT NULL DEFAULT 0,
    result         TEXT,                   -- JSON count.Result, at the close
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    opened_at      TEXT,
    closed_at      TEXT
);
CREATE INDEX votes_state ON votes (state, opens_at);
CREATE INDEX votes_meeting ON votes (meeting);

CREATE TABLE vote_roll (
    vote_id   TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    voted     INTEGER NOT NULL DEFAULT 0,
    voted_on  TEXT,                        -- the day only, "2006-01-02"
    PRIMARY KEY (vote_id, member_id)
) WITHOUT ROWID;
CREATE INDEX vote_roll_member ON vote_roll (member_id);

CREATE TABLE vote_ballots (
    id          TEXT PRIMARY KEY,          -- vote id "/" hex of 16 random bytes (the slot)
    vote_id     TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    tracker     TEXT NOT NULL,
    change_hash BLOB,
    sealed      BLOB NOT NULL,
    UNIQUE (vote_id, tracker),
    UNIQUE (vote_id, change_hash)
) WITHOUT ROWID;
CREATE INDEX vote_ballots_vote ON vote_ballots (vote_id);

CREATE TABLE vote_board (
    vote_id TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    tracker TEXT NOT NULL,
    ballot  TEXT NOT NULL,                 -- JSON count.Ballot
    PRIMARY KEY (vote_id, tracker)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE vote_board;
DROP TABLE vote_ballots;
DROP TABLE vote_roll;
DROP TABLE votes;

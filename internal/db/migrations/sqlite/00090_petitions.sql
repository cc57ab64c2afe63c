-- Petitions (internal/petitions, issue 11). petition_state holds what the
-- content cannot: the live counters, an organiser's early close, and when
-- the signers' personal data is due for and was erased. Every personal field
-- of a signature lives in the sealed blob `data` (AAD bound to the row id);
-- the email is findable only through its blind index, keyed per petition so
-- one person's signatures of two petitions cannot be linked by it. Erasure
-- nulls data, email_bidx and token_hash and keeps the row's status and day,
-- so counts and per-day numbers survive.
--
-- The counts are sharded: petition_counts and petition_days hold one row
-- per petition (and day) per shard, each signature adding to a random one
-- of 16, and readers sum them. A single counter row would be written by
-- every signature: on PostgreSQL its row lock serialises the batcher's
-- parallel workers (a viral petition is exactly a thousand writers on one
-- row); sharded, they proceed side by side.
-- Signature ids begin with the time (hex microseconds), so new rows are
-- appended to the primary key instead of landing on random pages: under a
-- signing rush each commit then dirties a few pages, not one per row. The
-- emailed token names its row (id-secret) and only the secret's hash is
-- stored, so token_hash needs no index of random keys either.
-- +goose Up
CREATE TABLE petition_state (
    petition_id     TEXT PRIMARY KEY,
    closed_early_at TEXT,
    closed_by       TEXT NOT NULL DEFAULT '',
    erase_at        TEXT,
    erased_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE petition_signatures (
    id           TEXT PRIMARY KEY,
    petition_id  TEXT NOT NULL REFERENCES petition_state (petition_id),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
    lang         TEXT NOT NULL,
    member       INTEGER NOT NULL DEFAULT 0,
    show_name    INTEGER NOT NULL DEFAULT 0,
    news         INTEGER NOT NULL DEFAULT 0,
    email_bidx   BLOB,
    data         BLOB,
    token_hash   BLOB,
    day          TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    confirmed_at TEXT,
    erased_at    TEXT
);
CREATE UNIQUE INDEX petition_signatures_email ON petition_signatures (petition_id, email_bidx);
CREATE INDEX petition_signatures_list ON petition_signatures (petition_id, status, confirmed_at);

CREATE TABLE petition_counts (
    petition_id TEXT NOT NULL,
    shard       INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 0,
    pending     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, shard)
);

CREATE TABLE petition_days (
    petition_id TEXT NOT NULL,
    day         TEXT NOT NULL,
    shard       INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, day, shard)
);

-- +goose Down
DROP TABLE petition_days;
DROP TABLE petition_counts;
DROP TABLE petition_signatures;
DROP TABLE petition_state;

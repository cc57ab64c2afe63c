-- Event registration (internal/events). One row per event key in
-- event_state holds the live counters (locked while a seat is taken, so an
-- event is never over-booked), the last seen start and end (to notice a moved
-- date and bump the calendar SEQUENCE) and which background jobs are
-- scheduled. Every personal field of a registration lives in the sealed blob
-- `data` (AAD bound to the row id); the email is findable only through its
-- keyed blind index. Erasure nulls data, email_bidx and token_hash and keeps
-- the row for the counts.
-- +goose Up
CREATE TABLE event_state (
    event_key   TEXT PRIMARY KEY,
    start_at    timestamptz NOT NULL,
    end_at      timestamptz NOT NULL,
    sequence    INTEGER NOT NULL DEFAULT 0,
    confirmed   INTEGER NOT NULL DEFAULT 0,
    waiting     INTEGER NOT NULL DEFAULT 0,
    closed      boolean NOT NULL DEFAULT false,
    reminder_at timestamptz,
    erase_at    timestamptz,
    erased_at   timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE event_registrations (
    id            TEXT PRIMARY KEY,
    event_key     TEXT NOT NULL REFERENCES event_state (event_key),
    status        TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    lang          TEXT NOT NULL,
    anonymous     boolean NOT NULL DEFAULT false,
    email_bidx    bytea,
    data          bytea,
    token_hash    bytea UNIQUE,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    promoted_at   timestamptz,
    cancelled_at  timestamptz,
    checked_in_at timestamptz,
    reminded_at   timestamptz,
    notified_seq  INTEGER NOT NULL DEFAULT 0,
    erased_at     timestamptz
);
-- One live registration per email and event; a cancelled one does not block
-- registering again.
CREATE UNIQUE INDEX event_registrations_email ON event_registrations (event_key, email_bidx) WHERE status <> 'cancelled';
CREATE INDEX event_registrations_queue ON event_registrations (event_key, status, created_at);

-- +goose Down
DROP TABLE event_registrations;
DROP TABLE event_state;

-- Which sealing keys each running server process holds (internal/rekey).
-- A server writes its row when it loads the key file and every 30 seconds;
-- `unionhall keys rotate` waits until every process seen lately holds the
-- new key before it re-seals anything, so no server meets a value it cannot
-- open. Key ids are hashes that identify a key and reveal nothing of it.
-- +goose Up
CREATE TABLE seal_keyrings (
    instance   TEXT PRIMARY KEY,
    key_ids    TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);

-- +goose Down
DROP TABLE seal_keyrings;

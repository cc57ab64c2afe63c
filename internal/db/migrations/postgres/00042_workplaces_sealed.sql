-- Workplaces sealed (internal/admin/workplaces.go). Which employer a member
-- works for is exactly what a retaliating employer wants, and member_workplaces
-- links every member to a workplace row: so the row's name, contact email
-- (often a representative's private address) and description are sealed like
-- member data — JSON in `data`, AAD bound to the row id — and the normalised
-- name gets a keyed blind index for exact look-ups (single sign-on group
-- claims) and for refusing duplicate names. The index is UNIQUE; NULLs do not
-- collide, so rows not sealed yet are fine.
--
-- SQL has no key, so this migration cannot seal. The server seals the rows
-- left in plain text at start (admin.Console.SealLegacyWorkplaces) and blanks
-- the old columns in the same transaction; they stay only so that the schema
-- change is additive. Going down after that leaves workplaces without names:
-- restore a backup instead.
-- +goose Up
ALTER TABLE workplaces ADD COLUMN data bytea;
ALTER TABLE workplaces ADD COLUMN name_bidx bytea;
CREATE UNIQUE INDEX workplaces_name ON workplaces (name_bidx);

-- +goose Down
DROP INDEX workplaces_name;
ALTER TABLE workplaces DROP COLUMN name_bidx;
ALTER TABLE workplaces DROP COLUMN data;

-- The language a console account chose on its account page (internal/auth):
-- "cs" or "en", or '' to follow the browser's Accept-Language. Kept on the
-- account rather than in a cookie so the choice follows the person to every
-- device and browser they sign in from.
-- +goose Up
ALTER TABLE accounts ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE accounts DROP COLUMN lang;

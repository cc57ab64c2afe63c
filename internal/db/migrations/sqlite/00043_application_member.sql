-- Every application a member signed (internal/admin). members.application_id
-- names only the member's current application: "link to the existing
-- member" (a person who left and rejoins) points it at the new one, and the
-- earlier signed application would then belong to nobody, so erasing the
-- member's personal data could not find it. applications.member_id is the
-- other direction: set whenever an application is accepted as a new member
-- or linked to an existing one, so erasure clears every application with it.
--
-- Backfill: from members.application_id. Linking an application to an
-- existing member arrived together with this column, so no earlier
-- application can have been left behind by a link before it.
-- +goose Up
ALTER TABLE applications ADD COLUMN member_id TEXT REFERENCES members (id) ON DELETE SET NULL;
CREATE INDEX applications_member ON applications (member_id);

UPDATE applications SET member_id = (
    SELECT m.id FROM members m WHERE m.application_id = applications.id ORDER BY m.number LIMIT 1)
WHERE member_id IS NULL AND EXISTS (SELECT 1 FROM members m WHERE m.application_id = applications.id);


-- +goose Down
DROP INDEX applications_member;
ALTER TABLE applications DROP COLUMN member_id;

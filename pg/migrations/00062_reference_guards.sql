-- +goose Up
-- Two guards on reference data an operations black-box pass found loose.
--
-- A catchment area's name is unique whatever its case: "Hartford" and
-- "HARTFORD" were two areas, and an agency enrolled for one did not serve
-- a client recorded in the other. The index keeps the constraint's name,
-- so the API's 409 catchment_area_name_taken reads it as before. (A
-- database holding two names that differ only in case stops here: rename
-- one first.)
ALTER TABLE catchment_areas DROP CONSTRAINT catchment_areas_name_unique;
CREATE UNIQUE INDEX catchment_areas_name_unique ON catchment_areas (lower(name));

-- A service's employment stage is a rung of the employment ladder: a
-- stage past the ladder's last rank was taken and could never be reached.
ALTER TABLE services ADD CONSTRAINT services_employment_stage_fkey
    FOREIGN KEY (employment_stage) REFERENCES employment_stages (rank);

-- +goose Down
ALTER TABLE services DROP CONSTRAINT services_employment_stage_fkey;
DROP INDEX catchment_areas_name_unique;
ALTER TABLE catchment_areas ADD CONSTRAINT catchment_areas_name_unique UNIQUE (name);

-- +goose Up
-- The MSC may designate an open enrollment primary case manager when no
-- open enrollment of the person in the program holds the designation (an
-- agency that enrolled without primary_case_manager had every case
-- management request denied, and a transfer needs an enrollment holding it
-- to move it from: a black-box pass). A designation is kept where the
-- transfers are, with no sending enrollment, so the enrollment's history
-- reads both and an enrollment designated stays in use (not withdrawn).
ALTER TABLE primary_case_manager_transfers ALTER COLUMN from_enrollment_id DROP NOT NULL;
COMMENT ON COLUMN primary_case_manager_transfers.from_enrollment_id IS
    'The enrollment the designation moved from; NULL for a designation the MSC made where no open enrollment held it.';

-- +goose Down
-- The earlier schema has no designation without a sender: those records go
-- (the enrollments keep the flag they were given).
DELETE FROM primary_case_manager_transfers WHERE from_enrollment_id IS NULL;
COMMENT ON COLUMN primary_case_manager_transfers.from_enrollment_id IS NULL;
ALTER TABLE primary_case_manager_transfers ALTER COLUMN from_enrollment_id SET NOT NULL;

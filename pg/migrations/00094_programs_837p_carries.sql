-- +goose Up
-- A program billed on the 837P holds its claims to what the file carries:
-- the subscriber's Medicaid ID (NM109) and the diagnoses (HI), which
-- claims intake requires by these flags. One created with both false paid
-- claims no batch could close, every agency's Medicaid batch failing
-- until the claim was voided (an operations black-box pass). A program
-- already so is set to require them: its claims could never be billed
-- without them.
UPDATE programs SET requires_medicaid_id = true, diagnosis_required = true
WHERE payer_route = 'medicaid_837p' AND NOT (requires_medicaid_id AND diagnosis_required);
ALTER TABLE programs ADD CONSTRAINT programs_837p_carries
    CHECK (payer_route <> 'medicaid_837p' OR (requires_medicaid_id AND diagnosis_required));

-- +goose Down
ALTER TABLE programs DROP CONSTRAINT programs_837p_carries;

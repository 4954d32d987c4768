-- +goose Up
-- A 999's IK3/IK4 errors that a CTX*CLM01 ties to one claim of the set
-- are that claim's, kept apart by its CLM01: copied onto every claim of the
-- rejected set, one agency's claim read another's subscriber-name and
-- birth-date errors (a payer black-box pass). errors keeps the set's own
-- codes (IK5's, and IK3/IK4 no CTX ties to a claim); rows stored before
-- keep every code there, as they were read.
ALTER TABLE payer_set_acks ADD COLUMN claim_errors jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT payer_set_acks_claim_errors_object CHECK (jsonb_typeof(claim_errors) = 'object');

-- +goose Down
ALTER TABLE payer_set_acks DROP COLUMN claim_errors;

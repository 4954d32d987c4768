-- +goose Up
-- A void loop takes back a loop the payer has, and repeats it as it was
-- sent (its subscriber, rendering provider and diagnoses are copied from
-- that loop); its service lines' procedure codes and modifiers are the
-- ones that loop's batch froze (batch_services), named here, since the MSC
-- may have changed a service's code between the two batches and a void
-- carrying the new one takes back a line the payer never had. NULL: the
-- loop's own batch's codes (every loop but such a void). The partial index
-- finds the batches a close or an export needs without reading its loops.
ALTER TABLE batch_x12_claims
    ADD COLUMN codes_from bigint CONSTRAINT batch_x12_claims_codes_from_fkey REFERENCES batches (id),
    ADD CONSTRAINT batch_x12_claims_codes_from_void CHECK (codes_from IS NULL OR (frequency = '8' AND codes_from < batch_id));
CREATE INDEX batch_x12_claims_codes_from_idx ON batch_x12_claims (batch_id, codes_from) WHERE codes_from IS NOT NULL;

-- +goose Down
DROP INDEX batch_x12_claims_codes_from_idx;
ALTER TABLE batch_x12_claims DROP COLUMN codes_from;

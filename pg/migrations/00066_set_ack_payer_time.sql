-- +goose Up
-- A set's 999 acknowledgment was the latest imported: an older 999 (its
-- own interchange, so not refused as imported already) read after a newer
-- one turned an accepted set, and so its claims, back to rejected (a
-- re-check of the fix of 00064, which did the same for the 277CA). The
-- acknowledgment the payer made last counts: each row keeps when the payer
-- made its functional group (GS04/GS05), no later than its import (a file
-- dated ahead would otherwise outrank every later answer), and import
-- order breaks ties. Rows imported before keep their file's import time,
-- the order they were read in until now.
ALTER TABLE payer_set_acks ADD COLUMN reported_at timestamptz;
ALTER TABLE payer_set_acks DISABLE TRIGGER payer_set_acks_immutable;
UPDATE payer_set_acks a SET reported_at = f.imported_at FROM payer_files f WHERE f.id = a.file_id;
ALTER TABLE payer_set_acks ENABLE TRIGGER payer_set_acks_immutable;
ALTER TABLE payer_set_acks ALTER COLUMN reported_at SET NOT NULL;
-- Every read of a set's latest acknowledgment names the batch and the set.
DROP INDEX payer_set_acks_batch_idx;
CREATE INDEX payer_set_acks_batch_idx ON payer_set_acks (batch_id, st_control, reported_at, id) WHERE batch_id IS NOT NULL;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND COALESCE(
           (SELECT NOT s.accepted FROM payer_claim_statuses s
            WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.reported_at DESC, s.id DESC LIMIT 1),
           (SELECT NOT a.accepted FROM payer_set_acks a
            WHERE a.batch_id = b AND a.st_control = payer_loop_set(b, c, p) ORDER BY a.reported_at DESC, a.id DESC LIMIT 1),
           false)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND COALESCE(
           (SELECT NOT s.accepted FROM payer_claim_statuses s
            WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.reported_at DESC, s.id DESC LIMIT 1),
           (SELECT NOT a.accepted FROM payer_set_acks a
            WHERE a.batch_id = b AND a.st_control = payer_loop_set(b, c, p) ORDER BY a.id DESC LIMIT 1),
           false)
$$;
-- +goose StatementEnd
DROP INDEX payer_set_acks_batch_idx;
CREATE INDEX payer_set_acks_batch_idx ON payer_set_acks (batch_id, id) WHERE batch_id IS NOT NULL;
ALTER TABLE payer_set_acks DROP COLUMN reported_at;

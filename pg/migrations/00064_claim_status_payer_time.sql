-- +goose Up
-- A claim's 277CA status was the latest imported: an older 277CA (its own
-- interchange, so not refused as imported already) read after a newer one
-- turned an accepted claim back to rejected, and its correction would go
-- out as a new claim beside the one the payer holds (a known gap of the
-- twelfth stop). The status the payer made last counts: each row keeps
-- when the payer made its acknowledgment (BHT04/BHT05), no later than its
-- import (a file dated ahead would otherwise outrank every later answer),
-- and import order breaks ties. Rows imported before keep their file's
-- import time, the order they were read in until now.
ALTER TABLE payer_claim_statuses ADD COLUMN reported_at timestamptz;
ALTER TABLE payer_claim_statuses DISABLE TRIGGER payer_claim_statuses_immutable;
UPDATE payer_claim_statuses s SET reported_at = f.imported_at FROM payer_files f WHERE f.id = s.file_id;
ALTER TABLE payer_claim_statuses ENABLE TRIGGER payer_claim_statuses_immutable;
ALTER TABLE payer_claim_statuses ALTER COLUMN reported_at SET NOT NULL;
DROP INDEX payer_claim_statuses_claim_idx;
CREATE INDEX payer_claim_statuses_claim_idx ON payer_claim_statuses (claim_id, part, reported_at, id) WHERE claim_id IS NOT NULL;
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND COALESCE(
           (SELECT NOT s.accepted FROM payer_claim_statuses s
            WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.id DESC LIMIT 1),
           (SELECT NOT a.accepted FROM payer_set_acks a
            WHERE a.batch_id = b AND a.st_control = payer_loop_set(b, c, p) ORDER BY a.id DESC LIMIT 1),
           false)
$$;
-- +goose StatementEnd
DROP INDEX payer_claim_statuses_claim_idx;
CREATE INDEX payer_claim_statuses_claim_idx ON payer_claim_statuses (claim_id, part, id) WHERE claim_id IS NOT NULL;
ALTER TABLE payer_claim_statuses DROP COLUMN reported_at;

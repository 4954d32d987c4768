-- +goose Up
-- The transaction set a CLM loop went out in is recorded with the loop
-- when its batch closes (st_control, the set's ST02), not counted again on
-- every read: payer_loop_set counted the batch's loops sorting before the
-- loop, for every loop of every read of a reconciliation, and a batch of
-- 5,010 loops took 61 s to reconcile after one 999, 110 s after two and
-- passed the server's write timeout after three (a black-box pass of
-- 00045). Loops are numbered into sets in (provider, claim, part) order,
-- claims_per_set to a set, as billing.export837P writes them.
ALTER TABLE batch_x12_claims ADD COLUMN st_control bigint;
ALTER TABLE batch_x12_claims DISABLE TRIGGER batch_x12_claims_immutable;
UPDATE batch_x12_claims x SET st_control = n.st
FROM (SELECT x.batch_id, x.claim_id, x.part,
             b.st_controls[1 + (row_number() OVER (PARTITION BY x.batch_id ORDER BY x.provider_id, x.claim_id, x.part) - 1)::int
                           / b.claims_per_set] AS st
      FROM batch_x12_claims x JOIN batches b ON b.id = x.batch_id) n
WHERE n.batch_id = x.batch_id AND n.claim_id = x.claim_id AND n.part = x.part;
ALTER TABLE batch_x12_claims ENABLE TRIGGER batch_x12_claims_immutable;
ALTER TABLE batch_x12_claims ALTER COLUMN st_control SET NOT NULL;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_set(b bigint, c bigint, p integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT st_control FROM batch_x12_claims WHERE batch_id = b AND claim_id = c AND part = p
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_set(b bigint, c bigint, p integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT t.st_controls[1 + (SELECT count(*) FROM batch_x12_claims x, batch_x12_claims o
                              WHERE o.batch_id = b AND o.claim_id = c AND o.part = p
                                AND x.batch_id = b
                                AND (x.provider_id, x.claim_id, x.part) < (o.provider_id, o.claim_id, o.part))::int / t.claims_per_set]
    FROM batches t WHERE t.id = b
$$;
-- +goose StatementEnd
ALTER TABLE batch_x12_claims DROP COLUMN st_control;

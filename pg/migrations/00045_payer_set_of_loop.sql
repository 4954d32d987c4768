-- +goose Up
-- A claim rejected by a 999 showed the codes of the batch's latest
-- rejected set, whichever set carried the claim: with two sets rejected
-- for different errors, the provider was told to mend an error its claim
-- did not have (a black-box pass at 5,351 claims, two sets). The set a
-- loop went out in is now one function, read by the rejection and by its
-- codes alike, and the set's latest acknowledgment is the one that counts:
-- a later 999 accepting a set the payer first rejected clears it. The
-- batch records how many loops its sets hold (the guide's 5,000, the
-- writer's and this function's alike, where each said 5,000 on its own).
ALTER TABLE batches ADD COLUMN claims_per_set integer NOT NULL DEFAULT 5000
    CONSTRAINT batches_claims_per_set_range CHECK (claims_per_set BETWEEN 1 AND 5000);
-- +goose StatementBegin
CREATE FUNCTION payer_loop_set(b bigint, c bigint, p integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    -- Sets are filled in (provider, claim, part) order, as the batch wrote
    -- its loops (billing.export837P).
    SELECT t.st_controls[1 + (SELECT count(*) FROM batch_x12_claims x, batch_x12_claims o
                              WHERE o.batch_id = b AND o.claim_id = c AND o.part = p
                                AND x.batch_id = b
                                AND (x.provider_id, x.claim_id, x.part) < (o.provider_id, o.claim_id, o.part))::int / t.claims_per_set]
    FROM batches t WHERE t.id = b
$$;
-- +goose StatementEnd
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND COALESCE(
           (SELECT NOT s.accepted FROM payer_claim_statuses s
            WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.id DESC LIMIT 1),
           EXISTS (SELECT 1 FROM payer_set_acks a JOIN batches t ON t.id = a.batch_id
                   WHERE a.batch_id = b AND NOT a.accepted
                     AND a.st_control = t.st_controls[1 + (SELECT count(*) FROM batch_x12_claims x, batch_x12_claims o
                                                           WHERE o.batch_id = b AND o.claim_id = c AND o.part = p
                                                             AND x.batch_id = b
                                                             AND (x.provider_id, x.claim_id, x.part) < (o.provider_id, o.claim_id, o.part))::int / 5000]))
$$;
-- +goose StatementEnd
DROP FUNCTION payer_loop_set(bigint, bigint, integer);
ALTER TABLE batches DROP COLUMN claims_per_set;

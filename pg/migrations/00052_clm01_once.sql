-- The payer answers a claim (999 aside: 277CA TRN02, 835 CLP01) by the
-- CLM01 rss sent, for the billing provider it names, and rss matches the
-- answer to the loop sent with that CLM01 (the latest batch's, should
-- there be two). A claim of more than 50 lines goes out in loops whose
-- CLM01 is its number with -1, -2..., so a claim numbered X-1 of the same
-- agency went out under the CLM01 of claim X's first loop, and an 835
-- reversal meant for one was posted to the other (a black-box pass).
-- Intake now refuses such a number; this is the schema's own word on
-- what reaches the payer: a CLM loop is refused when its agency already
-- has a loop with its CLM01, in an earlier batch or in the same one.
--
-- Not a unique index: loops sent before this migration may already
-- repeat a CLM01, and they stay as they were sent (the payer has them).
-- The check is per statement, one probe of batch_x12_claims_clm01_idx a
-- new loop. It takes the lock 837P batches are closed under
-- (billing.CreateBatch: one at a time), so its reads, which start after
-- the lock is granted, see every loop another close committed, whoever
-- inserts.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION batch_x12_claims_check_clm01() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('rss batch medicaid_837p'));
    IF EXISTS (SELECT 1 FROM new_loops n, LATERAL (
                   SELECT 1 FROM batch_x12_claims x
                   WHERE x.clm01 = n.clm01 AND x.provider_id = n.provider_id
                     AND (x.batch_id, x.claim_id, x.part) <> (n.batch_id, n.claim_id, n.part)
                   LIMIT 1) o) THEN
        RAISE EXCEPTION 'a CLM01 goes to the payer once for its billing provider'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'batch_x12_claims_clm01_once', TABLE = 'batch_x12_claims';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER batch_x12_claims_clm01_once AFTER INSERT ON batch_x12_claims
    REFERENCING NEW TABLE AS new_loops FOR EACH STATEMENT EXECUTE FUNCTION batch_x12_claims_check_clm01();

-- +goose Down
DROP TRIGGER batch_x12_claims_clm01_once ON batch_x12_claims;
DROP FUNCTION batch_x12_claims_check_clm01();

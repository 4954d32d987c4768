-- +goose Up
-- A batch takes a claim's payable lines whole, so it records them a claim
-- at a time: batch_claims.lines is how many billable lines of the claim the
-- batch took, and the batch's lines are exactly those billable lines. The
-- row per line (batch_lines, and batch_x12_lines for the 837P) cost a
-- million index entries and a million foreign-key probes to close a batch
-- of a million lines; the same guarantees now hold per claim:
--   - no line is in two batches: a claim's lines are taken by one batch at
--     most (batch_claims_lines_once), and a line belongs to one claim;
--   - a batch takes every billable line of a claim, checked once per
--     statement (batch_claims_take_whole_claims);
--   - what a batch took cannot change afterwards: a batched claim gets no
--     new line and none of its billable lines stops being billable
--     (claim_lines_batched_kept_*, per statement: a transition table
--     cannot go with a column list, so every update of lines is looked
--     at, in one join), and batch rows are immutable as before.

ALTER TABLE batch_claims ADD COLUMN lines integer NOT NULL DEFAULT 0
    CONSTRAINT batch_claims_lines_nonnegative CHECK (lines >= 0);
ALTER TABLE batch_claims DISABLE TRIGGER batch_claims_immutable;
UPDATE batch_claims bc SET lines = x.n
FROM (SELECT bl.batch_id, l.claim_id, count(*)::int AS n FROM batch_lines bl JOIN claim_lines l ON l.id = bl.line_id
      GROUP BY bl.batch_id, l.claim_id) x
WHERE x.batch_id = bc.batch_id AND x.claim_id = bc.claim_id;
ALTER TABLE batch_claims ENABLE TRIGGER batch_claims_immutable;
ALTER TABLE batch_claims ALTER COLUMN lines DROP DEFAULT;
CREATE UNIQUE INDEX batch_claims_lines_once ON batch_claims (claim_id) WHERE lines > 0;

-- The billable lines of each claim, with their dates: what a batch counts
-- and what finds the claims waiting for one, read from the index alone.
DROP INDEX claim_lines_billable_idx;
CREATE INDEX claim_lines_billable_idx ON claim_lines (claim_id, date_of_service) WHERE billable;

-- What a batch_claims row names is checked with it, once per statement: a
-- batch takes tens of thousands of claims at once, and three foreign keys
-- ran three queries per row. The claim must exist with the provider the
-- row says (stronger than the two keys were), and the batch must exist;
-- the keys' other half holds because claims, providers and batches are
-- never deleted (claims_kept, batches_immutable, and providers are only
-- deactivated).
ALTER TABLE batch_claims
    DROP CONSTRAINT batch_claims_claim_fkey,
    DROP CONSTRAINT batch_claims_provider_fkey,
    DROP CONSTRAINT batch_claims_batch_fkey;

-- +goose StatementBegin
CREATE FUNCTION batch_claims_check_lines() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT batch_id FROM new_claims) d
               WHERE NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = d.batch_id)) THEN
        RAISE EXCEPTION 'insert on batch_claims names a batch that does not exist'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'batch_claims_batch_fkey', TABLE = 'batch_claims';
    END IF;
    IF EXISTS (SELECT 1 FROM new_claims n
               WHERE (SELECT c.provider_id FROM claims c WHERE c.id = n.claim_id) IS DISTINCT FROM n.provider_id) THEN
        RAISE EXCEPTION 'insert on batch_claims names a claim that does not exist, or not of that provider'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'batch_claims_claim_fkey', TABLE = 'batch_claims';
    END IF;
    IF EXISTS (SELECT 1 FROM new_claims n
               WHERE n.lines <> (SELECT count(*) FROM claim_lines l WHERE l.claim_id = n.claim_id AND l.billable)) THEN
        RAISE EXCEPTION 'a batch takes every billable line of a claim or none'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'batch_claims_take_whole_claims', TABLE = 'batch_claims';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER batch_claims_take_whole_claims AFTER INSERT ON batch_claims
    REFERENCING NEW TABLE AS new_claims FOR EACH STATEMENT EXECUTE FUNCTION batch_claims_check_lines();

-- +goose StatementBegin
CREATE FUNCTION claim_lines_refuse_batched_change() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF EXISTS (SELECT 1 FROM new_lines n JOIN old_lines o ON o.id = n.id
                   WHERE o.billable AND NOT n.billable
                     AND EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = n.claim_id AND b.lines > 0)) THEN
            RAISE EXCEPTION 'a batched line stays billable'
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'batch_lines_line_fkey', TABLE = 'claim_lines';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM batch_claims b WHERE b.lines > 0 AND b.claim_id IN (SELECT claim_id FROM new_lines)) THEN
        RAISE EXCEPTION 'a batched claim takes no new line'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'batch_lines_line_fkey', TABLE = 'claim_lines';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_lines_batched_kept_insert AFTER INSERT ON claim_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION claim_lines_refuse_batched_change();
CREATE TRIGGER claim_lines_batched_kept_update AFTER UPDATE ON claim_lines
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION claim_lines_refuse_batched_change();

-- An 837P loop lists its service lines in LX order. legacy_sv1 marks loops
-- frozen by 00010 from batches closed before it: their SV1 carried the
-- line's units and charge as submitted and their REF*G1 was claim-level;
-- every later loop bills the units and amount found payable and names
-- each line's authorization.
ALTER TABLE batch_x12_claims
    ADD COLUMN line_ids bigint[],
    ADD COLUMN legacy_sv1 boolean NOT NULL DEFAULT false;
ALTER TABLE batch_x12_claims DISABLE TRIGGER batch_x12_claims_immutable;
UPDATE batch_x12_claims x SET line_ids = f.ids, legacy_sv1 = f.legacy
FROM (SELECT f.batch_id, f.claim_id, f.part, array_agg(f.line_id ORDER BY f.seq) AS ids,
             bool_or(f.units <> abs(l.units_allowed) OR f.charge <> abs(l.paid) OR f.prior_auth IS DISTINCT FROM l.authorization_number) AS legacy
      FROM batch_x12_lines f JOIN claim_lines l ON l.id = f.line_id
      GROUP BY f.batch_id, f.claim_id, f.part) f
WHERE f.batch_id = x.batch_id AND f.claim_id = x.claim_id AND f.part = x.part;
ALTER TABLE batch_x12_claims ENABLE TRIGGER batch_x12_claims_immutable;
ALTER TABLE batch_x12_claims
    ALTER COLUMN line_ids SET NOT NULL,
    ALTER COLUMN legacy_sv1 DROP DEFAULT,
    ADD CONSTRAINT batch_x12_claims_lines_range CHECK (cardinality(line_ids) BETWEEN 1 AND 50);

DROP TABLE batch_x12_lines;
DROP TABLE batch_lines;

-- +goose Down
CREATE TABLE batch_lines (
    batch_id bigint  NOT NULL CONSTRAINT batch_lines_batch_fkey REFERENCES batches (id),
    line_id  bigint  NOT NULL CONSTRAINT batch_lines_line_unique UNIQUE,
    billable boolean NOT NULL DEFAULT true CONSTRAINT batch_lines_billable CHECK (billable),
    CONSTRAINT batch_lines_line_fkey FOREIGN KEY (line_id, billable) REFERENCES claim_lines (id, billable),
    CONSTRAINT batch_lines_pkey PRIMARY KEY (batch_id, line_id)
);
CREATE INDEX batch_lines_line_idx ON batch_lines (line_id, batch_id);
INSERT INTO batch_lines (batch_id, line_id)
SELECT bc.batch_id, l.id FROM batch_claims bc JOIN claim_lines l ON l.claim_id = bc.claim_id AND l.billable WHERE bc.lines > 0;
CREATE TRIGGER batch_lines_immutable BEFORE UPDATE OR DELETE ON batch_lines
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TABLE batch_x12_lines (
    batch_id   bigint  NOT NULL,
    claim_id   bigint  NOT NULL,
    part       integer NOT NULL,
    seq        integer NOT NULL CONSTRAINT batch_x12_lines_seq_range CHECK (seq BETWEEN 1 AND 50),
    line_id    bigint  NOT NULL CONSTRAINT batch_x12_lines_line_unique UNIQUE,
    units      bigint  NOT NULL CONSTRAINT batch_x12_lines_units_positive CHECK (units > 0),
    charge     numeric(12,2) NOT NULL CONSTRAINT batch_x12_lines_charge_positive CHECK (charge > 0),
    prior_auth text,
    CONSTRAINT batch_x12_lines_pkey PRIMARY KEY (batch_id, claim_id, part, seq),
    CONSTRAINT batch_x12_lines_loop_fkey FOREIGN KEY (batch_id, claim_id, part) REFERENCES batch_x12_claims (batch_id, claim_id, part),
    CONSTRAINT batch_x12_lines_batch_line_fkey FOREIGN KEY (batch_id, line_id) REFERENCES batch_lines (batch_id, line_id)
);
INSERT INTO batch_x12_lines (batch_id, claim_id, part, seq, line_id, units, charge, prior_auth)
SELECT x.batch_id, x.claim_id, x.part, k.seq, k.id,
       CASE WHEN x.legacy_sv1 THEN l.units ELSE abs(l.units_allowed) END,
       CASE WHEN x.legacy_sv1 THEN l.charge ELSE abs(l.paid) END,
       CASE WHEN x.legacy_sv1 THEN NULL ELSE l.authorization_number END
FROM batch_x12_claims x CROSS JOIN LATERAL unnest(x.line_ids) WITH ORDINALITY AS k(id, seq)
JOIN claim_lines l ON l.id = k.id;
CREATE TRIGGER batch_x12_lines_immutable BEFORE UPDATE OR DELETE ON batch_x12_lines
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
ALTER TABLE batch_x12_claims DROP CONSTRAINT batch_x12_claims_lines_range, DROP COLUMN line_ids, DROP COLUMN legacy_sv1;
DROP TRIGGER claim_lines_batched_kept_update ON claim_lines;
DROP TRIGGER claim_lines_batched_kept_insert ON claim_lines;
DROP FUNCTION claim_lines_refuse_batched_change();
DROP TRIGGER batch_claims_take_whole_claims ON batch_claims;
DROP FUNCTION batch_claims_check_lines();
ALTER TABLE batch_claims
    ADD CONSTRAINT batch_claims_batch_fkey FOREIGN KEY (batch_id) REFERENCES batches (id),
    ADD CONSTRAINT batch_claims_claim_fkey FOREIGN KEY (claim_id) REFERENCES claims (id),
    ADD CONSTRAINT batch_claims_provider_fkey FOREIGN KEY (provider_id) REFERENCES providers (id);
DROP INDEX claim_lines_billable_idx;
CREATE INDEX claim_lines_billable_idx ON claim_lines (provider_id, date_of_service) WHERE billable;
DROP INDEX batch_claims_lines_once;
ALTER TABLE batch_claims DROP COLUMN lines;

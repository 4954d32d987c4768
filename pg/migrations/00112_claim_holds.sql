-- Adverse staff news (a failed background check, the department's
-- withdrawal of a verified record) is taken over paid lines it leaves
-- unqualified, which stay paid (a record claws no money back): listed and
-- audited, but a re-check found the next register batch paying 25 of 29
-- such lines. A claim of such a line that no batch took yet is now held
-- from batches (billing's HoldRendered, called by staff in the record's
-- transaction) until a void or a replacement of it, or the MSC, releases
-- it. A hold is a row of its own, not a column of the claim: the claim's
-- history keeps who held it, for which record, and who released it why.
--
-- The schema refuses a batch that takes a held claim's lines (one check
-- per statement, as batch_claims_take_whole_claims is): a void (frequency
-- 8) and a claim voided or replaced are exempt, as from the payer-consent
-- hold, since what waits of them is the take-back of what the payer or
-- the agency already has, and a hold must not keep money being given back.

-- +goose Up
CREATE TABLE claim_holds (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    claim_id            bigint NOT NULL CONSTRAINT claim_holds_claim_fkey REFERENCES claims (id),
    code                text NOT NULL CONSTRAINT claim_holds_code_known CHECK (code IN ('rendered_unqualified')),
    -- The staff record of adverse news that caused it (the audit entity
    -- type and id), never its content.
    record_type         text NOT NULL CONSTRAINT claim_holds_record_type_known
                             CHECK (record_type IN ('background_check', 'staff_credential', 'staff_experience')),
    record_id           bigint NOT NULL,
    held_at             timestamptz NOT NULL,
    held_by_key_id      bigint CONSTRAINT claim_holds_held_by_fkey REFERENCES api_keys (id),
    released_at         timestamptz,
    released_by_key_id  bigint CONSTRAINT claim_holds_released_by_fkey REFERENCES api_keys (id),
    -- 'voided' or 'replaced' (released by the claim that superseded it,
    -- released_by_claim_id), or the MSC's reason.
    release_reason      text,
    released_by_claim_id bigint CONSTRAINT claim_holds_released_by_claim_fkey REFERENCES claims (id),
    CONSTRAINT claim_holds_release_whole CHECK ((released_at IS NULL) = (release_reason IS NULL)
        AND (released_at IS NOT NULL OR (released_by_key_id IS NULL AND released_by_claim_id IS NULL))),
    CONSTRAINT claim_holds_release_reason_nonempty CHECK (btrim(release_reason) <> ''),
    CONSTRAINT claim_holds_release_after CHECK (released_at >= held_at)
);
-- At most one open hold per claim and code; also what the batch guard and
-- the waiting claims read, open holds alone.
CREATE UNIQUE INDEX claim_holds_open_once ON claim_holds (claim_id, code) WHERE released_at IS NULL;
CREATE INDEX claim_holds_claim_idx ON claim_holds (claim_id);

-- A hold is written once and released once: its cause and who took it
-- never change, and a release is never undone or rewritten.
-- +goose StatementBegin
CREATE FUNCTION claim_holds_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.released_at IS NOT NULL
       OR (NEW.claim_id, NEW.code, NEW.record_type, NEW.record_id, NEW.held_at, NEW.held_by_key_id)
          IS DISTINCT FROM (OLD.claim_id, OLD.code, OLD.record_type, OLD.record_id, OLD.held_at, OLD.held_by_key_id) THEN
        RAISE EXCEPTION 'a claim hold is kept as taken and released once'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'claim_holds_kept', TABLE = 'claim_holds';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_holds_kept BEFORE UPDATE OR DELETE ON claim_holds
    FOR EACH ROW EXECUTE FUNCTION claim_holds_refuse_change();

-- A batch never takes the lines of a held claim. Once per statement: a
-- close of a million lines pays one probe of the (few) open holds when
-- there are none, one join of them to its claims when there are.
-- +goose StatementBegin
CREATE FUNCTION batch_claims_refuse_held() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM claim_holds WHERE released_at IS NULL) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM new_claims n
               JOIN claim_holds h ON h.claim_id = n.claim_id AND h.released_at IS NULL
               JOIN claims c ON c.id = n.claim_id
               WHERE n.lines > 0 AND c.frequency <> '8' AND c.status NOT IN ('voided', 'replaced')) THEN
        RAISE EXCEPTION 'a batch takes no claim a hold keeps out of batches'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'batch_claims_not_held', TABLE = 'batch_claims';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER batch_claims_not_held AFTER INSERT ON batch_claims
    REFERENCING NEW TABLE AS new_claims FOR EACH STATEMENT EXECUTE FUNCTION batch_claims_refuse_held();

-- +goose Down
DROP TRIGGER batch_claims_not_held ON batch_claims;
DROP FUNCTION batch_claims_refuse_held();
DROP TABLE claim_holds;
DROP FUNCTION claim_holds_refuse_change();

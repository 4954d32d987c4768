-- +goose Up
-- Bulk intake again (issue 8: 30,000 claim lines a second). What a
-- thousand-claim request cost in the database, measured, beyond its
-- claims and lines themselves:

-- 1. Every request updates each of its clients' authorization and episode
-- (the ledger's counters) and their report_claim_use rows, and nearly
-- none of those updates were HOT: a table filled to the brim has no room
-- on a row's page for its next version, so each update wrote a new entry
-- in every index of the table (nine for authorizations), and the pages
-- filled with versions the concurrent intake still saw. In the bench 1-2%
-- of these updates were HOT. Pages filled to half leave a row's page room
-- for the versions two intakes keep alive at once; the tables are small
-- beside the claims. Rows written from now on are placed so (existing
-- pages are not rewritten: VACUUM FULL or pg_repack does that, offline).
ALTER TABLE authorizations SET (fillfactor = 50);
ALTER TABLE episodes SET (fillfactor = 50);
ALTER TABLE report_claim_use SET (fillfactor = 50);

-- 2. A claim named its client with the agency, its program, its rendering
-- staff, the API key that sent it and its original through foreign keys:
-- for a thousand claims, four to five thousand checks, each a query of
-- its own and a row lock (FOR KEY SHARE) on the row it found, which
-- dirtied the client's page and wrote WAL, and made the program, staff
-- and key rows every claim of a bulk shares into multixacts when two
-- bulks ran at once. As 00015 did for claim lines, the claims a statement
-- inserted are checked once, each distinct name looked up once (the same
-- checks, the same constraint names), and the other half of a foreign key,
-- that a row named cannot go away, holds by refusing outright: clients,
-- programs, staff and API keys are never deleted (a key is revoked, a
-- staff member made inactive) nor given another key, and claims never
-- were (claims_kept). superseded_by stays a foreign key: it is set by an
-- update of the few originals a submission voids or replaces.
ALTER TABLE claims
    DROP CONSTRAINT claims_client_agency_fkey,
    DROP CONSTRAINT claims_program_fkey,
    DROP CONSTRAINT claims_staff_fkey,
    DROP CONSTRAINT claims_submitted_by_fkey,
    DROP CONSTRAINT claims_original_fkey;

-- +goose StatementBegin
-- The lookups are scalar subqueries by unique key, per-row index probes
-- whatever the tables held when the session's plan was made.
CREATE FUNCTION claims_check_references() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing text;
BEGIN
    SELECT x.missing INTO missing FROM (
        SELECT 'claims_client_agency_fkey' AS missing
        FROM (SELECT DISTINCT client_id, provider_id FROM new_claims) n
        WHERE (SELECT 1 FROM clients c WHERE c.id = n.client_id AND c.provider_id = n.provider_id) IS NULL
        UNION ALL
        SELECT 'claims_program_fkey'
        FROM (SELECT DISTINCT program_code FROM new_claims) n
        WHERE (SELECT 1 FROM programs p WHERE p.code = n.program_code) IS NULL
        UNION ALL
        SELECT 'claims_staff_fkey'
        FROM (SELECT DISTINCT rendering_staff_id, provider_id FROM new_claims WHERE rendering_staff_id IS NOT NULL) n
        WHERE (SELECT 1 FROM staff s WHERE s.id = n.rendering_staff_id AND s.provider_id = n.provider_id) IS NULL
        UNION ALL
        SELECT 'claims_submitted_by_fkey'
        FROM (SELECT DISTINCT submitted_by FROM new_claims) n
        WHERE (SELECT 1 FROM api_keys k WHERE k.id = n.submitted_by) IS NULL
        UNION ALL
        SELECT 'claims_original_fkey'
        FROM new_claims n
        WHERE n.original_claim_id IS NOT NULL AND (SELECT 1 FROM claims o WHERE o.id = n.original_claim_id) IS NULL) x
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on claims names a row that does not exist (%)', missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = missing, TABLE = 'claims';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claims_references AFTER INSERT ON claims
    REFERENCING NEW TABLE AS new_claims FOR EACH STATEMENT EXECUTE FUNCTION claims_check_references();

CREATE TRIGGER clients_kept BEFORE DELETE OR TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER clients_key_kept BEFORE UPDATE OF id, provider_id ON clients FOR EACH ROW
    WHEN ((OLD.id, OLD.provider_id) IS DISTINCT FROM (NEW.id, NEW.provider_id)) EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER programs_kept BEFORE DELETE OR TRUNCATE ON programs
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER programs_key_kept BEFORE UPDATE OF code ON programs FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER staff_kept BEFORE DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER staff_key_kept BEFORE UPDATE OF id, provider_id ON staff FOR EACH ROW
    WHEN ((OLD.id, OLD.provider_id) IS DISTINCT FROM (NEW.id, NEW.provider_id)) EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER api_keys_kept BEFORE DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER api_keys_key_kept BEFORE UPDATE OF id ON api_keys FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION claim_references_are_kept();

-- +goose Down
DROP TRIGGER api_keys_key_kept ON api_keys;
DROP TRIGGER api_keys_kept ON api_keys;
DROP TRIGGER staff_key_kept ON staff;
DROP TRIGGER staff_kept ON staff;
DROP TRIGGER programs_key_kept ON programs;
DROP TRIGGER programs_kept ON programs;
DROP TRIGGER clients_key_kept ON clients;
DROP TRIGGER clients_kept ON clients;
DROP TRIGGER claims_references ON claims;
DROP FUNCTION claims_check_references();
ALTER TABLE claims
    ADD CONSTRAINT claims_client_agency_fkey FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id),
    ADD CONSTRAINT claims_program_fkey FOREIGN KEY (program_code) REFERENCES programs (code),
    ADD CONSTRAINT claims_staff_fkey FOREIGN KEY (rendering_staff_id, provider_id) REFERENCES staff (id, provider_id),
    ADD CONSTRAINT claims_submitted_by_fkey FOREIGN KEY (submitted_by) REFERENCES api_keys (id),
    ADD CONSTRAINT claims_original_fkey FOREIGN KEY (original_claim_id) REFERENCES claims (id);
ALTER TABLE report_claim_use RESET (fillfactor);
ALTER TABLE episodes RESET (fillfactor);
ALTER TABLE authorizations RESET (fillfactor);

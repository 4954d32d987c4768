-- +goose Up
-- Claims and their lines are the tables intake writes most: each index and
-- foreign key costs every line of a bulk. These guards stay as strong,
-- cheaper.

-- (claim_id, line_number) is unique and leads with claim_id: it serves
-- every lookup by claim, so the index on claim_id alone was a second copy.
DROP INDEX claim_lines_claim_idx;

-- Nothing reads counted lines by authorization: the ledger keeps the units
-- used on the authorization itself.
DROP INDEX claim_lines_authorization_idx;

-- A line is reversed at most once; lines that reverse nothing (nearly all)
-- need no entry in the index that says so.
ALTER TABLE claim_lines DROP CONSTRAINT claim_lines_reversed_once;
CREATE UNIQUE INDEX claim_lines_reversed_once ON claim_lines (reverses_line_id) WHERE reverses_line_id IS NOT NULL;

-- What a line names (its claim, service, authorization with that
-- authorization's episode, and the line it reverses) is checked once per
-- statement for all the rows it inserted, not by four foreign keys that
-- each ran a query and took a row lock per line: with two bulks at once,
-- every line locked the same service row, shared between them. A foreign
-- key's other half, that a row named cannot go away, holds by refusing
-- outright: claims, lines, authorizations and services are never deleted,
-- nor their keys changed, and a line's claim, service and reversed line
-- were already frozen (claim_lines_frozen); its authorization and episode
-- now are too. A line names an authorization and its episode, or neither.
ALTER TABLE claim_lines
    DROP CONSTRAINT claim_lines_claim_fkey,
    DROP CONSTRAINT claim_lines_service_fkey,
    DROP CONSTRAINT claim_lines_authorization_fkey,
    DROP CONSTRAINT claim_lines_episode_fkey,
    DROP CONSTRAINT claim_lines_reverses_fkey,
    ADD CONSTRAINT claim_lines_episode_of_authorization CHECK ((authorization_id IS NULL) = (episode_id IS NULL));

-- +goose StatementBegin
-- The lookups are scalar subqueries by primary key, which stay per-row
-- index probes, and sequential scans are ruled out: the plan is kept for
-- the session, and must not be one that only suits the small tables it was
-- made on.
CREATE FUNCTION claim_lines_check_references() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing text;
BEGIN
    SELECT x.missing INTO missing FROM (
        SELECT CASE
            WHEN (SELECT 1 FROM claims c WHERE c.id = n.claim_id) IS NULL THEN 'claim_lines_claim_fkey'
            WHEN (SELECT 1 FROM services s WHERE s.code = n.service_code) IS NULL THEN 'claim_lines_service_fkey'
            WHEN n.authorization_id IS NOT NULL
             AND (SELECT a.episode_id FROM authorizations a WHERE a.id = n.authorization_id) IS DISTINCT FROM n.episode_id
                THEN 'claim_lines_authorization_fkey'
            WHEN n.reverses_line_id IS NOT NULL
             AND (SELECT 1 FROM claim_lines r WHERE r.id = n.reverses_line_id) IS NULL THEN 'claim_lines_reverses_fkey'
            END AS missing
        FROM new_lines n) x
    WHERE x.missing IS NOT NULL
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on claim_lines names a row that does not exist (%)', missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = missing, TABLE = 'claim_lines';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claim_lines_references AFTER INSERT ON claim_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION claim_lines_check_references();

-- +goose StatementBegin
CREATE FUNCTION claim_references_are_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: claim lines name these rows, which are never deleted nor given another key', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claims_kept BEFORE DELETE OR TRUNCATE ON claims
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER claims_key_kept BEFORE UPDATE OF id ON claims FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER claim_lines_kept BEFORE DELETE OR TRUNCATE ON claim_lines
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER claim_lines_key_kept BEFORE UPDATE OF id, authorization_id, episode_id ON claim_lines FOR EACH ROW
    WHEN ((OLD.id, OLD.authorization_id, OLD.episode_id) IS DISTINCT FROM (NEW.id, NEW.authorization_id, NEW.episode_id))
    EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER authorizations_kept BEFORE DELETE OR TRUNCATE ON authorizations
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER authorizations_key_kept BEFORE UPDATE OF id, episode_id ON authorizations FOR EACH ROW
    WHEN ((OLD.id, OLD.episode_id) IS DISTINCT FROM (NEW.id, NEW.episode_id)) EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER services_kept BEFORE DELETE OR TRUNCATE ON services
    FOR EACH STATEMENT EXECUTE FUNCTION claim_references_are_kept();
CREATE TRIGGER services_key_kept BEFORE UPDATE OF code ON services FOR EACH ROW
    WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION claim_references_are_kept();

-- A claim's (client, agency) key already holds its client to a record of
-- its agency, which holds the agency to a provider: the two single-column
-- keys checked the same thing again for every claim.
ALTER TABLE claims DROP CONSTRAINT claims_client_fkey, DROP CONSTRAINT claims_provider_fkey;

-- +goose Down
ALTER TABLE claims
    ADD CONSTRAINT claims_client_fkey FOREIGN KEY (client_id) REFERENCES clients (id),
    ADD CONSTRAINT claims_provider_fkey FOREIGN KEY (provider_id) REFERENCES providers (id);
DROP TRIGGER services_key_kept ON services;
DROP TRIGGER services_kept ON services;
DROP TRIGGER authorizations_key_kept ON authorizations;
DROP TRIGGER authorizations_kept ON authorizations;
DROP TRIGGER claim_lines_key_kept ON claim_lines;
DROP TRIGGER claim_lines_kept ON claim_lines;
DROP TRIGGER claims_key_kept ON claims;
DROP TRIGGER claims_kept ON claims;
DROP FUNCTION claim_references_are_kept();
DROP TRIGGER claim_lines_references ON claim_lines;
DROP FUNCTION claim_lines_check_references();
ALTER TABLE claim_lines
    DROP CONSTRAINT claim_lines_episode_of_authorization,
    ADD CONSTRAINT claim_lines_claim_fkey FOREIGN KEY (claim_id) REFERENCES claims (id),
    ADD CONSTRAINT claim_lines_service_fkey FOREIGN KEY (service_code) REFERENCES services (code),
    ADD CONSTRAINT claim_lines_authorization_fkey FOREIGN KEY (authorization_id) REFERENCES authorizations (id),
    ADD CONSTRAINT claim_lines_episode_fkey FOREIGN KEY (episode_id) REFERENCES episodes (id),
    ADD CONSTRAINT claim_lines_reverses_fkey FOREIGN KEY (reverses_line_id) REFERENCES claim_lines (id);
DROP INDEX claim_lines_reversed_once;
ALTER TABLE claim_lines ADD CONSTRAINT claim_lines_reversed_once UNIQUE (reverses_line_id);
CREATE INDEX claim_lines_authorization_idx ON claim_lines (authorization_id) WHERE counted;
CREATE INDEX claim_lines_claim_idx ON claim_lines (claim_id);

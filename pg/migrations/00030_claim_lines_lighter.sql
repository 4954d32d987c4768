-- +goose Up
-- Bulk intake writes ten thousand claim lines a request; what each line
-- costs in the database is what bounds it. Two costs went nowhere.

-- (id, billable) was unique so batch_lines could name a billable line by
-- it; batch_lines is gone since 00018 (a batch takes whole claims, and the
-- triggers of 00018 keep a batched line billable), nothing references the
-- key any more, and id alone is already unique. It was a sixth index entry,
-- and its WAL, for every line written.
ALTER TABLE claim_lines DROP CONSTRAINT claim_lines_id_billable;

-- The statement's reference check probed the claim, the service and the
-- authorization once per line: ten lines of a claim probed its claim ten
-- times, and every line the one service. Each distinct name is probed
-- once now (the same checks, the same constraint names). The probes stay
-- scalar subqueries by primary key, so the plan kept for the session is
-- index probes whatever the tables held when it was made.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_lines_check_references() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing text;
BEGIN
    SELECT x.missing INTO missing FROM (
        SELECT 'claim_lines_claim_fkey' AS missing
        FROM (SELECT DISTINCT claim_id FROM new_lines) n
        WHERE (SELECT 1 FROM claims c WHERE c.id = n.claim_id) IS NULL
        UNION ALL
        SELECT 'claim_lines_service_fkey'
        FROM (SELECT DISTINCT service_code FROM new_lines) n
        WHERE (SELECT 1 FROM services s WHERE s.code = n.service_code) IS NULL
        UNION ALL
        SELECT 'claim_lines_authorization_fkey'
        FROM (SELECT DISTINCT authorization_id, episode_id FROM new_lines WHERE authorization_id IS NOT NULL) n
        WHERE (SELECT a.episode_id FROM authorizations a WHERE a.id = n.authorization_id) IS DISTINCT FROM n.episode_id
        UNION ALL
        SELECT 'claim_lines_reverses_fkey'
        FROM new_lines n
        WHERE n.reverses_line_id IS NOT NULL AND (SELECT 1 FROM claim_lines r WHERE r.id = n.reverses_line_id) IS NULL) x
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert on claim_lines names a row that does not exist (%)', missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = missing, TABLE = 'claim_lines';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_lines_check_references() RETURNS trigger
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
ALTER TABLE claim_lines ADD CONSTRAINT claim_lines_id_billable UNIQUE (id, billable);

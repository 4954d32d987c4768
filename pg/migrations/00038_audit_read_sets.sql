-- +goose Up
-- A client-level report (the state extract, RCM monthly) is a read of
-- every record it shows, and was audited as one audit_events row per
-- record: a year's extract wrote 96,480 rows and their entries in the log's
-- three indexes, 0.5-0.8 s of the report's time and growing with the log
-- (each index insert a random page of an index that never stops growing).
-- Such a read is now one event, its records listed here as two parallel
-- arrays (record i is entity_ids[i] of client client_ids[i]), found by
-- client through a GIN index: the same 96,480 reads are 1.5 MB and about
-- 0.15 s. The log's meaning is unchanged: audit_records lists every record
-- read, one row each, and audit_client_records(client) is the question an
-- auditor asks of a client ("who saw this person's records"), by index.
CREATE TABLE audit_read_sets (
    event_id   bigint   NOT NULL CONSTRAINT audit_read_sets_pkey PRIMARY KEY
                        CONSTRAINT audit_read_sets_event_fkey REFERENCES audit_events (id),
    entity_ids bigint[] NOT NULL,
    client_ids bigint[] NOT NULL,
    -- One dimension each (an empty array has none: a set lists something),
    -- as many clients as records, no NULL.
    CONSTRAINT audit_read_sets_paired CHECK (
        coalesce(array_ndims(entity_ids), 0) = 1 AND coalesce(array_ndims(client_ids), 0) = 1
        AND cardinality(entity_ids) = cardinality(client_ids) AND array_position(client_ids, NULL) IS NULL
        AND array_position(entity_ids, NULL) IS NULL)
);
-- Stored out of line uncompressed: sorted ids barely compress, and pglz
-- over 1.5 MB was two thirds of the insert's time.
ALTER TABLE audit_read_sets ALTER COLUMN entity_ids SET STORAGE EXTERNAL,
    ALTER COLUMN client_ids SET STORAGE EXTERNAL;
-- fastupdate off: with the pending list on, one report's 96,000 keys fill
-- it and the next report's insert pays for merging them (0.35 s every
-- other report); off, each insert pays for its own keys, in key order.
CREATE INDEX audit_read_sets_client_idx ON audit_read_sets USING gin (client_ids) WITH (fastupdate = off);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A set belongs to a read event written to carry one (entity_id
-- 'read_set', no client of its own), never to another event, whose record
-- the view would otherwise show as the set's. After the row, so that the
-- event written by the same statement (access.RecordReads) is seen.
CREATE FUNCTION audit_read_sets_event_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.id = NEW.event_id AND e.action = 'read'
                   AND e.entity_id = 'read_set' AND e.client_id IS NULL) THEN
        RAISE EXCEPTION 'audit_read_sets: event % is not a read set''s event', NEW.event_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_read_sets_event
    AFTER INSERT ON audit_read_sets
    FOR EACH ROW EXECUTE FUNCTION audit_read_sets_event_check();

CREATE TRIGGER audit_read_sets_append_only
    BEFORE UPDATE OR DELETE ON audit_read_sets
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_read_sets_no_truncate
    BEFORE TRUNCATE ON audit_read_sets
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Every record the log says was acted on, one row each: an event as it is,
-- or a read set's event once per record it lists.
CREATE VIEW audit_records AS
SELECT e.id AS event_id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
       coalesce(u.entity_id::text, e.entity_id) AS entity_id, coalesce(u.client_id, e.client_id) AS client_id,
       e.purpose, e.request_id, e.recipient
FROM audit_events e
LEFT JOIN audit_read_sets r ON r.event_id = e.id
LEFT JOIN LATERAL unnest(r.entity_ids, r.client_ids) AS u(entity_id, client_id) ON true;

-- The records of one client the log says were acted on, oldest first (a
-- set's records by id): the events naming the client
-- (audit_events_client_idx) and the read sets listing it
-- (audit_read_sets_client_idx), each of those once per record of the
-- client it lists.
CREATE FUNCTION audit_client_records(client bigint) RETURNS SETOF audit_records
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT e.id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
               e.entity_id, e.client_id, e.purpose, e.request_id, e.recipient
        FROM audit_events e WHERE e.client_id = client
        UNION ALL
        SELECT e.id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
               u.entity_id::text, u.client_id, e.purpose, e.request_id, e.recipient
        FROM audit_read_sets r
        JOIN audit_events e ON e.id = r.event_id
        CROSS JOIN LATERAL unnest(r.entity_ids, r.client_ids) AS u(entity_id, client_id)
        WHERE r.client_ids @> ARRAY[client] AND u.client_id = client
    ) x ORDER BY 1, length(x.entity_id), x.entity_id
$$;

-- +goose Down
-- The log keeps every read: each set's records go back into audit_events,
-- one row each as before 00038, with their event's actor, purpose, request
-- and time, before the sets go. The set's own event stays (the log is
-- append-only), an extra row per report read, entity id read_set.
INSERT INTO audit_events (occurred_at, actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id,
                          purpose, request_id)
SELECT e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type, u.entity_id::text, u.client_id,
       e.purpose, e.request_id
FROM audit_read_sets r
JOIN audit_events e ON e.id = r.event_id
CROSS JOIN LATERAL unnest(r.entity_ids, r.client_ids) AS u(entity_id, client_id)
ORDER BY e.id, u.entity_id;
DROP FUNCTION audit_client_records(bigint);
DROP VIEW audit_records;
DROP TABLE audit_read_sets;
DROP FUNCTION audit_read_sets_event_check();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

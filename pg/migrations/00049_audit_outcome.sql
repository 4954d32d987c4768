-- An audit event's purpose is the actor's purpose of use (the "why" of an
-- accounting of disclosures); what the event decided or chose (a voucher
-- request's decision, a claim's status, a reviewer's action, a batch's
-- payer route, a file's format) was written over it, so a client's
-- accounting read "denied" where it should read "treatment". The outcome
-- has its own column now, shown by audit_records and
-- audit_client_records as their last column. Earlier events are left as
-- written: the log is append-only, and rewriting it would be a change the
-- log cannot show.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN outcome text;
DROP FUNCTION audit_client_records(bigint);
DROP VIEW audit_records;
-- +goose StatementBegin
CREATE VIEW audit_records AS
SELECT e.id AS event_id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
       coalesce(u.entity_id::text, e.entity_id) AS entity_id, coalesce(u.client_id, e.client_id) AS client_id,
       e.purpose, e.request_id, e.recipient, e.outcome
FROM audit_events e
LEFT JOIN audit_read_sets r ON r.event_id = e.id
LEFT JOIN LATERAL unnest(r.entity_ids, r.client_ids) AS u(entity_id, client_id) ON true;

CREATE FUNCTION audit_client_records(client bigint) RETURNS SETOF audit_records
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT e.id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
               e.entity_id, e.client_id, e.purpose, e.request_id, e.recipient, e.outcome
        FROM audit_events e WHERE e.client_id = client
        UNION ALL
        SELECT e.id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
               u.entity_id::text, u.client_id, e.purpose, e.request_id, e.recipient, e.outcome
        FROM audit_read_sets r
        JOIN audit_events e ON e.id = r.event_id
        CROSS JOIN LATERAL unnest(r.entity_ids, r.client_ids) AS u(entity_id, client_id)
        WHERE r.client_ids @> ARRAY[client] AND u.client_id = client
    ) x ORDER BY 1, length(x.entity_id), x.entity_id
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_client_records(bigint);
DROP VIEW audit_records;
-- +goose StatementBegin
CREATE VIEW audit_records AS
SELECT e.id AS event_id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type,
       coalesce(u.entity_id::text, e.entity_id) AS entity_id, coalesce(u.client_id, e.client_id) AS client_id,
       e.purpose, e.request_id, e.recipient
FROM audit_events e
LEFT JOIN audit_read_sets r ON r.event_id = e.id
LEFT JOIN LATERAL unnest(r.entity_ids, r.client_ids) AS u(entity_id, client_id) ON true;

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
-- +goose StatementEnd
ALTER TABLE audit_events DROP COLUMN outcome;

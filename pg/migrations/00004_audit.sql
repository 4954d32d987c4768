-- +goose Up
-- The append-only audit log and the idempotency records.

CREATE TABLE audit_events (
    id                bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_events_pkey PRIMARY KEY,
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    actor_key_id      bigint,
    actor_role        text NOT NULL,
    actor_provider_id bigint,
    action            text NOT NULL CONSTRAINT audit_events_action_format CHECK (action ~ '^[a-z_]+$'),
    entity_type       text NOT NULL,
    entity_id         text NOT NULL,
    client_id         bigint,
    purpose           text,
    request_id        text
);
CREATE INDEX audit_events_client_idx ON audit_events (client_id, occurred_at) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id);

-- +goose StatementBegin
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

CREATE TABLE idempotency_keys (
    api_key_id   bigint NOT NULL CONSTRAINT idempotency_keys_api_key_fkey REFERENCES api_keys (id),
    key          text   NOT NULL CONSTRAINT idempotency_keys_key_format CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea  NOT NULL,
    method       text   NOT NULL,
    path         text   NOT NULL,
    status_code  integer,
    content_type text,
    response     bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (api_key_id, key),
    CONSTRAINT idempotency_keys_response_complete CHECK ((status_code IS NULL) = (response IS NULL))
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TRIGGER audit_events_no_truncate ON audit_events;
DROP TRIGGER audit_events_append_only ON audit_events;
DROP TABLE audit_events;
DROP FUNCTION audit_events_refuse_change();

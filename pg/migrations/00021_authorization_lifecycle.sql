-- +goose Up
-- The lifecycle of an authorization: void, ended at a discharge, inactive
-- after a program's number of days without a claim, reactivated.
--
-- Inactivity is not stored: an authorization's status is derived whenever
-- it is read from its dates, its units, the day of its last counted claim
-- line or its reactivation, and the program's setting on that day (see
-- ledger.Status). The columns below are those facts.

-- inactivate_after_days: days without a claim after which an authorization
-- of the program is inactive; NULL (the default) never inactivates one.
ALTER TABLE programs ADD COLUMN inactivate_after_days integer
    CONSTRAINT programs_inactivate_after_positive CHECK (inactivate_after_days > 0);

-- last_service_on: the latest date of service of a line counted against the
-- authorization (kept by the claims ledger in the statement that moves its
-- units); reactivated_on: the day a reviewer last reactivated it.
ALTER TABLE authorizations
    ADD COLUMN last_service_on date,
    ADD COLUMN reactivated_on date,
    ADD CONSTRAINT authorizations_last_service_in_span CHECK (last_service_on >= start_date),
    ADD CONSTRAINT authorizations_reactivated_after_start CHECK (reactivated_on > start_date);

UPDATE authorizations a SET last_service_on = m.dos
FROM (SELECT authorization_id, max(date_of_service) AS dos FROM claim_lines
      WHERE counted AND authorization_id IS NOT NULL GROUP BY authorization_id) m
WHERE m.authorization_id = a.id;

-- Who changed an authorization's lifecycle, when and why: a void, an end
-- at a discharge (the end date before and after), a reactivation. The
-- audit log records the same change; this is the history the
-- authorization itself shows.
CREATE TABLE authorization_events (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT authorization_events_pkey PRIMARY KEY,
    authorization_id bigint NOT NULL CONSTRAINT authorization_events_authorization_fkey REFERENCES authorizations (id),
    action           text   NOT NULL CONSTRAINT authorization_events_action_valid
                            CHECK (action IN ('void', 'end', 'reactivate')),
    reason           text   NOT NULL CONSTRAINT authorization_events_reason_present CHECK (btrim(reason) <> ''),
    end_before       date,
    end_after        date,
    actor_key_id     bigint CONSTRAINT authorization_events_actor_fkey REFERENCES api_keys (id),
    actor_role       text   NOT NULL CONSTRAINT authorization_events_role_valid
                            CHECK (actor_role IN ('provider', 'reviewer', 'finance', 'admin')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authorization_events_end_dates CHECK (
        (action = 'end') = (end_before IS NOT NULL AND end_after IS NOT NULL)
        AND (end_before IS NULL OR end_after < end_before))
);
CREATE INDEX authorization_events_authorization_idx ON authorization_events (authorization_id, id);

-- The history is kept as written, as the audit log is.
-- +goose StatementBegin
CREATE FUNCTION authorization_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'authorization_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER authorization_events_append_only
    BEFORE UPDATE OR DELETE ON authorization_events
    FOR EACH ROW EXECUTE FUNCTION authorization_events_refuse_change();
CREATE TRIGGER authorization_events_no_truncate
    BEFORE TRUNCATE ON authorization_events
    FOR EACH STATEMENT EXECUTE FUNCTION authorization_events_refuse_change();

-- +goose Down
DROP TABLE authorization_events;
DROP FUNCTION authorization_events_refuse_change();
ALTER TABLE authorizations DROP COLUMN reactivated_on, DROP COLUMN last_service_on;
ALTER TABLE programs DROP COLUMN inactivate_after_days;

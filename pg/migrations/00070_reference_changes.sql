-- +goose Up
-- The rest of the reference data keeps its changes as providers and staff
-- do (migration 00061): a program's limits, caps, windows and disabled
-- rules, a service's limits, procedure code and modifiers, a setting (the
-- minor age), a catchment area, and the sets a record holds (a program's
-- areas and caseload caps, an agency's programs, services and areas). The
-- audit log said only "update program RCM", so "who lowered the RCM lead
-- cap, when, from what and why", "what was the minor age on D" and "which
-- areas did the agency serve last month" had no answer (an operations
-- black-box pass). Rows of tables keyed by a code are named by row_key.
-- The sets are rows of link tables: the service writing one records the
-- set before and after (access.RecordSetChange), one record a change.
-- The reason a PATCH gives is read from the transaction's setting
-- rss.change_reason (access.ChangeReason), by the trigger and the
-- service alike.
ALTER TABLE record_changes DROP CONSTRAINT record_changes_table_valid;
ALTER TABLE record_changes ALTER COLUMN row_id DROP NOT NULL;
ALTER TABLE record_changes
    ADD COLUMN row_key text,
    ADD COLUMN reason text DEFAULT NULLIF(current_setting('rss.change_reason', true), ''),
    ADD CONSTRAINT record_changes_table_valid
        CHECK (table_name IN ('providers', 'staff', 'programs', 'services', 'settings', 'catchment_areas')),
    -- Providers and staff are named by id, the rest by code (or key).
    ADD CONSTRAINT record_changes_row_named
        CHECK (CASE WHEN table_name IN ('providers', 'staff') THEN row_id IS NOT NULL AND row_key IS NULL
                    ELSE row_id IS NULL AND row_key IS NOT NULL END);
CREATE INDEX record_changes_key_idx ON record_changes (table_name, row_key, id) WHERE row_key IS NOT NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION record_changes_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o jsonb := to_jsonb(OLD);
    n jsonb := to_jsonb(NEW);
    b jsonb := '{}';
    a jsonb := '{}';
    k text;
BEGIN
    -- updated_at moves with every write, a change or none: not a change.
    FOR k IN SELECT jsonb_object_keys(n) LOOP
        IF k <> 'updated_at' AND o -> k IS DISTINCT FROM n -> k THEN
            b := b || jsonb_build_object(k, o -> k);
            a := a || jsonb_build_object(k, n -> k);
        END IF;
    END LOOP;
    IF a <> '{}' THEN
        -- The trigger's argument names the key column of a table keyed by
        -- a code; with none the row is named by its id.
        IF TG_NARGS > 0 THEN
            INSERT INTO record_changes (table_name, row_key, before, after) VALUES (TG_TABLE_NAME, n ->> TG_ARGV[0], b, a);
        ELSE
            INSERT INTO record_changes (table_name, row_id, before, after) VALUES (TG_TABLE_NAME, (n ->> 'id')::bigint, b, a);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER programs_record_changes AFTER UPDATE ON programs
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture('code');
CREATE TRIGGER services_record_changes AFTER UPDATE ON services
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture('code');
CREATE TRIGGER settings_record_changes AFTER UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture('key');
CREATE TRIGGER catchment_areas_record_changes AFTER UPDATE ON catchment_areas
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture('code');

-- A suspension kept by a reactivation that should have said in_error is
-- lifted by an admin, with a reason: its days are back in service for the
-- claims and vouchers from then on (an operations black-box pass found a
-- one-field slip costing an agency every service of those days, for good).
-- The period stays, marked lifted; nothing else of it changes, and a
-- lifted one is not lifted again.
ALTER TABLE provider_suspensions
    ADD COLUMN lifted_at timestamptz,
    ADD COLUMN lift_reason text,
    ADD CONSTRAINT provider_suspensions_lift_reasoned CHECK ((lifted_at IS NULL) = (lift_reason IS NULL));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION provider_suspensions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.lifted_at IS NULL AND NEW.lifted_at IS NOT NULL
       AND (to_jsonb(NEW) - 'lifted_at' - 'lift_reason') = (to_jsonb(OLD) - 'lifted_at' - 'lift_reason') THEN
        RETURN NEW;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'provider suspensions are kept as written'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'provider_suspensions_kept';
    END IF;
    IF EXISTS (SELECT 1 FROM claim_lines l
               WHERE l.provider_id = NEW.provider_id AND l.counted
                 AND l.date_of_service BETWEEN NEW.first_day AND NEW.last_day) THEN
        RAISE EXCEPTION 'provider % has paid claim lines in the suspension', NEW.provider_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'provider_suspensions_no_claims';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION provider_suspensions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'provider suspensions are kept as written'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'provider_suspensions_kept';
    END IF;
    IF EXISTS (SELECT 1 FROM claim_lines l
               WHERE l.provider_id = NEW.provider_id AND l.counted
                 AND l.date_of_service BETWEEN NEW.first_day AND NEW.last_day) THEN
        RAISE EXCEPTION 'provider % has paid claim lines in the suspension', NEW.provider_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'provider_suspensions_no_claims';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
ALTER TABLE provider_suspensions DROP CONSTRAINT provider_suspensions_lift_reasoned,
    DROP COLUMN lift_reason, DROP COLUMN lifted_at;

DROP TRIGGER catchment_areas_record_changes ON catchment_areas;
DROP TRIGGER settings_record_changes ON settings;
DROP TRIGGER services_record_changes ON services;
DROP TRIGGER programs_record_changes ON programs;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION record_changes_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o jsonb := to_jsonb(OLD);
    n jsonb := to_jsonb(NEW);
    b jsonb := '{}';
    a jsonb := '{}';
    k text;
BEGIN
    FOR k IN SELECT jsonb_object_keys(n) LOOP
        IF k <> 'updated_at' AND o -> k IS DISTINCT FROM n -> k THEN
            b := b || jsonb_build_object(k, o -> k);
            a := a || jsonb_build_object(k, n -> k);
        END IF;
    END LOOP;
    IF a <> '{}' THEN
        INSERT INTO record_changes (table_name, row_id, before, after) VALUES (TG_TABLE_NAME, NEW.id, b, a);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- The history of the rest is dropped with the columns that name it (the
-- append-only trigger would refuse the DELETE: it steps aside).
ALTER TABLE record_changes DISABLE TRIGGER record_changes_append_only;
DELETE FROM record_changes WHERE row_key IS NOT NULL;
ALTER TABLE record_changes ENABLE TRIGGER record_changes_append_only;
DROP INDEX record_changes_key_idx;
ALTER TABLE record_changes DROP CONSTRAINT record_changes_row_named, DROP CONSTRAINT record_changes_table_valid,
    DROP COLUMN reason, DROP COLUMN row_key;
ALTER TABLE record_changes ALTER COLUMN row_id SET NOT NULL;
ALTER TABLE record_changes ADD CONSTRAINT record_changes_table_valid CHECK (table_name IN ('providers', 'staff'));

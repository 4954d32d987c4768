-- +goose Up
-- The registry: providers, their agreements and the catalog kept current
-- through the API (issue 9). An agreement is a history of periods, never
-- overlapping for one provider; a rate is a history of effective dates, one
-- per service per day; a program names the voucher rules it switches off.

CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE providers
    ADD COLUMN contact_name        text,
    ADD COLUMN contact_phone       text CONSTRAINT providers_contact_phone_format CHECK (contact_phone ~ '^[0-9]{10}$'),
    ADD COLUMN contact_email       text CONSTRAINT providers_contact_email_format CHECK (contact_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    ADD COLUMN deactivated_on      date,
    ADD COLUMN deactivation_reason text,
    ADD CONSTRAINT providers_deactivation_reason CHECK (
        (deactivated_on IS NULL) = (deactivation_reason IS NULL)
        AND (deactivation_reason IS NULL OR btrim(deactivation_reason) <> ''));

CREATE TABLE provider_agreements (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT provider_agreements_pkey PRIMARY KEY,
    provider_id bigint NOT NULL CONSTRAINT provider_agreements_provider_fkey REFERENCES providers (id),
    start_date  date   NOT NULL,
    end_date    date,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT provider_agreements_order CHECK (end_date IS NULL OR end_date >= start_date),
    CONSTRAINT provider_agreements_no_overlap EXCLUDE USING gist (
        provider_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
);

INSERT INTO provider_agreements (provider_id, start_date, end_date, note)
SELECT id, agreement_start, agreement_end, 'agreement on file before the history' FROM providers
WHERE agreement_start IS NOT NULL;

-- providers.agreement_start/agreement_end are derived: the newest period of
-- the history, kept by this trigger so no writer can let them drift. The
-- rules read the history (the period covering the day), not these columns.
-- +goose StatementBegin
CREATE FUNCTION provider_agreements_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE pid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN pid := OLD.provider_id; ELSE pid := NEW.provider_id; END IF;
    UPDATE providers p SET (agreement_start, agreement_end) = (
        SELECT a.start_date, a.end_date FROM provider_agreements a
        WHERE a.provider_id = pid ORDER BY a.start_date DESC LIMIT 1)
    WHERE p.id = pid;
    IF TG_OP = 'UPDATE' AND OLD.provider_id <> NEW.provider_id THEN
        UPDATE providers p SET (agreement_start, agreement_end) = (
            SELECT a.start_date, a.end_date FROM provider_agreements a
            WHERE a.provider_id = OLD.provider_id ORDER BY a.start_date DESC LIMIT 1)
        WHERE p.id = OLD.provider_id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER provider_agreements_sync AFTER INSERT OR UPDATE OR DELETE ON provider_agreements
    FOR EACH ROW EXECUTE FUNCTION provider_agreements_sync();
CREATE TRIGGER provider_agreements_bump_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON provider_agreements
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

CREATE TABLE service_rates (
    id             bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT service_rates_pkey PRIMARY KEY,
    service_code   text NOT NULL CONSTRAINT service_rates_service_fkey REFERENCES services (code),
    rate           numeric(12,2) NOT NULL CONSTRAINT service_rates_rate_positive CHECK (rate > 0),
    effective_from date NOT NULL,
    set_by         text NOT NULL CONSTRAINT service_rates_set_by_nonempty CHECK (btrim(set_by) <> ''),
    set_at         timestamptz NOT NULL DEFAULT now(),
    reason         text NOT NULL CONSTRAINT service_rates_reason_nonempty CHECK (btrim(reason) <> ''),
    CONSTRAINT service_rates_one_per_day UNIQUE (service_code, effective_from)
);

-- The rate each service had becomes its first period, in force from the
-- earliest day any request of the service could start.
INSERT INTO service_rates (service_code, rate, effective_from, set_by, reason)
SELECT s.code, s.rate,
       LEAST(DATE '2020-01-01', COALESCE((SELECT min(v.start_date) FROM voucher_requests v WHERE v.service_code = s.code), DATE '2020-01-01')),
       'migration', 'rate before effective dating'
FROM services s;

ALTER TABLE services DROP COLUMN rate;

CREATE TRIGGER service_rates_bump_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_rates
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

-- Which voucher rules apply to a program is data: the ids of the rules the
-- program switches off (the rule set refuses ids it does not know and the
-- rules no program may switch off).
ALTER TABLE programs
    ADD COLUMN disabled_rules text[] NOT NULL DEFAULT '{}'
        CONSTRAINT programs_disabled_rules_format CHECK (array_position(disabled_rules, NULL) IS NULL);

-- +goose Down
ALTER TABLE programs DROP COLUMN disabled_rules;
DROP TRIGGER service_rates_bump_reference_version ON service_rates;
ALTER TABLE services ADD COLUMN rate numeric(12,2);
UPDATE services s SET rate = (SELECT r.rate FROM service_rates r WHERE r.service_code = s.code
    ORDER BY (r.effective_from <= CURRENT_DATE) DESC, r.effective_from DESC LIMIT 1);
ALTER TABLE services ALTER COLUMN rate SET NOT NULL,
    ADD CONSTRAINT services_rate_positive CHECK (rate > 0);
DROP TABLE service_rates;
DROP TRIGGER provider_agreements_bump_reference_version ON provider_agreements;
DROP TRIGGER provider_agreements_sync ON provider_agreements;
DROP FUNCTION provider_agreements_sync();
DROP TABLE provider_agreements;
ALTER TABLE providers DROP CONSTRAINT providers_deactivation_reason,
    DROP COLUMN deactivation_reason, DROP COLUMN deactivated_on, DROP COLUMN contact_email,
    DROP COLUMN contact_phone, DROP COLUMN contact_name;

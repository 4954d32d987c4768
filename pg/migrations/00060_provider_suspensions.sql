-- +goose Up
-- A deactivation undone by a reactivation is kept as a dated period, as
-- agreements are: the days from its effective day to the day before the
-- reactivation stay out of service. The provider's row keeps only the
-- deactivation in force, and a reactivation cleared it: a claim line for a
-- day inside the suspension, denied while it lasted, paid once the agency
-- was reactivated (a black-box pass). A deactivation the MSC made in error
-- is undone without a period (the reactivation says so).
CREATE TABLE provider_suspensions (
    id                  bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT provider_suspensions_pkey PRIMARY KEY,
    provider_id         bigint NOT NULL CONSTRAINT provider_suspensions_provider_fkey REFERENCES providers (id),
    first_day           date   NOT NULL,
    last_day            date   NOT NULL,
    reason              text   NOT NULL,
    reactivation_reason text   NOT NULL,
    reactivated_at      timestamptz NOT NULL,
    CONSTRAINT provider_suspensions_order CHECK (last_day >= first_day)
);
CREATE INDEX provider_suspensions_provider_idx ON provider_suspensions (provider_id, first_day);

-- The rules read the periods with the rest of the reference data.
CREATE TRIGGER provider_suspensions_bump_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON provider_suspensions
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

-- A period is history: kept as written, and written only over days no
-- counted claim line of the agency holds (the deactivation refused such
-- lines from its first day on, and the claim rules denied them since).
-- +goose StatementBegin
CREATE FUNCTION provider_suspensions_guard() RETURNS trigger
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
CREATE TRIGGER provider_suspensions_guard BEFORE INSERT OR UPDATE OR DELETE ON provider_suspensions
    FOR EACH ROW EXECUTE FUNCTION provider_suspensions_guard();

-- +goose Down
DROP TABLE provider_suspensions;
DROP FUNCTION provider_suspensions_guard();

-- +goose Up
-- The four schema refusals of a change over paid claim lines (a provider's
-- deactivation, an agreement period cut, an eligibility span ended, a
-- discharge) name the lines in the error's DETAIL, as the API's refusals of
-- a staff change over paid lines name theirs: "the agency has paid claim
-- lines" with no line left the MSC to search every claim (a known gap of
-- the seventeenth stop). The lines are named by claim id, line number,
-- service and day (no claim number: a patient control number may be an
-- account number, which stays out of the database's log), the first ten in
-- day order and how many more; a discharge before the enrollment's program
-- records names those (stage changes, drug screens, monthly records), and
-- is refused before its GPRA intake interview too (it was taken, leaving
-- the stay an intake after its end). The checks are otherwise unchanged.
-- +goose StatementBegin
CREATE FUNCTION paid_lines_named(ids bigint[]) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('claim id %s line %s (%s on %s)', l.claim_id, l.line_number, l.service_code, l.date_of_service), ', '
                      ORDER BY l.date_of_service, l.claim_id, l.line_number)
           || CASE WHEN cardinality(ids) > 10 THEN format(' and %s more', cardinality(ids) - 10) ELSE '' END
    FROM (SELECT claim_id, line_number, service_code, date_of_service FROM claim_lines WHERE id = ANY (ids)
          ORDER BY date_of_service, claim_id, line_number LIMIT 10) l
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION providers_no_claims_after_deactivation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lines bigint[];
BEGIN
    -- Before the check, which then runs on a snapshot taken after the lock.
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(NEW.id));
    SELECT array_agg(l.id) INTO lines FROM claims c JOIN claim_lines l ON l.claim_id = c.id
    WHERE c.provider_id = NEW.id AND l.counted AND l.date_of_service >= NEW.deactivated_on;
    IF lines IS NOT NULL THEN
        RAISE EXCEPTION 'provider % has paid claim lines on or after %', NEW.id, NEW.deactivated_on
            USING ERRCODE = 'check_violation', CONSTRAINT = 'providers_no_claims_after_deactivation',
                  DETAIL = paid_lines_named(lines);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION provider_agreements_no_claims_outside() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept daterange := CASE WHEN TG_OP = 'UPDATE' THEN daterange(NEW.start_date, NEW.end_date, '[]') ELSE 'empty'::daterange END;
    lines bigint[];
BEGIN
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(OLD.provider_id));
    SELECT array_agg(l.id) INTO lines FROM claims c JOIN claim_lines l ON l.claim_id = c.id
    WHERE c.provider_id = OLD.provider_id AND l.counted
      AND l.date_of_service <@ daterange(OLD.start_date, OLD.end_date, '[]')
      AND NOT l.date_of_service <@ kept
      AND NOT EXISTS (SELECT 1 FROM provider_agreements o
                      WHERE o.provider_id = OLD.provider_id AND o.id <> OLD.id
                        AND l.date_of_service <@ daterange(o.start_date, o.end_date, '[]'));
    IF lines IS NOT NULL THEN
        RAISE EXCEPTION 'provider % has paid claim lines on days agreement % would no longer cover', OLD.provider_id, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'provider_agreements_no_claims_outside',
                  DETAIL = paid_lines_named(lines);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION client_eligibility_no_claims_outside() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept daterange := CASE WHEN TG_OP = 'UPDATE' THEN daterange(NEW.start_date, NEW.end_date, '[]') ELSE 'empty'::daterange END;
    lines bigint[];
BEGIN
    -- The client's claims are its agency's (claims_client_agency_fkey).
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(c.provider_id)) FROM clients c WHERE c.id = OLD.client_id;
    SELECT array_agg(l.id) INTO lines FROM claims c JOIN claim_lines l ON l.claim_id = c.id
    JOIN programs p ON p.code = c.program_code AND p.requires_medicaid_id
    WHERE c.client_id = OLD.client_id AND l.counted
      AND l.date_of_service <@ daterange(OLD.start_date, OLD.end_date, '[]')
      AND NOT l.date_of_service <@ kept
      AND NOT EXISTS (SELECT 1 FROM client_eligibility o
                      WHERE o.client_id = OLD.client_id AND o.id <> OLD.id
                        AND l.date_of_service <@ daterange(o.start_date, o.end_date, '[]'));
    IF lines IS NOT NULL THEN
        RAISE EXCEPTION 'client % has paid Medicaid claim lines on days eligibility span % would no longer cover', OLD.client_id, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'client_eligibility_no_claims_outside',
                  DETAIL = paid_lines_named(lines);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollments_no_records_after_discharge() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lines bigint[];
    records text;
BEGIN
    SELECT string_agg(r.what, ', ' ORDER BY r.day, r.what) INTO records FROM (
        SELECT format('employment stage change on %s', c.effective_date) AS what, c.effective_date AS day
        FROM employment_stage_changes c WHERE c.enrollment_id = NEW.id AND c.effective_date > NEW.discharge_date
        UNION ALL
        SELECT format('drug screen on %s', s.screen_date), s.screen_date
        FROM rsvp_drug_screens s WHERE s.enrollment_id = NEW.id AND s.screen_date > NEW.discharge_date
        UNION ALL
        SELECT format('monthly progress record for %s', to_char(p.month, 'YYYY-MM')), p.month
        FROM rcm_monthly_progress p WHERE p.enrollment_id = NEW.id
          AND p.month > date_trunc('month', NEW.discharge_date::timestamp)::date
        UNION ALL
        -- An intake is of the stay (vouchers refuses one dated after its
        -- discharge): a discharge back-dated before it left the stay with
        -- an intake after its end (a races black-box pass). A follow-up
        -- may come after the discharge, and a discharge interview does.
        SELECT format('GPRA intake interview on %s', g.interview_date), g.interview_date
        FROM gpra_interviews g WHERE g.enrollment_id = NEW.id AND g.kind = 'intake' AND g.interview_date > NEW.discharge_date) r;
    IF records IS NOT NULL THEN
        RAISE EXCEPTION 'enrollment % has program records after % (its discharge date)', NEW.id, NEW.discharge_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_no_records_after_discharge',
                  DETAIL = records;
    END IF;
    -- The client's counted lines with the agency lead claim_lines_no_duplicate.
    SELECT array_agg(l.id) INTO lines FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
    WHERE l.client_id = NEW.client_id AND l.provider_id = NEW.provider_id AND l.counted
      AND l.date_of_service > NEW.discharge_date AND a.enrollment_id = NEW.id;
    IF lines IS NOT NULL THEN
        RAISE EXCEPTION 'enrollment % has paid claim lines after % (its discharge date)', NEW.id, NEW.discharge_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_no_claims_after_discharge',
                  DETAIL = paid_lines_named(lines);
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.providers_no_claims_after_deactivation()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    -- Before the check, which then runs on a snapshot taken after the lock.
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(NEW.id));
    IF EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
               WHERE c.provider_id = NEW.id AND l.counted AND l.date_of_service >= NEW.deactivated_on) THEN
        RAISE EXCEPTION 'provider % has paid claim lines on or after %', NEW.id, NEW.deactivated_on
            USING ERRCODE = 'check_violation', CONSTRAINT = 'providers_no_claims_after_deactivation';
    END IF;
    RETURN NEW;
END;
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.provider_agreements_no_claims_outside()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    kept daterange := CASE WHEN TG_OP = 'UPDATE' THEN daterange(NEW.start_date, NEW.end_date, '[]') ELSE 'empty'::daterange END;
BEGIN
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(OLD.provider_id));
    IF EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
               WHERE c.provider_id = OLD.provider_id AND l.counted
                 AND l.date_of_service <@ daterange(OLD.start_date, OLD.end_date, '[]')
                 AND NOT l.date_of_service <@ kept
                 AND NOT EXISTS (SELECT 1 FROM provider_agreements o
                                 WHERE o.provider_id = OLD.provider_id AND o.id <> OLD.id
                                   AND l.date_of_service <@ daterange(o.start_date, o.end_date, '[]'))) THEN
        RAISE EXCEPTION 'provider % has paid claim lines on days agreement % would no longer cover', OLD.provider_id, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'provider_agreements_no_claims_outside';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.client_eligibility_no_claims_outside()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    kept daterange := CASE WHEN TG_OP = 'UPDATE' THEN daterange(NEW.start_date, NEW.end_date, '[]') ELSE 'empty'::daterange END;
BEGIN
    -- The client's claims are its agency's (claims_client_agency_fkey).
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(c.provider_id)) FROM clients c WHERE c.id = OLD.client_id;
    IF EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
               JOIN programs p ON p.code = c.program_code AND p.requires_medicaid_id
               WHERE c.client_id = OLD.client_id AND l.counted
                 AND l.date_of_service <@ daterange(OLD.start_date, OLD.end_date, '[]')
                 AND NOT l.date_of_service <@ kept
                 AND NOT EXISTS (SELECT 1 FROM client_eligibility o
                                 WHERE o.client_id = OLD.client_id AND o.id <> OLD.id
                                   AND l.date_of_service <@ daterange(o.start_date, o.end_date, '[]'))) THEN
        RAISE EXCEPTION 'client % has paid Medicaid claim lines on days eligibility span % would no longer cover', OLD.client_id, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'client_eligibility_no_claims_outside';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.enrollments_no_records_after_discharge()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM employment_stage_changes c WHERE c.enrollment_id = NEW.id AND c.effective_date > NEW.discharge_date)
       OR EXISTS (SELECT 1 FROM rsvp_drug_screens s WHERE s.enrollment_id = NEW.id AND s.screen_date > NEW.discharge_date)
       OR EXISTS (SELECT 1 FROM rcm_monthly_progress p WHERE p.enrollment_id = NEW.id
                  AND p.month > date_trunc('month', NEW.discharge_date::timestamp)::date) THEN
        RAISE EXCEPTION 'enrollment % has program records after % (its discharge date)', NEW.id, NEW.discharge_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_no_records_after_discharge';
    END IF;
    -- The client's counted lines with the agency lead claim_lines_no_duplicate.
    IF EXISTS (SELECT 1 FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
               WHERE l.client_id = NEW.client_id AND l.provider_id = NEW.provider_id AND l.counted
                 AND l.date_of_service > NEW.discharge_date AND a.enrollment_id = NEW.id) THEN
        RAISE EXCEPTION 'enrollment % has paid claim lines after % (its discharge date)', NEW.id, NEW.discharge_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_no_claims_after_discharge';
    END IF;
    RETURN NEW;
END;
$function$;
-- +goose StatementEnd

DROP FUNCTION paid_lines_named(bigint[]);

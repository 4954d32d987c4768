-- The four changes that take days away from an agency's billing refuse to
-- leave a paid claim line on a day they take: a deactivation (00050), an
-- agreement's end (00050), a staff member's departure (00044) and a client's
-- Medicaid eligibility end (00050). Each checked the paid lines committed
-- when its trigger ran, while claims intake judged a claim on the days as
-- they stood when its facts were read: a claim in flight while the change
-- committed passed the check unseen, and both succeeded (a black-box pass
-- left an agency deactivated from a day it held paid lines on, which the
-- next batch took, and the same for the three others).
--
-- Now they take a common lock. Claims intake holds its agency's intake lock
-- (a transaction-level advisory lock, keyed by agency_intake_lock_key)
-- shared from before it reads its facts until it commits; each of the four
-- changes takes the agency's lock alone in its trigger, before it looks for
-- paid lines, so the check sees every claim that held the lock and a claim
-- that waited for it reads the change (its facts are read in a statement
-- that starts after the lock is granted). One of the two loses cleanly: the
-- change is a 409, or the claim is denied.
--
-- One lock per agency, not per staff member or client: a client's and a
-- staff member's records belong to one agency, so the agency's lock covers
-- them, and a bulk of a thousand claims takes one lock, not a thousand
-- entries in the server's shared lock table (a few thousand in all). The
-- cost falls on the four changes, all rare: each waits for the agency's
-- submissions in flight, and holds new ones back until it commits.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION agency_intake_lock_key(provider bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT hashtextextended('rss agency intake ' || provider, 0)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION providers_no_claims_after_deactivation() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION provider_agreements_no_claims_outside() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION client_eligibility_no_claims_outside() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION staff_no_claims_outside_employment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(agency_intake_lock_key(NEW.provider_id));
    IF EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
               WHERE c.provider_id = NEW.provider_id AND c.rendering_staff_id = NEW.id AND l.counted
                 AND (l.date_of_service > NEW.employment_end OR l.date_of_service < NEW.employment_start)) THEN
        RAISE EXCEPTION 'staff % rendered paid claim lines outside % .. %', NEW.id, NEW.employment_start, NEW.employment_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_no_claims_outside_employment';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION staff_no_claims_outside_employment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
               WHERE c.provider_id = NEW.provider_id AND c.rendering_staff_id = NEW.id AND l.counted
                 AND (l.date_of_service > NEW.employment_end OR l.date_of_service < NEW.employment_start)) THEN
        RAISE EXCEPTION 'staff % rendered paid claim lines outside % .. %', NEW.id, NEW.employment_start, NEW.employment_end
            USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_no_claims_outside_employment';
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
BEGIN
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
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION provider_agreements_no_claims_outside() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kept daterange := CASE WHEN TG_OP = 'UPDATE' THEN daterange(NEW.start_date, NEW.end_date, '[]') ELSE 'empty'::daterange END;
BEGIN
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
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION providers_no_claims_after_deactivation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
               WHERE c.provider_id = NEW.id AND l.counted AND l.date_of_service >= NEW.deactivated_on) THEN
        RAISE EXCEPTION 'provider % has paid claim lines on or after %', NEW.id, NEW.deactivated_on
            USING ERRCODE = 'check_violation', CONSTRAINT = 'providers_no_claims_after_deactivation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

DROP FUNCTION agency_intake_lock_key(bigint);

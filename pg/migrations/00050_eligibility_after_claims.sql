-- A provider's deactivation, its agreement's end and a client's Medicaid
-- eligibility could be dated so that claim lines already paid fell outside
-- them: the paid line then read "not eligible" on its own day, the same
-- line sent again was denied, and the next batch still paid it (to
-- Medicaid on an 837P, for a day with no eligibility on file; a black-box
-- pass). As discharges (00041) and staff employment (00044) are, the change
-- is refused while a counted line lies on a day it takes away; the agency
-- voids or replaces those claims first. A claim counted in the instant the
-- change commits is not seen (its check read the dates before); the window
-- is that of one statement.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION providers_no_claims_after_deactivation() RETURNS trigger
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
CREATE TRIGGER providers_no_claims_after_deactivation BEFORE UPDATE OF deactivated_on ON providers
    FOR EACH ROW WHEN (NEW.deactivated_on IS NOT NULL AND OLD.deactivated_on IS DISTINCT FROM NEW.deactivated_on)
    EXECUTE FUNCTION providers_no_claims_after_deactivation();

-- The days an agreement's change takes away (in the old period, not in the
-- new, or the whole old period when it is deleted) that no other agreement
-- of the provider covers.
-- +goose StatementBegin
CREATE FUNCTION provider_agreements_no_claims_outside() RETURNS trigger
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
CREATE TRIGGER provider_agreements_no_claims_outside BEFORE UPDATE OF start_date, end_date ON provider_agreements
    FOR EACH ROW WHEN (OLD.start_date IS DISTINCT FROM NEW.start_date OR OLD.end_date IS DISTINCT FROM NEW.end_date)
    EXECUTE FUNCTION provider_agreements_no_claims_outside();
CREATE TRIGGER provider_agreements_no_claims_outside_delete BEFORE DELETE ON provider_agreements
    FOR EACH ROW EXECUTE FUNCTION provider_agreements_no_claims_outside();

-- Medicaid eligibility: the lines of the client's claims in programs that
-- require a Medicaid id, on days the span's change takes away that no
-- other span of the client covers.
-- +goose StatementBegin
CREATE FUNCTION client_eligibility_no_claims_outside() RETURNS trigger
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
CREATE TRIGGER client_eligibility_no_claims_outside BEFORE UPDATE OF start_date, end_date ON client_eligibility
    FOR EACH ROW WHEN (OLD.start_date IS DISTINCT FROM NEW.start_date OR OLD.end_date IS DISTINCT FROM NEW.end_date)
    EXECUTE FUNCTION client_eligibility_no_claims_outside();
CREATE TRIGGER client_eligibility_no_claims_outside_delete BEFORE DELETE ON client_eligibility
    FOR EACH ROW EXECUTE FUNCTION client_eligibility_no_claims_outside();

-- +goose Down
DROP TRIGGER client_eligibility_no_claims_outside_delete ON client_eligibility;
DROP TRIGGER client_eligibility_no_claims_outside ON client_eligibility;
DROP FUNCTION client_eligibility_no_claims_outside();
DROP TRIGGER provider_agreements_no_claims_outside_delete ON provider_agreements;
DROP TRIGGER provider_agreements_no_claims_outside ON provider_agreements;
DROP FUNCTION provider_agreements_no_claims_outside();
DROP TRIGGER providers_no_claims_after_deactivation ON providers;
DROP FUNCTION providers_no_claims_after_deactivation();

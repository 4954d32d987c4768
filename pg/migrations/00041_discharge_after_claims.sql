-- +goose Up
-- A discharge dated back before a service the claims ledger already
-- counted (paid) left the paid line after the enrollment's end and after
-- its authorization's new end date (the discharge ends it), and the same
-- line sent again was denied 27 (a black-box pass): the record answered
-- one service two ways. The discharge is refused while a counted claim
-- line drawing on one of the enrollment's authorizations is dated after
-- it; the provider voids (or replaces) those claims first. The discharge
-- locks the client's authorizations with the agency before it updates the
-- enrollment (vouchers.Discharge), as claims intake does before it counts
-- a line, so the two cannot pass each other.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollments_no_records_after_discharge() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollments_no_records_after_discharge() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM employment_stage_changes c WHERE c.enrollment_id = NEW.id AND c.effective_date > NEW.discharge_date)
       OR EXISTS (SELECT 1 FROM rsvp_drug_screens s WHERE s.enrollment_id = NEW.id AND s.screen_date > NEW.discharge_date)
       OR EXISTS (SELECT 1 FROM rcm_monthly_progress p WHERE p.enrollment_id = NEW.id
                  AND p.month > date_trunc('month', NEW.discharge_date::timestamp)::date) THEN
        RAISE EXCEPTION 'enrollment % has program records after % (its discharge date)', NEW.id, NEW.discharge_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'enrollments_no_records_after_discharge';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

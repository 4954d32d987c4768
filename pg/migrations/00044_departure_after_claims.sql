-- +goose Up
-- A staff member's employment could be dated so that claim lines they
-- rendered, already paid, fell outside it (a departure recorded before the
-- last services billed in their name, a start moved after the first): the
-- paid line then read "not employed" on its own day, and the same line sent
-- again was denied (a black-box pass left it; discharges were closed the
-- same way in 00041). The change is refused while a counted line of a claim
-- the member rendered lies outside the new employment; the agency voids or
-- replaces those claims first. A claim counted in the instant the change
-- commits is not seen (the claim's check reads the employment before it);
-- the window is that of one statement.
-- +goose StatementBegin
CREATE FUNCTION staff_no_claims_outside_employment() RETURNS trigger
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
CREATE TRIGGER staff_no_claims_outside_employment BEFORE UPDATE OF employment_start, employment_end ON staff
    FOR EACH ROW WHEN (OLD.employment_start IS DISTINCT FROM NEW.employment_start OR OLD.employment_end IS DISTINCT FROM NEW.employment_end)
    EXECUTE FUNCTION staff_no_claims_outside_employment();

-- +goose Down
DROP TRIGGER staff_no_claims_outside_employment ON staff;
DROP FUNCTION staff_no_claims_outside_employment();

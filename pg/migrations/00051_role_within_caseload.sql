-- A staff member's role could be changed to one whose caseload cap their
-- open enrollments pass (a role with a higher cap, a reassignment, the role
-- back: 11 enrollments against a cap of 10; a black-box pass), where a
-- reassignment past the cap is refused (409 caseload_full). The change of
-- role is refused while, in a program that caps caseloads, the member's
-- open enrollments are more than the new role's cap there (none when the
-- program does not let the role carry any). A reassignment and a role
-- change of one member both lock the member's row, so they are judged one
-- after the other.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION staff_caseload_within_cap() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM enrollments e
               WHERE e.assigned_staff_id = NEW.id AND e.discharge_date IS NULL
                 AND EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = e.program_code)
               GROUP BY e.program_code
               HAVING count(*) > COALESCE((SELECT c.cap FROM program_caseload_caps c
                                           WHERE c.program_code = e.program_code AND c.staff_role = NEW.role), 0)) THEN
        RAISE EXCEPTION 'staff % carries more open enrollments than a % may', NEW.id, NEW.role
            USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_caseload_within_cap';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER staff_caseload_within_cap BEFORE UPDATE OF role ON staff
    FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION staff_caseload_within_cap();

-- +goose Down
DROP TRIGGER staff_caseload_within_cap ON staff;
DROP FUNCTION staff_caseload_within_cap();

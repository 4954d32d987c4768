-- A staff member's role change was judged against the caseload caps its
-- trigger read under its own snapshot, while a program PATCH taking the
-- new role out of the caps counted the enrollments by role before the
-- change committed: both passed, and the member carried enrollments under
-- a role the caps no longer list (a review). The trigger now first locks,
-- FOR SHARE, the rows of the programs the member carries open enrollments
-- in, as an enrollment and a reassignment do (vouchers.holdCaseloadCaps):
-- a PATCH holds its program's row FOR UPDATE until it commits, so the
-- check that follows (a new snapshot, the function being volatile) reads
-- the caps as they stand, and a PATCH that comes later waits for the
-- change and counts it. Locked in code order, as every lock of several
-- programs is.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION staff_caseload_within_cap() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM programs p
    WHERE p.code IN (SELECT e.program_code FROM enrollments e
                     WHERE e.assigned_staff_id = NEW.id AND e.discharge_date IS NULL)
    ORDER BY p.code FOR SHARE OF p;
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION staff_caseload_within_cap() RETURNS trigger
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

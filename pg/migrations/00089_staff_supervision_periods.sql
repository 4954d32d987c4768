-- +goose Up
-- Supervision is dated (SPEC §4: qualifications are checked on the date of
-- service). A staff member's supervisor was one undated column, so a change
-- of supervisor rewrote every day the member ever served: it was refused
-- over paid lines, and a line billed late for a day before the change was
-- judged under the new supervisor (Known gaps of the nineteenth stop).
--
-- staff.supervisor_id stays the supervisor from supervisor_since on (NULL:
-- from the record's start), the change its history shows; staff_supervisions
-- keeps every period, one row per change (valid_from NULL: from the start),
-- each lasting until the next row's day. The rows are the schema's own
-- consequence of the staff row: the trigger below writes them, so the two
-- cannot disagree. A change from a day keeps the periods before it and
-- replaces those from it; a change with no day (a correction of the record)
-- replaces them all; the same supervisor from another day moves the day
-- the current period began (its old start and what follows are replaced,
-- so the period before runs on to the new day, or there is none before).

ALTER TABLE staff ADD COLUMN supervisor_since date;

CREATE TABLE staff_supervisions (
    staff_id      bigint NOT NULL,
    provider_id   bigint NOT NULL,
    valid_from    date,
    supervisor_id bigint,
    CONSTRAINT staff_supervisions_one_a_day UNIQUE NULLS NOT DISTINCT (staff_id, valid_from),
    CONSTRAINT staff_supervisions_staff_fkey FOREIGN KEY (staff_id, provider_id) REFERENCES staff (id, provider_id),
    -- A supervisor works for the same agency, in every period.
    CONSTRAINT staff_supervisions_supervisor_fkey FOREIGN KEY (supervisor_id, provider_id) REFERENCES staff (id, provider_id),
    CONSTRAINT staff_supervisions_not_self CHECK (supervisor_id <> staff_id)
);
-- The paid-lines guard finds whom a member supervised in any period.
CREATE INDEX staff_supervisions_supervisor_idx ON staff_supervisions (supervisor_id) WHERE supervisor_id IS NOT NULL;

INSERT INTO staff_supervisions (staff_id, provider_id, valid_from, supervisor_id)
SELECT id, provider_id, NULL, supervisor_id FROM staff;

-- +goose StatementBegin
CREATE FUNCTION staff_supervision_periods() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM staff_supervisions
        WHERE staff_id = NEW.id AND (NEW.supervisor_since IS NULL OR valid_from >= NEW.supervisor_since
            OR (OLD.supervisor_id IS NOT DISTINCT FROM NEW.supervisor_id
                AND (OLD.supervisor_since IS NULL OR valid_from >= OLD.supervisor_since)));
    END IF;
    INSERT INTO staff_supervisions (staff_id, provider_id, valid_from, supervisor_id)
    VALUES (NEW.id, NEW.provider_id, NEW.supervisor_since, NEW.supervisor_id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER staff_supervision_periods_insert AFTER INSERT ON staff
    FOR EACH ROW EXECUTE FUNCTION staff_supervision_periods();
CREATE TRIGGER staff_supervision_periods_update AFTER UPDATE OF supervisor_id, supervisor_since ON staff
    FOR EACH ROW WHEN (OLD.supervisor_id IS DISTINCT FROM NEW.supervisor_id OR OLD.supervisor_since IS DISTINCT FROM NEW.supervisor_since)
    EXECUTE FUNCTION staff_supervision_periods();
-- The cached reference data (vouchers.LoadReference) reads the periods.
CREATE TRIGGER staff_supervisions_bump_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_supervisions
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

-- +goose Down
DROP TRIGGER staff_supervision_periods_update ON staff;
DROP TRIGGER staff_supervision_periods_insert ON staff;
DROP FUNCTION staff_supervision_periods();
DROP TABLE staff_supervisions;
ALTER TABLE staff DROP COLUMN supervisor_since;

-- +goose Up
-- A program record (an EMP stage change, an RSVP drug screen, an RCM
-- monthly record) is refused on a day after its enrollment's discharge by
-- its writer in package outcomes (not by the schema: a row written past
-- the API, as the fixtures write theirs, is not checked). The other way
-- round was open: a discharge dated back
-- before records already kept left them after it, and the reports then
-- read a stage, a screen or a treatment status the enrollment never had
-- in its span (the extract's latest stage from after the discharge). The
-- enrollment's discharge is refused here while such a record stands; the
-- records' writers hold the enrollment (FOR SHARE) and the discharge locks
-- it (FOR UPDATE), so the two cannot pass each other. An RCM record is by
-- month: one for the discharge's month stands, one for a later month does
-- not. GPRA interviews are not here: the discharge interview comes after
-- the discharge by design.

-- +goose StatementBegin
CREATE FUNCTION enrollments_no_records_after_discharge() RETURNS trigger
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

CREATE TRIGGER enrollments_no_records_after_discharge
    BEFORE UPDATE OF discharge_date ON enrollments
    FOR EACH ROW WHEN (NEW.discharge_date IS NOT NULL AND NEW.discharge_date IS DISTINCT FROM OLD.discharge_date)
    EXECUTE FUNCTION enrollments_no_records_after_discharge();

-- +goose Down
DROP TRIGGER enrollments_no_records_after_discharge ON enrollments;
DROP FUNCTION enrollments_no_records_after_discharge();

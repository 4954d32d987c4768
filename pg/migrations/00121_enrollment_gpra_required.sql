-- Whether a stay owes GPRA interviews is its program's setting on the day
-- the stay was enrolled, kept on the enrollment as its windows are
-- (migration 00083): read from the program as it stands, switching
-- gpra_required off took every enrollment of the program out of GPRA, its
-- schedule, the GPRA report of months past and the follow-ups still owed
-- (switched back on, all returned), and a stay enrolled while it was off
-- owed an intake it could never have had (an operations black-box pass).
-- Stays enrolled before this migration take the program's setting today,
-- which every reader used until now.

-- A stay that owes them has its windows (the schema holds it): one
-- reached by a switch on without them read the program's, which a later
-- change rewrote and clearing them made a 500 (an operations pass). A stay
-- enrolled before a switch on takes the program's windows now.

-- +goose Up
ALTER TABLE enrollments ADD COLUMN gpra_required boolean;
UPDATE enrollments e SET gpra_required = p.gpra_required,
    gpra_followup_open_days = CASE WHEN p.gpra_required THEN COALESCE(e.gpra_followup_open_days, p.gpra_followup_open_days) ELSE e.gpra_followup_open_days END,
    gpra_followup_close_days = CASE WHEN p.gpra_required THEN COALESCE(e.gpra_followup_close_days, p.gpra_followup_close_days) ELSE e.gpra_followup_close_days END,
    gpra_discharge_days = CASE WHEN p.gpra_required THEN COALESCE(e.gpra_discharge_days, p.gpra_discharge_days) ELSE e.gpra_discharge_days END
FROM programs p WHERE p.code = e.program_code;
ALTER TABLE enrollments ALTER COLUMN gpra_required SET NOT NULL,
    ADD CONSTRAINT enrollments_gpra_windows CHECK (NOT gpra_required OR (gpra_followup_open_days IS NOT NULL
        AND gpra_followup_close_days IS NOT NULL AND gpra_discharge_days IS NOT NULL));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollments_program_cap_then() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.episode_dollar_cap, p.gpra_followup_open_days, p.gpra_followup_close_days, p.gpra_discharge_days, p.gpra_required
    INTO NEW.program_cap_then, NEW.gpra_followup_open_days, NEW.gpra_followup_close_days, NEW.gpra_discharge_days, NEW.gpra_required
    FROM programs p WHERE p.code = NEW.program_code;
    NEW.cap_recorded := true;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollments_program_cap_then() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.episode_dollar_cap, p.gpra_followup_open_days, p.gpra_followup_close_days, p.gpra_discharge_days
    INTO NEW.program_cap_then, NEW.gpra_followup_open_days, NEW.gpra_followup_close_days, NEW.gpra_discharge_days
    FROM programs p WHERE p.code = NEW.program_code;
    NEW.cap_recorded := true;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
ALTER TABLE enrollments DROP CONSTRAINT enrollments_gpra_windows, DROP COLUMN gpra_required;

-- +goose Up
-- A stay's GPRA windows (follow-up from the intake, open and close days;
-- the discharge interview's days) are its program's on the day the stay
-- was enrolled, kept on the enrollment as its cap then is: read from the
-- program as it stands, an MSC's change of the windows rewrote every past
-- report (a follow-up rate of a closed quarter went from 33 % to 0 %) and
-- un-counted follow-ups the API had accepted as in their window (a
-- reference-data black-box pass). Stays enrolled before this migration
-- take the program's windows today, which every report read until now.
ALTER TABLE enrollments ADD COLUMN gpra_followup_open_days integer,
    ADD COLUMN gpra_followup_close_days integer,
    ADD COLUMN gpra_discharge_days integer;
UPDATE enrollments e SET gpra_followup_open_days = p.gpra_followup_open_days,
    gpra_followup_close_days = p.gpra_followup_close_days, gpra_discharge_days = p.gpra_discharge_days
FROM programs p WHERE p.code = e.program_code;

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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enrollments_program_cap_then() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.program_cap_then := (SELECT episode_dollar_cap FROM programs WHERE code = NEW.program_code);
    NEW.cap_recorded := true;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
ALTER TABLE enrollments DROP COLUMN gpra_followup_open_days, DROP COLUMN gpra_followup_close_days, DROP COLUMN gpra_discharge_days;

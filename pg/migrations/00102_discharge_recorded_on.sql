-- The days an enrollment and its discharge were recorded, beside the days
-- they are dated, and from them the last day the agency held the stay in
-- rss's books. The voucher rules read the agency's unbroken stay (a
-- readmission by the next day goes on in it), and a discharge dated back
-- broke the stay in its dates alone: discharged as of two days ago and
-- enrolled again today, with a new intake, a client whose follow-up was
-- overdue was granted what the old stay's follow-up pended, although rss
-- had held them as the agency's every day (a GPRA re-check).
--
-- held_through is the discharge's date, or the day before the discharge was
-- recorded when the enrollment was on file by the day after that date: every
-- day between the two was the agency's in the books. A discharge recorded the
-- next morning is held no longer than its date (a readmission after a day's
-- break still opens a new stay), and one dated back further gains nothing a
-- real break would not cost. A history entered after the fact
-- (an enrollment recorded after the day its discharge is dated) keeps its
-- dates: it was never held otherwise. Enrollments recorded before this
-- migration read as recorded on the day of their created_at, their
-- discharges on the day of their audited discharge (else on their date),
-- each in America/New_York, RSS_TIMEZONE's default (the server's zone does
-- not know the deployment's calendar; elsewhere an evening's record may
-- read a day off).

-- +goose Up
ALTER TABLE enrollments ADD COLUMN recorded_on date, ADD COLUMN discharge_recorded_on date;
UPDATE enrollments e SET recorded_on = (e.created_at AT TIME ZONE 'America/New_York')::date,
    discharge_recorded_on = CASE WHEN e.discharge_date IS NOT NULL THEN greatest(e.discharge_date,
        (SELECT (min(a.occurred_at) AT TIME ZONE 'America/New_York')::date FROM audit_events a
         WHERE a.entity_type = 'enrollment' AND a.entity_id = e.id::text AND a.action = 'discharge')) END;
ALTER TABLE enrollments ALTER COLUMN recorded_on SET DEFAULT CURRENT_DATE, ALTER COLUMN recorded_on SET NOT NULL,
    ADD CONSTRAINT enrollments_discharge_recorded_after CHECK (discharge_recorded_on >= discharge_date),
    ADD CONSTRAINT enrollments_discharge_recorded_only_discharged CHECK (discharge_recorded_on IS NULL OR discharge_date IS NOT NULL),
    ADD COLUMN held_through date GENERATED ALWAYS AS (
        CASE WHEN recorded_on <= discharge_date + 1 THEN greatest(discharge_date, discharge_recorded_on - 1) ELSE discharge_date END) STORED;

-- +goose Down
ALTER TABLE enrollments DROP COLUMN held_through, DROP COLUMN discharge_recorded_on, DROP COLUMN recorded_on;

-- +goose Up
-- A voided authorization counts as authorized in the reports by the units
-- it used: a void stops what is left of it, and its used units stay used
-- (its paid lines stand, and hold the person's caps). Counted as nothing,
-- the state read a month's 8 units used against 0 authorized, its use over
-- 100% of what was granted (a reports black-box pass). The enrollment
-- rollup's units_authorized follows: an authorization counts its units
-- authorized, once voided its units used (and follows them as its claims
-- are voided), and none while its agency's deactivation cuts it to nothing
-- (00056: such a one has no paid line, the deactivation being refused over
-- one). The utilization report and the extract read voided ones by their
-- own partial index (no column the ledger's updates change is added to an
-- index, so those stay HOT).
INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
SELECT a.enrollment_id, date_trunc('month', a.start_date)::date, 0, 0, 0, 0, sum(a.units_used)
FROM authorizations a
WHERE a.voided_at IS NOT NULL AND a.units_used > 0
  AND NOT coalesce((SELECT p.deactivated_on <= a.start_date FROM providers p WHERE p.id = a.provider_id), false)
GROUP BY 1, 2 ORDER BY 2, 1
ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
    SET units_authorized = t.units_authorized + excluded.units_authorized;

CREATE INDEX authorizations_report_voided_idx ON authorizations (start_date) WHERE voided_at IS NOT NULL;

-- +goose StatementBegin
-- What an authorization counts as authorized in its enrollment's month of
-- start: taken out of the month it counted in and put in the one it
-- counts in now. A row left with no lines and no units goes.
CREATE OR REPLACE FUNCTION report_enrollment_authorized_update() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    off date := (SELECT p.deactivated_on FROM providers p WHERE p.id = NEW.provider_id);
    was bigint := CASE WHEN coalesce(off <= OLD.start_date, false) THEN 0
                       WHEN OLD.voided_at IS NULL THEN OLD.units_authorized ELSE OLD.units_used END;
    counts bigint := CASE WHEN coalesce(off <= NEW.start_date, false) THEN 0
                          WHEN NEW.voided_at IS NULL THEN NEW.units_authorized ELSE NEW.units_used END;
BEGIN
    IF was > 0 THEN
        UPDATE report_enrollment_use t SET units_authorized = t.units_authorized - was
        WHERE t.month = date_trunc('month', OLD.start_date)::date AND t.enrollment_id = OLD.enrollment_id;
    END IF;
    IF counts > 0 THEN
        INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
        VALUES (NEW.enrollment_id, date_trunc('month', NEW.start_date)::date, 0, 0, 0, 0, counts)
        ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
            SET units_authorized = t.units_authorized + excluded.units_authorized;
    END IF;
    DELETE FROM report_enrollment_use t
    WHERE t.month = date_trunc('month', OLD.start_date)::date AND t.enrollment_id = OLD.enrollment_id
      AND t.lines = 0 AND t.units_authorized = 0;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
DROP TRIGGER report_enrollment_authorized_update ON authorizations;
-- units_used moves with every claim: the WHEN lets the ledger's updates of
-- an authorization not voided through without calling the function.
CREATE TRIGGER report_enrollment_authorized_update AFTER UPDATE OF voided_at, units_authorized, start_date, units_used ON authorizations
    FOR EACH ROW WHEN (OLD.voided_at IS DISTINCT FROM NEW.voided_at OR OLD.units_authorized IS DISTINCT FROM NEW.units_authorized
                       OR OLD.start_date IS DISTINCT FROM NEW.start_date
                       OR (NEW.voided_at IS NOT NULL AND OLD.units_used IS DISTINCT FROM NEW.units_used))
    EXECUTE FUNCTION report_enrollment_authorized_update();

-- +goose Down
DROP TRIGGER report_enrollment_authorized_update ON authorizations;
CREATE TRIGGER report_enrollment_authorized_update AFTER UPDATE OF voided_at, units_authorized, start_date ON authorizations
    FOR EACH ROW WHEN (OLD.voided_at IS DISTINCT FROM NEW.voided_at OR OLD.units_authorized IS DISTINCT FROM NEW.units_authorized
                       OR OLD.start_date IS DISTINCT FROM NEW.start_date)
    EXECUTE FUNCTION report_enrollment_authorized_update();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_authorized_update() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    off date := (SELECT p.deactivated_on FROM providers p WHERE p.id = NEW.provider_id);
BEGIN
    IF OLD.voided_at IS NULL AND NOT coalesce(off <= OLD.start_date, false) THEN
        UPDATE report_enrollment_use t SET units_authorized = t.units_authorized - OLD.units_authorized
        WHERE t.month = date_trunc('month', OLD.start_date)::date AND t.enrollment_id = OLD.enrollment_id;
    END IF;
    IF NEW.voided_at IS NULL AND NOT coalesce(off <= NEW.start_date, false) THEN
        INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
        VALUES (NEW.enrollment_id, date_trunc('month', NEW.start_date)::date, 0, 0, 0, 0, NEW.units_authorized)
        ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
            SET units_authorized = t.units_authorized + excluded.units_authorized;
    END IF;
    DELETE FROM report_enrollment_use t
    WHERE t.month = date_trunc('month', OLD.start_date)::date AND t.enrollment_id = OLD.enrollment_id
      AND t.lines = 0 AND t.units_authorized = 0;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
UPDATE report_enrollment_use t SET units_authorized = t.units_authorized - c.units
FROM (SELECT a.enrollment_id, date_trunc('month', a.start_date)::date AS month, sum(a.units_used) AS units
      FROM authorizations a
      WHERE a.voided_at IS NOT NULL AND a.units_used > 0
        AND NOT coalesce((SELECT p.deactivated_on <= a.start_date FROM providers p WHERE p.id = a.provider_id), false)
      GROUP BY 1, 2) c
WHERE t.enrollment_id = c.enrollment_id AND t.month = c.month;
DELETE FROM report_enrollment_use WHERE lines = 0 AND units_authorized = 0;
DROP INDEX authorizations_report_voided_idx;

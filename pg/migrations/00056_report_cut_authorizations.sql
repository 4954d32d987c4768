-- +goose Up
-- An authorization its agency's deactivation cuts to nothing (the
-- deactivation takes effect on or before its first day) can bill no day and
-- holds none of the person's caps but its used units, yet the reports
-- counted its units authorized as granted until a reactivation voided it:
-- a black-box pass read 5 units of an ATR-TR voucher in the utilization
-- report and the state extract for a month none of whose days it could
-- bill. Such an authorization now counts as a voided one does, for as long
-- as the deactivation stands: the enrollment rollup's units_authorized
-- leaves it out (the triggers on authorizations, and one on providers'
-- deactivated_on that moves the units of the authorizations a change of it
-- cuts or gives back), and the reports that read authorizations leave it
-- out by the same test. One cut short, not to nothing, still counts whole
-- in the month it starts (units authorized are counted whole, not
-- prorated).

UPDATE report_enrollment_use t SET units_authorized = t.units_authorized - c.units
FROM (SELECT a.enrollment_id, date_trunc('month', a.start_date)::date AS month, sum(a.units_authorized) AS units
      FROM authorizations a JOIN providers p ON p.id = a.provider_id
      WHERE a.voided_at IS NULL AND p.deactivated_on <= a.start_date
      GROUP BY 1, 2) c
WHERE t.enrollment_id = c.enrollment_id AND t.month = c.month;
DELETE FROM report_enrollment_use WHERE lines = 0 AND units_authorized = 0;

-- +goose StatementBegin
-- Granted authorizations add their units to their enrollment's month of
-- start, in key order, unless their agency's deactivation cuts them to
-- nothing (a grant dated past a deactivation set for later).
CREATE OR REPLACE FUNCTION report_enrollment_authorized_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
    SELECT n.enrollment_id, date_trunc('month', n.start_date)::date, 0, 0, 0, 0, sum(n.units_authorized)
    FROM new_auths n
    WHERE n.voided_at IS NULL
      AND NOT coalesce((SELECT p.deactivated_on <= n.start_date FROM providers p WHERE p.id = n.provider_id), false)
    GROUP BY 1, 2 ORDER BY 2, 1
    ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
        SET units_authorized = t.units_authorized + excluded.units_authorized;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- An authorization voided (or its units or start changed) takes its units
-- out of the month it counted in and, still counting, puts them in the one
-- it counts in now; one its agency's deactivation cuts to nothing counts
-- in none. A row left with no lines and no units goes.
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

-- +goose StatementBegin
-- A deactivation set, moved or cleared: the agency's authorizations (not
-- void) that it now cuts to nothing and did not, or did and now does not,
-- take their units out of their month of start or put them back, all one
-- way (a change of the day moves every flipped authorization alike).
CREATE FUNCTION report_enrollment_authorized_cut() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    WITH d AS MATERIALIZED (
        SELECT a.enrollment_id, date_trunc('month', a.start_date)::date AS month,
               sum(CASE WHEN coalesce(NEW.deactivated_on <= a.start_date, false) THEN -a.units_authorized
                        ELSE a.units_authorized END) AS units
        FROM authorizations a
        WHERE a.provider_id = NEW.id AND a.voided_at IS NULL
          AND coalesce(OLD.deactivated_on <= a.start_date, false) <> coalesce(NEW.deactivated_on <= a.start_date, false)
        GROUP BY 1, 2
    ), added AS (
        INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
        SELECT enrollment_id, month, 0, 0, 0, 0, units FROM d WHERE units > 0 ORDER BY 2, 1
        ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
            SET units_authorized = t.units_authorized + excluded.units_authorized
        RETURNING 1
    )
    UPDATE report_enrollment_use t SET units_authorized = t.units_authorized + d.units
    FROM d WHERE d.units < 0 AND t.enrollment_id = d.enrollment_id AND t.month = d.month;
    DELETE FROM report_enrollment_use t WHERE t.lines = 0 AND t.units_authorized = 0
      AND (t.enrollment_id, t.month) IN (SELECT a.enrollment_id, date_trunc('month', a.start_date)::date
                                         FROM authorizations a WHERE a.provider_id = NEW.id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER report_enrollment_authorized_cut AFTER UPDATE OF deactivated_on ON providers
    FOR EACH ROW WHEN (OLD.deactivated_on IS DISTINCT FROM NEW.deactivated_on)
    EXECUTE FUNCTION report_enrollment_authorized_cut();

-- +goose Down
DROP TRIGGER report_enrollment_authorized_cut ON providers;
DROP FUNCTION report_enrollment_authorized_cut();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_authorized_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
    SELECT n.enrollment_id, date_trunc('month', n.start_date)::date, 0, 0, 0, 0, sum(n.units_authorized)
    FROM new_auths n WHERE n.voided_at IS NULL
    GROUP BY 1, 2 ORDER BY 2, 1
    ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
        SET units_authorized = t.units_authorized + excluded.units_authorized;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_authorized_update() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    IF OLD.voided_at IS NULL THEN
        UPDATE report_enrollment_use t SET units_authorized = t.units_authorized - OLD.units_authorized
        WHERE t.month = date_trunc('month', OLD.start_date)::date AND t.enrollment_id = OLD.enrollment_id;
    END IF;
    IF NEW.voided_at IS NULL THEN
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

INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
SELECT a.enrollment_id, date_trunc('month', a.start_date)::date, 0, 0, 0, 0, sum(a.units_authorized)
FROM authorizations a JOIN providers p ON p.id = a.provider_id
WHERE a.voided_at IS NULL AND p.deactivated_on <= a.start_date
GROUP BY 1, 2 ORDER BY 2, 1
ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE SET units_authorized = t.units_authorized + excluded.units_authorized;

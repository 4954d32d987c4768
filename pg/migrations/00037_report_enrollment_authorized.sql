-- +goose Up
-- The state extract reports, beside each enrollment's units used in its
-- range, the units authorized: it summed the authorizations not voided
-- starting in the range by enrollment (330,000 of a year's, an index-only
-- scan hashed into 90,000 groups and joined: a ninth of the report) while
-- summing the enrollment rollup's rows of the same enrollments and months.
-- The rollup now carries them: units_authorized, the units of the
-- enrollment's authorizations not voided that start in the month, kept by
-- authorizations' triggers (a grant inserts, a void or a discharge's end
-- updates), so the extract reads both in one pass. A row now stands for an
-- enrollment-month with counted lines, or units authorized, or both; one
-- with neither goes, each trigger deleting it in a statement of its own
-- once its own change is made (so the check sees the row as it is after
-- whatever another transaction committed meanwhile: deciding keep or
-- delete from the statement's snapshot lost a line's removal when a grant
-- to the same enrollment-month committed while it waited).
ALTER TABLE report_enrollment_use ADD COLUMN units_authorized bigint NOT NULL DEFAULT 0
    CONSTRAINT report_enrollment_use_units_authorized_not_negative CHECK (units_authorized >= 0);
ALTER TABLE report_enrollment_use DROP CONSTRAINT report_enrollment_use_lines_positive;
ALTER TABLE report_enrollment_use ADD CONSTRAINT report_enrollment_use_no_lines_no_use
    CHECK (lines > 0 OR (lines = 0 AND units = 0 AND paid_cents = 0 AND days = 0));

INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days, units_authorized)
SELECT a.enrollment_id, date_trunc('month', a.start_date)::date, 0, 0, 0, 0, sum(a.units_authorized)
FROM authorizations a WHERE a.voided_at IS NULL
GROUP BY 1, 2 ORDER BY 2, 1
ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE SET units_authorized = excluded.units_authorized;
ANALYZE report_enrollment_use;

-- +goose StatementBegin
-- Granted authorizations add their units to their enrollment's month of
-- start, in key order (as the lines' trigger takes its rows).
CREATE FUNCTION report_enrollment_authorized_insert() RETURNS trigger
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
CREATE TRIGGER report_enrollment_authorized_insert AFTER INSERT ON authorizations
    REFERENCING NEW TABLE AS new_auths FOR EACH STATEMENT EXECUTE FUNCTION report_enrollment_authorized_insert();

-- +goose StatementBegin
-- An authorization voided (or its units or start changed) takes its units
-- out of the month it counted in and, still counting, puts them in the one
-- it counts in now; a row left with no lines and no units goes. One row at
-- a time: voids come one by one (a discharge's, a few), and a trigger that
-- names its columns may not read transition tables, while one that reads
-- them would run on every claim (the ledger updates units used).
CREATE FUNCTION report_enrollment_authorized_update() RETURNS trigger
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
CREATE TRIGGER report_enrollment_authorized_update AFTER UPDATE OF voided_at, units_authorized, start_date ON authorizations
    FOR EACH ROW WHEN (OLD.voided_at IS DISTINCT FROM NEW.voided_at OR OLD.units_authorized IS DISTINCT FROM NEW.units_authorized
                       OR OLD.start_date IS DISTINCT FROM NEW.start_date)
    EXECUTE FUNCTION report_enrollment_authorized_update();

-- A row whose last counted line stops counting is set to zero lines,
-- units, dollars and days, and goes afterwards unless it has units
-- authorized; the rest as 00036.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_use_update() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    n bigint;
BEGIN
    WITH x AS (
        SELECT o.date_of_service, o.authorization_id, -1 AS sign, o.units_allowed, o.paid
        FROM old_lines o JOIN new_lines n ON n.id = o.id
        WHERE o.counted AND (n.counted, n.date_of_service, n.units_allowed, n.paid)
              IS DISTINCT FROM (o.counted, o.date_of_service, o.units_allowed, o.paid)
        UNION ALL
        SELECT n.date_of_service, n.authorization_id, 1, n.units_allowed, n.paid
        FROM new_lines n JOIN old_lines o ON o.id = n.id
        WHERE n.counted AND (n.counted, n.date_of_service, n.units_allowed, n.paid)
              IS DISTINCT FROM (o.counted, o.date_of_service, o.units_allowed, o.paid)
    ), d AS MATERIALIZED (
        SELECT a.enrollment_id, date_trunc('month', x.date_of_service)::date AS month,
               sum(x.sign)::int AS lines, sum(x.sign * x.units_allowed) AS units, (sum(x.sign * x.paid) * 100)::bigint AS paid_cents,
               coalesce(bit_or(report_claim_use_day(x.date_of_service)) FILTER (WHERE x.sign > 0), 0) AS days,
               bool_or(x.sign < 0) AS lost
        FROM x JOIN authorizations a ON a.id = x.authorization_id
        GROUP BY 1, 2
    ), added AS (
        INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days)
        SELECT enrollment_id, month, lines, units, paid_cents, days
        FROM d WHERE NOT lost ORDER BY 2, 1
        ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
            SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
                paid_cents = t.paid_cents + excluded.paid_cents, days = t.days | excluded.days
        RETURNING 1
    ), kept AS (
        UPDATE report_enrollment_use t
        SET lines = t.lines + d.lines, units = t.units + d.units, paid_cents = t.paid_cents + d.paid_cents,
            days = (SELECT coalesce(bit_or(report_claim_use_day(l.date_of_service)), 0)
                    FROM enrollments e
                    JOIN authorizations a ON a.client_id = e.client_id AND a.provider_id = e.provider_id AND a.enrollment_id = e.id
                    JOIN claim_lines l ON l.counted AND l.client_id = a.client_id AND l.provider_id = a.provider_id
                         AND l.service_code = a.service_code AND l.authorization_id = a.id
                         AND l.date_of_service >= t.month AND l.date_of_service < (t.month + interval '1 month')::date
                    WHERE e.id = t.enrollment_id)
        FROM d
        WHERE d.lost AND t.enrollment_id = d.enrollment_id AND t.month = d.month
        RETURNING 1
    )
    SELECT count(*) INTO n FROM kept;
    -- Rows left with no lines and no units authorized go, in a statement
    -- of its own: it sees each row as the update left it and as any grant
    -- committed meanwhile made it.
    DELETE FROM report_enrollment_use t
    WHERE t.lines = 0 AND t.units_authorized = 0
      AND (t.month, t.enrollment_id) IN (SELECT date_trunc('month', o.date_of_service)::date, a.enrollment_id
                                         FROM old_lines o JOIN authorizations a ON a.id = o.authorization_id WHERE o.counted);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER report_enrollment_authorized_update ON authorizations;
DROP FUNCTION report_enrollment_authorized_update();
DROP TRIGGER report_enrollment_authorized_insert ON authorizations;
DROP FUNCTION report_enrollment_authorized_insert();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_use_update() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    WITH x AS (
        SELECT o.date_of_service, o.authorization_id, -1 AS sign, o.units_allowed, o.paid
        FROM old_lines o JOIN new_lines n ON n.id = o.id
        WHERE o.counted AND (n.counted, n.date_of_service, n.units_allowed, n.paid)
              IS DISTINCT FROM (o.counted, o.date_of_service, o.units_allowed, o.paid)
        UNION ALL
        SELECT n.date_of_service, n.authorization_id, 1, n.units_allowed, n.paid
        FROM new_lines n JOIN old_lines o ON o.id = n.id
        WHERE n.counted AND (n.counted, n.date_of_service, n.units_allowed, n.paid)
              IS DISTINCT FROM (o.counted, o.date_of_service, o.units_allowed, o.paid)
    ), d AS MATERIALIZED (
        SELECT a.enrollment_id, date_trunc('month', x.date_of_service)::date AS month,
               sum(x.sign)::int AS lines, sum(x.sign * x.units_allowed) AS units, (sum(x.sign * x.paid) * 100)::bigint AS paid_cents,
               coalesce(bit_or(report_claim_use_day(x.date_of_service)) FILTER (WHERE x.sign > 0), 0) AS days,
               bool_or(x.sign < 0) AS lost
        FROM x JOIN authorizations a ON a.id = x.authorization_id
        GROUP BY 1, 2
    ), added AS (
        INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days)
        SELECT enrollment_id, month, lines, units, paid_cents, days
        FROM d WHERE NOT lost ORDER BY 2, 1
        ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
            SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
                paid_cents = t.paid_cents + excluded.paid_cents, days = t.days | excluded.days
        RETURNING 1
    ), kept AS (
        UPDATE report_enrollment_use t
        SET lines = t.lines + d.lines, units = t.units + d.units, paid_cents = t.paid_cents + d.paid_cents,
            days = (SELECT coalesce(bit_or(report_claim_use_day(l.date_of_service)), 0)
                    FROM enrollments e
                    JOIN authorizations a ON a.client_id = e.client_id AND a.provider_id = e.provider_id AND a.enrollment_id = e.id
                    JOIN claim_lines l ON l.counted AND l.client_id = a.client_id AND l.provider_id = a.provider_id
                         AND l.service_code = a.service_code AND l.authorization_id = a.id
                         AND l.date_of_service >= t.month AND l.date_of_service < (t.month + interval '1 month')::date
                    WHERE e.id = t.enrollment_id)
        FROM d
        WHERE d.lost AND t.enrollment_id = d.enrollment_id AND t.month = d.month AND t.lines + d.lines > 0
        RETURNING 1
    )
    DELETE FROM report_enrollment_use t USING d
    WHERE d.lost AND t.enrollment_id = d.enrollment_id AND t.month = d.month AND t.lines + d.lines <= 0;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

DELETE FROM report_enrollment_use WHERE lines = 0;
ALTER TABLE report_enrollment_use DROP CONSTRAINT report_enrollment_use_no_lines_no_use;
ALTER TABLE report_enrollment_use ADD CONSTRAINT report_enrollment_use_lines_positive CHECK (lines > 0);
ALTER TABLE report_enrollment_use DROP COLUMN units_authorized;

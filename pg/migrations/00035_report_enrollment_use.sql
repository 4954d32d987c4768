-- +goose Up
-- The client-level reports (the state extract and RCM monthly, package
-- reports) show each enrollment's units used and dollars paid. They took
-- them from report_claim_use (per month, provider, service and client) and
-- had to tell a client's enrollments apart where a client had more than
-- one in a program with a provider, reading those lines with their
-- authorizations: a year of 10,000,000 lines was 908,000 rollup rows
-- joined to the services and summed by client, program and provider, a
-- third of the extract's time. This rollup is keyed by what the reports
-- want, the enrollment (a counted line's authorization's), and the month
-- of service; the utilization report keeps report_claim_use.
--
-- Kept like report_claim_use, by claim_lines' statement triggers in the
-- intake's own statement and transaction, from the lines as stored, so it
-- equals a recount (api's rollup tests check that after random claims,
-- voids and replacements). A counted line always has an authorization
-- (claim_lines_paid_needs_authorization), a line's authorization never
-- changes (claim_lines_key_kept) and an authorization's enrollment never
-- changes (the guard below), so a line's enrollment is fixed for life.
CREATE TABLE report_enrollment_use (
    enrollment_id bigint  NOT NULL,
    month         date    NOT NULL CONSTRAINT report_enrollment_use_month_first_day CHECK (extract(day FROM month) = 1),
    lines         integer NOT NULL CONSTRAINT report_enrollment_use_lines_positive CHECK (lines > 0),
    units         bigint  NOT NULL,
    paid          numeric(14,2) NOT NULL,
    days          integer NOT NULL,
    CONSTRAINT report_enrollment_use_pkey PRIMARY KEY (month, enrollment_id)
) WITH (fillfactor = 70);
-- Keyed by month first, as report_claim_use: a report reads a range of
-- months (the months a range cuts by the key). Room for the intake's
-- updates to stay HOT (as report_claim_use's 50), less of it: these rows
-- are also read whole by the reports, and each page read is a report's
-- cost.

-- +goose StatementBegin
-- Inserted counted lines add to their rows, their authorizations looked up
-- once per authorization and month (a bulk request's 10,000 lines are a
-- few hundred), in key order, so two bulks touching the same rows take
-- their locks in one order.
CREATE FUNCTION report_enrollment_use_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid, days)
    SELECT a.enrollment_id, x.month, sum(x.lines), sum(x.units), sum(x.paid), bit_or(x.days)
    FROM (SELECT n.authorization_id, date_trunc('month', n.date_of_service)::date AS month,
                 count(*) AS lines, sum(n.units_allowed) AS units, sum(n.paid) AS paid,
                 bit_or(report_claim_use_day(n.date_of_service)) AS days
          FROM new_lines n WHERE n.counted GROUP BY 1, 2) x
    JOIN authorizations a ON a.id = x.authorization_id
    GROUP BY 1, 2 ORDER BY 2, 1
    ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
        SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
            paid = t.paid + excluded.paid, days = t.days | excluded.days;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- As report_claim_use_update: a line that stops counting (void,
-- replacement) comes out, one that starts counting goes in, and a row that
-- lost lines has its day bits recounted from its enrollment's counted
-- lines of the month (its authorizations, found by client and provider,
-- and their lines by claim_lines_no_duplicate); a row left with none goes.
CREATE FUNCTION report_enrollment_use_update() RETURNS trigger
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
               sum(x.sign)::int AS lines, sum(x.sign * x.units_allowed) AS units, sum(x.sign * x.paid) AS paid,
               coalesce(bit_or(report_claim_use_day(x.date_of_service)) FILTER (WHERE x.sign > 0), 0) AS days,
               bool_or(x.sign < 0) AS lost
        FROM x JOIN authorizations a ON a.id = x.authorization_id
        GROUP BY 1, 2
    ), added AS (
        INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid, days)
        SELECT enrollment_id, month, lines, units, paid, days
        FROM d WHERE NOT lost ORDER BY 2, 1
        ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
            SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
                paid = t.paid + excluded.paid, days = t.days | excluded.days
        RETURNING 1
    ), kept AS (
        UPDATE report_enrollment_use t
        SET lines = t.lines + d.lines, units = t.units + d.units, paid = t.paid + d.paid,
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

CREATE TRIGGER report_enrollment_use_insert AFTER INSERT ON claim_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION report_enrollment_use_insert();
CREATE TRIGGER report_enrollment_use_update AFTER UPDATE ON claim_lines
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION report_enrollment_use_update();

-- +goose StatementBegin
-- An authorization's enrollment is what its lines are reported under: it
-- is never moved (nothing in rss does; this says so to whoever tries).
CREATE FUNCTION authorizations_enrollment_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'an authorization''s enrollment does not change'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'authorizations_enrollment_kept';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER authorizations_enrollment_kept BEFORE UPDATE OF enrollment_id ON authorizations FOR EACH ROW
    WHEN (OLD.enrollment_id IS DISTINCT FROM NEW.enrollment_id) EXECUTE FUNCTION authorizations_enrollment_kept();

-- The extract sums units authorized by enrollment over the authorizations
-- starting in its range: the utilization report's index carries the
-- enrollment and program too, so both read it alone (an index-only scan
-- of the range's entries rather than the table's 150 MB, half-empty by
-- its fillfactor).
DROP INDEX authorizations_report_idx;
CREATE INDEX authorizations_report_idx ON authorizations (start_date, provider_id, service_code)
    INCLUDE (units_authorized, enrollment_id, program_code) WHERE voided_at IS NULL;

-- The extract shows each RCM enrollment's latest treatment status: read
-- in order from this index alone, where it sorted every progress record
-- (84 MB of them in the bench, wide with their month's summary).
CREATE INDEX rcm_monthly_progress_latest_idx ON rcm_monthly_progress (enrollment_id, month DESC) INCLUDE (treatment_status);

INSERT INTO report_enrollment_use (enrollment_id, month, lines, units, paid, days)
SELECT a.enrollment_id, date_trunc('month', l.date_of_service)::date,
       count(*), sum(l.units_allowed), sum(l.paid), bit_or(report_claim_use_day(l.date_of_service))
FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
WHERE l.counted GROUP BY 1, 2;
ANALYZE report_enrollment_use;

-- +goose Down
DROP INDEX rcm_monthly_progress_latest_idx;
DROP INDEX authorizations_report_idx;
CREATE INDEX authorizations_report_idx ON authorizations (start_date, provider_id, service_code)
    INCLUDE (units_authorized) WHERE voided_at IS NULL;
DROP TRIGGER authorizations_enrollment_kept ON authorizations;
DROP FUNCTION authorizations_enrollment_kept();
DROP TRIGGER report_enrollment_use_update ON claim_lines;
DROP TRIGGER report_enrollment_use_insert ON claim_lines;
DROP FUNCTION report_enrollment_use_update();
DROP FUNCTION report_enrollment_use_insert();
DROP TABLE report_enrollment_use;

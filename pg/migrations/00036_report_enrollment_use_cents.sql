-- +goose Up
-- The state extract sums each enrollment's rows of report_enrollment_use
-- over its range (737,000 rows for a year of the bench's 10,000,000
-- lines): adding numeric dollars was 40% of that sum (a numeric addition a
-- row; a bigint's is a machine add). The rollup keeps dollars as whole
-- cents (claim_lines.paid is numeric(12,2), so the cents are exact) and
-- the reports write them back as dollars.
ALTER TABLE report_enrollment_use ALTER COLUMN paid TYPE bigint USING (paid * 100)::bigint;
ALTER TABLE report_enrollment_use RENAME COLUMN paid TO paid_cents;
-- The rewrite dropped the column's statistics.
ANALYZE report_enrollment_use;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_use_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days)
    SELECT a.enrollment_id, x.month, sum(x.lines), sum(x.units), sum(x.paid_cents), bit_or(x.days)
    FROM (SELECT n.authorization_id, date_trunc('month', n.date_of_service)::date AS month,
                 count(*) AS lines, sum(n.units_allowed) AS units, (sum(n.paid) * 100)::bigint AS paid_cents,
                 bit_or(report_claim_use_day(n.date_of_service)) AS days
          FROM new_lines n WHERE n.counted GROUP BY 1, 2) x
    JOIN authorizations a ON a.id = x.authorization_id
    GROUP BY 1, 2 ORDER BY 2, 1
    ON CONFLICT ON CONSTRAINT report_enrollment_use_pkey DO UPDATE
        SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
            paid_cents = t.paid_cents + excluded.paid_cents, days = t.days | excluded.days;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

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

-- +goose Down
ALTER TABLE report_enrollment_use RENAME COLUMN paid_cents TO paid;
ALTER TABLE report_enrollment_use ALTER COLUMN paid TYPE numeric(14,2) USING paid / 100.0;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_use_insert() RETURNS trigger
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

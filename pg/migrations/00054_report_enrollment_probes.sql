-- The enrollment rollup's triggers found each line's enrollment by joining
-- the lines to authorizations. PL/pgSQL plans such a statement once per
-- connection, for the transition table it first sees: a connection whose
-- first insert was a bulk of 10,000 lines kept a plan that hashes every
-- authorization (an index scan of the whole table, enable_seqscan off) and
-- ran it for each later single claim too: 2 of a single claim's 4 ms of
-- PostgreSQL time on the bench's 7,000 authorizations, growing with the
-- table. Each enrollment is now looked up by the authorization's id, per
-- authorization and month of the submission (a scalar subquery, which
-- PostgreSQL runs as an index probe whatever the sizes it plans for): a
-- single claim probes once, a bulk a few hundred times. What the rows hold
-- is unchanged: a counted line always has an authorization, and every
-- authorization an enrollment.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_enrollment_use_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO report_enrollment_use AS t (enrollment_id, month, lines, units, paid_cents, days)
    SELECT y.enrollment_id, y.month, sum(y.lines), sum(y.units), sum(y.paid_cents), bit_or(y.days)
    FROM (SELECT (SELECT a.enrollment_id FROM authorizations a WHERE a.id = x.authorization_id) AS enrollment_id,
                 x.month, x.lines, x.units, x.paid_cents, x.days
          FROM (SELECT n.authorization_id, date_trunc('month', n.date_of_service)::date AS month,
                       count(*) AS lines, sum(n.units_allowed) AS units, (sum(n.paid) * 100)::bigint AS paid_cents,
                       bit_or(report_claim_use_day(n.date_of_service)) AS days
                FROM new_lines n WHERE n.counted GROUP BY 1, 2) x) y
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
        SELECT (SELECT a.enrollment_id FROM authorizations a WHERE a.id = x.authorization_id) AS enrollment_id,
               date_trunc('month', x.date_of_service)::date AS month,
               sum(x.sign)::int AS lines, sum(x.sign * x.units_allowed) AS units, (sum(x.sign * x.paid) * 100)::bigint AS paid_cents,
               coalesce(bit_or(report_claim_use_day(x.date_of_service)) FILTER (WHERE x.sign > 0), 0) AS days,
               bool_or(x.sign < 0) AS lost
        FROM x GROUP BY 1, 2
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
      AND (t.month, t.enrollment_id) IN (SELECT date_trunc('month', o.date_of_service)::date,
                                                (SELECT a.enrollment_id FROM authorizations a WHERE a.id = o.authorization_id)
                                         FROM old_lines o WHERE o.counted);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
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

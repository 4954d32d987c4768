-- +goose Up
-- The utilization report's rollup of counted claim lines (issue 10, package
-- reports): per calendar month of service, provider, service and client,
-- the counted lines, units allowed and dollars paid, and a bit per day of
-- the month that has a counted line (bit 0 is the 1st). At 10,000,000
-- lines a year's report read from claim_lines took seconds; from this table
-- it reads one row per client, service and month. Keeping the client in
-- the key is what lets "clients served" be counted exactly over any period:
-- a client was served in a week or a clipped month when its row's day bits
-- meet the period's days. The rows are per client, so two intakes contend
-- on one only when they bill the same client, which the ledger's episode
-- lock orders already; a rollup without the client (per provider and day)
-- would have made concurrent claims of one agency wait on each other.
--
-- The triggers below keep it in the intake's own statement and transaction,
-- from the lines as stored, so it equals a recount from claim_lines
-- (reports' tests check that after random claims, voids and replacements).
-- claim_lines refuses DELETE and TRUNCATE, so inserts and updates are all
-- there is to follow.
CREATE TABLE report_claim_use (
    month        date    NOT NULL CONSTRAINT report_claim_use_month_first_day CHECK (extract(day FROM month) = 1),
    provider_id  bigint  NOT NULL,
    service_code text    NOT NULL,
    client_id    bigint  NOT NULL,
    lines        integer NOT NULL CONSTRAINT report_claim_use_lines_positive CHECK (lines > 0),
    units        bigint  NOT NULL,
    paid         numeric(14,2) NOT NULL,
    days         integer NOT NULL,
    CONSTRAINT report_claim_use_pkey PRIMARY KEY (month, provider_id, service_code, client_id)
);

-- +goose StatementBegin
CREATE FUNCTION report_claim_use_day(d date) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 1 << (extract(day FROM d)::int - 1)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Inserted counted lines add to their rows (ordered by key, so two bulks
-- touching the same rows take their locks in one order).
CREATE FUNCTION report_claim_use_insert() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    INSERT INTO report_claim_use AS t (month, provider_id, service_code, client_id, lines, units, paid, days)
    SELECT date_trunc('month', n.date_of_service)::date, n.provider_id, n.service_code, n.client_id,
           count(*), sum(n.units_allowed), sum(n.paid), bit_or(report_claim_use_day(n.date_of_service))
    FROM new_lines n WHERE n.counted
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT ON CONSTRAINT report_claim_use_pkey DO UPDATE
        SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
            paid = t.paid + excluded.paid, days = t.days | excluded.days;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- An update that changes what a line counts for (a void or a replacement
-- clears counted) takes the old line out and puts the new one in. A row
-- that lost lines has its day bits recounted from the counted lines of its
-- client, service and month (claim_lines_no_duplicate reads exactly those),
-- since another line may still be on that day; a row left with no line
-- goes.
CREATE FUNCTION report_claim_use_update() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
    WITH x AS (
        SELECT o.date_of_service, o.provider_id, o.service_code, o.client_id, -1 AS sign, o.units_allowed, o.paid
        FROM old_lines o JOIN new_lines n ON n.id = o.id
        WHERE o.counted AND (n.counted, n.date_of_service, n.provider_id, n.service_code, n.client_id, n.units_allowed, n.paid)
              IS DISTINCT FROM (o.counted, o.date_of_service, o.provider_id, o.service_code, o.client_id, o.units_allowed, o.paid)
        UNION ALL
        SELECT n.date_of_service, n.provider_id, n.service_code, n.client_id, 1, n.units_allowed, n.paid
        FROM new_lines n JOIN old_lines o ON o.id = n.id
        WHERE n.counted AND (n.counted, n.date_of_service, n.provider_id, n.service_code, n.client_id, n.units_allowed, n.paid)
              IS DISTINCT FROM (o.counted, o.date_of_service, o.provider_id, o.service_code, o.client_id, o.units_allowed, o.paid)
    ), d AS MATERIALIZED (
        SELECT date_trunc('month', x.date_of_service)::date AS month, x.provider_id, x.service_code, x.client_id,
               sum(x.sign)::int AS lines, sum(x.sign * x.units_allowed) AS units, sum(x.sign * x.paid) AS paid,
               coalesce(bit_or(report_claim_use_day(x.date_of_service)) FILTER (WHERE x.sign > 0), 0) AS days,
               bool_or(x.sign < 0) AS lost
        FROM x GROUP BY 1, 2, 3, 4
    ), added AS (
        INSERT INTO report_claim_use AS t (month, provider_id, service_code, client_id, lines, units, paid, days)
        SELECT month, provider_id, service_code, client_id, lines, units, paid, days
        FROM d WHERE NOT lost ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT report_claim_use_pkey DO UPDATE
            SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
                paid = t.paid + excluded.paid, days = t.days | excluded.days
        RETURNING 1
    ), kept AS (
        UPDATE report_claim_use t
        SET lines = t.lines + d.lines, units = t.units + d.units, paid = t.paid + d.paid,
            days = (SELECT coalesce(bit_or(report_claim_use_day(l.date_of_service)), 0) FROM claim_lines l
                    WHERE l.counted AND l.client_id = t.client_id AND l.provider_id = t.provider_id
                      AND l.service_code = t.service_code
                      AND l.date_of_service >= t.month AND l.date_of_service < (t.month + interval '1 month')::date)
        FROM d
        WHERE d.lost AND t.month = d.month AND t.provider_id = d.provider_id
          AND t.service_code = d.service_code AND t.client_id = d.client_id AND t.lines + d.lines > 0
        RETURNING 1
    )
    DELETE FROM report_claim_use t USING d
    WHERE d.lost AND t.month = d.month AND t.provider_id = d.provider_id
      AND t.service_code = d.service_code AND t.client_id = d.client_id AND t.lines + d.lines <= 0;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER report_claim_use_insert AFTER INSERT ON claim_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION report_claim_use_insert();
CREATE TRIGGER report_claim_use_update AFTER UPDATE ON claim_lines
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION report_claim_use_update();

INSERT INTO report_claim_use (month, provider_id, service_code, client_id, lines, units, paid, days)
SELECT date_trunc('month', date_of_service)::date, provider_id, service_code, client_id,
       count(*), sum(units_allowed), sum(paid), bit_or(report_claim_use_day(date_of_service))
FROM claim_lines WHERE counted GROUP BY 1, 2, 3, 4;

-- The pended-queue report rebuilds a day's queue from the requests the
-- rules pended, decided since or not; voucher_requests_pended_idx holds
-- only those still pending, so the report read every request. This one
-- holds a pended request's submission time whatever became of it: one
-- entry per pend (a twentieth of the requests in the bench), nothing for
-- the others, so a voucher decision that does not pend writes nothing more.
CREATE INDEX voucher_requests_rules_pended_idx ON voucher_requests (submitted_at) WHERE rules_decision = 'pended';

-- +goose Down
DROP INDEX voucher_requests_rules_pended_idx;
DROP TRIGGER report_claim_use_update ON claim_lines;
DROP TRIGGER report_claim_use_insert ON claim_lines;
DROP FUNCTION report_claim_use_update();
DROP FUNCTION report_claim_use_insert();
DROP TABLE report_claim_use;
DROP FUNCTION report_claim_use_day(date);

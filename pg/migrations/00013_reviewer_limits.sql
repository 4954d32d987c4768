-- +goose Up
-- A reviewer lifts what pends, never what the reduce rules cut (SPEC §5).
-- Each request keeps its ceiling: the request narrowed by every reduce rule
-- (per-voucher maximum, voucher validity, length of service), stored for
-- every decision so a reviewer sees it and the schema holds every grant to
-- it. Requests decided before this migration have none; their reviewers
-- are held to the limits the rules give when they decide.
ALTER TABLE voucher_requests
    ADD COLUMN ceiling_units integer,
    ADD COLUMN ceiling_start date,
    ADD COLUMN ceiling_end   date,
    ADD CONSTRAINT voucher_requests_ceiling_complete CHECK (
        (ceiling_units IS NULL) = (ceiling_start IS NULL) AND (ceiling_units IS NULL) = (ceiling_end IS NULL)),
    ADD CONSTRAINT voucher_requests_ceiling_within_request CHECK (
        ceiling_units IS NULL OR (ceiling_units BETWEEN 1 AND units_requested
            AND ceiling_start >= start_date AND ceiling_end <= end_date AND ceiling_end >= ceiling_start)),
    ADD CONSTRAINT voucher_requests_granted_within_ceiling CHECK (
        ceiling_units IS NULL OR units_granted IS NULL OR (units_granted <= ceiling_units
            AND granted_start >= ceiling_start AND granted_end <= ceiling_end));

-- What the rules said when the reviewer decided: the deny rules run again on
-- the facts of that moment, and an approval they refuse is not recorded.
ALTER TABLE reviewer_decisions
    ADD COLUMN recheck_hits jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN recheck_rule_set_version text;

-- +goose Down
ALTER TABLE reviewer_decisions DROP COLUMN recheck_rule_set_version, DROP COLUMN recheck_hits;
ALTER TABLE voucher_requests DROP CONSTRAINT voucher_requests_granted_within_ceiling,
    DROP CONSTRAINT voucher_requests_ceiling_within_request, DROP CONSTRAINT voucher_requests_ceiling_complete,
    DROP COLUMN ceiling_end, DROP COLUMN ceiling_start, DROP COLUMN ceiling_units;

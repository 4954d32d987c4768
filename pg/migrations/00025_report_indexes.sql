-- +goose Up
-- Indexes for the state's reports (issue 10, package reports): the
-- utilization report reads the authorizations not voided by the day their
-- span starts, over any range; the partial index covers only the rows the
-- report reads and carries what it sums. The counted claim lines are read
-- through their existing indexes: a covering index on claim_lines by date
-- of service was tried and made single claims after a bulk load 75% slower
-- (p50 10.5 ms against 6.0 ms in `rss bench -phases bulk,single1`), so the
-- reports' speed at size is left to their own design (rollups kept by
-- intake, or an index that intake's plans cannot mistake for theirs).
CREATE INDEX authorizations_report_idx ON authorizations (start_date, provider_id, service_code)
    INCLUDE (units_authorized) WHERE voided_at IS NULL;

-- +goose Down
DROP INDEX authorizations_report_idx;

-- +goose Up
-- Indexes for the state's reports (issue 10, package reports): the
-- utilization report reads the counted claim lines by date of service and
-- the authorizations not voided by the day their span starts, over any
-- range. The partial indexes cover only the rows the reports read, and
-- carry what they sum so a range is read from the index.
CREATE INDEX claim_lines_report_idx ON claim_lines (date_of_service, provider_id, service_code)
    INCLUDE (units_allowed, paid, client_id) WHERE counted;
CREATE INDEX authorizations_report_idx ON authorizations (start_date, provider_id, service_code)
    INCLUDE (units_authorized) WHERE voided_at IS NULL;

-- +goose Down
DROP INDEX claim_lines_report_idx, authorizations_report_idx;

-- +goose Up
-- A client's day holds 24 hours across the services counted by time (the
-- claim rules' C00), so claims intake reads each day's counted lines of
-- every service: claim_lines_no_duplicate now leads with the date before
-- the service, and one probe of a client's day serves the duplicates, the
-- service's day and the day across services alike. The columns, the
-- predicate and so the rows it keeps unique are unchanged; a second index
-- for the day would have cost every counted line's insert.
DROP INDEX claim_lines_no_duplicate;
CREATE UNIQUE INDEX claim_lines_no_duplicate ON claim_lines (client_id, provider_id, date_of_service, service_code, units) WHERE counted;

-- +goose Down
DROP INDEX claim_lines_no_duplicate;
CREATE UNIQUE INDEX claim_lines_no_duplicate ON claim_lines (client_id, provider_id, service_code, date_of_service, units) WHERE counted;

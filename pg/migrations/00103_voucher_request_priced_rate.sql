-- The rate a voucher request was priced at, by its id. A reviewer's
-- approval of a pended request keeps the price unless that rate was
-- corrected since (a correction says it never held), and the rate was told
-- by its amount alone: a typo's 21.00 corrected and another rate then dated
-- back over the request's start granted the typo, and a rate of 5.00 never
-- corrected read as corrected because another of 5.00 had been (an
-- operations black-box pass). Requests priced before this migration keep
-- no id (which rate priced them is not recorded anywhere else) and are
-- told by amount as before.

-- +goose Up
ALTER TABLE voucher_requests ADD COLUMN priced_rate_id bigint REFERENCES service_rates (id);

-- +goose Down
ALTER TABLE voucher_requests DROP COLUMN priced_rate_id;

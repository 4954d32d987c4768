-- +goose Up
-- A rate entered wrong can be corrected: a correction is a rate of its own
-- for the same service and day that names the rate it replaces
-- (corrects_id). A day keeps one rate in force, the one no correction
-- replaces: one original per day (the partial unique index, where the
-- UNIQUE was), and each rate replaced at most once (corrects_id unique), so
-- two corrections of the same rate sent at once make one. The replaced
-- rate stays, as history. Before, a typo effective today (1200.00 for
-- 12.00) stood until tomorrow and priced every voucher granted meanwhile
-- (a black-box pass): the one-per-day rule refused its correction.
ALTER TABLE service_rates
    ADD COLUMN corrects_id bigint,
    DROP CONSTRAINT service_rates_one_per_day,
    ADD CONSTRAINT service_rates_key_day UNIQUE (id, service_code, effective_from),
    ADD CONSTRAINT service_rates_corrects_once UNIQUE (corrects_id),
    -- A correction is of the same service and day as the rate it replaces.
    ADD CONSTRAINT service_rates_corrects_fkey FOREIGN KEY (corrects_id, service_code, effective_from)
        REFERENCES service_rates (id, service_code, effective_from),
    ADD CONSTRAINT service_rates_corrects_other CHECK (corrects_id IS NULL OR corrects_id <> id);
CREATE UNIQUE INDEX service_rates_one_per_day ON service_rates (service_code, effective_from) WHERE corrects_id IS NULL;

-- +goose Down
-- Each day keeps the rate in force (the last correction) under the first
-- rate's id, and the one-per-day rule comes back.
UPDATE service_rates o SET rate = c.rate, set_by = c.set_by, set_at = c.set_at, reason = c.reason
FROM (SELECT DISTINCT ON (service_code, effective_from) service_code, effective_from, rate, set_by, set_at, reason
      FROM service_rates ORDER BY service_code, effective_from, id DESC) c
WHERE o.corrects_id IS NULL AND o.service_code = c.service_code AND o.effective_from = c.effective_from;
ALTER TABLE service_rates DROP CONSTRAINT service_rates_corrects_fkey;
DELETE FROM service_rates WHERE corrects_id IS NOT NULL;
DROP INDEX service_rates_one_per_day;
ALTER TABLE service_rates DROP CONSTRAINT service_rates_corrects_other, DROP CONSTRAINT service_rates_corrects_once,
    DROP CONSTRAINT service_rates_key_day, DROP COLUMN corrects_id,
    ADD CONSTRAINT service_rates_one_per_day UNIQUE (service_code, effective_from);

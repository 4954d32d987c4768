-- +goose Up
-- An agency's services are dated: taking a service out of its enrollment
-- ends the service's period (on the day of the change, its last) instead
-- of deleting the row, so the claims for days it was offered are still
-- paid (they were denied the moment it was taken out, a black-box pass),
-- and a voucher asks for a span it covers. A service added again after
-- such an end is offered from then on, not back over the gap; one the
-- agency never had is offered with no start, as before, so an admin
-- mending a missing service mends the days before too. The periods of one
-- service never overlap and one at most is open.
ALTER TABLE provider_services
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN offered_from date,
    ADD COLUMN offered_to date,
    DROP CONSTRAINT provider_services_pkey,
    ADD CONSTRAINT provider_services_pkey PRIMARY KEY (id),
    ADD CONSTRAINT provider_services_period_order CHECK (offered_to >= offered_from),
    ADD CONSTRAINT provider_services_no_overlap EXCLUDE USING gist
        (provider_id WITH =, service_code WITH =, daterange(offered_from, offered_to, '[]') WITH &&);
CREATE UNIQUE INDEX provider_services_one_open ON provider_services (provider_id, service_code) WHERE offered_to IS NULL;

-- +goose Down
-- One undated row per service again: refused while an ended period is on
-- file (dropping it would deny the claims of the days it covered).
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM provider_services WHERE offered_to IS NOT NULL OR offered_from IS NOT NULL) THEN
        RAISE EXCEPTION 'an agency has a dated service period: it cannot be kept as an undated row';
    END IF;
END;
$$;
-- +goose StatementEnd
DROP INDEX provider_services_one_open;
ALTER TABLE provider_services
    DROP CONSTRAINT provider_services_no_overlap,
    DROP CONSTRAINT provider_services_period_order,
    DROP CONSTRAINT provider_services_pkey,
    DROP COLUMN offered_to,
    DROP COLUMN offered_from,
    DROP COLUMN id,
    ADD CONSTRAINT provider_services_pkey PRIMARY KEY (provider_id, service_code);

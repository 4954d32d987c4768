-- +goose Up
-- A verified credential the department withdraws may be withdrawn as of a
-- day (a licence revoked effective the first of the month): the days
-- before it keep the credential, as they did when it was rejected whole,
-- which took it back for every date, the days its holder served with it
-- valid included (an operations black-box pass). Only a withdrawn
-- credential carries the day.
ALTER TABLE staff_credentials ADD COLUMN withdrawn_on date,
    ADD CONSTRAINT staff_credentials_withdrawn_rejected CHECK (withdrawn_on IS NULL OR verification_status = 'rejected');

-- +goose Down
ALTER TABLE staff_credentials DROP COLUMN withdrawn_on;

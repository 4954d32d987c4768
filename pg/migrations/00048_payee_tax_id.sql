-- An 835 whose payee (N1*PE) is named by tax id (N103 FI) is matched to
-- the agency holding that tax id, as one named by NPI is to the agency of
-- that NPI; the payment keeps the tax id it was sent to, so a reversal's
-- lookup of the payee's own payments reads it.

-- +goose Up
ALTER TABLE payer_payments ADD COLUMN payee_tax_id text;

-- +goose Down
ALTER TABLE payer_payments DROP COLUMN payee_tax_id;

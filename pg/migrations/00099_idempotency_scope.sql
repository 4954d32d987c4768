-- +goose Up
-- An Idempotency-Key is the agency's, not one API key's: an agency that
-- minted a new key and revoked the old one, then retried a voucher request
-- with the key that replaced it, was granted it twice (an on-call
-- black-box pass; SPEC §6: a retry writes nothing). scope is the agency's
-- id for a provider's key and the key's own id, negated, for the MSC's
-- staff (each of whom acts for themself); api_key_id still says which key
-- sent it.
ALTER TABLE idempotency_keys ADD COLUMN scope bigint;
UPDATE idempotency_keys i SET scope = COALESCE(k.provider_id, -k.id) FROM api_keys k WHERE k.id = i.api_key_id;
-- Two keys of one agency that used one Idempotency-Key each keep their
-- answer no longer: one holding an answer is kept before one that holds
-- none (an older release wrote the row before the work), then the latest,
-- the one a retry is likeliest to be.
DELETE FROM idempotency_keys i USING idempotency_keys j
WHERE i.scope = j.scope AND i.key = j.key
  AND (i.status_code IS NOT NULL, i.created_at, i.api_key_id) < (j.status_code IS NOT NULL, j.created_at, j.api_key_id);
ALTER TABLE idempotency_keys
    ALTER COLUMN scope SET NOT NULL,
    ADD CONSTRAINT idempotency_keys_scope_nonzero CHECK (scope <> 0),
    DROP CONSTRAINT idempotency_keys_pkey,
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key);

-- +goose Down
-- A scope's keys are one API key's each ((scope, key) unique), so they
-- go back to their API keys as they are.
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_pkey,
    DROP CONSTRAINT idempotency_keys_scope_nonzero,
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (api_key_id, key),
    DROP COLUMN scope;

-- The answer to POST /v1/api-keys was kept whole for its retries, the new
-- key's secret with it, in clear, for good (a black-box pass read it back
-- and had it replayed after the key was revoked). Retries are now answered
-- with "key": null and nothing stores the secret; this clears the secrets
-- already kept. The key hashes in api_keys are untouched.

-- +goose Up
UPDATE idempotency_keys SET response = jsonb_set(response::jsonb, '{key}', 'null'::jsonb)::text
WHERE method = 'POST' AND path = '/v1/api-keys' AND status_code BETWEEN 200 AND 299 AND response LIKE '{%';

-- +goose Down
-- Nothing to undo: the secrets cleared are gone, as they should be.
SELECT 1;

-- +goose Up
-- The payer's answers name their payee by an NPI or tax id, which may be
-- one a later batch froze for the agency (its NPI changed after a claim
-- went out): billing.payeeMatchSQL looks the agency's frozen identities
-- up by agency, a probe here rather than a scan of every batch's agencies.
CREATE INDEX batch_providers_identity_idx ON batch_providers (provider_id, npi);

-- +goose Down
DROP INDEX batch_providers_identity_idx;

-- +goose Up
-- What a batch reports: the claims on each provider's remittance advice,
-- the parties written into its 837P, and the digests of its files.

ALTER TABLE batches ADD COLUMN x12_parties jsonb;

-- Every claim a batch's remittance advice reports. A claim is reported in
-- full (its denied lines too) the first time; later batches report only
-- the lines they carry.
CREATE TABLE batch_claims (
    batch_id     bigint  NOT NULL CONSTRAINT batch_claims_batch_fkey REFERENCES batches (id),
    claim_id     bigint  NOT NULL CONSTRAINT batch_claims_claim_fkey REFERENCES claims (id),
    provider_id  bigint  NOT NULL CONSTRAINT batch_claims_provider_fkey REFERENCES providers (id),
    first_report boolean NOT NULL,
    CONSTRAINT batch_claims_pkey PRIMARY KEY (batch_id, claim_id)
);
CREATE UNIQUE INDEX batch_claims_first_report_once ON batch_claims (claim_id) WHERE first_report;
CREATE INDEX batch_claims_provider_idx ON batch_claims (batch_id, provider_id, claim_id);
CREATE TRIGGER batch_claims_immutable BEFORE UPDATE OR DELETE ON batch_claims
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

-- The digest of each file a batch was exported as, fixed at the first
-- export: every later export must reproduce it byte for byte.
CREATE TABLE batch_files (
    batch_id   bigint NOT NULL CONSTRAINT batch_files_batch_fkey REFERENCES batches (id),
    kind       text   NOT NULL CONSTRAINT batch_files_kind_valid CHECK (kind IN ('837p', 'payment_register')),
    sha256     text   NOT NULL CONSTRAINT batch_files_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes      bigint NOT NULL CONSTRAINT batch_files_bytes_positive CHECK (bytes > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT batch_files_pkey PRIMARY KEY (batch_id, kind)
);
CREATE TRIGGER batch_files_immutable BEFORE UPDATE OR DELETE ON batch_files
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

CREATE INDEX batch_lines_line_idx ON batch_lines (line_id, batch_id);
-- Claims with nothing to pay wait here for their one report.
CREATE INDEX claims_nothing_to_pay_idx ON claims (program_code, last_service_date) WHERE status IN ('denied', 'void');

-- +goose Down
DROP INDEX claims_nothing_to_pay_idx;
DROP INDEX batch_lines_line_idx;
DROP TABLE batch_files, batch_claims;
ALTER TABLE batches DROP COLUMN x12_parties;

-- +goose Up
-- Claim batches: finance closes payable lines into a batch for one payer
-- route; a line is in at most one batch, enforced by the schema.

CREATE SEQUENCE x12_isa_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;
CREATE SEQUENCE x12_gs_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;
CREATE SEQUENCE x12_st_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;

CREATE TABLE batches (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT batches_pkey PRIMARY KEY,
    payer_route   text   NOT NULL CONSTRAINT batches_route_valid CHECK (payer_route IN ('medicaid_837p', 'payment_register')),
    through_date  date   NOT NULL,
    created_by    bigint NOT NULL CONSTRAINT batches_created_by_fkey REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    claim_count   integer NOT NULL CONSTRAINT batches_claims_nonnegative CHECK (claim_count >= 0),
    line_count    integer NOT NULL CONSTRAINT batches_lines_positive CHECK (line_count > 0),
    units         bigint  NOT NULL,
    billed        numeric(14,2) NOT NULL,
    paid          numeric(14,2) NOT NULL,
    isa_control   bigint,
    gs_control    bigint,
    st_controls   bigint[],
    CONSTRAINT batches_controls CHECK ((payer_route = 'medicaid_837p') = (isa_control IS NOT NULL AND gs_control IS NOT NULL AND st_controls IS NOT NULL))
);

CREATE TABLE batch_providers (
    batch_id    bigint NOT NULL CONSTRAINT batch_providers_batch_fkey REFERENCES batches (id),
    provider_id bigint NOT NULL CONSTRAINT batch_providers_provider_fkey REFERENCES providers (id),
    claim_count integer NOT NULL,
    line_count  integer NOT NULL,
    units       bigint  NOT NULL,
    billed      numeric(14,2) NOT NULL,
    paid        numeric(14,2) NOT NULL,
    CONSTRAINT batch_providers_pkey PRIMARY KEY (batch_id, provider_id)
);

-- line_id is unique: a line is in one batch at most, even when two batches
-- are created at the same moment. The (line_id, billable) key points at a
-- billable line, so a line that is not billable cannot be batched and a
-- batched line cannot be made unbillable.
CREATE TABLE batch_lines (
    batch_id bigint  NOT NULL CONSTRAINT batch_lines_batch_fkey REFERENCES batches (id),
    line_id  bigint  NOT NULL CONSTRAINT batch_lines_line_unique UNIQUE,
    billable boolean NOT NULL DEFAULT true CONSTRAINT batch_lines_billable CHECK (billable),
    CONSTRAINT batch_lines_line_fkey FOREIGN KEY (line_id, billable) REFERENCES claim_lines (id, billable),
    CONSTRAINT batch_lines_pkey PRIMARY KEY (batch_id, line_id)
);

-- Batches are immutable once created.
-- +goose StatementBegin
CREATE FUNCTION batches_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is immutable: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER batches_immutable BEFORE UPDATE OR DELETE ON batches
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER batch_providers_immutable BEFORE UPDATE OR DELETE ON batch_providers
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER batch_lines_immutable BEFORE UPDATE OR DELETE ON batch_lines
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

-- +goose Down
DROP TABLE batch_lines, batch_providers, batches;
DROP FUNCTION batches_refuse_change();
DROP SEQUENCE x12_st_control_seq, x12_gs_control_seq, x12_isa_control_seq;

-- +goose Up
-- A TA1 is the payer's answer to an interchange as a whole (X12's
-- interchange acknowledgment): rejected, none of its claims reached the
-- payer and no 999 or 277CA will come for them. It could not be imported
-- (a file with no transaction set), and the batch read unanswered (a payer
-- black-box pass of the forty-third stop). One row per TA1, matched to the
-- 837P batch whose ISA13 its TA101 names; a rejection also answers each
-- of the batch's sets in payer_set_acks (code TA1:R), so the claims read
-- rejected as a 999's rejection makes them. Append-only, as every table of
-- the payer's answers.
ALTER TABLE payer_files DROP CONSTRAINT payer_files_kind_valid,
    ADD CONSTRAINT payer_files_kind_valid CHECK (kind IN ('999', '277CA', '835', 'TA1'));

CREATE TABLE payer_interchange_acks (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_interchange_acks_pkey PRIMARY KEY,
    file_id          bigint NOT NULL CONSTRAINT payer_interchange_acks_file_fkey REFERENCES payer_files (id),
    seq              integer NOT NULL,
    isa_control      bigint NOT NULL,
    batch_id         bigint CONSTRAINT payer_interchange_acks_batch_fkey REFERENCES batches (id),
    code             text NOT NULL CONSTRAINT payer_interchange_acks_code_valid CHECK (code IN ('A', 'E', 'R')),
    note             text NOT NULL CONSTRAINT payer_interchange_acks_note_format CHECK (note ~ '^[0-9]{3}$'),
    unmatched_reason text,
    reported_at      timestamptz NOT NULL,
    CONSTRAINT payer_interchange_acks_seq_unique UNIQUE (file_id, seq),
    CONSTRAINT payer_interchange_acks_matched CHECK ((batch_id IS NULL) = (unmatched_reason IS NOT NULL))
);
CREATE INDEX payer_interchange_acks_batch_idx ON payer_interchange_acks (batch_id) WHERE batch_id IS NOT NULL;
CREATE TRIGGER payer_interchange_acks_immutable BEFORE UPDATE OR DELETE ON payer_interchange_acks
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

-- +goose Down
DROP TABLE payer_interchange_acks;
ALTER TABLE payer_files DROP CONSTRAINT payer_files_kind_valid,
    ADD CONSTRAINT payer_files_kind_valid CHECK (kind IN ('999', '277CA', '835'));

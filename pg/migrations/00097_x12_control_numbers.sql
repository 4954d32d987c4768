-- +goose Up
-- The 837P's interchange (ISA13), group (GS06) and transaction set (ST02)
-- control numbers are drawn from a counter row each, updated in the
-- close's transaction, where they were drawn from sequences: a sequence's
-- number is spent even when its transaction rolls back, so a close refused
-- after drawing them (409 batch_file_invalid, the file failing its check)
-- left a gap in the numbers the payer sees, which payers read as a lost
-- interchange (an on-call pass). The row is held by the close until it
-- commits, so closes of 837P batches take their numbers one after the
-- other; the payment register draws none. The numbers go on from where the
-- sequences stood, and wrap after 999,999,999 as they did.
CREATE TABLE x12_control_numbers (
    kind      text   CONSTRAINT x12_control_numbers_pkey PRIMARY KEY
                     CONSTRAINT x12_control_numbers_kind_valid CHECK (kind IN ('isa', 'gs', 'st')),
    last_used bigint NOT NULL CONSTRAINT x12_control_numbers_in_range CHECK (last_used BETWEEN 0 AND 999999999)
);
INSERT INTO x12_control_numbers (kind, last_used)
SELECT 'isa', CASE WHEN is_called THEN last_value ELSE 0 END FROM x12_isa_control_seq
UNION ALL SELECT 'gs', CASE WHEN is_called THEN last_value ELSE 0 END FROM x12_gs_control_seq
UNION ALL SELECT 'st', CASE WHEN is_called THEN last_value ELSE 0 END FROM x12_st_control_seq;
DROP SEQUENCE x12_isa_control_seq, x12_gs_control_seq, x12_st_control_seq;

-- +goose Down
CREATE SEQUENCE x12_isa_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;
CREATE SEQUENCE x12_gs_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;
CREATE SEQUENCE x12_st_control_seq MINVALUE 1 MAXVALUE 999999999 CYCLE;
SELECT setval('x12_' || kind || '_control_seq', last_used) FROM x12_control_numbers WHERE last_used > 0;
DROP TABLE x12_control_numbers;

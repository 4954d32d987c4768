-- +goose Up
-- The payer's answers (issue 11): the 999, 277CA and 835 files finance
-- imports, and what each posted. Everything here is append-only: a file is
-- imported once (its SHA-256 is unique), its rows are written with it and
-- never change, and what a claim currently stands at is derived when read
-- (payer_current_postings). A reversal (CLP02 = 22) is a row of its own
-- naming the posting it undoes (reverses_id, unique: a posting is undone
-- once); a correction is a later posting of the same CLM loop. What does
-- not match anything of ours is kept with the reason in unmatched_reason,
-- never dropped.

CREATE TABLE payer_files (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_files_pkey PRIMARY KEY,
    kind         text   NOT NULL CONSTRAINT payer_files_kind_valid CHECK (kind IN ('999', '277CA', '835')),
    sha256       text   NOT NULL CONSTRAINT payer_files_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bigint NOT NULL CONSTRAINT payer_files_bytes_positive CHECK (bytes > 0),
    sender_id    text   NOT NULL,
    receiver_id  text   NOT NULL,
    isa_control  bigint NOT NULL,
    gs_control   bigint NOT NULL,
    imported_by  bigint CONSTRAINT payer_files_imported_by_fkey REFERENCES api_keys (id),
    imported_at  timestamptz NOT NULL,
    CONSTRAINT payer_files_sha256_unique UNIQUE (sha256)
);
CREATE INDEX payer_files_imported_idx ON payer_files (imported_at, id);

-- 999: one row per transaction set acknowledged (AK2 loop). A set is
-- matched to the batch that sent it by the functional group (AK102 = the
-- batch's GS06) and set control number (AK202 in the batch's ST02s).
CREATE TABLE payer_set_acks (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_set_acks_pkey PRIMARY KEY,
    file_id          bigint NOT NULL CONSTRAINT payer_set_acks_file_fkey REFERENCES payer_files (id),
    seq              integer NOT NULL,
    group_control    bigint,
    set_control      text   NOT NULL,
    st_control       bigint,
    batch_id         bigint CONSTRAINT payer_set_acks_batch_fkey REFERENCES batches (id),
    code             text   NOT NULL,
    accepted         boolean NOT NULL,
    errors           text[] NOT NULL DEFAULT '{}',
    unmatched_reason text,
    CONSTRAINT payer_set_acks_seq_unique UNIQUE (file_id, seq),
    CONSTRAINT payer_set_acks_matched CHECK ((batch_id IS NULL) = (unmatched_reason IS NOT NULL))
);
CREATE INDEX payer_set_acks_batch_idx ON payer_set_acks (batch_id, id) WHERE batch_id IS NOT NULL;

-- 277CA: one row per claim acknowledged, matched to the CLM loop we sent
-- by its CLM01 (TRN02 of 2200D) and billing provider.
CREATE TABLE payer_claim_statuses (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_claim_statuses_pkey PRIMARY KEY,
    file_id          bigint NOT NULL CONSTRAINT payer_claim_statuses_file_fkey REFERENCES payer_files (id),
    seq              integer NOT NULL,
    clm01            text   NOT NULL,
    provider_npi     text,
    batch_id         bigint,
    claim_id         bigint,
    part             integer,
    accepted         boolean NOT NULL,
    statuses         text[] NOT NULL,
    payer_ccn        text,
    charge           numeric(14,2),
    unmatched_reason text,
    CONSTRAINT payer_claim_statuses_seq_unique UNIQUE (file_id, seq),
    CONSTRAINT payer_claim_statuses_loop_fkey FOREIGN KEY (batch_id, claim_id, part) REFERENCES batch_x12_claims (batch_id, claim_id, part),
    CONSTRAINT payer_claim_statuses_matched CHECK ((claim_id IS NULL) = (unmatched_reason IS NOT NULL))
);
CREATE INDEX payer_claim_statuses_claim_idx ON payer_claim_statuses (claim_id, part, id) WHERE claim_id IS NOT NULL;
CREATE INDEX payer_claim_statuses_batch_idx ON payer_claim_statuses (batch_id) WHERE batch_id IS NOT NULL;

-- 835: one row per payment (transaction set: BPR and TRN). A payment is
-- posted once, whatever file carries it: the payer's trace number (TRN02)
-- with its originator (TRN03) is unique.
CREATE TABLE payer_payments (
    id             bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_payments_pkey PRIMARY KEY,
    file_id        bigint NOT NULL CONSTRAINT payer_payments_file_fkey REFERENCES payer_files (id),
    seq            integer NOT NULL,
    st_control     text   NOT NULL,
    handling       text   NOT NULL,
    amount         numeric(14,2) NOT NULL,
    credit_debit   text   NOT NULL,
    method         text,
    payment_date   date,
    trace_number   text   NOT NULL,
    originator     text   NOT NULL DEFAULT '',
    payer_name     text,
    payer_id       text,
    payee_npi      text,
    CONSTRAINT payer_payments_seq_unique UNIQUE (file_id, seq),
    CONSTRAINT payer_payments_trace_once UNIQUE (originator, trace_number)
);

-- One row per CLP. claim_id/part name the CLM loop it matched; a reversal
-- names in reverses_id the posting it undoes. A posting counts (is
-- "posted") when it matched and has no unmatched_reason; a reversal that
-- found nothing to undo, or a second payment of a loop not reversed first,
-- is kept unposted with its reason.
CREATE TABLE payer_claim_payments (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_claim_payments_pkey PRIMARY KEY,
    payment_id       bigint NOT NULL CONSTRAINT payer_claim_payments_payment_fkey REFERENCES payer_payments (id),
    seq              integer NOT NULL,
    clp01            text   NOT NULL,
    status_code      text   NOT NULL,
    charge           numeric(14,2) NOT NULL,
    paid             numeric(14,2) NOT NULL,
    patient_resp     numeric(14,2),
    filing_code      text,
    payer_ccn        text,
    reversal         boolean NOT NULL,
    batch_id         bigint,
    claim_id         bigint,
    part             integer,
    reverses_id      bigint CONSTRAINT payer_claim_payments_reverses_fkey REFERENCES payer_claim_payments (id)
                            CONSTRAINT payer_claim_payments_reversed_once UNIQUE,
    remarks          text[] NOT NULL DEFAULT '{}',
    unmatched_reason text,
    CONSTRAINT payer_claim_payments_seq_unique UNIQUE (payment_id, seq),
    CONSTRAINT payer_claim_payments_loop_fkey FOREIGN KEY (batch_id, claim_id, part) REFERENCES batch_x12_claims (batch_id, claim_id, part),
    CONSTRAINT payer_claim_payments_reversal_code CHECK (reversal = (status_code = '22')),
    CONSTRAINT payer_claim_payments_reverses_reversal CHECK (reverses_id IS NULL OR (reversal AND unmatched_reason IS NULL)),
    CONSTRAINT payer_claim_payments_matched CHECK (claim_id IS NOT NULL OR unmatched_reason IS NOT NULL),
    CONSTRAINT payer_claim_payments_posted_reversal CHECK (NOT reversal OR unmatched_reason IS NOT NULL OR reverses_id IS NOT NULL)
);
CREATE INDEX payer_claim_payments_claim_idx ON payer_claim_payments (claim_id, part, id) WHERE claim_id IS NOT NULL;
CREATE INDEX payer_claim_payments_batch_idx ON payer_claim_payments (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX payer_claim_payments_ccn_idx ON payer_claim_payments (payer_ccn) WHERE payer_ccn IS NOT NULL;

-- One row per SVC, matched to our claim line by REF*6R (the line id we sent).
CREATE TABLE payer_line_payments (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_line_payments_pkey PRIMARY KEY,
    claim_payment_id bigint NOT NULL CONSTRAINT payer_line_payments_claim_fkey REFERENCES payer_claim_payments (id),
    seq              integer NOT NULL,
    procedure_code   text   NOT NULL,
    modifiers        text[] NOT NULL DEFAULT '{}',
    charge           numeric(14,2) NOT NULL,
    paid             numeric(14,2) NOT NULL,
    units            numeric(15,3),
    line_ref         text,
    line_id          bigint CONSTRAINT payer_line_payments_line_fkey REFERENCES claim_lines (id),
    remarks          text[] NOT NULL DEFAULT '{}',
    unmatched_reason text,
    CONSTRAINT payer_line_payments_seq_unique UNIQUE (claim_payment_id, seq),
    CONSTRAINT payer_line_payments_matched CHECK ((line_id IS NULL) = (unmatched_reason IS NOT NULL))
);
CREATE INDEX payer_line_payments_line_idx ON payer_line_payments (line_id) WHERE line_id IS NOT NULL;

-- CAS adjustments, one row per triplet, at claim level (line_payment_id
-- null) or line level.
CREATE TABLE payer_adjustments (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_adjustments_pkey PRIMARY KEY,
    claim_payment_id bigint NOT NULL CONSTRAINT payer_adjustments_claim_fkey REFERENCES payer_claim_payments (id),
    line_payment_id  bigint CONSTRAINT payer_adjustments_line_fkey REFERENCES payer_line_payments (id),
    seq              integer NOT NULL,
    group_code       text   NOT NULL CONSTRAINT payer_adjustments_group_valid CHECK (group_code IN ('CO', 'CR', 'OA', 'PI', 'PR')),
    carc             text   NOT NULL CONSTRAINT payer_adjustments_carc_format CHECK (carc ~ '^[A-Z0-9]{1,5}$'),
    amount           numeric(14,2) NOT NULL,
    quantity         numeric(15,3),
    CONSTRAINT payer_adjustments_seq_unique UNIQUE (claim_payment_id, seq)
);
CREATE INDEX payer_adjustments_line_idx ON payer_adjustments (line_payment_id) WHERE line_payment_id IS NOT NULL;

-- PLB provider-level adjustments, one row per reason/amount pair. A
-- positive amount is withheld from the payment: BPR02 = Σ CLP04 − Σ PLB.
CREATE TABLE payer_provider_adjustments (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT payer_provider_adjustments_pkey PRIMARY KEY,
    payment_id   bigint NOT NULL CONSTRAINT payer_provider_adjustments_payment_fkey REFERENCES payer_payments (id),
    seq          integer NOT NULL,
    provider_ref text   NOT NULL,
    provider_id  bigint CONSTRAINT payer_provider_adjustments_provider_fkey REFERENCES providers (id),
    fiscal_date  date,
    reason       text   NOT NULL,
    reference    text,
    amount       numeric(14,2) NOT NULL,
    CONSTRAINT payer_provider_adjustments_seq_unique UNIQUE (payment_id, seq)
);

-- The 835 and 277CA name our claims by CLM01.
CREATE INDEX batch_x12_claims_clm01_idx ON batch_x12_claims (clm01);

-- Every table of the payer's answers is append-only.
CREATE TRIGGER payer_files_immutable BEFORE UPDATE OR DELETE ON payer_files
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_set_acks_immutable BEFORE UPDATE OR DELETE ON payer_set_acks
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_claim_statuses_immutable BEFORE UPDATE OR DELETE ON payer_claim_statuses
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_payments_immutable BEFORE UPDATE OR DELETE ON payer_payments
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_claim_payments_immutable BEFORE UPDATE OR DELETE ON payer_claim_payments
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_line_payments_immutable BEFORE UPDATE OR DELETE ON payer_line_payments
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_adjustments_immutable BEFORE UPDATE OR DELETE ON payer_adjustments
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER payer_provider_adjustments_immutable BEFORE UPDATE OR DELETE ON payer_provider_adjustments
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

-- The current posting of each CLM loop: its latest posted payment that is
-- not a reversal and that no reversal undid. A loop whose last posting was
-- reversed and not corrected has none.
CREATE VIEW payer_current_postings AS
SELECT DISTINCT ON (p.claim_id, p.part) p.*
FROM payer_claim_payments p
WHERE p.claim_id IS NOT NULL AND p.unmatched_reason IS NULL AND NOT p.reversal
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments r WHERE r.reverses_id = p.id)
ORDER BY p.claim_id, p.part, p.id DESC;

-- Whether the payer turned a CLM loop away before adjudicating it: its
-- latest 277CA status rejected it, or the 999 rejected the transaction set
-- that carried it (the writer starts a set every 5,000 loops in file
-- order), and no 835 posted anything for it since. Such a loop is not on
-- the payer's books: a replacement of it goes as a new claim and a void of
-- it sends nothing.
-- +goose StatementBegin
CREATE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND COALESCE(
           (SELECT NOT s.accepted FROM payer_claim_statuses s
            WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.id DESC LIMIT 1),
           EXISTS (SELECT 1 FROM payer_set_acks a JOIN batches t ON t.id = a.batch_id
                   WHERE a.batch_id = b AND NOT a.accepted
                     AND a.st_control = t.st_controls[1 + (SELECT count(*) FROM batch_x12_claims x, batch_x12_claims o
                                                           WHERE o.batch_id = b AND o.claim_id = c AND o.part = p
                                                             AND x.batch_id = b
                                                             AND (x.provider_id, x.claim_id, x.part) < (o.provider_id, o.claim_id, o.part))::int / 5000]))
$$;
-- +goose StatementEnd

INSERT INTO settings (key, value, description) VALUES ('payer_answer_days', 30,
    'Days after a batch closes by which each of its claims should have an answer from the payer (277CA or 835); later ones are listed by the reconciliation.')
ON CONFLICT (key) DO NOTHING;

-- +goose Down
DELETE FROM settings WHERE key = 'payer_answer_days';
DROP FUNCTION payer_loop_rejected(bigint, bigint, integer);
DROP VIEW payer_current_postings;
DROP INDEX batch_x12_claims_clm01_idx;
DROP TABLE payer_provider_adjustments, payer_adjustments, payer_line_payments, payer_claim_payments, payer_payments,
    payer_claim_statuses, payer_set_acks, payer_files;

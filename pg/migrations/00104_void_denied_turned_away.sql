-- A void the payer denies in its 835 (a claim of the void's own paying
-- nothing, kept aside as void_denied) has turned the void away as a 277CA
-- or 999 rejection does: the original's payment stands at the payer. Posted
-- as the void's answer, the reconciliation read the void's negative billed
-- against the payer's positive charge and adjustment (unexplained twice the
-- void) and the agency could not send the void again (a white-box review).
-- Its loop now reads rejected while nothing is posted to it, whatever a
-- 277CA said before the denial.
--
-- Such denials imported before this migration were posted as the void's
-- answer: they are marked void_denied as the importer now keeps them (a
-- review of the change found the fix did nothing for them). Only those
-- standing (payer_current_postings: one the payer has since reversed, by
-- name or by a whole reversal after it, is left as it was). Their 835
-- lines stay as recorded, as a kept-aside claim's are.

-- +goose Up
ALTER TABLE payer_claim_payments DISABLE TRIGGER payer_claim_payments_immutable;
UPDATE payer_claim_payments p SET unmatched_reason = 'void_denied'
FROM batch_x12_claims x
WHERE x.batch_id = p.batch_id AND x.claim_id = p.claim_id AND x.part = p.part AND x.frequency = '8'
  AND p.unmatched_reason IS NULL AND NOT p.reversal AND p.paid <= 0
  AND p.id IN (SELECT id FROM payer_current_postings);
ALTER TABLE payer_claim_payments ENABLE TRIGGER payer_claim_payments_immutable;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND (EXISTS (SELECT 1 FROM payer_claim_payments y
                    WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason = 'void_denied')
            OR COALESCE(
               (SELECT NOT s.accepted FROM payer_claim_statuses s
                WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.reported_at DESC, s.id DESC LIMIT 1),
               (SELECT NOT a.accepted FROM payer_set_acks a
                WHERE a.batch_id = b AND a.st_control = payer_loop_set(b, c, p) ORDER BY a.reported_at DESC, a.id DESC LIMIT 1),
               false))
$$;
-- +goose StatementEnd

-- +goose Down
-- The earlier importer posted these; read so again by the earlier function.
ALTER TABLE payer_claim_payments DISABLE TRIGGER payer_claim_payments_immutable;
UPDATE payer_claim_payments SET unmatched_reason = NULL WHERE unmatched_reason = 'void_denied';
ALTER TABLE payer_claim_payments ENABLE TRIGGER payer_claim_payments_immutable;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION payer_loop_rejected(b bigint, c bigint, p integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (SELECT 1 FROM payer_claim_payments y
                       WHERE y.batch_id = b AND y.claim_id = c AND y.part = p AND y.unmatched_reason IS NULL)
       AND COALESCE(
           (SELECT NOT s.accepted FROM payer_claim_statuses s
            WHERE s.batch_id = b AND s.claim_id = c AND s.part = p ORDER BY s.reported_at DESC, s.id DESC LIMIT 1),
           (SELECT NOT a.accepted FROM payer_set_acks a
            WHERE a.batch_id = b AND a.st_control = payer_loop_set(b, c, p) ORDER BY a.reported_at DESC, a.id DESC LIMIT 1),
           false)
$$;
-- +goose StatementEnd

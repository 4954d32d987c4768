-- The payer may split one claim into several CLPs of one payment (the
-- 835 guide's claim splitting): rss posts the parts as one payment,
-- summed. A reversal names the posting it undoes (reverses_id, unique:
-- a posting is undone once), and the payer takes a split claim back
-- either part by part or, as it mostly does, with one CLP for the whole.
-- That one CLP named the latest part only, and the others stood: the
-- claim read half paid and the correction in the same file was kept
-- aside as a second payment (a black-box pass). reverses_whole says the
-- reversal undoes every part of its named posting's payment of the loop.
-- The rows stay immutable; the new column only describes new reversals.

-- +goose Up
ALTER TABLE payer_claim_payments ADD COLUMN reverses_whole boolean NOT NULL DEFAULT false;
ALTER TABLE payer_claim_payments ADD CONSTRAINT payer_claim_payments_whole_names_a_posting
    CHECK (NOT reverses_whole OR reverses_id IS NOT NULL);

-- The view of each loop's current posting reads the whole reversals too
-- (billing's standsP is the same condition).
DROP VIEW payer_current_postings;
CREATE VIEW payer_current_postings AS
SELECT DISTINCT ON (p.claim_id, p.part) p.*
FROM payer_claim_payments p
WHERE p.claim_id IS NOT NULL AND p.unmatched_reason IS NULL AND NOT p.reversal
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments r WHERE r.reverses_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments w JOIN payer_claim_payments r ON r.reverses_id = w.id AND r.reverses_whole
                  WHERE w.payment_id = p.payment_id AND w.batch_id = p.batch_id AND w.claim_id = p.claim_id AND w.part = p.part)
ORDER BY p.claim_id, p.part, p.id DESC;

-- +goose Down
DROP VIEW payer_current_postings;
ALTER TABLE payer_claim_payments DROP CONSTRAINT payer_claim_payments_whole_names_a_posting;
ALTER TABLE payer_claim_payments DROP COLUMN reverses_whole;
CREATE VIEW payer_current_postings AS
SELECT DISTINCT ON (p.claim_id, p.part) p.*
FROM payer_claim_payments p
WHERE p.claim_id IS NOT NULL AND p.unmatched_reason IS NULL AND NOT p.reversal
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments r WHERE r.reverses_id = p.id)
ORDER BY p.claim_id, p.part, p.id DESC;

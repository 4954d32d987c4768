-- A claim's current posting is its loop's postings that stand, grouped by
-- the loop rather than by the payment that carried them: the payer may pay
-- one claim in parts across two 835s (two payments, each CLP under its own
-- claim control number, itemizing lines the other did not), and the second
-- part was kept aside as a second payment, the claim reading paid only by
-- the first (a payer pass). Posting rules still let a loop hold at most one
-- posting at a time, or the parts of one, so every posting of a loop that
-- stands is a part of its current posting.
--
-- A whole reversal (reverses_whole, 00058) undid every posting of the loop
-- in its named posting's payment, also one posted after it: a correction
-- that the payer paid in that payment after taking the split claim back
-- had to be kept aside (already_posted). It now undoes the loop's postings
-- made before it (ids grow in posting order), whichever payment carried
-- them. On rows on file the two read the same: the postings of the loop
-- before the reversal in other payments were undone already, and none was
-- posted after it in its payment (the rule kept those aside).
--
-- The view lists every part (it kept the latest only, so a claim's
-- superseding paid summed one part of a split payment); billing's standsP
-- is the same condition.

-- +goose Up
DROP VIEW payer_current_postings;
CREATE VIEW payer_current_postings AS
SELECT p.*
FROM payer_claim_payments p
WHERE p.claim_id IS NOT NULL AND p.unmatched_reason IS NULL AND NOT p.reversal
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments r WHERE r.reverses_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments w JOIN payer_claim_payments r ON r.reverses_id = w.id AND r.reverses_whole
                  WHERE w.batch_id = p.batch_id AND w.claim_id = p.claim_id AND w.part = p.part AND p.id < r.id);

-- +goose Down
DROP VIEW payer_current_postings;
CREATE VIEW payer_current_postings AS
SELECT DISTINCT ON (p.claim_id, p.part) p.*
FROM payer_claim_payments p
WHERE p.claim_id IS NOT NULL AND p.unmatched_reason IS NULL AND NOT p.reversal
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments r WHERE r.reverses_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM payer_claim_payments w JOIN payer_claim_payments r ON r.reverses_id = w.id AND r.reverses_whole
                  WHERE w.payment_id = p.payment_id AND w.batch_id = p.batch_id AND w.claim_id = p.claim_id AND w.part = p.part)
ORDER BY p.claim_id, p.part, p.id DESC;

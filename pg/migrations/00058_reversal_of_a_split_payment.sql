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

-- +goose Down
ALTER TABLE payer_claim_payments DROP CONSTRAINT payer_claim_payments_whole_names_a_posting;
ALTER TABLE payer_claim_payments DROP COLUMN reverses_whole;

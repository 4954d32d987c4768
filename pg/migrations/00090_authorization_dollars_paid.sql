-- +goose Up
-- What each authorization's counted claim lines were paid, kept by the
-- ledger beside its units used (ChangesSQL, the same UPDATE). The voucher
-- rules' dollar totals hold it for the units an authorization used, where
-- they held rate × units used: a line charged under the fee pays less, and
-- the rule read "0.00 left" where the claims' cap, kept in dollars paid,
-- had room (a black-box pass). Summed from the claim lines on each read,
-- it cost a voucher request 4-5 ms of PostgreSQL CPU once the bench's
-- claims had filled claim_lines; kept here it costs nothing to read.
-- A line pays at most rate × its units allowed, so the column can never
-- pass rate × units used: the schema holds it there.
ALTER TABLE authorizations ADD COLUMN dollars_paid numeric(12,2) NOT NULL DEFAULT 0;

UPDATE authorizations a SET dollars_paid = s.paid
FROM (SELECT authorization_id, sum(paid) AS paid FROM claim_lines WHERE counted AND authorization_id IS NOT NULL GROUP BY 1) s
WHERE a.id = s.authorization_id AND s.paid <> 0;

ALTER TABLE authorizations ADD CONSTRAINT authorizations_dollars_paid_within
    CHECK (dollars_paid >= 0 AND dollars_paid <= rate * units_used);

-- +goose Down
ALTER TABLE authorizations DROP COLUMN dollars_paid;

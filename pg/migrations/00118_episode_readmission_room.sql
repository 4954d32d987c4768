-- The room an episode keeps beside its dollar cap for the claims of an
-- agency's earlier stay another agency's stay keeps in it. An agency that
-- discharges a person and enrolls them again after a break, while another
-- agency's stay keeps the person's episode open, is judged as a stranger's
-- readmission is, whose new stay opens an episode of its own: the voucher
-- rules leave its earlier stay's authorizations out of the totals its
-- request is judged by (adjudication's earlierStays). Counted, they pended
-- its next request CONFLICT_ON_FILE, read as the other agency's record,
-- where a stranger's was approved (42 CFR Part 2). Its grant may then
-- leave the episode holding more dollars than its cap, and the claims of
-- both stays, each within its own authorization, are paid as a stranger's
-- are only past the cap: the grant raises the room to what the episode's
-- authorizations then hold past the cap (ledger.RaiseReadmissionRoom), and
-- the schema refuses any payment past the cap and that room. The voucher
-- rules never read it: every other grant is judged by the cap alone (and
-- every other agency's with the earlier stay counted). Never lowered: the
-- claims pay only what authorizations hold, and no rule grants into it.

-- +goose Up
ALTER TABLE episodes ADD COLUMN readmission_room numeric(12,2) NOT NULL DEFAULT 0
    CONSTRAINT episodes_readmission_room_nonnegative CHECK (readmission_room >= 0);
ALTER TABLE episodes DROP CONSTRAINT episodes_dollars_within_cap,
    ADD CONSTRAINT episodes_dollars_within_cap
        CHECK (dollars_paid >= 0 AND (dollar_cap IS NULL OR dollars_paid <= dollar_cap + readmission_room));

-- +goose Down
ALTER TABLE episodes DROP CONSTRAINT episodes_dollars_within_cap,
    ADD CONSTRAINT episodes_dollars_within_cap CHECK (dollars_paid >= 0 AND (dollar_cap IS NULL OR dollars_paid <= dollar_cap));
ALTER TABLE episodes DROP COLUMN readmission_room;

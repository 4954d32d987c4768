-- An agency's reactivation judges each authorization its deactivation cut
-- as a request for its unused units. One a guard of what was granted
-- meanwhile fires on (the episode's caps, another agency's authorization
-- over the same days) was ended by the rules alone, voided when it had not
-- begun, while a stranger's with the same history at the agency was given
-- back: the agency read void where the stranger's read active, a 42 CFR
-- Part 2 signal (README, left from the twenty-third stop). It is now held
-- for review: kept cut as the deactivation cut it (held_from, the
-- deactivation's first day, read into its end as the deactivation was,
-- ledger's effectiveEnd), listed for a reviewer with the rules that fired
-- (held_reasons, the MSC's to read), who gives it back, judged from
-- held_judged_from on the facts of the day, or ends it. Decided, the three
-- are cleared together; the authorization's history keeps the hold
-- (authorization_events 'hold') and the decision.

-- +goose Up
ALTER TABLE authorizations
    ADD COLUMN held_from date,
    ADD COLUMN held_judged_from date,
    ADD COLUMN held_reasons text[],
    ADD CONSTRAINT authorizations_hold_whole CHECK ((held_from IS NULL) = (held_judged_from IS NULL)
        AND (held_from IS NULL) = (held_reasons IS NULL)),
    ADD CONSTRAINT authorizations_hold_reasons CHECK (cardinality(held_reasons) > 0),
    -- A void one holds nothing to give back; a hold cuts days of its span.
    ADD CONSTRAINT authorizations_hold_not_void CHECK (held_from IS NULL OR voided_at IS NULL),
    ADD CONSTRAINT authorizations_hold_within CHECK (held_from <= held_judged_from AND held_judged_from <= end_date);
-- The reviewer's list (GET /v1/authorizations?status=pending_review).
CREATE INDEX authorizations_held_idx ON authorizations (id) WHERE held_from IS NOT NULL;

ALTER TABLE authorization_events DROP CONSTRAINT authorization_events_action_valid,
    ADD CONSTRAINT authorization_events_action_valid CHECK (action IN ('void', 'end', 'reactivate', 'hold'));

-- +goose Down
ALTER TABLE authorization_events DROP CONSTRAINT authorization_events_action_valid;
ALTER TABLE authorization_events DISABLE TRIGGER authorization_events_append_only;
DELETE FROM authorization_events WHERE action = 'hold';
ALTER TABLE authorization_events ENABLE TRIGGER authorization_events_append_only;
ALTER TABLE authorization_events ADD CONSTRAINT authorization_events_action_valid CHECK (action IN ('void', 'end', 'reactivate'));
DROP INDEX authorizations_held_idx;
ALTER TABLE authorizations DROP COLUMN held_reasons, DROP COLUMN held_judged_from, DROP COLUMN held_from;

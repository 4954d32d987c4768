-- An agency's deactivation cuts its authorizations when read (ledger's
-- effectiveEnd: each ends the day before it took effect), with nothing
-- written to them, so an authorization read an end it never had, one cut
-- to nothing an end before its start and `expired`, with no event in its
-- history to say why (a black-box pass, left from the fortieth stop). The
-- deactivation now writes a 'deactivation' event on each authorization it
-- cuts (its own end and the day before the deactivation, as an 'end'
-- event's dates), and the reactivation that gives one back a 'reactivate'
-- event; one it does not give back is ended, voided or held as before,
-- each with its event. Authorizations cut before this migration have none.

-- +goose Up
ALTER TABLE authorization_events DROP CONSTRAINT authorization_events_action_valid,
    ADD CONSTRAINT authorization_events_action_valid CHECK (action IN ('void', 'end', 'reactivate', 'hold', 'deactivation')),
    DROP CONSTRAINT authorization_events_end_dates,
    ADD CONSTRAINT authorization_events_end_dates CHECK (
        (action IN ('end', 'deactivation')) = (end_before IS NOT NULL AND end_after IS NOT NULL)
        AND (end_before IS NULL OR end_after < end_before));

-- +goose Down
ALTER TABLE authorization_events DROP CONSTRAINT authorization_events_action_valid,
    DROP CONSTRAINT authorization_events_end_dates;
ALTER TABLE authorization_events DISABLE TRIGGER authorization_events_append_only;
DELETE FROM authorization_events WHERE action = 'deactivation';
ALTER TABLE authorization_events ENABLE TRIGGER authorization_events_append_only;
ALTER TABLE authorization_events ADD CONSTRAINT authorization_events_action_valid CHECK (action IN ('void', 'end', 'reactivate', 'hold')),
    ADD CONSTRAINT authorization_events_end_dates CHECK (
        (action = 'end') = (end_before IS NOT NULL AND end_after IS NOT NULL)
        AND (end_before IS NULL OR end_after < end_before));

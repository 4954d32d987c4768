-- An agency's reactivation gives its authorizations' spans back
-- (ledger.GivenBack) with a 'reactivate' event that carried no dates,
-- where the deactivation's event names the end it cut to: the history
-- alone did not say what span was restored (a re-check and an operations
-- black-box pass of the forty-third stop). The give-back's event now
-- names the end it read (end_before, the deactivation's cut) and the end
-- it reads again (end_after, its own, later). A reviewer's reactivation or
-- give-back of a held authorization changes no end and carries none.

-- +goose Up
ALTER TABLE authorization_events DROP CONSTRAINT authorization_events_end_dates,
    ADD CONSTRAINT authorization_events_end_dates CHECK (CASE
        WHEN action IN ('end', 'deactivation') THEN end_before IS NOT NULL AND end_after IS NOT NULL AND end_after < end_before
        WHEN action = 'reactivate' THEN (end_before IS NULL) = (end_after IS NULL) AND (end_before IS NULL OR end_after > end_before)
        ELSE end_before IS NULL AND end_after IS NULL END);

-- +goose Down
ALTER TABLE authorization_events DISABLE TRIGGER authorization_events_append_only;
UPDATE authorization_events SET end_before = NULL, end_after = NULL WHERE action = 'reactivate';
ALTER TABLE authorization_events ENABLE TRIGGER authorization_events_append_only;
ALTER TABLE authorization_events DROP CONSTRAINT authorization_events_end_dates,
    ADD CONSTRAINT authorization_events_end_dates CHECK (
        (action IN ('end', 'deactivation')) = (end_before IS NOT NULL AND end_after IS NOT NULL)
        AND (end_before IS NULL OR end_after < end_before));

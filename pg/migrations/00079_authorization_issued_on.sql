-- +goose Up
-- The day an authorization was issued, by the service's calendar: its
-- inactivity counts from its start, its last counted service, its last
-- reactivation or this day, whichever is latest. Counted from the start
-- alone, a retro grant whose start lay more idle days back than the
-- program allows was inactive the day it was issued, its claims for today
-- denied (two black-box passes). Authorizations issued before this
-- migration keep NULL, read as issued on their start, as they were judged.
ALTER TABLE authorizations ADD COLUMN issued_on date;
COMMENT ON COLUMN authorizations.issued_on IS
    'The day the authorization was issued (the service calendar); NULL for those issued before migration 00079, read as their start.';

-- +goose Down
ALTER TABLE authorizations DROP COLUMN issued_on;

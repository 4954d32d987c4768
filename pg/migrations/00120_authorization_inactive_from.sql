-- An authorization already inactive when its program's inactivity setting
-- is made stricter (shortened) stays inactive from the day it went so.
-- The stricter setting applies from the day after the change
-- (programs.inactivity_since, migration 00095), a floor under every
-- authorization's first idle day; read for one idle for weeks under the
-- old setting, the floor made it active again with all its unused units,
-- unjudged: a black-box pass shortened 10 days to 2 and an episode held
-- 4,950.00 against its 4,000.00 cap, 120 nights against a maximum of 90,
-- its idle days since October paid. inactive_from keeps the day it went
-- inactive under the looser setting; a reviewer's reactivation or
-- give-back, and the setting switched off, clear it.

-- +goose Up
ALTER TABLE authorizations ADD COLUMN inactive_from date;

-- +goose Down
ALTER TABLE authorizations DROP COLUMN inactive_from;

-- +goose Up
-- A program's inactivity setting made stricter (switched on, or
-- shortened) applies from the day after it changes, the day kept here: no
-- authorization goes inactive before that day by it, and a service dated
-- before it is covered (ledger.Authorization.InactivitySince). Read as it stood for
-- every day, the new window reached back over days the old one left live:
-- a service delivered while its voucher was active was denied 197, and
-- paid again once the setting was put back (an operations black-box
-- pass). NULL: never made stricter since it was set at the program's
-- creation.
ALTER TABLE programs ADD COLUMN inactivity_since date;

-- +goose Down
ALTER TABLE programs DROP COLUMN inactivity_since;

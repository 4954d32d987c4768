-- +goose Up
-- Whether the enrollment a designation was transferred to already read
-- primary to its agency (it enrolled with primary_case_manager while
-- another agency's first designation outranked it). Such a transfer
-- changes nothing the agency reads, and shown to it as a designation it
-- said another agency had held one, which a stranger's enrollment created
-- primary never shows (a Part 2 black-box pass). Transfers recorded before
-- this migration read false: shown as before.
ALTER TABLE primary_case_manager_transfers ADD COLUMN to_was_primary boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE primary_case_manager_transfers DROP COLUMN to_was_primary;

-- An agency's own dollar cap just before a raise of the episode's cap for
-- its grant: its own latest standing raise's own_after in its stay, else
-- the cap its own episode would have carried (the program's cap then for
-- its stay, when it joined an episode another agency opened or kept open;
-- the episode's opening cap, when it opened it). own_after was floored at
-- cap_before, the episode's cap before the raise, which after an earlier
-- raise holds other agencies' dollars: an agency's second exception kept
-- its own cap at the episode's (420.00, another agency's 60.00 in it,
-- where a stranger's episode cap rose to 408.05, what its own held), and
-- another agency's exception after an earlier raise was floored at that
-- raised cap, read as no raise of its own and kept no room, so a line of
-- it paid under the fee freed room anyone could take (42 CFR Part 2 and
-- money; left by the thirty-sixth stop). A raise stands, keeping the
-- agency a room, while its own_after is past own_before; its own void
-- lowers own_after to no less than own_before (ledger.ReleaseEpisodeCap).
--
-- Never past the episode's cap after the raise: where the agency's own cap
-- before is higher (a joiner whose program cap then was higher than the
-- episode's), the raise is none of its own and records the cap after
-- (own_after is never past it either, episode_cap_raises_own_within).
--
-- NULL for raises recorded before this migration: those read as before,
-- the cap before the raise standing in for the own cap before it.

-- +goose Up
ALTER TABLE episode_cap_raises
    ADD COLUMN own_before numeric(12,2),
    DROP CONSTRAINT episode_cap_raises_own_from_before,
    ADD CONSTRAINT episode_cap_raises_own_from_before CHECK (own_after >= COALESCE(own_before, cap_before)),
    -- A raise that records the own cap before records the one after.
    ADD CONSTRAINT episode_cap_raises_own_before_kept CHECK (own_before IS NULL OR own_after IS NOT NULL);

-- +goose Down
-- A raise recorded since reads its own cap from the cap before it again.
ALTER TABLE episode_cap_raises DROP CONSTRAINT episode_cap_raises_own_before_kept, DROP CONSTRAINT episode_cap_raises_own_from_before;
UPDATE episode_cap_raises SET own_after = cap_before WHERE own_after < cap_before;
ALTER TABLE episode_cap_raises DROP COLUMN own_before,
    ADD CONSTRAINT episode_cap_raises_own_from_before CHECK (own_after >= cap_before);

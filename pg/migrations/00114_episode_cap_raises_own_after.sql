-- An agency's own dollar cap in an episode another agency's stay shares,
-- where its own exception raised the episode's cap: what its own
-- authorizations in the episode held at the raise (the grant counted in
-- full, as the episode's total is), never below the cap before it. A
-- stranger's episode cap stays where its exception raised it until its own
-- void lowers it (ledger.ReleaseEpisodeCap); read from the agency's
-- holdings today, the shared agency's own cap followed them down (a line
-- paid under the fee) and its next request pended where a stranger's was
-- approved (42 CFR Part 2). Lowered, as the episode's cap is for a
-- stranger, by that agency's own void or discharge only, never another
-- agency's. NULL for raises recorded before this migration: the rules
-- read those as before (the cap before, raised to what the agency holds).

-- +goose Up
ALTER TABLE episode_cap_raises
    ADD COLUMN own_after numeric(12,2),
    ADD CONSTRAINT episode_cap_raises_own_from_before CHECK (own_after >= cap_before),
    -- The agency's own are among the episode's: never past the total.
    ADD CONSTRAINT episode_cap_raises_own_within CHECK (own_after <= cap_after);

-- +goose Down
ALTER TABLE episode_cap_raises DROP CONSTRAINT episode_cap_raises_own_within,
    DROP CONSTRAINT episode_cap_raises_own_from_before, DROP COLUMN own_after;

-- A reviewer's exception past an agency's own dollar cap where the
-- episode's cap needs no raise: a joiner held to the program's cap of the
-- day its stay began (300.00) in an episode another agency opened under a
-- higher one (4000.00). A stranger's episode cap rises to what its own
-- authorizations hold; the shared episode's did not need to, so no raise
-- was recorded (episode_cap_raises_rises), the agency's own cap stayed
-- where it was, and its next request read "left of 300.00" where a
-- stranger's read "left of 360.00", telling it another agency opened the
-- person's episode (42 CFR Part 2: an episode-caps black-box pass of the
-- forty-sixth stop). Such a raise is now recorded with the episode's cap
-- unchanged (cap_after = cap_before) and the agency's own cap before and
-- after it (ledger.recordRaiseSQL); its own void lowers own_after to
-- own_before as any raise's (ledger.ReleaseEpisodeCap), and no other
-- agency reads it as a raise of the episode's cap (RaisedByOthersSQL).

-- +goose Up
ALTER TABLE episode_cap_raises
    DROP CONSTRAINT episode_cap_raises_rises,
    ADD CONSTRAINT episode_cap_raises_rises CHECK (cap_after > cap_before OR (cap_after = cap_before AND own_before IS NOT NULL));

-- +goose Down
-- The own caps raised alone are forgotten: their agencies read the cap of
-- their stay's day again.
DELETE FROM episode_cap_raises WHERE cap_after = cap_before;
ALTER TABLE episode_cap_raises
    DROP CONSTRAINT episode_cap_raises_rises,
    ADD CONSTRAINT episode_cap_raises_rises CHECK (cap_after > cap_before);

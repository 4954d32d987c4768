-- +goose Up
-- Each raise of an episode's dollar cap by a reviewer's exception, with the
-- agency whose grant it was made for and the cap before it. An episode is
-- the person's across agencies, so a cap another agency's exception raised
-- is that agency's record: quoted in clear to an agency that may not know
-- the person is served elsewhere, "450.00 asked, 320.00 left of 320.00"
-- told it what a stranger's "300.00" would not (a re-check of a Part 2
-- black-box pass). The voucher rules read the cap before the first raise
-- of another agency's that still stands. Kept as written; raises made
-- before this migration were not attributed and read as the episode's own.
CREATE TABLE episode_cap_raises (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT episode_cap_raises_pkey PRIMARY KEY,
    episode_id  bigint NOT NULL CONSTRAINT episode_cap_raises_episode_fkey REFERENCES episodes (id),
    provider_id bigint NOT NULL CONSTRAINT episode_cap_raises_provider_fkey REFERENCES providers (id),
    cap_before  numeric(12,2) NOT NULL,
    cap_after   numeric(12,2) NOT NULL,
    raised_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT episode_cap_raises_rises CHECK (cap_after > cap_before)
);
CREATE INDEX episode_cap_raises_episode_idx ON episode_cap_raises (episode_id, cap_before);

-- The cap an episode opened with, the program's of its day: a void lets a
-- cap raised by exceptions fall back to it (ledger.ReleaseEpisodeCap),
-- where it fell to the program's cap today and cut an episode opened under
-- a higher cap, never raised, to a lower one (a re-check). Taken from the
-- insert's dollar_cap by a trigger, so every writer of episodes sets it;
-- an episode opened before this migration reads the lower of its cap and
-- the program's today, the floor it had.
ALTER TABLE episodes ADD COLUMN opening_cap numeric(12,2);
UPDATE episodes e SET opening_cap = LEAST(e.dollar_cap, p.episode_dollar_cap)
FROM programs p WHERE p.code = e.program_code AND e.dollar_cap IS NOT NULL;
-- +goose StatementBegin
CREATE FUNCTION episodes_opening_cap() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.opening_cap := NEW.dollar_cap;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER episodes_opening_cap BEFORE INSERT ON episodes FOR EACH ROW EXECUTE FUNCTION episodes_opening_cap();

-- The program's episode dollar cap when an enrollment was made: an agency
-- that joins an episode another agency opened has its own authorizations
-- judged by the cap its own episode would have carried from that day (the
-- voucher rules, V33), not the program's today: judged by today's, a
-- person known elsewhere was pended where a stranger enrolled the same day
-- under the old cap was approved (a re-check). Set by a trigger from the
-- program row; enrollments made before this migration have none recorded
-- (cap_recorded false) and read the program's cap today.
ALTER TABLE enrollments ADD COLUMN program_cap_then numeric(12,2),
    ADD COLUMN cap_recorded boolean NOT NULL DEFAULT false;
-- +goose StatementBegin
CREATE FUNCTION enrollments_program_cap_then() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.program_cap_then := (SELECT episode_dollar_cap FROM programs WHERE code = NEW.program_code);
    NEW.cap_recorded := true;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER enrollments_program_cap_then BEFORE INSERT ON enrollments FOR EACH ROW EXECUTE FUNCTION enrollments_program_cap_then();

-- +goose Down
DROP TRIGGER enrollments_program_cap_then ON enrollments;
DROP FUNCTION enrollments_program_cap_then();
ALTER TABLE enrollments DROP COLUMN program_cap_then, DROP COLUMN cap_recorded;
DROP TRIGGER episodes_opening_cap ON episodes;
DROP FUNCTION episodes_opening_cap();
ALTER TABLE episodes DROP COLUMN opening_cap;
DROP TABLE episode_cap_raises;

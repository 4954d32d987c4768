-- +goose Up
-- A stay begun by the day after the person's episode in the program closed
-- goes on in that episode (its caps and use going on). When another
-- agency's stay, begun after a day's break, had opened a newer episode
-- meanwhile, a back-dated readmission joined that newer one instead (one
-- episode is open per person and program), the old episode's use stopped
-- counting toward the caps, and the agency's answer differed from a
-- stranger's, whose readmission goes on in its old episode (a black-box
-- re-check: 35 trips approved where a stranger's pended). The stay bridges
-- the two, so they are one episode: the later ones merge into the earliest
-- (ledger.OpenEpisode), their enrollments, GPRA interviews,
-- authorizations, claim lines, cap raises, unit maxima and money with
-- them. Each merge is kept here; it is also what lets a claim line or a
-- claimed authorization take another episode (below), which nothing else
-- may. merged_id names an episode deleted by the merge, so it is no
-- foreign key.
CREATE TABLE episode_merges (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merged_id    bigint NOT NULL,
    into_id      bigint NOT NULL REFERENCES episodes (id),
    person_id    bigint NOT NULL REFERENCES persons (id),
    program_code text NOT NULL REFERENCES programs (code),
    merged_on    date NOT NULL,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT episode_merges_other CHECK (merged_id <> into_id),
    CONSTRAINT episode_merges_once UNIQUE (merged_id)
);
CREATE INDEX episode_merges_into_idx ON episode_merges (into_id);

-- +goose StatementBegin
CREATE FUNCTION episode_merged(from_id bigint, to_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM episode_merges WHERE merged_id = from_id AND into_id = to_id)
$$;
-- +goose StatementEnd

-- An authorization keeps its id; it changes its episode only while no
-- claim line names it (a start correction, migration 00091) or in a merge.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION authorizations_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR (NOT episode_merged(OLD.episode_id, NEW.episode_id)
           AND EXISTS (SELECT 1 FROM claim_lines WHERE authorization_id = OLD.id)) THEN
        RAISE EXCEPTION '%: claim lines name these rows, which are never deleted nor given another key', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- A claim line keeps its id and authorization; it changes its episode only
-- in a merge, with its authorization's.
-- +goose StatementBegin
CREATE FUNCTION claim_lines_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.authorization_id IS DISTINCT FROM OLD.authorization_id
       OR NOT episode_merged(OLD.episode_id, NEW.episode_id) THEN
        RAISE EXCEPTION '%: claim lines name these rows, which are never deleted nor given another key', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
DROP TRIGGER claim_lines_key_kept ON claim_lines;
CREATE TRIGGER claim_lines_key_kept BEFORE UPDATE OF id, authorization_id, episode_id ON claim_lines FOR EACH ROW
    WHEN ((OLD.id, OLD.authorization_id, OLD.episode_id) IS DISTINCT FROM (NEW.id, NEW.authorization_id, NEW.episode_id))
    EXECUTE FUNCTION claim_lines_key_kept();

-- +goose Down
DROP TRIGGER claim_lines_key_kept ON claim_lines;
CREATE TRIGGER claim_lines_key_kept BEFORE UPDATE OF id, authorization_id, episode_id ON claim_lines FOR EACH ROW
    WHEN ((OLD.id, OLD.authorization_id, OLD.episode_id) IS DISTINCT FROM (NEW.id, NEW.authorization_id, NEW.episode_id))
    EXECUTE FUNCTION claim_references_are_kept();
DROP FUNCTION claim_lines_key_kept();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION authorizations_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR EXISTS (SELECT 1 FROM claim_lines WHERE authorization_id = OLD.id) THEN
        RAISE EXCEPTION '%: claim lines name these rows, which are never deleted nor given another key', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
DROP FUNCTION episode_merged(bigint, bigint);
DROP TABLE episode_merges;

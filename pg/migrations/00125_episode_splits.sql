-- +goose Up
-- A client record separated from a person it was joined to by mistake
-- (ledger.Separate: the MSC's separation, or an eligibility span giving
-- the record a Medicaid ID of its own) takes its stays out of the episodes
-- it shared into new episodes of its new person. Its claim lines could not
-- go with its authorizations (claim lines change episode only in a merge,
-- migration 00092), so a record with a line in a shared episode could
-- never be separated, even once its claims were voided: two people known
-- to differ kept sharing caps and the duplicate check, and a consent
-- naming one agency kept showing the other person's records (a
-- registration black-box pass of the forty-fourth stop). Each episode a
-- separation opens from a shared one is kept here, for the record it
-- separated; it is what lets that record's authorizations and claim lines,
-- and only that record's, take the new episode. Append-only. Either
-- episode may later be merged into another and deleted (episode_merges),
-- so neither is a foreign key, as merged_id is not.
CREATE TABLE episode_splits (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT episode_splits_pkey PRIMARY KEY,
    from_id    bigint NOT NULL,
    into_id    bigint NOT NULL,
    client_id  bigint NOT NULL CONSTRAINT episode_splits_client_fkey REFERENCES clients (id),
    split_on   date NOT NULL,
    split_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT episode_splits_other CHECK (from_id <> into_id),
    CONSTRAINT episode_splits_once UNIQUE (from_id, into_id, client_id)
);
CREATE INDEX episode_splits_into_idx ON episode_splits (into_id);
CREATE TRIGGER episode_splits_immutable BEFORE UPDATE OR DELETE ON episode_splits
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

-- Whether a row of client record client_id may move from episode from_id
-- to to_id: a merge of the two, or the record's separation out of from_id.
-- +goose StatementBegin
CREATE FUNCTION episode_moved(from_id bigint, to_id bigint, client bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT episode_merged(from_id, to_id)
        OR EXISTS (SELECT 1 FROM episode_splits WHERE episode_splits.from_id = $1 AND into_id = $2 AND client_id = $3)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION authorizations_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR (NOT episode_moved(OLD.episode_id, NEW.episode_id, OLD.client_id)
           AND EXISTS (SELECT 1 FROM claim_lines WHERE authorization_id = OLD.id)) THEN
        RAISE EXCEPTION '%: claim lines name these rows, which are never deleted nor given another key', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_lines_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.authorization_id IS DISTINCT FROM OLD.authorization_id
       OR NOT episode_moved(OLD.episode_id, NEW.episode_id, OLD.client_id) THEN
        RAISE EXCEPTION '%: claim lines name these rows, which are never deleted nor given another key', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION claim_lines_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP FUNCTION episode_moved(bigint, bigint, bigint);
DROP TABLE episode_splits;

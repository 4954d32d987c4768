-- +goose Up
-- A stay entered with a mistyped start ahead of today (2027 for 2026)
-- could not be ended once a voucher was granted on it: a discharge ends
-- no stay not begun, a withdrawal deletes none with a decided request,
-- and until the day came it held the program against the agency's
-- correct enrollment (a black-box pass). Its start is corrected while it
-- has not begun (POST /v1/enrollments/{id}/correct-start); each correction
-- is kept here, read in the enrollment's history. A withdrawal deletes the
-- stay as if never made, and its corrections with it (the audit keeps
-- both).
CREATE TABLE enrollment_start_corrections (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id bigint NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    from_date     date NOT NULL,
    to_date       date NOT NULL,
    reason        text NOT NULL,
    actor_key_id  bigint NOT NULL REFERENCES api_keys (id),
    corrected_at  timestamptz NOT NULL,
    CONSTRAINT enrollment_start_corrections_changes CHECK (from_date <> to_date),
    CONSTRAINT enrollment_start_corrections_reason_nonempty CHECK (btrim(reason) <> '')
);
CREATE INDEX enrollment_start_corrections_enrollment_idx ON enrollment_start_corrections (enrollment_id, id);

-- The corrected stay may belong in another episode (its new day follows
-- another stay's discharge by a day or less, or no longer does), and its
-- authorizations go with it. A claim line names an authorization with its
-- episode, so one named by any line keeps its episode as before; one no
-- line names (a stay not begun has none paid) may move. claim_lines has
-- no index on authorization_id (intake never asks it): the check scans,
-- and runs only when an episode changes, which only a correction does.
-- +goose StatementBegin
CREATE FUNCTION authorizations_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TRIGGER authorizations_key_kept ON authorizations;
CREATE TRIGGER authorizations_key_kept BEFORE UPDATE OF id, episode_id ON authorizations FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.episode_id IS DISTINCT FROM NEW.episode_id)
    EXECUTE FUNCTION authorizations_key_kept();

-- +goose Down
DROP TRIGGER authorizations_key_kept ON authorizations;
CREATE TRIGGER authorizations_key_kept BEFORE UPDATE OF id, episode_id ON authorizations FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.episode_id IS DISTINCT FROM NEW.episode_id)
    EXECUTE FUNCTION claim_references_are_kept();
DROP FUNCTION authorizations_key_kept();
DROP TABLE enrollment_start_corrections;

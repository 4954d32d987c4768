-- +goose Up
-- The service's episode unit maximum on the day an authorization was
-- granted: its units were set aside under that maximum, so claims intake
-- pays its lines within it though the MSC lowered the maximum since, as an
-- episode keeps the dollar cap it opened with (episodes.opening_cap, the
-- enrollment's program_cap_then). Read as it stands, a lowered maximum
-- denied 119 the lines of authorizations granted under the old one, which
-- read active with their units left (a reference-data black-box pass).
-- Taken from the insert by a trigger, so every writer of authorizations
-- sets it; one granted before this migration reads the maximum today. A
-- service with no maximum is kept as the largest integer: its units were
-- held to none, and a maximum set since does not cut them (a re-check
-- found "none" read as 0, stricter than any maximum).
ALTER TABLE authorizations ADD COLUMN episode_max_then integer;
UPDATE authorizations a SET episode_max_then = COALESCE(s.per_episode_max, 2147483647) FROM services s WHERE s.code = a.service_code;

-- +goose StatementBegin
CREATE FUNCTION authorizations_episode_max_then() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.episode_max_then := (SELECT COALESCE(per_episode_max, 2147483647) FROM services WHERE code = NEW.service_code);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER authorizations_episode_max_then BEFORE INSERT ON authorizations
    FOR EACH ROW EXECUTE FUNCTION authorizations_episode_max_then();

-- +goose Down
DROP TRIGGER authorizations_episode_max_then ON authorizations;
DROP FUNCTION authorizations_episode_max_then();
ALTER TABLE authorizations DROP COLUMN episode_max_then;

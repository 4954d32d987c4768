-- +goose Up
-- Every change to an API key (a revocation above all) is announced on the
-- rss_api_keys channel with the key's id, delivered when its transaction
-- commits, so each server process drops the key from its cache at once
-- instead of at the end of the cache TTL. A revocation made by hand in SQL
-- is announced the same way.

-- +goose StatementBegin
CREATE FUNCTION api_keys_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rss_api_keys', OLD.id::text);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER api_keys_notify AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_notify();

-- +goose Down
DROP TRIGGER api_keys_notify ON api_keys;
DROP FUNCTION api_keys_notify();

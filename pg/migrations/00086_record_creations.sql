-- +goose Up
-- A record's history starts with its creation: the row as it was written
-- (before '{}'; its timestamps left out, as a change's are), whoever
-- created it named by the audit event of the same transaction, as a
-- change's maker is. A program's or service's history began at its first
-- change, so "who added this service, when, with what limits and code"
-- had only the audit log's "create service X" for an answer (a black-box
-- pass). Rows created before this migration keep a history from their
-- first change. The sets a record holds (a provider's programs, a
-- program's areas) are rows of link tables, kept from their first change.
-- +goose StatementBegin
CREATE FUNCTION record_changes_create() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    n jsonb := to_jsonb(NEW) - 'updated_at' - 'created_at';
BEGIN
    IF TG_NARGS > 0 THEN
        INSERT INTO record_changes (table_name, row_key, before, after) VALUES (TG_TABLE_NAME, n ->> TG_ARGV[0], '{}', n);
    ELSE
        INSERT INTO record_changes (table_name, row_id, before, after) VALUES (TG_TABLE_NAME, (n ->> 'id')::bigint, '{}', n);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER providers_record_creation AFTER INSERT ON providers
    FOR EACH ROW EXECUTE FUNCTION record_changes_create();
CREATE TRIGGER staff_record_creation AFTER INSERT ON staff
    FOR EACH ROW EXECUTE FUNCTION record_changes_create();
CREATE TRIGGER programs_record_creation AFTER INSERT ON programs
    FOR EACH ROW EXECUTE FUNCTION record_changes_create('code');
CREATE TRIGGER services_record_creation AFTER INSERT ON services
    FOR EACH ROW EXECUTE FUNCTION record_changes_create('code');
CREATE TRIGGER settings_record_creation AFTER INSERT ON settings
    FOR EACH ROW EXECUTE FUNCTION record_changes_create('key');
CREATE TRIGGER catchment_areas_record_creation AFTER INSERT ON catchment_areas
    FOR EACH ROW EXECUTE FUNCTION record_changes_create('code');

-- +goose Down
DROP TRIGGER catchment_areas_record_creation ON catchment_areas;
DROP TRIGGER settings_record_creation ON settings;
DROP TRIGGER services_record_creation ON services;
DROP TRIGGER programs_record_creation ON programs;
DROP TRIGGER staff_record_creation ON staff;
DROP TRIGGER providers_record_creation ON providers;
DROP FUNCTION record_changes_create();

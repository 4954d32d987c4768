-- +goose Up
-- A counter that moves whenever reference data changes, so each server
-- process can cache programs, services, providers, staff and settings and
-- still see an admin's change on the very next request.

CREATE TABLE reference_version (
    id      integer CONSTRAINT reference_version_pkey PRIMARY KEY CONSTRAINT reference_version_single CHECK (id = 1),
    version bigint  NOT NULL
);
INSERT INTO reference_version (id, version) VALUES (1, 1);

-- +goose StatementBegin
CREATE FUNCTION reference_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reference_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['settings', 'catchment_areas', 'programs', 'program_catchment_areas', 'staff_roles',
        'program_caseload_caps', 'services', 'providers', 'provider_programs', 'provider_services',
        'provider_catchment_areas', 'staff', 'credential_types', 'staff_credentials', 'staff_experience', 'background_checks']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump()', t || '_bump_reference_version', t);
    END LOOP;
END;
$$;
-- +goose StatementEnd

ALTER TABLE idempotency_keys ALTER COLUMN response TYPE text USING convert_from(response, 'UTF8');

-- +goose Down
ALTER TABLE idempotency_keys ALTER COLUMN response TYPE bytea USING convert_to(response, 'UTF8');
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['settings', 'catchment_areas', 'programs', 'program_catchment_areas', 'staff_roles',
        'program_caseload_caps', 'services', 'providers', 'provider_programs', 'provider_services',
        'provider_catchment_areas', 'staff', 'credential_types', 'staff_credentials', 'staff_experience', 'background_checks']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_bump_reference_version', t);
    END LOOP;
END;
$$;
-- +goose StatementEnd
DROP FUNCTION reference_version_bump();
DROP TABLE reference_version;

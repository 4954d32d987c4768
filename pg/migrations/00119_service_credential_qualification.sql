-- A service may be qualified for by credentials the department names as
-- data: qualification 'credential' with the credential types any one of
-- which, verified and valid on the date, qualifies a staff member. The
-- four qualifications before it are the seeds' standards, written as
-- rules; a new program whose service needs its own certification (a peer
-- recovery specialist's, say) had none of them to choose, and took 'none':
-- anyone could deliver it (a reviewer black-box pass; SPEC §12, a new
-- program needs no code change). Credential types, and staff roles, are
-- added through the API as well.

-- +goose Up
ALTER TABLE services ADD COLUMN qualifying_credentials text[] NOT NULL DEFAULT '{}';
ALTER TABLE services DROP CONSTRAINT services_qualification_valid,
    ADD CONSTRAINT services_qualification_valid
        CHECK (qualification IN ('none', 'atr_case_manager', 'recovery_assistant', 'rcm_specialist', 'credential')),
    ADD CONSTRAINT services_qualifying_credentials_named
        CHECK ((qualification = 'credential') = (cardinality(qualifying_credentials) > 0)
               AND array_position(qualifying_credentials, NULL) IS NULL);

-- Each type named is one the registry knows: an array has no foreign key,
-- so a trigger holds it, as the key would.
-- +goose StatementBegin
CREATE FUNCTION services_credentials_known() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(NEW.qualifying_credentials) c
               WHERE NOT EXISTS (SELECT 1 FROM credential_types t WHERE t.code = c)) THEN
        RAISE EXCEPTION 'a qualifying credential type is not in credential_types'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'services_qualifying_credentials_fkey';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER services_credentials_known BEFORE INSERT OR UPDATE OF qualifying_credentials ON services
    FOR EACH ROW EXECUTE FUNCTION services_credentials_known();

-- +goose Down
DROP TRIGGER services_credentials_known ON services;
DROP FUNCTION services_credentials_known();
ALTER TABLE services DROP CONSTRAINT services_qualifying_credentials_named,
    DROP CONSTRAINT services_qualification_valid,
    ADD CONSTRAINT services_qualification_valid
        CHECK (qualification IN ('none', 'atr_case_manager', 'recovery_assistant', 'rcm_specialist'));
ALTER TABLE services DROP COLUMN qualifying_credentials;

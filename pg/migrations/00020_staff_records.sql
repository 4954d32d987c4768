-- +goose Up
-- Staff kept through the API (issue 9): employment dates, a supervisor of
-- the same agency without cycles, and a verification state on every
-- credential, background check and experience record. What a provider
-- submits is pending until the department (an admin) verifies it against
-- documents or rejects it with a reason; only verified records reach the
-- rules (vouchers.RuleStaff).

ALTER TABLE staff
    ADD COLUMN employment_start date,
    ADD COLUMN employment_end   date,
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT staff_employment_order
        CHECK (employment_end IS NULL OR (employment_start IS NOT NULL AND employment_end >= employment_start)),
    ADD CONSTRAINT staff_names_nonempty CHECK (btrim(first_name) <> '' AND btrim(last_name) <> ''),
    -- A supervisor works for the same agency.
    ADD CONSTRAINT staff_supervisor_same_provider_fkey
        FOREIGN KEY (supervisor_id, provider_id) REFERENCES staff (id, provider_id);

-- No one supervises themselves through a chain. The writer locks the agency
-- and checks first (a clear 422); this trigger is the schema's own refusal.
-- +goose StatementBegin
CREATE FUNCTION staff_supervision_acyclic() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.supervisor_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up(id, depth) AS (
            SELECT NEW.supervisor_id, 1
            UNION ALL
            SELECT s.supervisor_id, up.depth + 1 FROM staff s JOIN up ON s.id = up.id
            WHERE s.supervisor_id IS NOT NULL AND up.depth < 1000)
        SELECT 1 FROM up WHERE id = NEW.id) THEN
        RAISE EXCEPTION 'supervision would form a cycle'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'staff_supervision_acyclic', TABLE = 'staff';
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER staff_supervision_acyclic AFTER INSERT OR UPDATE OF supervisor_id ON staff
    FOR EACH ROW EXECUTE FUNCTION staff_supervision_acyclic();

-- The verification state, the same on the three record tables.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['staff_credentials', 'background_checks', 'staff_experience']
    LOOP
        EXECUTE format($f$ALTER TABLE %1$I
            ADD COLUMN verification_status text NOT NULL DEFAULT 'pending'
                CONSTRAINT %1$s_verification_status_valid CHECK (verification_status IN ('pending', 'verified', 'rejected')),
            ADD COLUMN submitted_at        timestamptz NOT NULL DEFAULT now(),
            ADD COLUMN submitted_by_key_id bigint CONSTRAINT %1$s_submitted_by_fkey REFERENCES api_keys (id),
            ADD COLUMN submitted_by_role   text CONSTRAINT %1$s_submitted_by_role_valid
                CHECK (submitted_by_role IN ('provider', 'admin')),
            ADD COLUMN reviewed_at         timestamptz,
            ADD COLUMN reviewed_by_key_id  bigint CONSTRAINT %1$s_reviewed_by_fkey REFERENCES api_keys (id),
            ADD COLUMN document_reference  text CONSTRAINT %1$s_document_reference_length
                CHECK (length(document_reference) <= 200),
            ADD COLUMN rejection_reason    text CONSTRAINT %1$s_rejection_reason_length
                CHECK (length(rejection_reason) <= 1000),
            ADD CONSTRAINT %1$s_review_shape CHECK (
                (verification_status = 'pending' AND reviewed_at IS NULL AND reviewed_by_key_id IS NULL
                    AND document_reference IS NULL AND rejection_reason IS NULL)
             OR (verification_status = 'verified' AND reviewed_at IS NOT NULL
                    AND btrim(coalesce(document_reference, '')) <> '' AND rejection_reason IS NULL)
             OR (verification_status = 'rejected' AND reviewed_at IS NOT NULL
                    AND btrim(coalesce(rejection_reason, '')) <> ''))$f$, t);
        EXECUTE format('CREATE INDEX %1$s_pending_idx ON %1$I (submitted_at, id) WHERE verification_status = ''pending''', t);
        -- Backfill: what was on file before verification existed is taken
        -- as verified, so decisions on it do not change.
        EXECUTE format($f$UPDATE %I SET verification_status = 'verified', reviewed_at = now(),
            document_reference = 'on file before verification (migration 00020)'$f$, t);
    END LOOP;
END;
$$;
-- +goose StatementEnd

ALTER TABLE background_checks ADD CONSTRAINT background_checks_agency_nonempty CHECK (btrim(agency) <> '');
ALTER TABLE staff_credentials ADD CONSTRAINT staff_credentials_issuer_nonempty CHECK (btrim(issuer) <> '');

-- +goose Down
ALTER TABLE staff_credentials DROP CONSTRAINT staff_credentials_issuer_nonempty;
ALTER TABLE background_checks DROP CONSTRAINT background_checks_agency_nonempty;
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['staff_credentials', 'background_checks', 'staff_experience']
    LOOP
        EXECUTE format('DROP INDEX %I', t || '_pending_idx');
        EXECUTE format('ALTER TABLE %I DROP COLUMN verification_status, DROP COLUMN submitted_at, DROP COLUMN submitted_by_key_id,
            DROP COLUMN submitted_by_role, DROP COLUMN reviewed_at, DROP COLUMN reviewed_by_key_id, DROP COLUMN document_reference,
            DROP COLUMN rejection_reason', t);
    END LOOP;
END;
$$;
-- +goose StatementEnd
DROP TRIGGER staff_supervision_acyclic ON staff;
DROP FUNCTION staff_supervision_acyclic();
ALTER TABLE staff DROP CONSTRAINT staff_supervisor_same_provider_fkey, DROP CONSTRAINT staff_names_nonempty,
    DROP CONSTRAINT staff_employment_order, DROP COLUMN updated_at, DROP COLUMN employment_end, DROP COLUMN employment_start;

-- +goose Up
-- Enrollments kept current through the API (issue 9): coded discharge
-- reasons, the history of staff reassignments and of primary case manager
-- transfers, and Medicaid eligibility held as dated spans on the client.

-- Discharge reasons are reference data: generic ones apply to every program
-- (program_code NULL), a program's own (the RSVP family outcomes of seed 001)
-- only to it. The generic ones are part of the schema, so existing
-- discharges can be coded below; the fixtures add the programs' own.
CREATE TABLE discharge_reasons (
    code         text CONSTRAINT discharge_reasons_pkey PRIMARY KEY
                      CONSTRAINT discharge_reasons_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name         text NOT NULL CONSTRAINT discharge_reasons_name_nonempty CHECK (btrim(name) <> ''),
    program_code text CONSTRAINT discharge_reasons_program_fkey REFERENCES programs (code),
    outcome      text NOT NULL CONSTRAINT discharge_reasons_outcome_valid
                      CHECK (outcome IN ('completed', 'positive', 'neutral', 'negative')),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER discharge_reasons_bump_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON discharge_reasons
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

INSERT INTO discharge_reasons (code, name, outcome) VALUES
    ('completed', 'Completed the service plan', 'completed'),
    ('goals_met', 'Recovery goals met; no further support needed', 'positive'),
    ('transferred', 'Transferred to another agency or level of care', 'neutral'),
    ('moved', 'Moved out of the service area', 'neutral'),
    ('left_against_advice', 'Left against advice', 'negative'),
    ('lost_contact', 'Lost contact; unable to locate', 'negative'),
    ('declined_services', 'Declined further services', 'negative'),
    ('incarcerated', 'Incarcerated', 'negative'),
    ('hospitalized', 'Hospitalized long-term', 'neutral'),
    ('no_longer_eligible', 'No longer eligible for the program', 'neutral'),
    ('deceased', 'Deceased', 'neutral'),
    ('other', 'Other (see the discharge note)', 'neutral');

-- An enrollment's discharge carries a code; the free text it carried so far
-- stays, as the note. Discharges made before codes existed are coded other.
ALTER TABLE enrollments ADD COLUMN discharge_reason_code text
    CONSTRAINT enrollments_discharge_reason_code_fkey REFERENCES discharge_reasons (code);
UPDATE enrollments SET discharge_reason_code = 'other' WHERE discharge_date IS NOT NULL;
ALTER TABLE enrollments DROP CONSTRAINT enrollments_discharge_reason,
    ADD CONSTRAINT enrollments_discharge_reason CHECK ((discharge_date IS NULL) = (discharge_reason_code IS NULL)),
    ADD CONSTRAINT enrollments_discharge_note_only_discharged CHECK (discharge_date IS NOT NULL OR discharge_reason IS NULL);

-- Every change of an enrollment's assigned staff member, with why.
CREATE TABLE enrollment_reassignments (
    id             bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT enrollment_reassignments_pkey PRIMARY KEY,
    enrollment_id  bigint NOT NULL CONSTRAINT enrollment_reassignments_enrollment_fkey REFERENCES enrollments (id),
    from_staff_id  bigint CONSTRAINT enrollment_reassignments_from_fkey REFERENCES staff (id),
    to_staff_id    bigint NOT NULL CONSTRAINT enrollment_reassignments_to_fkey REFERENCES staff (id),
    reason         text   NOT NULL CONSTRAINT enrollment_reassignments_reason_nonempty CHECK (btrim(reason) <> ''),
    caseload_after integer NOT NULL CONSTRAINT enrollment_reassignments_caseload_positive CHECK (caseload_after > 0),
    caseload_cap   integer CONSTRAINT enrollment_reassignments_within_cap CHECK (caseload_cap IS NULL OR caseload_after <= caseload_cap),
    actor_key_id   bigint NOT NULL CONSTRAINT enrollment_reassignments_actor_fkey REFERENCES api_keys (id),
    reassigned_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enrollment_reassignments_changes CHECK (from_staff_id IS DISTINCT FROM to_staff_id)
);
CREATE INDEX enrollment_reassignments_enrollment_idx ON enrollment_reassignments (enrollment_id, id);

-- Every transfer of a person's primary case manager designation from one
-- agency's enrollment to another's in the same program.
CREATE TABLE primary_case_manager_transfers (
    id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT primary_case_manager_transfers_pkey PRIMARY KEY,
    from_enrollment_id bigint NOT NULL CONSTRAINT primary_case_manager_transfers_from_fkey REFERENCES enrollments (id),
    to_enrollment_id   bigint NOT NULL CONSTRAINT primary_case_manager_transfers_to_fkey REFERENCES enrollments (id),
    reason             text   NOT NULL CONSTRAINT primary_case_manager_transfers_reason_nonempty CHECK (btrim(reason) <> ''),
    actor_key_id       bigint NOT NULL CONSTRAINT primary_case_manager_transfers_actor_fkey REFERENCES api_keys (id),
    transferred_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT primary_case_manager_transfers_two_enrollments CHECK (from_enrollment_id <> to_enrollment_id)
);
CREATE INDEX primary_case_manager_transfers_from_idx ON primary_case_manager_transfers (from_enrollment_id);
CREATE INDEX primary_case_manager_transfers_to_idx ON primary_case_manager_transfers (to_enrollment_id);

-- Medicaid eligibility: dated spans on the agency's record of the client,
-- each with the Medicaid id in force over it (end_date NULL = open). The
-- spans of one record never overlap. clients.medicaid_id stays the id on
-- file now (the newest span's), which person matching reads.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE client_eligibility (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT client_eligibility_pkey PRIMARY KEY,
    client_id   bigint NOT NULL CONSTRAINT client_eligibility_client_fkey REFERENCES clients (id),
    medicaid_id text   NOT NULL CONSTRAINT client_eligibility_medicaid_id_format CHECK (medicaid_id ~ '^[A-Z0-9]{6,20}$'),
    start_date  date   NOT NULL CONSTRAINT client_eligibility_start_plausible CHECK (start_date > DATE '1900-01-01'),
    end_date    date,
    source      text   NOT NULL DEFAULT 'api' CONSTRAINT client_eligibility_source_valid
                       CHECK (source IN ('api', 'registration', 'backfill', 'fixture')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    CONSTRAINT client_eligibility_order CHECK (end_date IS NULL OR end_date >= start_date),
    CONSTRAINT client_eligibility_no_overlap EXCLUDE USING gist (
        client_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
);
CREATE INDEX client_eligibility_client_idx ON client_eligibility (client_id, start_date);

-- Each record with a Medicaid id on file gets an open span from its first
-- enrollment's start (or the day the record was made, when it has none, if
-- that is earlier): what "an id on file" meant until now.
INSERT INTO client_eligibility (client_id, medicaid_id, start_date, source)
SELECT c.id, c.medicaid_id,
       LEAST(c.created_at::date, COALESCE((SELECT min(e.start_date) FROM enrollments e WHERE e.client_id = c.id), c.created_at::date)),
       'backfill'
FROM clients c WHERE c.medicaid_id IS NOT NULL;

-- +goose Down
DROP TABLE client_eligibility, primary_case_manager_transfers, enrollment_reassignments;
ALTER TABLE enrollments DROP CONSTRAINT enrollments_discharge_note_only_discharged,
    DROP CONSTRAINT enrollments_discharge_reason;
UPDATE enrollments SET discharge_reason = COALESCE(discharge_reason, discharge_reason_code) WHERE discharge_date IS NOT NULL;
ALTER TABLE enrollments DROP COLUMN discharge_reason_code,
    ADD CONSTRAINT enrollments_discharge_reason CHECK ((discharge_date IS NULL) = (discharge_reason IS NULL));
DROP TABLE discharge_reasons;

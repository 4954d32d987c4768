-- +goose Up
-- One person, one record per agency (42 CFR Part 2).
--
-- Until now a client row was the person, shared by every agency that
-- registered them: a second agency registering a known person was linked to
-- the first agency's record and could read it. From here a client row is an
-- agency's own record of a person, holding only what that agency sent, and
-- a person (the MSC's master index entry) ties the records of one human
-- together for what must be judged across agencies: the episode with its
-- dollar cap and per-episode maximums, and duplicate services. Episodes move
-- from the record to the person; GPRA interviews become each agency's own.

CREATE TABLE persons (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT persons_pkey PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    seed_client_id bigint -- only while this migration runs
);

ALTER TABLE clients ADD COLUMN person_id bigint, ADD COLUMN provider_id bigint;

-- Every existing client is a person whose record belongs to the agency that
-- created it (or, failing that, the first agency that served it).
INSERT INTO persons (seed_client_id) SELECT id FROM clients ORDER BY id;
UPDATE clients c SET person_id = p.id FROM persons p WHERE p.seed_client_id = c.id;
UPDATE clients c SET provider_id = COALESCE(c.created_by_provider_id,
    (SELECT min(cp.provider_id) FROM client_providers cp WHERE cp.client_id = c.id),
    (SELECT min(e.provider_id) FROM enrollments e WHERE e.client_id = c.id));
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM clients WHERE provider_id IS NULL) THEN
        RAISE EXCEPTION 'a client has no agency (no creator, link or enrollment); assign one before migrating';
    END IF;
END;
$$;
-- +goose StatementEnd

-- A Medicaid id is unique within an agency's records; several agencies'
-- records of one person carry the same one.
ALTER TABLE clients DROP CONSTRAINT clients_medicaid_id_unique;

-- Every other agency that served a shared client gets its own copy of the
-- record, and its enrollments, consents, interviews, plans, requests,
-- authorizations and claims move onto that copy.
CREATE TEMP TABLE split_records ON COMMIT DROP AS
    SELECT cp.client_id AS old_id, cp.provider_id, NULL::bigint AS new_id
    FROM client_providers cp JOIN clients c ON c.id = cp.client_id
    WHERE cp.provider_id <> c.provider_id;
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    made bigint;
BEGIN
    FOR r IN SELECT old_id, provider_id FROM split_records ORDER BY old_id, provider_id LOOP
        INSERT INTO clients (first_name, last_name, date_of_birth, gender, medicaid_id, catchment_area,
                             substance_use_status, address_line1, city, state, zip, created_by_provider_id,
                             created_at, person_id, provider_id)
        SELECT first_name, last_name, date_of_birth, gender, medicaid_id, catchment_area,
               substance_use_status, address_line1, city, state, zip, r.provider_id,
               created_at, person_id, r.provider_id
        FROM clients WHERE id = r.old_id
        RETURNING id INTO made;
        UPDATE split_records SET new_id = made WHERE old_id = r.old_id AND provider_id = r.provider_id;
    END LOOP;
END;
$$;
-- +goose StatementEnd
-- (The episode keys of enrollments and authorizations name the old record;
-- they are rebuilt on the person below.)
ALTER TABLE enrollments DROP CONSTRAINT enrollments_episode_fkey;
ALTER TABLE authorizations DROP CONSTRAINT authorizations_episode_fkey;
ALTER TABLE authorizations DROP CONSTRAINT authorizations_client_fkey;
ALTER TABLE enrollments DROP CONSTRAINT enrollments_client_fkey;
UPDATE enrollments t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.provider_id = s.provider_id;
UPDATE consents t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.disclosing_provider_id = s.provider_id;
UPDATE gpra_interviews t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.provider_id = s.provider_id;
UPDATE care_plans t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.provider_id = s.provider_id;
UPDATE voucher_requests t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.provider_id = s.provider_id;
UPDATE claims t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.provider_id = s.provider_id;
UPDATE claim_lines t SET client_id = s.new_id FROM split_records s WHERE t.client_id = s.old_id AND t.provider_id = s.provider_id;

-- Episodes belong to the person: one open episode per person and program,
-- whichever agencies serve them. Enrollments and authorizations carry the
-- person so the schema can hold them to their episode's person.
ALTER TABLE episodes ADD COLUMN person_id bigint;
UPDATE episodes e SET person_id = c.person_id FROM clients c WHERE c.id = e.client_id;
DROP INDEX episodes_one_open;
ALTER TABLE episodes DROP CONSTRAINT episodes_id_client_program;
ALTER TABLE episodes DROP COLUMN client_id;
ALTER TABLE episodes ALTER COLUMN person_id SET NOT NULL,
    ADD CONSTRAINT episodes_person_fkey FOREIGN KEY (person_id) REFERENCES persons (id),
    ADD CONSTRAINT episodes_id_person_program UNIQUE (id, person_id, program_code);
CREATE UNIQUE INDEX episodes_one_open ON episodes (person_id, program_code) WHERE closed_on IS NULL;

ALTER TABLE clients ALTER COLUMN person_id SET NOT NULL, ALTER COLUMN provider_id SET NOT NULL,
    ADD CONSTRAINT clients_person_fkey FOREIGN KEY (person_id) REFERENCES persons (id),
    ADD CONSTRAINT clients_provider_fkey FOREIGN KEY (provider_id) REFERENCES providers (id),
    ADD CONSTRAINT clients_one_record_per_agency UNIQUE (provider_id, person_id),
    ADD CONSTRAINT clients_medicaid_id_unique UNIQUE (provider_id, medicaid_id),
    ADD CONSTRAINT clients_id_person UNIQUE (id, person_id),
    ADD CONSTRAINT clients_id_provider UNIQUE (id, provider_id);
ALTER TABLE clients DROP COLUMN created_by_provider_id;
CREATE INDEX clients_person_idx ON clients (person_id);
CREATE INDEX clients_medicaid_idx ON clients (medicaid_id) WHERE medicaid_id IS NOT NULL;

ALTER TABLE enrollments ADD COLUMN person_id bigint;
UPDATE enrollments t SET person_id = c.person_id FROM clients c WHERE c.id = t.client_id;
ALTER TABLE enrollments ALTER COLUMN person_id SET NOT NULL,
    -- An agency enrolls its own record of the person.
    ADD CONSTRAINT enrollments_client_fkey FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id),
    ADD CONSTRAINT enrollments_client_person_fkey FOREIGN KEY (client_id, person_id) REFERENCES clients (id, person_id),
    ADD CONSTRAINT enrollments_episode_fkey FOREIGN KEY (episode_id, person_id, program_code)
        REFERENCES episodes (id, person_id, program_code);
CREATE INDEX enrollments_episode_idx ON enrollments (episode_id);

ALTER TABLE authorizations ADD COLUMN person_id bigint;
UPDATE authorizations t SET person_id = c.person_id FROM clients c WHERE c.id = t.client_id;
ALTER TABLE authorizations ALTER COLUMN person_id SET NOT NULL,
    ADD CONSTRAINT authorizations_client_fkey FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id),
    ADD CONSTRAINT authorizations_client_person_fkey FOREIGN KEY (client_id, person_id) REFERENCES clients (id, person_id),
    ADD CONSTRAINT authorizations_episode_fkey FOREIGN KEY (episode_id, person_id, program_code)
        REFERENCES episodes (id, person_id, program_code);
CREATE INDEX authorizations_person_idx ON authorizations (person_id, program_code);

-- The primary case manager is an agency's own designation on its own
-- record; the rules compare designations across agencies (a unique index
-- across agencies would answer another agency "someone else is primary").
DROP INDEX enrollments_one_primary;

-- Each agency records its own GPRA interviews; another agency's are seen
-- only under a consent naming the reader.
ALTER TABLE gpra_interviews DROP CONSTRAINT gpra_interviews_one_per_kind,
    ADD CONSTRAINT gpra_interviews_one_per_kind UNIQUE (episode_id, provider_id, kind),
    ADD CONSTRAINT gpra_interviews_client_agency_fkey FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id);

-- What an agency writes about a person hangs on its own record of them.
ALTER TABLE consents ADD CONSTRAINT consents_client_agency_fkey
    FOREIGN KEY (client_id, disclosing_provider_id) REFERENCES clients (id, provider_id);
ALTER TABLE care_plans ADD CONSTRAINT care_plans_client_agency_fkey
    FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id);
ALTER TABLE voucher_requests ADD CONSTRAINT voucher_requests_client_agency_fkey
    FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id);
ALTER TABLE claims ADD CONSTRAINT claims_client_agency_fkey
    FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id);

DROP TABLE client_providers;
ALTER TABLE persons DROP COLUMN seed_client_id;

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    RAISE EXCEPTION 'client records cannot be merged back into shared clients: restore from a backup';
END;
$$;
-- +goose StatementEnd

-- +goose Up
-- The people served: clients, their episodes and enrollments, Part 2
-- consents, GPRA interviews and care plans.

CREATE TABLE clients (
    id                   bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT clients_pkey PRIMARY KEY,
    first_name           text NOT NULL CONSTRAINT clients_first_name_nonempty CHECK (btrim(first_name) <> ''),
    last_name            text NOT NULL CONSTRAINT clients_last_name_nonempty CHECK (btrim(last_name) <> ''),
    date_of_birth        date NOT NULL CONSTRAINT clients_dob_plausible CHECK (date_of_birth > DATE '1900-01-01'),
    gender               text NOT NULL DEFAULT 'U' CONSTRAINT clients_gender_valid CHECK (gender IN ('F', 'M', 'U')),
    medicaid_id          text CONSTRAINT clients_medicaid_id_unique UNIQUE
                              CONSTRAINT clients_medicaid_id_format CHECK (medicaid_id ~ '^[A-Z0-9]{6,20}$'),
    catchment_area       text NOT NULL CONSTRAINT clients_catchment_area_fkey REFERENCES catchment_areas (code),
    substance_use_status text NOT NULL DEFAULT 'unknown' CONSTRAINT clients_substance_use_valid
                              CHECK (substance_use_status IN ('active', 'in_recovery', 'unknown')),
    address_line1        text,
    city                 text,
    state                text CONSTRAINT clients_state_format CHECK (state ~ '^[A-Z]{2}$'),
    zip                  text CONSTRAINT clients_zip_format CHECK (zip ~ '^[0-9]{5}([0-9]{4})?$'),
    created_by_provider_id bigint CONSTRAINT clients_created_by_fkey REFERENCES providers (id),
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_identity_idx ON clients (lower(last_name), lower(first_name), date_of_birth);

-- Which agencies serve (and so may see) a client.
CREATE TABLE client_providers (
    client_id   bigint NOT NULL CONSTRAINT client_providers_client_fkey REFERENCES clients (id),
    provider_id bigint NOT NULL CONSTRAINT client_providers_provider_fkey REFERENCES providers (id),
    linked_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT client_providers_pkey PRIMARY KEY (client_id, provider_id)
);
CREATE INDEX client_providers_provider_idx ON client_providers (provider_id, client_id);

-- An episode is one client's stay in one program across all its providers;
-- the program's dollar cap is held here, and the schema refuses to pay past it.
CREATE TABLE episodes (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT episodes_pkey PRIMARY KEY,
    client_id    bigint NOT NULL CONSTRAINT episodes_client_fkey REFERENCES clients (id),
    program_code text   NOT NULL CONSTRAINT episodes_program_fkey REFERENCES programs (code),
    opened_on    date   NOT NULL,
    closed_on    date,
    dollar_cap   numeric(12,2) CONSTRAINT episodes_dollar_cap_positive CHECK (dollar_cap > 0),
    dollars_paid numeric(12,2) NOT NULL DEFAULT 0,
    CONSTRAINT episodes_order CHECK (closed_on IS NULL OR closed_on >= opened_on),
    CONSTRAINT episodes_dollars_within_cap CHECK (dollars_paid >= 0 AND (dollar_cap IS NULL OR dollars_paid <= dollar_cap)),
    CONSTRAINT episodes_id_client_program UNIQUE (id, client_id, program_code)
);
CREATE UNIQUE INDEX episodes_one_open ON episodes (client_id, program_code) WHERE closed_on IS NULL;

CREATE TABLE enrollments (
    id                   bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT enrollments_pkey PRIMARY KEY,
    client_id            bigint NOT NULL CONSTRAINT enrollments_client_fkey REFERENCES clients (id),
    program_code         text   NOT NULL CONSTRAINT enrollments_program_fkey REFERENCES programs (code),
    provider_id          bigint NOT NULL CONSTRAINT enrollments_provider_fkey REFERENCES providers (id),
    episode_id           bigint NOT NULL,
    assigned_staff_id    bigint,
    primary_case_manager boolean NOT NULL DEFAULT false,
    start_date           date NOT NULL,
    planned_end_date     date,
    discharge_date       date,
    discharge_reason     text,
    referral_source      text CONSTRAINT enrollments_referral_source_valid CHECK (referral_source IN (
                             'samss_meeting', 'dcf_substance_abuse_specialist', 'area_office_director',
                             'regional_clinical_program_director', 'self', 'treatment_provider', 'other')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enrollments_episode_fkey FOREIGN KEY (episode_id, client_id, program_code)
        REFERENCES episodes (id, client_id, program_code),
    CONSTRAINT enrollments_staff_fkey FOREIGN KEY (assigned_staff_id, provider_id) REFERENCES staff (id, provider_id),
    CONSTRAINT enrollments_planned_end_order CHECK (planned_end_date IS NULL OR planned_end_date >= start_date),
    CONSTRAINT enrollments_discharge_order CHECK (discharge_date IS NULL OR discharge_date >= start_date),
    CONSTRAINT enrollments_discharge_reason CHECK ((discharge_date IS NULL) = (discharge_reason IS NULL))
);
CREATE UNIQUE INDEX enrollments_one_open ON enrollments (client_id, program_code, provider_id) WHERE discharge_date IS NULL;
-- One primary case manager per client and program at a time.
CREATE UNIQUE INDEX enrollments_one_primary ON enrollments (client_id, program_code)
    WHERE primary_case_manager AND discharge_date IS NULL;
CREATE INDEX enrollments_staff_idx ON enrollments (assigned_staff_id) WHERE discharge_date IS NULL;
CREATE INDEX enrollments_provider_idx ON enrollments (provider_id, id);
CREATE INDEX enrollments_client_idx ON enrollments (client_id, provider_id);

CREATE TABLE consents (
    id                     bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT consents_pkey PRIMARY KEY,
    client_id              bigint NOT NULL CONSTRAINT consents_client_fkey REFERENCES clients (id),
    disclosing_provider_id bigint NOT NULL CONSTRAINT consents_disclosing_provider_fkey REFERENCES providers (id),
    recipient_type         text   NOT NULL CONSTRAINT consents_recipient_type_valid
                                  CHECK (recipient_type IN ('provider', 'msc', 'payer')),
    recipient_provider_id  bigint CONSTRAINT consents_recipient_provider_fkey REFERENCES providers (id),
    recipient_name         text   NOT NULL CONSTRAINT consents_recipient_name_nonempty CHECK (btrim(recipient_name) <> ''),
    purposes               text[] NOT NULL CONSTRAINT consents_purposes_valid CHECK (
                               cardinality(purposes) > 0
                               AND purposes <@ ARRAY['payment', 'treatment', 'care_coordination', 'operations']::text[]),
    information            text   NOT NULL CONSTRAINT consents_information_nonempty CHECK (btrim(information) <> ''),
    expires_on             date,
    expiry_event           text,
    signed_on              date   NOT NULL,
    revoked_at             timestamptz,
    revocation_reason      text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consents_expiry_present CHECK (expires_on IS NOT NULL OR expiry_event IS NOT NULL),
    CONSTRAINT consents_expiry_order CHECK (expires_on IS NULL OR expires_on >= signed_on),
    CONSTRAINT consents_recipient_provider CHECK ((recipient_type = 'provider') = (recipient_provider_id IS NOT NULL)),
    CONSTRAINT consents_revocation_reason CHECK (revoked_at IS NULL OR revocation_reason IS NOT NULL)
);
CREATE INDEX consents_client_idx ON consents (client_id);

CREATE TABLE gpra_instruments (
    code        text CONSTRAINT gpra_instruments_pkey PRIMARY KEY,
    name        text NOT NULL,
    active_from date NOT NULL,
    active_to   date,
    CONSTRAINT gpra_instruments_order CHECK (active_to IS NULL OR active_to >= active_from)
);

CREATE TABLE gpra_interviews (
    id                   bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT gpra_interviews_pkey PRIMARY KEY,
    episode_id           bigint NOT NULL CONSTRAINT gpra_interviews_episode_fkey REFERENCES episodes (id),
    client_id            bigint NOT NULL CONSTRAINT gpra_interviews_client_fkey REFERENCES clients (id),
    provider_id          bigint NOT NULL CONSTRAINT gpra_interviews_provider_fkey REFERENCES providers (id),
    kind                 text   NOT NULL CONSTRAINT gpra_interviews_kind_valid CHECK (kind IN ('intake', 'follow_up', 'discharge')),
    instrument           text   NOT NULL CONSTRAINT gpra_interviews_instrument_fkey REFERENCES gpra_instruments (code),
    status               text   NOT NULL CONSTRAINT gpra_interviews_status_valid CHECK (status IN ('completed', 'not_conducted')),
    interview_date       date   NOT NULL,
    not_conducted_reason text   CONSTRAINT gpra_interviews_reason_valid CHECK (not_conducted_reason IN (
                                    'refused', 'unable_to_locate', 'incarcerated', 'hospitalized', 'deceased', 'other')),
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT gpra_interviews_reason_when_not_conducted CHECK ((status = 'not_conducted') = (not_conducted_reason IS NOT NULL)),
    CONSTRAINT gpra_interviews_one_per_kind UNIQUE (episode_id, kind)
);

CREATE TABLE care_plans (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT care_plans_pkey PRIMARY KEY,
    client_id    bigint NOT NULL CONSTRAINT care_plans_client_fkey REFERENCES clients (id),
    provider_id  bigint NOT NULL CONSTRAINT care_plans_provider_fkey REFERENCES providers (id),
    program_code text   NOT NULL CONSTRAINT care_plans_program_fkey REFERENCES programs (code),
    kind         text   NOT NULL CONSTRAINT care_plans_kind_valid CHECK (kind IN ('rss_care_plan', 'waiver_recovery_plan')),
    start_date   date   NOT NULL,
    end_date     date,
    closed_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT care_plans_order CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX care_plans_client_idx ON care_plans (client_id);

CREATE TABLE care_plan_services (
    care_plan_id  bigint NOT NULL CONSTRAINT care_plan_services_plan_fkey REFERENCES care_plans (id),
    service_code  text   NOT NULL CONSTRAINT care_plan_services_service_fkey REFERENCES services (code),
    units_planned integer CONSTRAINT care_plan_services_units_positive CHECK (units_planned > 0),
    CONSTRAINT care_plan_services_pkey PRIMARY KEY (care_plan_id, service_code)
);

-- +goose Down
DROP TABLE care_plan_services, care_plans, gpra_interviews, gpra_instruments, consents,
    enrollments, episodes, client_providers, clients;

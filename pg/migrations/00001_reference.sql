-- +goose Up
-- Reference data: programs, services, catchment areas, providers and their
-- staff. Thresholds live here as data so the rules never hold a literal.

-- +goose StatementBegin
CREATE FUNCTION npi_valid(npi text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
-- The NPI check digit is Luhn over the 9 digits prefixed with 80840.
DECLARE
    digits text;
    sum int := 24; -- the Luhn contribution of the 80840 prefix
    d int;
    i int;
BEGIN
    IF npi !~ '^[0-9]{10}$' THEN
        RETURN false;
    END IF;
    digits := substr(npi, 1, 9);
    FOR i IN 1..9 LOOP
        d := substr(digits, 10 - i, 1)::int;
        IF i % 2 = 1 THEN
            d := d * 2;
            IF d > 9 THEN d := d - 9; END IF;
        END IF;
        sum := sum + d;
    END LOOP;
    RETURN (10 - sum % 10) % 10 = substr(npi, 10, 1)::int;
END;
$$;
-- +goose StatementEnd

CREATE TABLE settings (
    key         text    CONSTRAINT settings_pkey PRIMARY KEY
                        CONSTRAINT settings_key_format CHECK (key ~ '^[a-z][a-z0-9_]*$'),
    value       integer NOT NULL CONSTRAINT settings_value_nonnegative CHECK (value >= 0),
    description text    NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catchment_areas (
    code text CONSTRAINT catchment_areas_pkey PRIMARY KEY
              CONSTRAINT catchment_areas_code_format CHECK (code ~ '^[a-z][a-z_]*$'),
    name text NOT NULL CONSTRAINT catchment_areas_name_unique UNIQUE
);

CREATE TABLE programs (
    code                  text CONSTRAINT programs_pkey PRIMARY KEY
                               CONSTRAINT programs_code_format CHECK (code ~ '^[A-Z][A-Z0-9]{1,9}$'),
    name                  text NOT NULL,
    funding               text NOT NULL CONSTRAINT programs_funding_valid
                               CHECK (funding IN ('federal_grant', 'state', 'medicaid')),
    payer_route           text NOT NULL CONSTRAINT programs_payer_route_valid
                               CHECK (payer_route IN ('payment_register', 'medicaid_837p')),
    clinical              boolean NOT NULL DEFAULT false,
    zero_reject           boolean NOT NULL DEFAULT false,
    voucher_validity_days integer CONSTRAINT programs_validity_positive CHECK (voucher_validity_days > 0),
    filing_limit_days     integer NOT NULL CONSTRAINT programs_filing_limit_positive CHECK (filing_limit_days > 0),
    episode_dollar_cap    numeric(12,2) CONSTRAINT programs_dollar_cap_positive CHECK (episode_dollar_cap > 0),
    gpra_required         boolean NOT NULL DEFAULT false,
    gpra_followup_open_days  integer,
    gpra_followup_close_days integer,
    gpra_discharge_days      integer,
    los_max_days          integer CONSTRAINT programs_los_positive CHECK (los_max_days > 0),
    los_review_past_max   boolean NOT NULL DEFAULT false,
    retro_limit_days      integer NOT NULL DEFAULT 14 CONSTRAINT programs_retro_nonnegative CHECK (retro_limit_days >= 0),
    requires_medicaid_id  boolean NOT NULL DEFAULT false,
    requires_waiver_plan  boolean NOT NULL DEFAULT false,
    care_plan_required    boolean NOT NULL DEFAULT true,
    diagnosis_required    boolean NOT NULL DEFAULT false,
    referral_source_required boolean NOT NULL DEFAULT false,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT programs_gpra_windows CHECK (
        NOT gpra_required OR (
            gpra_followup_open_days IS NOT NULL AND gpra_followup_close_days IS NOT NULL AND gpra_discharge_days IS NOT NULL
            AND gpra_followup_open_days > 0
            AND gpra_followup_close_days > gpra_followup_open_days
            AND gpra_discharge_days > 0)),
    CONSTRAINT programs_medicaid_route CHECK ((funding = 'medicaid') = (payer_route = 'medicaid_837p')),
    CONSTRAINT programs_zero_reject_not_clinical CHECK (NOT (zero_reject AND clinical))
);

CREATE TABLE program_catchment_areas (
    program_code text NOT NULL CONSTRAINT program_catchment_areas_program_fkey REFERENCES programs (code),
    area_code    text NOT NULL CONSTRAINT program_catchment_areas_area_fkey REFERENCES catchment_areas (code),
    CONSTRAINT program_catchment_areas_pkey PRIMARY KEY (program_code, area_code)
);

CREATE TABLE staff_roles (
    code text CONSTRAINT staff_roles_pkey PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE program_caseload_caps (
    program_code text    NOT NULL CONSTRAINT program_caseload_caps_program_fkey REFERENCES programs (code),
    staff_role   text    NOT NULL CONSTRAINT program_caseload_caps_role_fkey REFERENCES staff_roles (code),
    cap          integer NOT NULL CONSTRAINT program_caseload_caps_cap_positive CHECK (cap > 0),
    CONSTRAINT program_caseload_caps_pkey PRIMARY KEY (program_code, staff_role)
);

CREATE TABLE services (
    code                text CONSTRAINT services_pkey PRIMARY KEY
                             CONSTRAINT services_code_format CHECK (code ~ '^[A-Z][A-Z0-9]*-[A-Z0-9]+$'),
    program_code        text NOT NULL CONSTRAINT services_program_fkey REFERENCES programs (code),
    name                text NOT NULL,
    unit                text NOT NULL CONSTRAINT services_unit_valid
                             CHECK (unit IN ('15min', 'test', 'trip', 'day', 'hour')),
    rate                numeric(12,2) NOT NULL CONSTRAINT services_rate_positive CHECK (rate > 0),
    per_voucher_max     integer NOT NULL CONSTRAINT services_per_voucher_positive CHECK (per_voucher_max > 0),
    per_episode_max     integer CONSTRAINT services_per_episode_positive CHECK (per_episode_max > 0),
    procedure_qualifier text,
    procedure_code      text,
    modifiers           text[] NOT NULL DEFAULT '{}'
                             CONSTRAINT services_modifiers_max4 CHECK (cardinality(modifiers) <= 4),
    qualification       text NOT NULL DEFAULT 'none' CONSTRAINT services_qualification_valid
                             CHECK (qualification IN ('none', 'atr_case_manager', 'recovery_assistant', 'rcm_specialist')),
    requires_primary_case_manager boolean NOT NULL DEFAULT false,
    employment_stage    integer CONSTRAINT services_employment_stage_positive CHECK (employment_stage > 0),
    active              boolean NOT NULL DEFAULT true,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT services_procedure_pair CHECK ((procedure_code IS NULL) = (procedure_qualifier IS NULL)),
    CONSTRAINT services_episode_ge_voucher CHECK (per_episode_max IS NULL OR per_episode_max >= per_voucher_max),
    CONSTRAINT services_code_program UNIQUE (code, program_code)
);

CREATE TABLE providers (
    id              bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT providers_pkey PRIMARY KEY,
    code            text NOT NULL CONSTRAINT providers_code_unique UNIQUE
                         CONSTRAINT providers_code_format CHECK (code ~ '^[A-Z0-9-]{2,20}$'),
    name            text NOT NULL CONSTRAINT providers_name_nonempty CHECK (btrim(name) <> ''),
    npi             text NOT NULL CONSTRAINT providers_npi_unique UNIQUE
                         CONSTRAINT providers_npi_valid CHECK (npi_valid(npi)),
    tax_id          text NOT NULL CONSTRAINT providers_tax_id_format CHECK (tax_id ~ '^[0-9]{9}$'),
    address_line1   text NOT NULL,
    address_line2   text,
    city            text NOT NULL,
    state           text NOT NULL CONSTRAINT providers_state_format CHECK (state ~ '^[A-Z]{2}$'),
    zip             text NOT NULL CONSTRAINT providers_zip_format CHECK (zip ~ '^[0-9]{5}([0-9]{4})?$'),
    agreement_start date,
    agreement_end   date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT providers_agreement_order CHECK (agreement_end IS NULL OR agreement_end >= agreement_start),
    CONSTRAINT providers_agreement_end_needs_start CHECK (agreement_end IS NULL OR agreement_start IS NOT NULL)
);

CREATE TABLE provider_programs (
    provider_id  bigint NOT NULL CONSTRAINT provider_programs_provider_fkey REFERENCES providers (id),
    program_code text   NOT NULL CONSTRAINT provider_programs_program_fkey REFERENCES programs (code),
    CONSTRAINT provider_programs_pkey PRIMARY KEY (provider_id, program_code)
);

CREATE TABLE provider_services (
    provider_id  bigint NOT NULL CONSTRAINT provider_services_provider_fkey REFERENCES providers (id),
    service_code text   NOT NULL CONSTRAINT provider_services_service_fkey REFERENCES services (code),
    CONSTRAINT provider_services_pkey PRIMARY KEY (provider_id, service_code)
);

CREATE TABLE provider_catchment_areas (
    provider_id bigint NOT NULL CONSTRAINT provider_catchment_areas_provider_fkey REFERENCES providers (id),
    area_code   text   NOT NULL CONSTRAINT provider_catchment_areas_area_fkey REFERENCES catchment_areas (code),
    CONSTRAINT provider_catchment_areas_pkey PRIMARY KEY (provider_id, area_code)
);

CREATE TABLE staff (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT staff_pkey PRIMARY KEY,
    provider_id   bigint NOT NULL CONSTRAINT staff_provider_fkey REFERENCES providers (id),
    first_name    text NOT NULL,
    last_name     text NOT NULL,
    role          text NOT NULL CONSTRAINT staff_role_fkey REFERENCES staff_roles (code),
    date_of_birth date NOT NULL CONSTRAINT staff_dob_plausible CHECK (date_of_birth > DATE '1900-01-01'),
    npi           text CONSTRAINT staff_npi_valid CHECK (npi IS NULL OR npi_valid(npi)),
    supervisor_id bigint CONSTRAINT staff_supervisor_fkey REFERENCES staff (id),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_not_own_supervisor CHECK (supervisor_id IS NULL OR supervisor_id <> id),
    CONSTRAINT staff_id_provider UNIQUE (id, provider_id)
);

CREATE TABLE credential_types (
    code text CONSTRAINT credential_types_pkey PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE staff_credentials (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT staff_credentials_pkey PRIMARY KEY,
    staff_id   bigint NOT NULL CONSTRAINT staff_credentials_staff_fkey REFERENCES staff (id),
    type       text   NOT NULL CONSTRAINT staff_credentials_type_fkey REFERENCES credential_types (code),
    issuer     text   NOT NULL,
    number     text,
    valid_from date   NOT NULL,
    valid_to   date,
    CONSTRAINT staff_credentials_validity_order CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX staff_credentials_staff_idx ON staff_credentials (staff_id);

CREATE TABLE staff_experience (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT staff_experience_pkey PRIMARY KEY,
    staff_id     bigint NOT NULL CONSTRAINT staff_experience_staff_fkey REFERENCES staff (id),
    kind         text   NOT NULL CONSTRAINT staff_experience_kind_valid
                        CHECK (kind IN ('target_population', 'service_delivery')),
    service_code text CONSTRAINT staff_experience_service_fkey REFERENCES services (code),
    started_on   date NOT NULL,
    ended_on     date,
    CONSTRAINT staff_experience_order CHECK (ended_on IS NULL OR ended_on >= started_on),
    CONSTRAINT staff_experience_service_kind CHECK ((kind = 'service_delivery') = (service_code IS NOT NULL))
);
CREATE INDEX staff_experience_staff_idx ON staff_experience (staff_id);

CREATE TABLE background_checks (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT background_checks_pkey PRIMARY KEY,
    staff_id   bigint NOT NULL CONSTRAINT background_checks_staff_fkey REFERENCES staff (id),
    checked_on date   NOT NULL,
    result     text   NOT NULL CONSTRAINT background_checks_result_valid CHECK (result IN ('passed', 'failed')),
    agency     text   NOT NULL
);
CREATE INDEX background_checks_staff_idx ON background_checks (staff_id);

-- +goose Down
DROP TABLE background_checks, staff_experience, staff_credentials, credential_types, staff,
    provider_catchment_areas, provider_services, provider_programs, providers, services,
    program_caseload_caps, staff_roles, program_catchment_areas, programs, catchment_areas, settings;
DROP FUNCTION npi_valid(text);

-- +goose Up
-- API keys, voucher requests, reviewer decisions and authorizations.

CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT api_keys_pkey PRIMARY KEY,
    prefix      text   NOT NULL CONSTRAINT api_keys_prefix_unique UNIQUE
                       CONSTRAINT api_keys_prefix_format CHECK (prefix ~ '^[a-z0-9]{8,16}$'),
    secret_hash bytea  NOT NULL CONSTRAINT api_keys_hash_length CHECK (length(secret_hash) = 32),
    role        text   NOT NULL CONSTRAINT api_keys_role_valid CHECK (role IN ('provider', 'reviewer', 'finance', 'admin')),
    provider_id bigint CONSTRAINT api_keys_provider_fkey REFERENCES providers (id),
    label       text   NOT NULL,
    demo        boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT api_keys_provider_role CHECK ((role = 'provider') = (provider_id IS NOT NULL))
);

CREATE TABLE voucher_requests (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT voucher_requests_pkey PRIMARY KEY,
    provider_id      bigint NOT NULL CONSTRAINT voucher_requests_provider_fkey REFERENCES providers (id),
    client_id        bigint NOT NULL CONSTRAINT voucher_requests_client_fkey REFERENCES clients (id),
    enrollment_id    bigint CONSTRAINT voucher_requests_enrollment_fkey REFERENCES enrollments (id),
    program_code     text   NOT NULL CONSTRAINT voucher_requests_program_fkey REFERENCES programs (code),
    service_code     text   NOT NULL CONSTRAINT voucher_requests_service_fkey REFERENCES services (code),
    staff_id         bigint CONSTRAINT voucher_requests_staff_fkey REFERENCES staff (id),
    units_requested  integer NOT NULL CONSTRAINT voucher_requests_units_positive CHECK (units_requested > 0),
    rate             numeric(12,2) NOT NULL CONSTRAINT voucher_requests_rate_positive CHECK (rate > 0),
    start_date       date NOT NULL,
    end_date         date NOT NULL,
    note             text,
    rules_decision   text NOT NULL CONSTRAINT voucher_requests_rules_decision_valid
                          CHECK (rules_decision IN ('approved', 'partial', 'pended', 'denied')),
    decision         text NOT NULL CONSTRAINT voucher_requests_decision_valid
                          CHECK (decision IN ('approved', 'partial', 'pended', 'denied')),
    units_granted    integer CONSTRAINT voucher_requests_units_granted_positive CHECK (units_granted > 0),
    granted_start    date,
    granted_end      date,
    reason_codes     text[] NOT NULL DEFAULT '{}',
    hits             jsonb NOT NULL DEFAULT '[]',
    trace            jsonb NOT NULL,
    facts            jsonb NOT NULL,
    rule_set_version text NOT NULL,
    submitted_by     bigint NOT NULL CONSTRAINT voucher_requests_submitted_by_fkey REFERENCES api_keys (id),
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz,
    CONSTRAINT voucher_requests_span_order CHECK (end_date >= start_date),
    CONSTRAINT voucher_requests_granted_span CHECK (
        (decision IN ('approved', 'partial')) = (units_granted IS NOT NULL AND granted_start IS NOT NULL AND granted_end IS NOT NULL)),
    CONSTRAINT voucher_requests_granted_order CHECK (granted_end IS NULL OR granted_end >= granted_start),
    CONSTRAINT voucher_requests_reviewed_only_pended CHECK (decision = rules_decision OR rules_decision = 'pended'),
    CONSTRAINT voucher_requests_decided_at CHECK ((decision = 'pended') = (decided_at IS NULL))
);
CREATE INDEX voucher_requests_provider_idx ON voucher_requests (provider_id, id);
CREATE INDEX voucher_requests_client_idx ON voucher_requests (client_id);
CREATE INDEX voucher_requests_pended_idx ON voucher_requests (submitted_at, id) WHERE decision = 'pended';
CREATE INDEX voucher_requests_decision_idx ON voucher_requests (decision, id);

CREATE TABLE reviewer_decisions (
    id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT reviewer_decisions_pkey PRIMARY KEY,
    voucher_request_id bigint NOT NULL CONSTRAINT reviewer_decisions_request_fkey REFERENCES voucher_requests (id)
                              CONSTRAINT reviewer_decisions_one_per_request UNIQUE,
    reviewer_key_id    bigint NOT NULL CONSTRAINT reviewer_decisions_reviewer_fkey REFERENCES api_keys (id),
    action             text   NOT NULL CONSTRAINT reviewer_decisions_action_valid
                              CHECK (action IN ('approve', 'approve_modified', 'deny')),
    units              integer CONSTRAINT reviewer_decisions_units_positive CHECK (units > 0),
    start_date         date,
    end_date           date,
    note               text   NOT NULL CONSTRAINT reviewer_decisions_note_nonempty CHECK (btrim(note) <> ''),
    decided_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reviewer_decisions_grant_fields CHECK (
        (action = 'deny') = (units IS NULL AND start_date IS NULL AND end_date IS NULL)),
    CONSTRAINT reviewer_decisions_span_order CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE SEQUENCE authorization_number_seq;

CREATE TABLE authorizations (
    id                 bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT authorizations_pkey PRIMARY KEY,
    number             text   NOT NULL DEFAULT ('PA' || lpad(nextval('authorization_number_seq')::text, 8, '0'))
                              CONSTRAINT authorizations_number_unique UNIQUE,
    voucher_request_id bigint NOT NULL CONSTRAINT authorizations_request_fkey REFERENCES voucher_requests (id)
                              CONSTRAINT authorizations_one_per_request UNIQUE,
    client_id          bigint NOT NULL CONSTRAINT authorizations_client_fkey REFERENCES clients (id),
    provider_id        bigint NOT NULL CONSTRAINT authorizations_provider_fkey REFERENCES providers (id),
    program_code       text   NOT NULL CONSTRAINT authorizations_program_fkey REFERENCES programs (code),
    service_code       text   NOT NULL,
    episode_id         bigint NOT NULL,
    enrollment_id      bigint NOT NULL CONSTRAINT authorizations_enrollment_fkey REFERENCES enrollments (id),
    units_authorized   integer NOT NULL CONSTRAINT authorizations_units_authorized_positive CHECK (units_authorized > 0),
    units_used         integer NOT NULL DEFAULT 0,
    rate               numeric(12,2) NOT NULL CONSTRAINT authorizations_rate_positive CHECK (rate > 0),
    start_date         date NOT NULL,
    end_date           date NOT NULL,
    voided_at          timestamptz,
    void_reason        text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authorizations_units_within CHECK (units_used BETWEEN 0 AND units_authorized),
    CONSTRAINT authorizations_span_order CHECK (end_date >= start_date),
    CONSTRAINT authorizations_void_reason CHECK ((voided_at IS NULL) = (void_reason IS NULL)),
    CONSTRAINT authorizations_service_program_fkey FOREIGN KEY (service_code, program_code)
        REFERENCES services (code, program_code),
    CONSTRAINT authorizations_episode_fkey FOREIGN KEY (episode_id, client_id, program_code)
        REFERENCES episodes (id, client_id, program_code)
);
CREATE INDEX authorizations_lookup_idx ON authorizations (client_id, provider_id, service_code, end_date);
CREATE INDEX authorizations_client_service_idx ON authorizations (client_id, service_code);
CREATE INDEX authorizations_provider_idx ON authorizations (provider_id, id);
CREATE INDEX authorizations_episode_idx ON authorizations (episode_id, service_code);

-- +goose Down
DROP TABLE authorizations, reviewer_decisions, voucher_requests, api_keys;
DROP SEQUENCE authorization_number_seq;

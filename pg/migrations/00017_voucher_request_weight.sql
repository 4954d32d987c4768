-- +goose Up
-- A voucher request writes its decision, trace and facts, an authorization
-- when granted, and its idempotency record. What each insert checks and
-- stores is trimmed to what the guarantees need.

-- The trace, facts and hits are stored as written and read back whole,
-- never queried inside the database: json keeps the text as the rules
-- wrote it (no binary conversion on every insert), and lz4 compresses it
-- several times faster than the default.
ALTER TABLE voucher_requests
    ALTER COLUMN hits DROP DEFAULT,
    ALTER COLUMN hits TYPE json USING hits::json,
    ALTER COLUMN hits SET DEFAULT '[]',
    ALTER COLUMN trace TYPE json USING trace::json,
    ALTER COLUMN facts TYPE json USING facts::json;
ALTER TABLE voucher_requests
    ALTER COLUMN hits SET COMPRESSION lz4,
    ALTER COLUMN trace SET COMPRESSION lz4,
    ALTER COLUMN facts SET COMPRESSION lz4;
ALTER TABLE idempotency_keys ALTER COLUMN response SET COMPRESSION lz4;

-- Foreign keys another key already implies, each a row lock per insert:
-- a request's (client, agency) key names a client that exists and, through
-- it, an agency that does; an authorization's (service, program) key and
-- its episode key name a program that exists, and its (client, agency)
-- key an agency that does. One key now holds an authorization's client,
-- agency and person together.
ALTER TABLE voucher_requests DROP CONSTRAINT voucher_requests_client_fkey,
    DROP CONSTRAINT voucher_requests_provider_fkey;
ALTER TABLE clients ADD CONSTRAINT clients_id_agency_person UNIQUE (id, provider_id, person_id);
ALTER TABLE authorizations DROP CONSTRAINT authorizations_provider_fkey,
    DROP CONSTRAINT authorizations_program_fkey,
    DROP CONSTRAINT authorizations_client_fkey,
    DROP CONSTRAINT authorizations_client_person_fkey,
    ADD CONSTRAINT authorizations_client_fkey FOREIGN KEY (client_id, provider_id, person_id)
        REFERENCES clients (id, provider_id, person_id);

-- +goose Down
ALTER TABLE authorizations DROP CONSTRAINT authorizations_client_fkey,
    ADD CONSTRAINT authorizations_client_fkey FOREIGN KEY (client_id, provider_id) REFERENCES clients (id, provider_id),
    ADD CONSTRAINT authorizations_client_person_fkey FOREIGN KEY (client_id, person_id) REFERENCES clients (id, person_id),
    ADD CONSTRAINT authorizations_program_fkey FOREIGN KEY (program_code) REFERENCES programs (code),
    ADD CONSTRAINT authorizations_provider_fkey FOREIGN KEY (provider_id) REFERENCES providers (id);
ALTER TABLE clients DROP CONSTRAINT clients_id_agency_person;
ALTER TABLE voucher_requests ADD CONSTRAINT voucher_requests_client_fkey FOREIGN KEY (client_id) REFERENCES clients (id),
    ADD CONSTRAINT voucher_requests_provider_fkey FOREIGN KEY (provider_id) REFERENCES providers (id);
ALTER TABLE idempotency_keys ALTER COLUMN response SET COMPRESSION pglz;
ALTER TABLE voucher_requests ALTER COLUMN hits SET COMPRESSION pglz, ALTER COLUMN trace SET COMPRESSION pglz,
    ALTER COLUMN facts SET COMPRESSION pglz;
ALTER TABLE voucher_requests ALTER COLUMN hits DROP DEFAULT, ALTER COLUMN hits TYPE jsonb USING hits::jsonb,
    ALTER COLUMN hits SET DEFAULT '[]', ALTER COLUMN trace TYPE jsonb USING trace::jsonb,
    ALTER COLUMN facts TYPE jsonb USING facts::jsonb;

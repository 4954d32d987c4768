-- +goose Up
-- A batch freezes everything its files are made from, so that no later
-- change of reference data or of a client's record changes a download:
-- the providers as its files name them, the procedure codes and modifiers
-- of its services and, for an 837P, every CLM loop as sent (subscriber,
-- rendering provider, frequency and the CLM01 the payer received for what a
-- void or replacement voids or replaces) and every service line as billed.
-- The columns of claims and claim lines that batches read cannot change.

ALTER TABLE batch_providers
    ADD COLUMN code          text,
    ADD COLUMN name          text,
    ADD COLUMN npi           text,
    ADD COLUMN tax_id        text,
    ADD COLUMN address_line1 text,
    ADD COLUMN address_line2 text,
    ADD COLUMN city          text,
    ADD COLUMN state         text,
    ADD COLUMN zip           text;

-- Procedure code and modifiers of each service an 837P bills, as billed.
CREATE TABLE batch_services (
    batch_id       bigint NOT NULL CONSTRAINT batch_services_batch_fkey REFERENCES batches (id),
    service_code   text   NOT NULL CONSTRAINT batch_services_service_fkey REFERENCES services (code),
    procedure_code text,
    modifiers      text[] NOT NULL,
    CONSTRAINT batch_services_pkey PRIMARY KEY (batch_id, service_code)
);

-- One row per CLM loop of a batch's 837P. part numbers a claim's loops in
-- file order; clm01 is CLM01 as sent (the claim number, with "-part" when
-- the claim went out in several loops); original_ref is REF*F8, the CLM01
-- of the loop a void (8) or replacement (7) voids or replaces; prior_auth
-- is a claim-level REF*G1 for every line (only batches closed before line
-- authorizations were frozen; later ones name them per line).
CREATE TABLE batch_x12_claims (
    batch_id         bigint  NOT NULL CONSTRAINT batch_x12_claims_batch_fkey REFERENCES batches (id),
    claim_id         bigint  NOT NULL CONSTRAINT batch_x12_claims_claim_fkey REFERENCES claims (id),
    part             integer NOT NULL CONSTRAINT batch_x12_claims_part_positive CHECK (part > 0),
    provider_id      bigint  NOT NULL,
    clm01            text    NOT NULL,
    frequency        text    NOT NULL CONSTRAINT batch_x12_claims_frequency_valid CHECK (frequency IN ('1', '7', '8')),
    original_ref     text,
    prior_auth       text,
    place_of_service text    NOT NULL,
    diagnoses        text[]  NOT NULL,
    subscriber_last  text    NOT NULL,
    subscriber_first text    NOT NULL,
    medicaid_id      text,
    date_of_birth    date    NOT NULL,
    gender           text    NOT NULL,
    address_line1    text,
    city             text,
    state            text,
    zip              text,
    rendering_npi    text,
    rendering_last   text,
    rendering_first  text,
    CONSTRAINT batch_x12_claims_pkey PRIMARY KEY (batch_id, claim_id, part),
    CONSTRAINT batch_x12_claims_provider_fkey FOREIGN KEY (batch_id, provider_id) REFERENCES batch_providers (batch_id, provider_id),
    CONSTRAINT batch_x12_claims_original CHECK ((frequency = '1') = (original_ref IS NULL))
);
CREATE UNIQUE INDEX batch_x12_claims_file_order ON batch_x12_claims (batch_id, provider_id, claim_id, part);

-- One row per service line (LX) of a batch's 837P: which batch line it is,
-- its position in its loop, and SV104/SV102 and REF*G1 as billed.
CREATE TABLE batch_x12_lines (
    batch_id   bigint  NOT NULL,
    claim_id   bigint  NOT NULL,
    part       integer NOT NULL,
    seq        integer NOT NULL CONSTRAINT batch_x12_lines_seq_range CHECK (seq BETWEEN 1 AND 50),
    line_id    bigint  NOT NULL CONSTRAINT batch_x12_lines_line_unique UNIQUE,
    units      bigint  NOT NULL CONSTRAINT batch_x12_lines_units_positive CHECK (units > 0),
    charge     numeric(12,2) NOT NULL CONSTRAINT batch_x12_lines_charge_positive CHECK (charge > 0),
    prior_auth text,
    CONSTRAINT batch_x12_lines_pkey PRIMARY KEY (batch_id, claim_id, part, seq),
    CONSTRAINT batch_x12_lines_loop_fkey FOREIGN KEY (batch_id, claim_id, part) REFERENCES batch_x12_claims (batch_id, claim_id, part),
    CONSTRAINT batch_x12_lines_batch_line_fkey FOREIGN KEY (batch_id, line_id) REFERENCES batch_lines (batch_id, line_id)
);

-- Batches closed before this migration are frozen from the data as it
-- stands, in the shape their 837P had: the provider's units and charge on
-- SV1, the first line's authorization at claim level, voids and
-- replacements naming the original's claim number, claims split at 50
-- lines in line order.
ALTER TABLE batch_providers DISABLE TRIGGER batch_providers_immutable;
UPDATE batch_providers bp SET code = p.code, name = p.name, npi = p.npi, tax_id = p.tax_id, address_line1 = p.address_line1,
    address_line2 = p.address_line2, city = p.city, state = p.state, zip = p.zip
FROM providers p WHERE p.id = bp.provider_id;
ALTER TABLE batch_providers ENABLE TRIGGER batch_providers_immutable;
ALTER TABLE batch_providers
    ALTER COLUMN code SET NOT NULL, ALTER COLUMN name SET NOT NULL, ALTER COLUMN npi SET NOT NULL,
    ALTER COLUMN tax_id SET NOT NULL, ALTER COLUMN address_line1 SET NOT NULL, ALTER COLUMN city SET NOT NULL,
    ALTER COLUMN state SET NOT NULL, ALTER COLUMN zip SET NOT NULL;

INSERT INTO batch_services (batch_id, service_code, procedure_code, modifiers)
SELECT DISTINCT bl.batch_id, l.service_code, s.procedure_code, s.modifiers
FROM batch_lines bl
JOIN batches b ON b.id = bl.batch_id AND b.payer_route = 'medicaid_837p'
JOIN claim_lines l ON l.id = bl.line_id
JOIN services s ON s.code = l.service_code;

CREATE TEMP TABLE legacy_x12_lines ON COMMIT DROP AS
SELECT x.*, (x.r - 1) / 50 + 1 AS part, (x.r - 1) % 50 + 1 AS seq
FROM (
    SELECT bl.batch_id, l.claim_id, l.id AS line_id, l.line_number, l.units, l.charge, l.authorization_number,
           row_number() OVER (PARTITION BY bl.batch_id, l.claim_id ORDER BY l.line_number) AS r,
           count(*) OVER (PARTITION BY bl.batch_id, l.claim_id) AS n
    FROM batch_lines bl
    JOIN batches b ON b.id = bl.batch_id AND b.payer_route = 'medicaid_837p'
    JOIN claim_lines l ON l.id = bl.line_id
    JOIN claims c ON c.id = l.claim_id
    WHERE NOT (c.frequency = '7' AND l.status = 'reversal')) x;

INSERT INTO batch_x12_claims (batch_id, claim_id, part, provider_id, clm01, frequency, original_ref, prior_auth, place_of_service,
    diagnoses, subscriber_last, subscriber_first, medicaid_id, date_of_birth, gender, address_line1, city, state, zip,
    rendering_npi, rendering_last, rendering_first)
SELECT p.batch_id, p.claim_id, p.part, c.provider_id,
       CASE WHEN p.n > 50 THEN c.claim_number || '-' || p.part ELSE c.claim_number END,
       f.frequency, CASE WHEN f.frequency <> '1' THEN o.claim_number END,
       (SELECT a.authorization_number FROM legacy_x12_lines a
        WHERE a.batch_id = p.batch_id AND a.claim_id = p.claim_id AND a.authorization_number IS NOT NULL ORDER BY a.line_number LIMIT 1),
       c.place_of_service, c.diagnoses, cl.last_name, cl.first_name, cl.medicaid_id, cl.date_of_birth, cl.gender,
       cl.address_line1, cl.city, cl.state, cl.zip, st.npi, st.last_name, st.first_name
FROM (SELECT DISTINCT batch_id, claim_id, part, n FROM legacy_x12_lines) p
JOIN claims c ON c.id = p.claim_id
LEFT JOIN claims o ON o.id = c.original_claim_id
JOIN clients cl ON cl.id = c.client_id
LEFT JOIN staff st ON st.id = c.rendering_staff_id
CROSS JOIN LATERAL (SELECT CASE
    WHEN c.frequency = '8' THEN '8'
    WHEN c.frequency = '7' AND EXISTS (SELECT 1 FROM claim_lines r WHERE r.claim_id = c.id AND r.status = 'reversal') THEN '7'
    ELSE '1' END AS frequency) f;

INSERT INTO batch_x12_lines (batch_id, claim_id, part, seq, line_id, units, charge, prior_auth)
SELECT batch_id, claim_id, part, seq, line_id, units, charge, NULL FROM legacy_x12_lines;

DROP TABLE legacy_x12_lines;

CREATE TRIGGER batch_services_immutable BEFORE UPDATE OR DELETE ON batch_services
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER batch_x12_claims_immutable BEFORE UPDATE OR DELETE ON batch_x12_claims
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();
CREATE TRIGGER batch_x12_lines_immutable BEFORE UPDATE OR DELETE ON batch_x12_lines
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_change();

-- What batches read of a claim and its lines is fixed once written; only
-- the ledger flags (counted, billable) and the claim's status move.
-- +goose StatementBegin
CREATE FUNCTION claims_refuse_frozen_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: the columns batches are made from cannot change', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER claims_frozen BEFORE UPDATE ON claims FOR EACH ROW
    WHEN ((OLD.provider_id, OLD.client_id, OLD.program_code, OLD.claim_number, OLD.frequency, OLD.original_claim_id)
          IS DISTINCT FROM (NEW.provider_id, NEW.client_id, NEW.program_code, NEW.claim_number, NEW.frequency, NEW.original_claim_id))
    EXECUTE FUNCTION claims_refuse_frozen_change();
CREATE TRIGGER claim_lines_frozen BEFORE UPDATE ON claim_lines FOR EACH ROW
    WHEN ((OLD.claim_id, OLD.line_number, OLD.client_id, OLD.provider_id, OLD.service_code, OLD.date_of_service, OLD.units,
           OLD.charge, OLD.authorization_number, OLD.status, OLD.units_allowed, OLD.allowed, OLD.paid, OLD.adjustments,
           OLD.reverses_line_id)
          IS DISTINCT FROM (NEW.claim_id, NEW.line_number, NEW.client_id, NEW.provider_id, NEW.service_code, NEW.date_of_service,
           NEW.units, NEW.charge, NEW.authorization_number, NEW.status, NEW.units_allowed, NEW.allowed, NEW.paid,
           NEW.adjustments, NEW.reverses_line_id))
    EXECUTE FUNCTION claims_refuse_frozen_change();

-- +goose Down
DROP TRIGGER claim_lines_frozen ON claim_lines;
DROP TRIGGER claims_frozen ON claims;
DROP FUNCTION claims_refuse_frozen_change();
DROP TABLE batch_x12_lines, batch_x12_claims, batch_services;
ALTER TABLE batch_providers DROP COLUMN code, DROP COLUMN name, DROP COLUMN npi, DROP COLUMN tax_id, DROP COLUMN address_line1,
    DROP COLUMN address_line2, DROP COLUMN city, DROP COLUMN state, DROP COLUMN zip;

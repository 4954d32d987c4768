-- +goose Up
-- What a consent to another agency discloses, as record kinds the reads
-- check (42 CFR 2.31(a)(3): how much and what kind of information). The
-- form's own words stay in information; records is what rss enforces: a
-- consent naming "GPRA interview dates only" opened the disclosing
-- agency's enrollments, care plans and consents to the recipient as one
-- naming "all" did (a black-box pass, high). Only a consent to another
-- agency has records: the MSC's and the payer's are read by the MSC's own
-- roles and by an 837P, which the kinds do not describe. A consent on file
-- before keeps what it opened, every kind.
ALTER TABLE consents ADD COLUMN records text[];
UPDATE consents SET records = ARRAY['authorizations', 'care_plans', 'consents', 'enrollments', 'gpra_interviews']
WHERE recipient_type = 'provider';
ALTER TABLE consents
    ADD CONSTRAINT consents_records_valid CHECK (
        cardinality(records) > 0
        AND records <@ ARRAY['authorizations', 'care_plans', 'consents', 'enrollments', 'gpra_interviews']::text[]),
    ADD CONSTRAINT consents_records_for_agencies CHECK ((recipient_type = 'provider') = (records IS NOT NULL));

-- One live row per form: the records are part of the form (vouchers stores
-- them sorted and without repeats, as it does purposes).
DROP INDEX consents_one_live_copy;
CREATE UNIQUE INDEX consents_one_live_copy ON consents (client_id, disclosing_provider_id, recipient_type,
    recipient_provider_id, signed_on, expires_on, purposes, records, md5(recipient_name), md5(information), md5(expiry_event))
    NULLS NOT DISTINCT WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX consents_one_live_copy;
-- Two live forms that differ only in their records would break the older
-- index: the later is revoked, as migration 00033 did with copies.
UPDATE consents d SET revoked_at = now(),
    revocation_reason = 'a copy of consent ' || f.id || ' but for its records (migration 00059 undone)'
FROM consents f
WHERE d.revoked_at IS NULL AND f.revoked_at IS NULL AND f.id < d.id
  AND f.client_id = d.client_id AND f.disclosing_provider_id = d.disclosing_provider_id
  AND f.recipient_type = d.recipient_type AND f.recipient_provider_id IS NOT DISTINCT FROM d.recipient_provider_id
  AND f.recipient_name = d.recipient_name AND f.information = d.information
  AND f.expires_on IS NOT DISTINCT FROM d.expires_on AND f.expiry_event IS NOT DISTINCT FROM d.expiry_event
  AND f.signed_on = d.signed_on AND f.purposes = d.purposes;
CREATE UNIQUE INDEX consents_one_live_copy ON consents (client_id, disclosing_provider_id, recipient_type,
    recipient_provider_id, signed_on, expires_on, purposes, md5(recipient_name), md5(information), md5(expiry_event))
    NULLS NOT DISTINCT WHERE revoked_at IS NULL;
ALTER TABLE consents DROP COLUMN records;

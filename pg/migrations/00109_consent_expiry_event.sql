-- A consent may end on an event rather than a date (42 CFR 2.31(a)(6)),
-- but one given an event alone never ended: rss does not read the event,
-- so it stayed in force after the event, and past the ten years a date may
-- run (a black-box pass). Its agency, or the MSC, now records the day the
-- event happened (expired_on, with why: expiry_reason), and an event-only
-- consent lapses ten years after its signing at the latest, as a dated one
-- is bounded (vouchers.NewConsent.validate; a date recorded before that
-- bound keeps the expiry it was given).
--
-- in_force_through is the one reading of the last day a consent discloses:
-- its date, the day before its recorded event, or the ten-year bound of an
-- event-only one. Every read of a consent in force (vouchers.ConsentInForce,
-- a consent's status, the voucher rules' facts) reads it, with revoked_at.

--
-- One live row per signed form compared the form's text as typed: "BCS" and
-- "Bridgeport Community Supports L.L.C." for one agency, or "x" and "x ",
-- made live copies of one form, and a revocation of one left the others
-- disclosing (a black-box pass). form_key is the form as compared
-- (vouchers.consentFormKey: the recipient as the recipient check reads it,
-- a provider by its id alone, a name as the registry reads names; the free
-- text with case and white space folded), written by the service, which
-- also compares rows without one (those recorded before, or by the demo
-- and bench loaders: NULL, each its own key in the index).

-- +goose Up
ALTER TABLE consents
    ADD COLUMN expired_on date,
    ADD COLUMN expiry_reason text,
    ADD CONSTRAINT consents_expired_reason CHECK ((expired_on IS NULL) = (expiry_reason IS NULL)),
    ADD CONSTRAINT consents_expired_on_event CHECK (expired_on IS NULL OR expiry_event IS NOT NULL),
    ADD CONSTRAINT consents_expired_after_signing CHECK (expired_on IS NULL OR expired_on >= signed_on),
    ADD COLUMN in_force_through date NOT NULL GENERATED ALWAYS AS (
        LEAST(COALESCE(expires_on, (signed_on + interval '10 years')::date), expired_on - 1)) STORED;

ALTER TABLE consents ADD COLUMN form_key text;
DROP INDEX consents_one_live_copy;
CREATE UNIQUE INDEX consents_one_live_copy ON consents (client_id, disclosing_provider_id, recipient_type,
    recipient_provider_id, signed_on, expires_on, purposes, records, md5(COALESCE(form_key, id::text)))
    NULLS NOT DISTINCT WHERE revoked_at IS NULL;

-- +goose Down
-- Two live rows of one form as compared are one form as typed too (equal
-- text gives an equal key), so the older index holds.
DROP INDEX consents_one_live_copy;
CREATE UNIQUE INDEX consents_one_live_copy ON consents (client_id, disclosing_provider_id, recipient_type,
    recipient_provider_id, signed_on, expires_on, purposes, records, md5(recipient_name), md5(information), md5(expiry_event))
    NULLS NOT DISTINCT WHERE revoked_at IS NULL;
ALTER TABLE consents DROP COLUMN form_key, DROP COLUMN in_force_through, DROP COLUMN expiry_reason, DROP COLUMN expired_on;

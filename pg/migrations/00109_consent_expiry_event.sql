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

-- +goose Up
ALTER TABLE consents
    ADD COLUMN expired_on date,
    ADD COLUMN expiry_reason text,
    ADD CONSTRAINT consents_expired_reason CHECK ((expired_on IS NULL) = (expiry_reason IS NULL)),
    ADD CONSTRAINT consents_expired_on_event CHECK (expired_on IS NULL OR expiry_event IS NOT NULL),
    ADD CONSTRAINT consents_expired_after_signing CHECK (expired_on IS NULL OR expired_on >= signed_on),
    ADD COLUMN in_force_through date NOT NULL GENERATED ALWAYS AS (
        LEAST(COALESCE(expires_on, (signed_on + interval '10 years')::date), expired_on - 1)) STORED;

-- +goose Down
ALTER TABLE consents DROP COLUMN in_force_through, DROP COLUMN expiry_reason, DROP COLUMN expired_on;

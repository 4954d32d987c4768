-- +goose Up
-- A consent to a payer names which payer: a consent the client signed for
-- another payer (a commercial plan) released their claims into the
-- Medicaid 837P, since the hold read only that some payer consent for
-- payment stood (a Part 2 black-box pass; SPEC §10: "only clients with a
-- current consent naming the payer go into it"). The payer is named as
-- the programs name where their claims go (programs.payer_route); only
-- the 837P route sends to a payer. Payer consents recorded before were
-- recorded when Medicaid was the only payer rss sent anything to, and
-- read as naming it.
ALTER TABLE consents ADD COLUMN payer_route text
    CONSTRAINT consents_payer_route_valid CHECK (payer_route IN ('medicaid_837p'));
UPDATE consents SET payer_route = 'medicaid_837p' WHERE recipient_type = 'payer';
ALTER TABLE consents ADD CONSTRAINT consents_payer_named CHECK ((recipient_type = 'payer') = (payer_route IS NOT NULL));

-- +goose Down
ALTER TABLE consents DROP COLUMN payer_route;

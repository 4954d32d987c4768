-- +goose Up
-- A consent recorded twice (a double click, a retry under a new
-- Idempotency-Key, two staff at once) made two live rows for one signed
-- form, each shown, counted and revoked apart. One live row per form now:
-- the same client record, disclosing agency, recipient, purposes,
-- information, expiry and signature date. A revoked one does not count, so
-- the same form signed again after a revocation is recorded anew.
-- Purposes are stored sorted and without repeats (vouchers sorts them), so
-- the order a caller lists them in does not make a second form. Long text
-- enters the index as its md5: a btree entry is limited in size.

-- Copies recorded before: the first stays, each later one is revoked
-- (kept, with the reason) so the index can hold.
UPDATE consents d SET revoked_at = now(),
    revocation_reason = 'a copy of consent ' || f.id || ' recorded twice (migration 00033)'
FROM consents f
WHERE d.revoked_at IS NULL AND f.revoked_at IS NULL AND f.id < d.id
  AND f.client_id = d.client_id AND f.disclosing_provider_id = d.disclosing_provider_id
  AND f.recipient_type = d.recipient_type AND f.recipient_provider_id IS NOT DISTINCT FROM d.recipient_provider_id
  AND f.recipient_name = d.recipient_name AND f.information = d.information
  AND f.expires_on IS NOT DISTINCT FROM d.expires_on AND f.expiry_event IS NOT DISTINCT FROM d.expiry_event
  AND f.signed_on = d.signed_on
  AND (SELECT array_agg(DISTINCT p ORDER BY p) FROM unnest(f.purposes) p) = (SELECT array_agg(DISTINCT p ORDER BY p) FROM unnest(d.purposes) p)
  AND NOT EXISTS (SELECT 1 FROM consents g WHERE g.revoked_at IS NULL AND g.id < f.id
      AND g.client_id = f.client_id AND g.disclosing_provider_id = f.disclosing_provider_id
      AND g.recipient_type = f.recipient_type AND g.recipient_provider_id IS NOT DISTINCT FROM f.recipient_provider_id
      AND g.recipient_name = f.recipient_name AND g.information = f.information
      AND g.expires_on IS NOT DISTINCT FROM f.expires_on AND g.expiry_event IS NOT DISTINCT FROM f.expiry_event
      AND g.signed_on = f.signed_on
      AND (SELECT array_agg(DISTINCT p ORDER BY p) FROM unnest(g.purposes) p) = (SELECT array_agg(DISTINCT p ORDER BY p) FROM unnest(f.purposes) p));

UPDATE consents SET purposes = (SELECT array_agg(DISTINCT p ORDER BY p) FROM unnest(purposes) p);

CREATE UNIQUE INDEX consents_one_live_copy ON consents (client_id, disclosing_provider_id, recipient_type,
    recipient_provider_id, signed_on, expires_on, purposes, md5(recipient_name), md5(information), md5(expiry_event))
    NULLS NOT DISTINCT WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX consents_one_live_copy;

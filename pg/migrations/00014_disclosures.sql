-- +goose Up
-- An accounting of disclosures (42 CFR 2.24, HIPAA 164.528): every time a
-- client's record leaves the agency that made it (another agency reading it
-- under the client's consent, an 837P sending it to the payer) the audit
-- log says to whom, so an admin can answer "to whom was this disclosed".
ALTER TABLE audit_events ADD COLUMN recipient text
    CONSTRAINT audit_events_recipient_format CHECK (recipient ~ '^(provider|payer|msc):.+$');
ALTER TABLE audit_events ADD CONSTRAINT audit_events_disclosure_has_recipient
    CHECK ((action = 'disclose') = (recipient IS NOT NULL));
CREATE INDEX audit_events_disclosure_idx ON audit_events (client_id, id) WHERE action = 'disclose';

-- +goose Down
DROP INDEX audit_events_disclosure_idx;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_disclosure_has_recipient, DROP COLUMN recipient;

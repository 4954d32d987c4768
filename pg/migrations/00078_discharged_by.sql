-- +goose Up
-- Who wrote a discharge's note: an agency writes its own, the MSC's admin
-- writes one the agency reads word for word. The MSC's is held to the
-- consents in force when the agency reads it, as a reviewer's note is (a
-- consent revoked since withholds a note naming the agency it covered);
-- the agency's own words are its own. Discharges before this migration
-- take the role their audit event recorded; one with none (loaded
-- directly) stays NULL, read as the MSC's: withholding is the safe side.
ALTER TABLE enrollments ADD COLUMN discharged_by_role text
    CONSTRAINT enrollments_discharged_by_role_valid CHECK (discharged_by_role IN ('provider', 'reviewer', 'finance', 'admin')),
    ADD CONSTRAINT enrollments_discharged_by_only_discharged CHECK (discharged_by_role IS NULL OR discharge_date IS NOT NULL);
COMMENT ON COLUMN enrollments.discharged_by_role IS
    'The role of the key that discharged the enrollment; NULL when not discharged or loaded without an audit event.';
UPDATE enrollments e SET discharged_by_role = d.actor_role
FROM (SELECT DISTINCT ON (entity_id) entity_id, actor_role FROM audit_events
      WHERE action = 'discharge' AND entity_type = 'enrollment' ORDER BY entity_id, id DESC) d
WHERE e.discharge_date IS NOT NULL AND d.entity_id = e.id::text
  AND d.actor_role IN ('provider', 'reviewer', 'finance', 'admin');

-- +goose Down
ALTER TABLE enrollments DROP COLUMN discharged_by_role;

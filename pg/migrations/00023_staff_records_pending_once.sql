-- +goose Up
-- A record the department has not looked at yet waits once: the same
-- credential, background check or experience sent again while the first
-- is pending (a retry with a fresh key, a double click) is refused rather
-- than queued twice for verification. Once it is verified or rejected the
-- same record may be submitted again (a renewal, a corrected copy).
CREATE UNIQUE INDEX staff_credentials_pending_once ON staff_credentials
    (staff_id, type, issuer, COALESCE(number, ''), valid_from, COALESCE(valid_to, 'infinity'::date))
    WHERE verification_status = 'pending';
CREATE UNIQUE INDEX background_checks_pending_once ON background_checks
    (staff_id, checked_on, result, agency)
    WHERE verification_status = 'pending';
CREATE UNIQUE INDEX staff_experience_pending_once ON staff_experience
    (staff_id, kind, COALESCE(service_code, ''), started_on, COALESCE(ended_on, 'infinity'::date))
    WHERE verification_status = 'pending';

-- +goose Down
DROP INDEX staff_experience_pending_once;
DROP INDEX background_checks_pending_once;
DROP INDEX staff_credentials_pending_once;

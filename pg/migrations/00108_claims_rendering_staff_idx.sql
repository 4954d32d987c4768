-- A staff change that can take a qualification away (a role, a supervisor,
-- a date of birth, employment dates; a failed background check; a
-- credential withdrawn) reads the paid lines the member rendered, and a
-- change of employment dates runs staff_no_claims_outside_employment,
-- both under the agency's intake lock: with no index from a staff member
-- to their claims, each read every claim the agency ever sent and threw
-- the other staff's away (34,143 of 36,964 on a 3,000,000-line history;
-- the PATCH 200 ms against 6 ms for a name, the agency's claims held all
-- along: a white-box review). Staff ids belong to one agency, so the
-- member's id alone leads to their claims.

-- +goose Up
CREATE INDEX claims_rendering_staff_idx ON claims (rendering_staff_id) WHERE rendering_staff_id IS NOT NULL;

-- +goose Down
DROP INDEX claims_rendering_staff_idx;

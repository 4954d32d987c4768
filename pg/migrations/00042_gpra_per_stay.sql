-- +goose Up
-- A GPRA interview is of one agency's stay: one of its enrollments in the
-- person's episode, not the agency's whole part of the episode. Keyed by
-- the episode, an agency that discharged a client and enrolled them again
-- while another agency kept the person's episode open found its new
-- enrollment joined to the old part (one schedule part, the old intake
-- counted, the discharge interview of the stay it ended refused as
-- not_discharged, a new intake 409), where for a person no one else serves
-- the episode closed and a new one opened (two parts, both interviews
-- taken): the answers told the agency that another agency serves the
-- person, with no consent (42 CFR Part 2; a black-box pass), and the
-- agency lost the discharge interview SPEC §7 requires. Keyed by the stay,
-- both read alike.
ALTER TABLE enrollments ADD CONSTRAINT enrollments_stay_key UNIQUE (id, client_id, provider_id, episode_id);
ALTER TABLE gpra_interviews ADD COLUMN enrollment_id bigint;
-- Each interview to the stay it was of: an intake to the agency's
-- enrollment in the episode started last on or before its day (else the
-- first), a discharge interview to the one discharged last on or before
-- its day (else as an intake), a follow-up to its intake's stay.
UPDATE gpra_interviews g SET enrollment_id = (
    SELECT e.id FROM enrollments e
    WHERE e.episode_id = g.episode_id AND e.client_id = g.client_id AND e.provider_id = g.provider_id
    ORDER BY g.kind = 'discharge' AND e.discharge_date <= g.interview_date DESC NULLS LAST,
             e.start_date <= g.interview_date DESC,
             CASE WHEN e.start_date <= g.interview_date THEN e.start_date END DESC NULLS LAST,
             e.start_date, e.id
    LIMIT 1)
WHERE g.kind <> 'follow_up';
UPDATE gpra_interviews f SET enrollment_id = COALESCE(
    (SELECT i.enrollment_id FROM gpra_interviews i
     WHERE i.episode_id = f.episode_id AND i.provider_id = f.provider_id AND i.kind = 'intake'),
    (SELECT e.id FROM enrollments e
     WHERE e.episode_id = f.episode_id AND e.client_id = f.client_id AND e.provider_id = f.provider_id
     ORDER BY e.start_date <= f.interview_date DESC, e.start_date DESC, e.id LIMIT 1))
WHERE f.kind = 'follow_up';
ALTER TABLE gpra_interviews
    ALTER COLUMN enrollment_id SET NOT NULL,
    ADD CONSTRAINT gpra_interviews_stay_fkey FOREIGN KEY (enrollment_id, client_id, provider_id, episode_id)
        REFERENCES enrollments (id, client_id, provider_id, episode_id),
    DROP CONSTRAINT gpra_interviews_one_per_kind,
    ADD CONSTRAINT gpra_interviews_one_per_kind UNIQUE (enrollment_id, kind);
-- A voucher request reads the interviews of its stay (the unique key
-- above) and those of consenting agencies in its episode (this index).
CREATE INDEX gpra_interviews_episode_idx ON gpra_interviews (episode_id, provider_id);

-- +goose Down
-- One interview of a kind per agency and episode again: refused while an
-- agency that enrolled a client again in one episode holds two.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM gpra_interviews GROUP BY episode_id, provider_id, kind HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'an agency holds two GPRA interviews of one kind in one episode (two stays): they cannot be keyed by the episode again';
    END IF;
END;
$$;
-- +goose StatementEnd
DROP INDEX gpra_interviews_episode_idx;
ALTER TABLE gpra_interviews
    DROP CONSTRAINT gpra_interviews_one_per_kind,
    ADD CONSTRAINT gpra_interviews_one_per_kind UNIQUE (episode_id, provider_id, kind),
    DROP CONSTRAINT gpra_interviews_stay_fkey,
    DROP COLUMN enrollment_id;
ALTER TABLE enrollments DROP CONSTRAINT enrollments_stay_key;

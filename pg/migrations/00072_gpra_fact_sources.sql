-- +goose Up
-- A voucher decision's GPRA facts now name the agency of the intake and
-- follow-up they count (intake_provider_id, followup_provider_id), and
-- V30's reason, a follow-up window drawn from another agency's intake,
-- names that agency as its source_provider_id, in the hits and the trace,
-- as an overlapping authorization's does: so a provider reads it only
-- under that agency's consent in force (CONFLICT_ON_FILE after it ends),
-- each showing recorded, and the console's copy of the facts keeps GPRA
-- facts only when they are the provider's own. Decisions stored before are
-- given the same here: the intake counted is the stay's own when it holds
-- one of the stored date (the rules took the stay's own first on a tie),
-- else the first of another agency's intakes of that date in the episode;
-- the follow-up the stay's own when one was recorded before the decision,
-- else another agency's in the episode. One not found stays unnamed, and
-- the console leaves such GPRA facts out of a provider's copy.
-- The columns are json (00017); they are edited as jsonb and stored back,
-- which reorders keys in the rows changed only (readers decode them).
CREATE TEMPORARY TABLE gpra_fact_sources ON COMMIT DROP AS
SELECT v.id, v.provider_id,
    CASE WHEN (v.facts::jsonb -> 'gpra' ->> 'intake_completed')::boolean THEN COALESCE(
        (SELECT g.provider_id FROM gpra_interviews g
         WHERE g.enrollment_id = v.enrollment_id AND g.kind = 'intake' AND g.status = 'completed'
           AND g.interview_date = left(v.facts::jsonb -> 'gpra' ->> 'intake_date', 10)::date),
        (SELECT g.provider_id FROM gpra_interviews g
         WHERE g.episode_id = e.episode_id AND g.provider_id <> v.provider_id AND g.kind = 'intake' AND g.status = 'completed'
           AND g.interview_date = left(v.facts::jsonb -> 'gpra' ->> 'intake_date', 10)::date
         ORDER BY g.id LIMIT 1)) END AS intake_by,
    CASE WHEN (v.facts::jsonb -> 'gpra' ->> 'followup_recorded')::boolean THEN COALESCE(
        (SELECT g.provider_id FROM gpra_interviews g
         WHERE g.enrollment_id = v.enrollment_id AND g.kind = 'follow_up' AND g.created_at <= v.submitted_at),
        (SELECT g.provider_id FROM gpra_interviews g
         WHERE g.episode_id = e.episode_id AND g.provider_id <> v.provider_id AND g.kind = 'follow_up'
         ORDER BY g.interview_date, g.id LIMIT 1)) END AS followup_by
FROM voucher_requests v JOIN enrollments e ON e.id = v.enrollment_id
WHERE jsonb_typeof(v.facts::jsonb -> 'gpra') = 'object'
  AND NOT (v.facts::jsonb -> 'gpra' ? 'intake_provider_id') AND NOT (v.facts::jsonb -> 'gpra' ? 'followup_provider_id')
  AND ((v.facts::jsonb -> 'gpra' ->> 'intake_completed')::boolean OR (v.facts::jsonb -> 'gpra' ->> 'followup_recorded')::boolean);

UPDATE voucher_requests v SET
    facts = jsonb_set(v.facts::jsonb, '{gpra}', v.facts::jsonb -> 'gpra'
        || CASE WHEN s.intake_by IS NULL THEN '{}' ELSE jsonb_build_object('intake_provider_id', s.intake_by) END
        || CASE WHEN s.followup_by IS NULL THEN '{}' ELSE jsonb_build_object('followup_provider_id', s.followup_by) END)::json,
    hits = CASE WHEN s.intake_by IS NOT NULL AND s.intake_by <> s.provider_id THEN
        (SELECT COALESCE(jsonb_agg(CASE WHEN h ->> 'code' = 'GPRA_FOLLOWUP_OVERDUE'
                               THEN h || jsonb_build_object('source_provider_id', s.intake_by) ELSE h END ORDER BY n), '[]')
         FROM jsonb_array_elements(v.hits::jsonb) WITH ORDINALITY AS x(h, n))::json ELSE v.hits END,
    trace = CASE WHEN s.intake_by IS NOT NULL AND s.intake_by <> s.provider_id AND json_typeof(v.trace) = 'array' THEN
        (SELECT COALESCE(jsonb_agg(CASE WHEN t ->> 'rule' = 'V30' AND t ->> 'result' = 'fired'
                               THEN t || jsonb_build_object('source_provider_id', s.intake_by) ELSE t END ORDER BY n), '[]')
         FROM jsonb_array_elements(v.trace::jsonb) WITH ORDINALITY AS x(t, n))::json ELSE v.trace END
FROM gpra_fact_sources s
WHERE s.id = v.id AND (s.intake_by IS NOT NULL OR s.followup_by IS NOT NULL);

-- +goose Down
-- The sources stay: facts, hits and trace read as before with them (the
-- rules and the redaction of earlier code ignore the extra keys).
SELECT 1;

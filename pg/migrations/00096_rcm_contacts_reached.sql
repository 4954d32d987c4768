-- +goose Up
-- A month's total_contacts counts the contacts that reached the client:
-- every kind but `attempted` (an outreach attempt that did not reach
-- them). Counted in, a month of three failed attempts read three contacts
-- in the RCM monthly report to DCF, a parent nobody reached looking
-- engaged (a reports black-box pass). The attempts keep their own column.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rcm_monthly_progress_summarize(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE rcm_monthly_progress p
    SET face_to_face = c.face_to_face, home_visit = c.home_visit, telephone = c.telephone, video = c.video,
        collateral = c.collateral, attempted = c.attempted, total_contacts = c.total,
        goals = g.goals, goals_achieved = g.achieved
    FROM unnest(ids) AS x(id)
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(k.count) FILTER (WHERE k.kind = 'face_to_face'), 0) AS face_to_face,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'home_visit'), 0) AS home_visit,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'telephone'), 0) AS telephone,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'video'), 0) AS video,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'collateral'), 0) AS collateral,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'attempted'), 0) AS attempted,
               coalesce(sum(k.count) FILTER (WHERE k.kind <> 'attempted'), 0) AS total
        FROM rcm_monthly_contacts k WHERE k.progress_id = x.id) c
    CROSS JOIN LATERAL (
        SELECT coalesce(json_agg(json_build_object('goal', o.goal, 'status', o.status) ORDER BY o.position), '[]') AS goals,
               count(*) FILTER (WHERE o.status = 'achieved') AS achieved
        FROM rcm_monthly_goals o WHERE o.progress_id = x.id) g
    WHERE p.id = x.id
$$;
-- +goose StatementEnd
UPDATE rcm_monthly_progress SET total_contacts = total_contacts - attempted WHERE attempted > 0;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rcm_monthly_progress_summarize(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE rcm_monthly_progress p
    SET face_to_face = c.face_to_face, home_visit = c.home_visit, telephone = c.telephone, video = c.video,
        collateral = c.collateral, attempted = c.attempted, total_contacts = c.total,
        goals = g.goals, goals_achieved = g.achieved
    FROM unnest(ids) AS x(id)
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(k.count) FILTER (WHERE k.kind = 'face_to_face'), 0) AS face_to_face,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'home_visit'), 0) AS home_visit,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'telephone'), 0) AS telephone,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'video'), 0) AS video,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'collateral'), 0) AS collateral,
               coalesce(sum(k.count) FILTER (WHERE k.kind = 'attempted'), 0) AS attempted,
               coalesce(sum(k.count), 0) AS total
        FROM rcm_monthly_contacts k WHERE k.progress_id = x.id) c
    CROSS JOIN LATERAL (
        SELECT coalesce(json_agg(json_build_object('goal', o.goal, 'status', o.status) ORDER BY o.position), '[]') AS goals,
               count(*) FILTER (WHERE o.status = 'achieved') AS achieved
        FROM rcm_monthly_goals o WHERE o.progress_id = x.id) g
    WHERE p.id = x.id
$$;
-- +goose StatementEnd
UPDATE rcm_monthly_progress SET total_contacts = total_contacts + attempted WHERE attempted > 0;

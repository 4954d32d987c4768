-- +goose Up
-- The RCM monthly report for DCF (issue 10, package reports) shows, per
-- enrollment and month, the month's contacts by kind and its goals. Read
-- from rcm_monthly_contacts and rcm_monthly_goals, a year of the state's
-- data (135,000 progress records, 360,000 contact rows, 270,000 goals)
-- was two aggregations per report: about 1.2 s of the backend's CPU, half
-- of the report. Each progress record now carries its month's summary,
-- kept by the two tables' triggers in the recording's own statement, so
-- it equals a recount from them (the reports' tests check that); the
-- report reads one row per record. The contacts and goals stay the record
-- (what the API answers per month); the summary is derived from them.
ALTER TABLE rcm_monthly_progress
    ADD COLUMN face_to_face   integer NOT NULL DEFAULT 0,
    ADD COLUMN home_visit     integer NOT NULL DEFAULT 0,
    ADD COLUMN telephone      integer NOT NULL DEFAULT 0,
    ADD COLUMN video          integer NOT NULL DEFAULT 0,
    ADD COLUMN collateral     integer NOT NULL DEFAULT 0,
    ADD COLUMN attempted      integer NOT NULL DEFAULT 0,
    ADD COLUMN total_contacts integer NOT NULL DEFAULT 0,
    ADD COLUMN goals          json    NOT NULL DEFAULT '[]',
    ADD COLUMN goals_achieved integer NOT NULL DEFAULT 0;

-- +goose StatementBegin
-- A progress record's summary, recounted from its contacts and goals.
CREATE FUNCTION rcm_monthly_progress_summarize(ids bigint[]) RETURNS void
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

-- +goose StatementBegin
CREATE FUNCTION rcm_monthly_details_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rcm_monthly_progress_summarize(ARRAY(SELECT DISTINCT progress_id FROM new_rows ORDER BY 1));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A month's contacts and goals are recorded once, with the month's record
-- (the API has no way to change them): a change would leave the summary
-- behind, so the tables refuse it.
CREATE FUNCTION rcm_monthly_details_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a month''s RCM contacts and goals are recorded once and not changed'
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER rcm_monthly_contacts_summary AFTER INSERT ON rcm_monthly_contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rcm_monthly_details_inserted();
CREATE TRIGGER rcm_monthly_goals_summary AFTER INSERT ON rcm_monthly_goals
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rcm_monthly_details_inserted();
CREATE TRIGGER rcm_monthly_contacts_no_change BEFORE UPDATE OR DELETE ON rcm_monthly_contacts
    FOR EACH ROW EXECUTE FUNCTION rcm_monthly_details_refuse_change();
CREATE TRIGGER rcm_monthly_contacts_no_truncate BEFORE TRUNCATE ON rcm_monthly_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION rcm_monthly_details_refuse_change();
CREATE TRIGGER rcm_monthly_goals_no_change BEFORE UPDATE OR DELETE ON rcm_monthly_goals
    FOR EACH ROW EXECUTE FUNCTION rcm_monthly_details_refuse_change();
CREATE TRIGGER rcm_monthly_goals_no_truncate BEFORE TRUNCATE ON rcm_monthly_goals
    FOR EACH STATEMENT EXECUTE FUNCTION rcm_monthly_details_refuse_change();

SELECT rcm_monthly_progress_summarize(ARRAY(SELECT id FROM rcm_monthly_progress ORDER BY id));

-- +goose Down
DROP TRIGGER rcm_monthly_goals_no_truncate ON rcm_monthly_goals;
DROP TRIGGER rcm_monthly_goals_no_change ON rcm_monthly_goals;
DROP TRIGGER rcm_monthly_contacts_no_truncate ON rcm_monthly_contacts;
DROP TRIGGER rcm_monthly_contacts_no_change ON rcm_monthly_contacts;
DROP TRIGGER rcm_monthly_goals_summary ON rcm_monthly_goals;
DROP TRIGGER rcm_monthly_contacts_summary ON rcm_monthly_contacts;
DROP FUNCTION rcm_monthly_details_refuse_change();
DROP FUNCTION rcm_monthly_details_inserted();
DROP FUNCTION rcm_monthly_progress_summarize(bigint[]);
ALTER TABLE rcm_monthly_progress DROP COLUMN goals_achieved, DROP COLUMN goals, DROP COLUMN total_contacts,
    DROP COLUMN attempted, DROP COLUMN collateral, DROP COLUMN video, DROP COLUMN telephone,
    DROP COLUMN home_visit, DROP COLUMN face_to_face;

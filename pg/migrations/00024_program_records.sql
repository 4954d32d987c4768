-- +goose Up
-- Program data recorded through the API (issue 10): the employment stage of
-- EMP clients, the RCM monthly progress DCF asks for, the RSVP drug screens.
-- Package outcomes owns every write to these tables.

-- The employment service array of seed 004, as a ladder: rank 1 is the
-- first rung, competitive employment the top. Career development and
-- supported education are supports offered beside the ladder (seed 004's
-- definitions), not rungs, so they are not stages.
CREATE TABLE employment_stages (
    code       text CONSTRAINT employment_stages_pkey PRIMARY KEY
                    CONSTRAINT employment_stages_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name       text    NOT NULL CONSTRAINT employment_stages_name_nonempty CHECK (btrim(name) <> ''),
    rank       integer NOT NULL CONSTRAINT employment_stages_rank_positive CHECK (rank > 0),
    active     boolean NOT NULL DEFAULT true,
    CONSTRAINT employment_stages_rank_unique UNIQUE (rank)
);
CREATE TRIGGER employment_stages_bump_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON employment_stages
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();

INSERT INTO employment_stages (code, name, rank) VALUES
    ('work_for_a_day', 'Work-for-a-day', 1),
    ('seasonal_temporary', 'Seasonal or temporary employment', 2),
    ('transitional_employment', 'Transitional employment', 3),
    ('joint_community_placement', 'Joint community placement', 4),
    ('on_the_job_training', 'On-the-job training', 5),
    ('apprenticeship', 'Apprenticeship', 6),
    ('peer_run_business', 'Business run by persons in recovery', 7),
    ('agency_run_business', 'Agency-run business', 8),
    ('work_study', 'Work-study position', 9),
    ('individual_placement_support', 'Individual Placement & Support (IPS)', 10),
    ('competitive_employment', 'Competitive employment (full- or part-time)', 11);

-- Each change of an EMP enrollment's stage, effective on a day: the stage
-- in force on a day is the latest change on or before it.
CREATE TABLE employment_stage_changes (
    id             bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT employment_stage_changes_pkey PRIMARY KEY,
    enrollment_id  bigint NOT NULL CONSTRAINT employment_stage_changes_enrollment_fkey REFERENCES enrollments (id),
    stage          text   NOT NULL CONSTRAINT employment_stage_changes_stage_fkey REFERENCES employment_stages (code),
    effective_date date   NOT NULL,
    actor_key_id   bigint NOT NULL CONSTRAINT employment_stage_changes_actor_fkey REFERENCES api_keys (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT employment_stage_changes_one_per_day UNIQUE (enrollment_id, effective_date)
);

-- RCM monthly progress: one record per enrollment and calendar month
-- (month is its first day), the treatment status at the month's end.
CREATE TABLE rcm_monthly_progress (
    id               bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT rcm_monthly_progress_pkey PRIMARY KEY,
    enrollment_id    bigint NOT NULL CONSTRAINT rcm_monthly_progress_enrollment_fkey REFERENCES enrollments (id),
    month            date   NOT NULL CONSTRAINT rcm_monthly_progress_month_first_day CHECK (extract(day FROM month) = 1),
    treatment_status text   NOT NULL CONSTRAINT rcm_monthly_progress_treatment_status_valid CHECK (treatment_status IN (
                         'not_referred', 'referred', 'awaiting_admission', 'engaged', 'completed', 'disengaged', 'declined')),
    actor_key_id     bigint NOT NULL CONSTRAINT rcm_monthly_progress_actor_fkey REFERENCES api_keys (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rcm_monthly_progress_one_per_month UNIQUE (enrollment_id, month)
);

-- The month's contacts by kind (engagement); a kind absent had none.
CREATE TABLE rcm_monthly_contacts (
    progress_id bigint  NOT NULL CONSTRAINT rcm_monthly_contacts_progress_fkey REFERENCES rcm_monthly_progress (id),
    kind        text    NOT NULL CONSTRAINT rcm_monthly_contacts_kind_valid CHECK (kind IN (
                    'face_to_face', 'home_visit', 'telephone', 'video', 'collateral', 'attempted')),
    count       integer NOT NULL CONSTRAINT rcm_monthly_contacts_count_range CHECK (count BETWEEN 1 AND 999),
    CONSTRAINT rcm_monthly_contacts_pkey PRIMARY KEY (progress_id, kind)
);

-- The goals of the client's plan and where each stands at the month's end.
CREATE TABLE rcm_monthly_goals (
    progress_id bigint   NOT NULL CONSTRAINT rcm_monthly_goals_progress_fkey REFERENCES rcm_monthly_progress (id),
    position    smallint NOT NULL CONSTRAINT rcm_monthly_goals_position_positive CHECK (position > 0),
    goal        text     NOT NULL CONSTRAINT rcm_monthly_goals_goal_nonempty CHECK (btrim(goal) <> '' AND length(goal) <= 200),
    status      text     NOT NULL CONSTRAINT rcm_monthly_goals_status_valid CHECK (status IN (
                    'not_started', 'in_progress', 'achieved', 'revised', 'discontinued')),
    CONSTRAINT rcm_monthly_goals_pkey PRIMARY KEY (progress_id, position),
    CONSTRAINT rcm_monthly_goals_goal_unique UNIQUE (progress_id, goal)
);

-- RSVP drug screens: one of each kind per enrollment and day.
CREATE TABLE rsvp_drug_screens (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT rsvp_drug_screens_pkey PRIMARY KEY,
    enrollment_id bigint NOT NULL CONSTRAINT rsvp_drug_screens_enrollment_fkey REFERENCES enrollments (id),
    screen_date   date   NOT NULL,
    kind          text   NOT NULL CONSTRAINT rsvp_drug_screens_kind_valid CHECK (kind IN ('random', 'scheduled')),
    result        text   NOT NULL CONSTRAINT rsvp_drug_screens_result_valid CHECK (result IN (
                      'negative', 'positive', 'dilute', 'invalid', 'refused', 'no_show')),
    actor_key_id  bigint NOT NULL CONSTRAINT rsvp_drug_screens_actor_fkey REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rsvp_drug_screens_one_per_day_kind UNIQUE (enrollment_id, screen_date, kind)
);

-- +goose Down
DROP TABLE rsvp_drug_screens, rcm_monthly_goals, rcm_monthly_contacts, rcm_monthly_progress,
    employment_stage_changes, employment_stages;

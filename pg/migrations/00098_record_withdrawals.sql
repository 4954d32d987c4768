-- +goose Up
-- A GPRA interview, a drug screen or an employment stage change keyed
-- wrong can be withdrawn by the agency that recorded it (or the MSC's
-- admin), with a reason, and recorded again as it should be: each was
-- write-once, the right one refused as a duplicate, so one mis-keyed date
-- or result moved a federal figure for good (a GPRA black-box pass). The
-- withdrawn record is deleted from its table, which every rule and report
-- reads, and kept here whole with who withdrew it, when and why. A GPRA
-- interview recorded not conducted that the completed one replaces is
-- kept here too (cause 'completed'): the record was overwritten, and the
-- attempt's date and reason were in no answer (the same pass).
--
-- The kept rows name their records' enrollment and client by id only, with
-- no foreign key: history, which an enrollment withdrawn whole (deleted)
-- must not be stopped by.
CREATE TABLE gpra_interview_archive (
    id                   bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT gpra_interview_archive_pkey PRIMARY KEY,
    interview_id         bigint NOT NULL,
    enrollment_id        bigint NOT NULL,
    client_id            bigint NOT NULL,
    provider_id          bigint NOT NULL CONSTRAINT gpra_interview_archive_provider_fkey REFERENCES providers (id),
    kind                 text   NOT NULL CONSTRAINT gpra_interview_archive_kind_valid CHECK (kind IN ('intake', 'follow_up', 'discharge')),
    instrument           text   NOT NULL,
    status               text   NOT NULL CONSTRAINT gpra_interview_archive_status_valid CHECK (status IN ('completed', 'not_conducted')),
    interview_date       date   NOT NULL,
    not_conducted_reason text,
    recorded_at          timestamptz NOT NULL,
    cause                text   NOT NULL CONSTRAINT gpra_interview_archive_cause_valid CHECK (cause IN ('withdrawn', 'completed')),
    reason               text   CONSTRAINT gpra_interview_archive_reason_length CHECK (char_length(reason) BETWEEN 1 AND 1000),
    archived_at          timestamptz NOT NULL,
    archived_by          bigint CONSTRAINT gpra_interview_archive_by_fkey REFERENCES api_keys (id),
    CONSTRAINT gpra_interview_archive_reason_when_withdrawn CHECK ((cause = 'withdrawn') = (reason IS NOT NULL))
);
CREATE INDEX gpra_interview_archive_client ON gpra_interview_archive (client_id, id);

-- The not-conducted record a completed interview replaces (RecordInterview's
-- one upsert, which cannot return the row as it was) is kept by a trigger,
-- which sees it whatever order concurrent writes came in. Who completed it
-- is the transaction's audit event's (update, completed_after_not_conducted).
-- +goose StatementBegin
CREATE FUNCTION gpra_interview_keep_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO gpra_interview_archive (interview_id, enrollment_id, client_id, provider_id, kind, instrument, status,
        interview_date, not_conducted_reason, recorded_at, cause, archived_at)
    VALUES (OLD.id, OLD.enrollment_id, OLD.client_id, OLD.provider_id, OLD.kind, OLD.instrument, OLD.status,
        OLD.interview_date, OLD.not_conducted_reason, OLD.created_at, 'completed', now());
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER gpra_interview_keep_attempt AFTER UPDATE OF status ON gpra_interviews
    FOR EACH ROW WHEN (OLD.status = 'not_conducted' AND NEW.status = 'completed') EXECUTE FUNCTION gpra_interview_keep_attempt();

CREATE TABLE outcome_record_archive (
    id            bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT outcome_record_archive_pkey PRIMARY KEY,
    record_kind   text   NOT NULL CONSTRAINT outcome_record_archive_kind_valid CHECK (record_kind IN ('drug_screen', 'employment_stage_change')),
    record_id     bigint NOT NULL,
    enrollment_id bigint NOT NULL,
    client_id     bigint NOT NULL,
    provider_id   bigint NOT NULL CONSTRAINT outcome_record_archive_provider_fkey REFERENCES providers (id),
    record        jsonb  NOT NULL,
    recorded_at   timestamptz NOT NULL,
    reason        text   NOT NULL CONSTRAINT outcome_record_archive_reason_length CHECK (char_length(reason) BETWEEN 1 AND 1000),
    archived_at   timestamptz NOT NULL,
    archived_by   bigint CONSTRAINT outcome_record_archive_by_fkey REFERENCES api_keys (id)
);
CREATE INDEX outcome_record_archive_enrollment ON outcome_record_archive (enrollment_id, id);

-- +goose Down
DROP TABLE outcome_record_archive;
DROP TRIGGER gpra_interview_keep_attempt ON gpra_interviews;
DROP FUNCTION gpra_interview_keep_attempt();
DROP TABLE gpra_interview_archive;

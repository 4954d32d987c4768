-- +goose Up
-- Discharge reasons and GPRA instrument versions are written by the MSC's
-- admin through the API (registry): a new SAMHSA instrument, a retirement
-- date for one, or a new discharge reason needed a software release (a
-- known gap). They keep their history as the rest of the reference data
-- does (migrations 00070, 00086): the row as created, then each change
-- before and after, with the PATCH's reason.
--
-- gpra_instruments moves no reference version: no per-process cache holds
-- it (an interview's instrument and the list are read from the table on
-- each request). discharge_reasons moves it already (migration 00022).
ALTER TABLE record_changes DROP CONSTRAINT record_changes_table_valid,
    ADD CONSTRAINT record_changes_table_valid
        CHECK (table_name IN ('providers', 'staff', 'programs', 'services', 'settings', 'catchment_areas',
                              'discharge_reasons', 'gpra_instruments'));
CREATE TRIGGER discharge_reasons_record_creation AFTER INSERT ON discharge_reasons
    FOR EACH ROW EXECUTE FUNCTION record_changes_create('code');
CREATE TRIGGER discharge_reasons_record_changes AFTER UPDATE ON discharge_reasons
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture('code');
CREATE TRIGGER gpra_instruments_record_creation AFTER INSERT ON gpra_instruments
    FOR EACH ROW EXECUTE FUNCTION record_changes_create('code');
CREATE TRIGGER gpra_instruments_record_changes AFTER UPDATE ON gpra_instruments
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture('code');

-- An instrument's code and name were held by nothing but the seed: the
-- code is the one interviews carry (GPRA-2017, SUPRT-2025), the name a
-- line a reader chooses by.
ALTER TABLE gpra_instruments
    ADD CONSTRAINT gpra_instruments_code_format CHECK (code ~ '^[A-Z][A-Z0-9-]{1,19}$'),
    ADD CONSTRAINT gpra_instruments_name_nonempty CHECK (btrim(name) <> '');

-- An instrument's span holds every interview recorded on it: a retirement
-- date before one would leave it recorded on an instrument not in use on
-- its day, which RecordInterview refuses. The registry says so first, with
-- the interview's date (409 instrument_in_use); this is the last word, for
-- a write by hand as well. An interview being recorded holds the
-- instrument's row (FOR SHARE) until it commits, so a span narrowed at the
-- same time waits and sees it. Withdrawn interviews (the archive) are not
-- held to it: they are no longer on file.
CREATE INDEX gpra_interviews_instrument_idx ON gpra_interviews (instrument, interview_date);
-- +goose StatementBegin
CREATE FUNCTION gpra_instruments_span_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM gpra_interviews i WHERE i.instrument = NEW.code
               AND (i.interview_date < NEW.active_from OR i.interview_date > NEW.active_to)) THEN
        RAISE EXCEPTION 'GPRA instrument % would leave an interview outside its span', NEW.code
            USING ERRCODE = 'check_violation', CONSTRAINT = 'gpra_instruments_span_kept';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER gpra_instruments_span_kept BEFORE UPDATE OF active_from, active_to ON gpra_instruments
    FOR EACH ROW EXECUTE FUNCTION gpra_instruments_span_kept();

-- +goose Down
DROP TRIGGER gpra_instruments_span_kept ON gpra_instruments;
DROP FUNCTION gpra_instruments_span_kept();
DROP INDEX gpra_interviews_instrument_idx;
ALTER TABLE gpra_instruments DROP CONSTRAINT gpra_instruments_name_nonempty, DROP CONSTRAINT gpra_instruments_code_format;
DROP TRIGGER gpra_instruments_record_changes ON gpra_instruments;
DROP TRIGGER gpra_instruments_record_creation ON gpra_instruments;
DROP TRIGGER discharge_reasons_record_changes ON discharge_reasons;
DROP TRIGGER discharge_reasons_record_creation ON discharge_reasons;
-- Their history goes with the tables' place in the check (the append-only
-- trigger steps aside, as migration 00070's down does).
ALTER TABLE record_changes DISABLE TRIGGER record_changes_append_only;
DELETE FROM record_changes WHERE table_name IN ('discharge_reasons', 'gpra_instruments');
ALTER TABLE record_changes ENABLE TRIGGER record_changes_append_only;
ALTER TABLE record_changes DROP CONSTRAINT record_changes_table_valid,
    ADD CONSTRAINT record_changes_table_valid
        CHECK (table_name IN ('providers', 'staff', 'programs', 'services', 'settings', 'catchment_areas'));

-- +goose Up
-- What a provider's or a staff member's row said before each change: the
-- rows are corrected in place (an NPI, an address, a role, a departure
-- date), and the audit log says only that one was updated, so "which NPI
-- did the agency bill under in March" and "when was this departure date
-- moved, and from what" had no answer (a black-box pass). A trigger keeps,
-- for every UPDATE that changes something, the columns it changed, before
-- and after; who made it is the audit event of the same transaction
-- (its occurred_at is the same now()). Kept as written.
CREATE TABLE record_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT record_changes_pkey PRIMARY KEY,
    table_name text   NOT NULL CONSTRAINT record_changes_table_valid CHECK (table_name IN ('providers', 'staff')),
    row_id     bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    before     jsonb  NOT NULL,
    after      jsonb  NOT NULL
);
CREATE INDEX record_changes_row_idx ON record_changes (table_name, row_id, id);

-- +goose StatementBegin
CREATE FUNCTION record_changes_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o jsonb := to_jsonb(OLD);
    n jsonb := to_jsonb(NEW);
    b jsonb := '{}';
    a jsonb := '{}';
    k text;
BEGIN
    -- updated_at moves with every write, a change or none: not a change.
    FOR k IN SELECT jsonb_object_keys(n) LOOP
        IF k <> 'updated_at' AND o -> k IS DISTINCT FROM n -> k THEN
            b := b || jsonb_build_object(k, o -> k);
            a := a || jsonb_build_object(k, n -> k);
        END IF;
    END LOOP;
    IF a <> '{}' THEN
        INSERT INTO record_changes (table_name, row_id, before, after) VALUES (TG_TABLE_NAME, NEW.id, b, a);
    END IF;
    RETURN NULL;
END;
$$;
CREATE FUNCTION record_changes_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'record_changes is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER providers_record_changes AFTER UPDATE ON providers
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture();
CREATE TRIGGER staff_record_changes AFTER UPDATE ON staff
    FOR EACH ROW EXECUTE FUNCTION record_changes_capture();
CREATE TRIGGER record_changes_append_only BEFORE UPDATE OR DELETE ON record_changes
    FOR EACH ROW EXECUTE FUNCTION record_changes_refuse_change();
CREATE TRIGGER record_changes_no_truncate BEFORE TRUNCATE ON record_changes
    FOR EACH STATEMENT EXECUTE FUNCTION record_changes_refuse_change();

-- +goose Down
DROP TRIGGER staff_record_changes ON staff;
DROP TRIGGER providers_record_changes ON providers;
DROP TABLE record_changes;
DROP FUNCTION record_changes_refuse_change();
DROP FUNCTION record_changes_capture();

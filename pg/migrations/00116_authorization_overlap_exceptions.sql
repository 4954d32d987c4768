-- A reviewer's give-back of an authorization with the duplicate-service
-- rule acknowledged (POST /v1/authorizations/{id}/reactivate, one held for
-- review at its agency's reactivation or inactive) is an exception, as an
-- approval's is (SPEC §5): the pairs it lifted, the authorization given
-- back and each other agency's authorization it was given back over, so
-- that the agencies' next reactivations do not judge that overlap again
-- (vouchers' overlapExcepted). It stored nothing: an approval's lifted
-- overlap is read from its request's hits and the decision's re-check, and
-- a give-back has neither, so the next deactivation undone held the same
-- authorization again for the overlap the reviewer had lifted, and the
-- agency's claims for its days were denied until a reviewer decided a
-- second time (a black-box pass). Kept as written: who gave it back, when
-- and why are the authorization's history (authorization_events).

-- +goose Up
CREATE TABLE authorization_overlap_exceptions (
    authorization_id bigint NOT NULL CONSTRAINT authorization_overlap_exceptions_authorization_fkey
        REFERENCES authorizations (id),
    other_id         bigint NOT NULL CONSTRAINT authorization_overlap_exceptions_other_fkey
        REFERENCES authorizations (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authorization_overlap_exceptions_pkey PRIMARY KEY (authorization_id, other_id),
    CONSTRAINT authorization_overlap_exceptions_two CHECK (other_id <> authorization_id)
);
-- The other side's reactivation reads the pairs by its own authorization.
CREATE INDEX authorization_overlap_exceptions_other_idx ON authorization_overlap_exceptions (other_id);

-- +goose StatementBegin
CREATE FUNCTION authorization_overlap_exceptions_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'authorization_overlap_exceptions is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER authorization_overlap_exceptions_append_only
    BEFORE UPDATE OR DELETE ON authorization_overlap_exceptions
    FOR EACH ROW EXECUTE FUNCTION authorization_overlap_exceptions_refuse_change();
CREATE TRIGGER authorization_overlap_exceptions_no_truncate
    BEFORE TRUNCATE ON authorization_overlap_exceptions
    FOR EACH STATEMENT EXECUTE FUNCTION authorization_overlap_exceptions_refuse_change();

-- +goose Down
DROP TABLE authorization_overlap_exceptions;
DROP FUNCTION authorization_overlap_exceptions_refuse_change();

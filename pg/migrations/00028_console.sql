-- +goose Up
-- The console (issue 12). A browser signs in with an API key once; what it
-- keeps is a session: a random 32-byte token in an HttpOnly cookie, stored
-- here only as its SHA-256 (a stolen table signs nobody in). The session
-- runs as its key, so a revoked key ends its sessions (the lookup joins
-- api_keys) and deleting a key's row deletes them. Idle and absolute
-- timeouts are enforced by the lookup against last_seen_at and expires_at.
CREATE TABLE console_sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT console_sessions_pkey PRIMARY KEY,
    token_hash   bytea       NOT NULL CONSTRAINT console_sessions_token_unique UNIQUE
                             CONSTRAINT console_sessions_token_length CHECK (length(token_hash) = 32),
    key_id       bigint      NOT NULL CONSTRAINT console_sessions_key_fkey REFERENCES api_keys (id) ON DELETE CASCADE,
    -- The per-session CSRF token every form carries; random, not secret
    -- from the session's own pages, useless to another origin.
    csrf_token   text        NOT NULL CONSTRAINT console_sessions_csrf_length CHECK (length(csrf_token) >= 32),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    CONSTRAINT console_sessions_times CHECK (created_at <= last_seen_at AND created_at < expires_at)
);
CREATE INDEX console_sessions_key_idx ON console_sessions (key_id);

-- A reviewer takes a pended request before deciding it, so two reviewers do
-- not work the same one: taken_by holds it until taken_at plus the take's
-- expiry (vouchers.TakeExpiry); a decision by another reviewer meanwhile is
-- a conflict.
ALTER TABLE voucher_requests
    ADD COLUMN taken_by bigint CONSTRAINT voucher_requests_taken_by_fkey REFERENCES api_keys (id),
    ADD COLUMN taken_at timestamptz,
    ADD CONSTRAINT voucher_requests_taken_both CHECK ((taken_by IS NULL) = (taken_at IS NULL));

-- +goose Down
ALTER TABLE voucher_requests DROP CONSTRAINT voucher_requests_taken_both, DROP COLUMN taken_at, DROP COLUMN taken_by;
DROP TABLE console_sessions;

-- +goose Up
-- A voucher request's facts and trace (about 2 KB and 3 KB of JSON) and its
-- idempotency record's answer (about 5 KB, the trace included) compress
-- with lz4 to a row that fits a page several times over, but the default
-- storage moves a compressed value out of line as soon as the row passes
-- 2 KB: every request then wrote a TOAST row and its index entry in two
-- more relations (a sixteenth of PostgreSQL's time on a voucher request,
-- perf at 8 clients). MAIN keeps them compressed in the row; PostgreSQL
-- still moves a value out of line when the row would not fit a page.
-- PostgreSQL moves the other columns out of line before it compresses a
-- MAIN one, so an idempotency record's small text columns (the key, the
-- request's hash, method, path and content type: each a few dozen bytes)
-- are MAIN too, or each answer wrote two TOAST rows of 32 bytes instead.
ALTER TABLE voucher_requests
    ALTER COLUMN facts SET STORAGE MAIN,
    ALTER COLUMN trace SET STORAGE MAIN;
ALTER TABLE idempotency_keys
    ALTER COLUMN response SET STORAGE MAIN,
    ALTER COLUMN key SET STORAGE MAIN,
    ALTER COLUMN request_hash SET STORAGE MAIN,
    ALTER COLUMN method SET STORAGE MAIN,
    ALTER COLUMN path SET STORAGE MAIN,
    ALTER COLUMN content_type SET STORAGE MAIN;

-- +goose Down
ALTER TABLE idempotency_keys
    ALTER COLUMN content_type SET STORAGE EXTENDED,
    ALTER COLUMN path SET STORAGE EXTENDED,
    ALTER COLUMN method SET STORAGE EXTENDED,
    ALTER COLUMN request_hash SET STORAGE EXTENDED,
    ALTER COLUMN key SET STORAGE EXTENDED,
    ALTER COLUMN response SET STORAGE EXTENDED;
ALTER TABLE voucher_requests
    ALTER COLUMN trace SET STORAGE EXTENDED,
    ALTER COLUMN facts SET STORAGE EXTENDED;

-- A batch's totals are sums of its lines' charges (the payment register
-- bills each line's charge) and payments, each line up to 99,999,999.99,
-- and nothing bounds a batch's lines but line_count's integer: at
-- numeric(14,2) about ten thousand lines at the largest charge a claim takes
-- overflowed them, and the close failed as a 500 (a white-box review of
-- the thirtieth stop). numeric(20,2) holds any integer count of such lines.

-- +goose Up
ALTER TABLE batches ALTER COLUMN billed TYPE numeric(20,2), ALTER COLUMN paid TYPE numeric(20,2);
ALTER TABLE batch_providers ALTER COLUMN billed TYPE numeric(20,2), ALTER COLUMN paid TYPE numeric(20,2);

-- +goose Down
ALTER TABLE batch_providers ALTER COLUMN billed TYPE numeric(14,2), ALTER COLUMN paid TYPE numeric(14,2);
ALTER TABLE batches ALTER COLUMN billed TYPE numeric(14,2), ALTER COLUMN paid TYPE numeric(14,2);

// Package pg owns the database: the embedded goose migrations, opening a
// pool, running work in one transaction (joining the caller's when there is
// one), recognising Postgres errors by SQLSTATE and constraint name, and the
// idempotency records that make a retried POST return its first answer.
package pg

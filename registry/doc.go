// Package registry keeps the reference data current through the API: the
// providers (identity, contact, agreement history, what they are enrolled
// for, deactivation) and the catalog (programs with their rule sets,
// services with their rate history, catchment areas, discharge reasons, GPRA
// instrument versions). It owns those writes
// and their transactions, validates before the database, and audits every
// change in the same transaction. The readers stay in vouchers, whose
// per-process cache sees every change through the reference version the
// tables' triggers move.
package registry

// Package adjudication holds the rules: pure functions from a snapshot of
// facts to a decision, its reasons and a trace of every rule evaluated.
//
// It imports nothing of ours and touches no database, clock or network, so
// every rule is table-tested without Postgres and the adjudicator can be
// benchmarked alone. Thresholds (caps, windows, limits, ages, months of
// experience) arrive in the facts from reference data; no rule holds one.
//
// Voucher requests go through DecideVoucher (the rules of SPEC §5); claim
// lines through DecideLine (the CARC checks of SPEC §6). Both stamp their
// rule-set version so a stored decision can be replayed and explained.
package adjudication

// Package vouchers owns the people served and what they are authorized to
// receive: reference data (programs, services, providers, staff), clients,
// enrollments and episodes, Part 2 consents, GPRA interviews, care plans,
// voucher requests with their reviewer decisions, and who may see which
// authorization (the ledger package stores them and their episodes). It
// gathers the facts for the adjudicator, converting them once (the Rule*
// converters, which claims intake uses too), stores its decision with the
// trace in one transaction, and writes the audit events in that same
// transaction.
package vouchers

// Package vouchers owns the people served and what they are authorized to
// receive: reference data (programs, services, providers, staff), clients,
// enrollments and episodes, Part 2 consents, GPRA interviews, care plans,
// voucher requests with their reviewer decisions, and authorizations. It
// gathers the facts for the adjudicator, stores its decision with the trace
// in one transaction, and writes the audit events in that same transaction.
package vouchers

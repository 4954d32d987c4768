// Package staff keeps an agency's staff current through the API: hires,
// changes and departures (employment dates, role, supervisor of the same
// agency without cycles), and the records that qualify them: credentials,
// background checks and experience. It owns every write to staff,
// staff_credentials, background_checks and staff_experience; a trigger on
// staff writes staff_supervisions, the dated periods of supervision.
//
// What a provider submits about its staff is pending until the department
// (an admin) verifies it against a document or rejects it with a reason;
// an admin may enter a record verified at once by naming the document.
// Only verified records reach the rules: vouchers.RuleStaff is the one
// door, used by voucher requests and claims alike. Every write records its
// audit event in its own transaction; a change to any of these tables
// moves reference_version (a trigger), so the next voucher request and
// claim in every process see it.
package staff

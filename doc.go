// Package rss holds the few types every part of the service shares: the
// error kinds that the API maps to HTTP statuses, and the civil Date and
// Money types that cross the wire as "YYYY-MM-DD" and "40.00", and what
// free text may not be (Blank, Disguising), which every package that takes
// text holds it to.
//
// The domain lives in the sub-packages: adjudication (the pure rules),
// vouchers (clients, enrollments, voucher requests, authorizations),
// ledger (authorizations and episodes: the units and dollars), billing
// (claims, batches) and access (API keys, actors and the audit log). api serves them over HTTP; cmd/rss wires it all.
package rss

// Package ledger owns the unit and dollar ledger: the tables authorizations
// and episodes and the authorization number sequence. Every statement that
// reads or writes them is here, and both voucher requests (grants, cap
// exceptions, episodes opened and closed with enrollments) and claims
// (locks, consumption, release) go through it, as does an authorization's
// lifecycle: void, the end at a discharge, reactivation, and their history
// (authorization_events). Its status (Authorization.StatusOn) is derived
// whenever it is read, never stored, so inactive, exhausted and expired are
// always current.
//
// Book is the ledger of one claims submission in memory: pure, with no
// context, SQL or transaction, so its arithmetic is tested without a
// database. Visibility, redaction and audit stay with the callers.
package ledger

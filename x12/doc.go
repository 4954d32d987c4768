// Package x12 is rss's ASC X12 format library, in the spirit of
// moov-io/ach: each segment renders and validates itself, a Writer streams
// a file, a Reader and Check stream one back. Today it writes, reads and
// checks 837P professional claims (005010X222A1), the file the management
// services contractor sends to Medicaid for recovery-support services
// billed by community agencies; the payer's answers (999, 277CA, 835) are
// read here too as they come.
//
// It owns the wire format only: envelopes, control numbers, segment
// counts, loop order, claim splitting at the guide's limits and the
// syntax-level validation the payer's front end would reject a file for,
// including the character set and lengths of its text elements: Element
// (PersonLastName, AddressLine, ClaimNumber, ...) checks a value the way
// the Writer will, so input validation can refuse at the door what no file
// could carry.
// Which claims to send, and what a rejection means for a claim, belong to
// the callers; everything arrives as arguments so output is reproducible.
//
// The Writer and Check both stream. Check keeps one claim's state; the
// Writer keeps one claim plus an NPI per billing provider and a control
// number per transaction set (to refuse repeats), so a month of claims for
// the whole state fits through either one.
package x12

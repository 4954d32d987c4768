// Package x12 is rss's ASC X12 format library, in the spirit of
// moov-io/ach: each segment renders and validates itself, a Writer streams
// a file, a Reader and Check stream one back. Today it writes, reads and
// checks 837P professional claims (005010X222A1), the file the management
// services contractor sends to Medicaid for recovery-support services
// billed by community agencies, and it reads the payer's answers: the 999
// implementation acknowledgment (FunctionalAckReader), the 277CA claim
// acknowledgment (ClaimAckReader) and the 835 payment/advice
// (RemittanceReader), each a pull iterator over whole, checked and (for
// the 835) balanced transaction sets; inbound.go says why. A TA1
// interchange acknowledgment (InterchangeAckReader) is read the same way,
// one TA1 at a time. x12/x12test is
// a simulated payer producing those answers for tests.
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
// The Writer, Check and the readers all stream. Check keeps one claim's
// state; the Writer keeps one claim plus an NPI per billing provider and a
// control number per transaction set (to refuse repeats), so a month of
// claims for the whole state fits through either one; a reader keeps one
// transaction set of an answer.
package x12

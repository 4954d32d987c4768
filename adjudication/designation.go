package adjudication

import "time"

// Designation is a primary case manager designation as V10 ranks it, the
// one reading of its rank: V10 reads it of the request's enrollment and of
// the other agencies', and vouchers reads it for a transfer's sender and
// a designation's holder, so the rules and the MSC's checks name the same
// holder (they agreed only by test while each wrote it out).
//
// The designation is the agency's unbroken stay's, not its enrollment's:
// a readmission the same day or the next ranked as a new designation,
// after another agency's flag set in the meantime, and that agency became
// primary case manager with no MSC transfer (a GPRA black-box pass). Which
// earlier enrollment lends its rank is read where the stay is, in
// vouchers' designationSQL, by the one reading of an unbroken stay (its
// stayStartSQL): As and From are what it read, zero where the
// designation is the enrollment's own (a stay after a break, one the MSC
// moved elsewhere since, facts stored before they were read).
type Designation struct {
	// ID and Start are the flagged enrollment's.
	ID    int64
	Start time.Time
	// As is the enrollment of the stay the designation was first made
	// on, From the stay's first designated day.
	As   int64
	From time.Time
}

// Rank is the designation's place among the person's designations, the
// first standing: the enrollment its stay's designation was first made on,
// else its own. Ids, not days: a designation made first stands, and a
// stay entered to start months ahead is set aside by Began instead.
func (d Designation) Rank() int64 {
	if d.As != 0 && d.As < d.ID {
		return d.As
	}
	return d.ID
}

// Began is the first day of the stay the designation ranks from, else
// the enrollment's start.
func (d Designation) Began() time.Time {
	if !d.From.IsZero() && d.From.Before(d.Start) {
		return d.From
	}
	return d.Start
}

// Outranks reports whether d stands before other on day: made first
// (Rank) on a stay begun by day. One entered to start months ahead
// outranked the agency serving the client now (a re-check), so it
// outranks nothing until its stay begins; whether its agency stands, and
// whether it is open, are the caller's to read.
func (d Designation) Outranks(other Designation, day time.Time) bool {
	return d.Rank() < other.Rank() && !d.Began().After(day)
}

// Designation is the enrollment's designation as V10 ranks it (its
// DesignatedAs and DesignatedFrom).
func (e *Enrollment) Designation() Designation {
	return Designation{ID: e.ID, Start: e.Start, As: e.DesignatedAs, From: e.DesignatedFrom}
}

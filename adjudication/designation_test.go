package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The rank of a primary case manager designation, one reading for V10 and
// for vouchers' transfer and designation checks. The story: HRA designated
// on its enrollment 101 from January 2, BCS flagged its own 102 from
// January 12, and HRA discharged and enrolled the person again (103). What
// lends a rank (As, From) is read by vouchers' designationSQL; each case
// gives what it reads for its story, and the api tests
// (TestAReadmissionKeepsItsStaysDesignation,
// TestAReadmissionTakesNoDesignationItsStayDidNotHold) hold the SQL to them.
func TestDesignationRank(t *testing.T) {
	t.Parallel()
	jan := func(d int) time.Time { return day(2026, time.January, d) }
	bcs := Designation{ID: 102, Start: jan(12)}
	for _, c := range []struct {
		name string
		hra  Designation // HRA's readmission, 103
		bcs  Designation
		day  time.Time
		rank int64 // HRA's readmission's
		// holder is who outranks the other on day: "HRA", "BCS", or ""
		// where neither does.
		holder string
	}{
		{name: "a same-day readmission keeps its stay's rank",
			hra: Designation{ID: 103, Start: jan(22), As: 101, From: jan(2)}, bcs: bcs, day: jan(22), rank: 101, holder: "HRA"},
		{name: "a next-day readmission keeps its stay's rank",
			hra: Designation{ID: 103, Start: jan(23), As: 101, From: jan(2)}, bcs: bcs, day: jan(23), rank: 101, holder: "HRA"},
		// designationSQL lends nothing across a break of two days or more.
		{name: "after a two-day break the readmission takes a new rank",
			hra: Designation{ID: 103, Start: jan(24)}, bcs: bcs, day: jan(24), rank: 103, holder: "BCS"},
		// The MSC moved the designation to BCS after HRA's stay was
		// designated: designationSQL lends the older stay's rank to no
		// later enrollment of HRA's, readmitted the same day or not.
		{name: "an MSC transfer wins over an older stay",
			hra: Designation{ID: 103, Start: jan(22)}, bcs: bcs, day: jan(22), rank: 103, holder: "BCS"},
		{name: "a readmission begun ahead ranks from its stay, begun already",
			hra: Designation{ID: 103, Start: jan(30), As: 101, From: jan(2)}, bcs: bcs, day: jan(22), rank: 101, holder: "HRA"},
		{name: "a stay not begun outranks nothing",
			hra: Designation{ID: 103, Start: jan(22), As: 101, From: jan(2)}, bcs: Designation{ID: 99, Start: jan(25)}, day: jan(22),
			rank: 101, holder: ""},
		{name: "a rank lent by a later enrollment is not read",
			hra: Designation{ID: 103, Start: jan(22), As: 104, From: jan(2)}, bcs: bcs, day: jan(22), rank: 103, holder: "BCS"},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.rank, c.hra.Rank())
			assert.Equal(t, c.holder == "HRA", c.hra.Outranks(c.bcs, c.day), "HRA's outranks BCS's")
			assert.Equal(t, c.holder == "BCS", c.bcs.Outranks(c.hra, c.day), "BCS's outranks HRA's")
		})
	}
}

// An enrollment's designation is read from its facts, and one with none
// lent (facts stored before they were read) is its own.
func TestEnrollmentDesignation(t *testing.T) {
	t.Parallel()
	start := day(2026, time.March, 1)
	own := (&Enrollment{ID: 7, Start: start}).Designation()
	assert.Equal(t, int64(7), own.Rank())
	assert.Equal(t, start, own.Began())
	lent := (&Enrollment{ID: 9, Start: start, DesignatedAs: 4, DesignatedFrom: day(2026, time.February, 1)}).Designation()
	assert.Equal(t, int64(4), lent.Rank())
	assert.Equal(t, day(2026, time.February, 1), lent.Began())
	assert.Equal(t, start, (&Enrollment{ID: 9, Start: start, DesignatedAs: 4, DesignatedFrom: day(2026, time.April, 1)}).Designation().Began(),
		"a stay's first designated day after the enrollment's start is not read")
}

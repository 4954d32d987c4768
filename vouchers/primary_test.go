package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"rss"
)

// The designation the rules read (V10) outranks an enrollment's own flag:
// another agency's flagged stay made before it and begun by today, or,
// for a discharged enrollment, any other agency's flagged stay still open.
// A stay not yet begun outranks nothing, so the holder named is the one
// begun (a review named the first flagged, not yet begun). A designation
// of an agency under no agreement or out of service today outranks
// nothing.
func TestOutrankedBy(t *testing.T) {
	t.Parallel()
	today := rss.MustDate("2026-06-15")
	enr := func(id, provider int64, flagged bool, start string) Enrollment {
		return Enrollment{ID: id, ProviderID: provider, PrimaryCaseManager: flagged, StartDate: rss.MustDate(start)}
	}
	ahead := enr(10, 1, true, "2026-06-22")
	begun := enr(11, 2, true, "2026-06-01")
	mine := enr(12, 3, true, "2026-06-10")
	own := enr(13, 3, true, "2026-05-01")
	open := []Enrollment{own, ahead, begun, mine}
	if got := outrankedBy(mine, open, today, nil, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "the stay begun, not the first flagged")
	}
	assert.Nil(t, outrankedBy(begun, open, today, nil, nil), "made before it: only the one not begun, which outranks nothing")
	assert.Nil(t, outrankedBy(enr(8, 3, true, "2026-01-01"), open, today, nil, nil), "made first")
	discharged := mine
	discharged.DischargeDate = today
	if got := outrankedBy(discharged, []Enrollment{ahead}, today, nil, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(10), got.ID, "a discharged stay is outranked by any other agency's open one")
	}
	assert.Nil(t, outrankedBy(mine, []Enrollment{own, mine}, today, nil, nil), "its own agency's stays are one stay")
	// A lapsed agency's designation stands for nothing (V10).
	assert.Nil(t, outrankedBy(mine, open, today, map[int64]bool{2: true}, nil), "the one begun is of a lapsed agency")
	assert.Nil(t, outrankedBy(discharged, []Enrollment{ahead}, today, map[int64]bool{1: true}, nil), "nor does it outrank a discharged stay")
	if got := outrankedBy(mine, open, today, map[int64]bool{2: false}, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "an agency standing today")
	}
	// A designation ranks from its agency's unbroken stay's first
	// designated enrollment (designationRanks): readmitted the same day,
	// an agency kept the rank its stay held, and the one it had outranked
	// did not become the holder (a black-box pass).
	readmitted := designations{12: {ID: 12, As: 9, From: rss.MustDate("2026-01-01")}}
	assert.Nil(t, outrankedBy(mine, open, today, nil, readmitted), "the stay's designation came first")
	if got := outrankedBy(begun, open, today, nil, readmitted); assert.NotNil(t, got) {
		assert.Equal(t, int64(12), got.ID, "and outranks the one it came before")
	}
	// A stay begun, though its readmitted enrollment begins ahead.
	continued := designations{10: {ID: 10, As: 7, From: rss.MustDate("2026-05-01")}}
	if got := outrankedBy(begun, open, today, nil, continued); assert.NotNil(t, got) {
		assert.Equal(t, int64(10), got.ID, "the stay it continues has begun")
	}
}

// A designation refused primary_held names the first designation as the
// rules rank them: a readmitted stay's from its first designated
// enrollment, not the first flag by id.
func TestFirstDesignated(t *testing.T) {
	t.Parallel()
	open := []Enrollment{{ID: 20, ProviderID: 2, PrimaryCaseManager: true}, {ID: 21, ProviderID: 1, PrimaryCaseManager: true},
		{ID: 22, ProviderID: 3}}
	if got := firstDesignated(open, 22, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(20), got.ID)
	}
	if got := firstDesignated(open, 22, designations{21: {ID: 21, As: 15}}); assert.NotNil(t, got) {
		assert.Equal(t, int64(21), got.ID, "its stay's designation came first")
	}
	if got := firstDesignated(open, 20, designations{21: {ID: 21, As: 15}}); assert.NotNil(t, got) {
		assert.Equal(t, int64(21), got.ID)
	}
	assert.Nil(t, firstDesignated(open[1:], 21, nil), "no other flagged")
}

// A transfer refused not_primary names the holder the rules read, of any
// agency (designationHolder), and says so when it is the readmission of
// the discharged sender's own stay (sameStay): after a readmission kept
// the stay's rank, the discharged enrollment named the other agency's
// flag, which named the readmission (a re-check).
func TestDesignationHolder(t *testing.T) {
	t.Parallel()
	today := rss.MustDate("2026-06-15")
	enr := func(id, provider int64, start string) Enrollment {
		return Enrollment{ID: id, ProviderID: provider, PrimaryCaseManager: true, StartDate: rss.MustDate(start)}
	}
	// HRA (1) designated on 9 from January 1, discharged today; BCS (2)
	// flagged 11; HRA readmitted today on 12.
	first := enr(9, 1, "2026-01-01")
	first.DischargeDate = today
	bcs, again := enr(11, 2, "2026-06-01"), enr(12, 1, "2026-06-15")
	open := []Enrollment{bcs, again}
	kept := designations{12: {ID: 12, As: 9, From: rss.MustDate("2026-01-01")}}
	if got := designationHolder(open, today, nil, kept); assert.NotNil(t, got) {
		assert.Equal(t, int64(12), got.ID, "the readmission keeps the stay's rank")
		assert.True(t, sameStay(first, *got, kept), "of the discharged sender's stay")
		assert.False(t, sameStay(bcs, *got, kept), "another agency's")
	}
	if got := designationHolder(open, today, nil, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "after a break the readmission's rank is new")
		assert.False(t, sameStay(first, *got, nil))
	}
	assert.False(t, sameStay(first, again, nil), "a new stay of the agency is not the same stay")
	if got := designationHolder(open, today, map[int64]bool{1: true}, kept); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "a lapsed agency's designation stands for nothing")
	}
	ahead := enr(8, 3, "2026-07-01")
	if got := designationHolder(append(open, ahead), today, nil, kept); assert.NotNil(t, got) {
		assert.Equal(t, int64(12), got.ID, "a stay not begun holds nothing")
	}
	earlier := enr(5, 1, "2025-01-01")
	earlier.DischargeDate = rss.MustDate("2025-03-01")
	assert.False(t, sameStay(earlier, again, kept), "a stay before the one the readmission continues")
	assert.Nil(t, designationHolder(nil, today, nil, nil))
}

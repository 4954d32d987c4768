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
	if got := outrankedBy(mine, open, today, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "the stay begun, not the first flagged")
	}
	assert.Nil(t, outrankedBy(begun, open, today, nil), "made before it: only the one not begun, which outranks nothing")
	assert.Nil(t, outrankedBy(enr(8, 3, true, "2026-01-01"), open, today, nil), "made first")
	discharged := mine
	discharged.DischargeDate = today
	if got := outrankedBy(discharged, []Enrollment{ahead}, today, nil); assert.NotNil(t, got) {
		assert.Equal(t, int64(10), got.ID, "a discharged stay is outranked by any other agency's open one")
	}
	assert.Nil(t, outrankedBy(mine, []Enrollment{own, mine}, today, nil), "its own agency's stays are one stay")
	// A lapsed agency's designation stands for nothing (V10).
	assert.Nil(t, outrankedBy(mine, open, today, map[int64]bool{2: true}), "the one begun is of a lapsed agency")
	assert.Nil(t, outrankedBy(discharged, []Enrollment{ahead}, today, map[int64]bool{1: true}), "nor does it outrank a discharged stay")
	if got := outrankedBy(mine, open, today, map[int64]bool{2: false}); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "an agency standing today")
	}
}

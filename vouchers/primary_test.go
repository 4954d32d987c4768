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
// begun (a review named the first flagged, not yet begun).
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
	if got := outrankedBy(mine, open, today); assert.NotNil(t, got) {
		assert.Equal(t, int64(11), got.ID, "the stay begun, not the first flagged")
	}
	assert.Nil(t, outrankedBy(begun, open, today), "made before it: only the one not begun, which outranks nothing")
	assert.Nil(t, outrankedBy(enr(8, 3, true, "2026-01-01"), open, today), "made first")
	discharged := mine
	discharged.DischargeDate = today
	if got := outrankedBy(discharged, []Enrollment{ahead}, today); assert.NotNil(t, got) {
		assert.Equal(t, int64(10), got.ID, "a discharged stay is outranked by any other agency's open one")
	}
	assert.Nil(t, outrankedBy(mine, []Enrollment{own, mine}, today), "its own agency's stays are one stay")
}

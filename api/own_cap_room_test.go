package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// episodeCap is the dollar cap of the episode the authorization is in.
func (c *ownCapCase) episodeCap(t *testing.T, authorization int64) string {
	var cap string
	require.NoError(t, c.e.db.GetContext(t.Context(), &cap, `SELECT e.dollar_cap::text FROM episodes e
		JOIN authorizations a ON a.episode_id = e.id WHERE a.id = $1`, authorization))
	return cap
}

// endHRA ends HRA's 60.00 authorization by a reviewer's void or by HRA's
// discharge of the person: either lets the episode's raised cap fall.
func (c *ownCapCase) endHRA(t *testing.T, how string) {
	switch how {
	case "void":
		c.void(t, c.hraAuthorization)
	case "discharge":
		enrollment := itFixtureID(t, c.e, `SELECT enrollment_id FROM authorizations WHERE id = $1`, c.hraAuthorization)
		r := c.e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enrollment), map[string]any{"discharge_date": day(0),
			"reason": "completed"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	default:
		t.Fatalf("no way to end HRA's authorization %q", how)
	}
}

// The room a reviewer's exception gave BCS's grant stays BCS's through
// another agency's void or discharge. BCS's 360.00 exception raised the
// episode (program cap 300.00, HRA holding 60.00) to 420.00; a line paid
// under the fee leaves BCS holding 300.05 of its own cap of 360.00. HRA's
// authorization ended, the cap falls to what is held and the room BCS's
// own cap keeps (300.05 + 59.95 = 360.00), where a stranger's episode cap,
// which no other agency's void moves, stays at 360.00. Lowered to what was
// held (300.05), BCS's next 48.00, inside its own cap, met the episode's
// total and pended CONFLICT_ON_FILE where the stranger's was approved:
// whether another agency served the person changed the answer (42 CFR
// Part 2).
func TestAnotherAgencysEndLeavesTheExceptedAgencyItsRoom(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"void", "discharge"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			c := newOwnCapCase(t)
			s, k := c.askAfterUnderFee(t, 4, func(a int64) { // 48.00
				c.endHRA(t, how)
				assert.Equal(t, "360.00", c.episodeCap(t, a), "held 300.05 and BCS's room of 59.95")
			})
			assert.Equal(t, "approved", s["decision"], "%v", s)
			assertSameAnswer(t, s, k)
		})
	}
}

// Before any void, the room BCS's exception gave it is BCS's too: HRA's
// 48.00 after BCS's line paid under the fee (cap 420.00, held 360.05, BCS's
// room 59.95) would take the episode to 408.05, inside the cap but into
// that room, past the program's cap with no reviewer. It pends, the
// episode's total BCS's record to HRA (it was approved).
func TestAnotherAgencyTakesNoRoomOfAStandingException(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	a := c.except(t, c.known)
	c.underFee(t, c.known, a, "UNDER-1")
	require.Equal(t, "420.00", c.episodeCap(t, a))
	h := itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 4, 60, 70) // 48.00
	assert.Equal(t, "pended", h["decision"], "HRA's unreviewed grant takes BCS's room: %v", h)
	assert.Contains(t, h["reason_codes"], "CONFLICT_ON_FILE")
	assert.NotContains(t, fmt.Sprint(h["reasons"]), "59.95", "the room is BCS's record")
	// BCS's own next 48.00 is inside its own cap and the episode's: its
	// room is its own to use, as a stranger's is.
	b := itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", 4, 30, 40)
	assert.Equal(t, "approved", b["decision"], "%v", b)
}

// A reviewer who approves HRA's grant past the cap into BCS's room raises
// the episode's cap by the grant, BCS's room kept beside it: BCS's next
// 48.00 reads as the stranger's does. Raised to what was held alone
// (348.05, or not at all under the 360.00 the void left), HRA's grant took
// BCS's room and BCS's request pended where the stranger's was approved.
func TestAReviewersExceptionForAnotherAgencyKeepsTheRoom(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	s, k := c.askAfterUnderFee(t, 4, func(a int64) { // 48.00
		c.void(t, c.hraAuthorization)
		itCapException(t, c.e, itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 4, 60, 70)) // HRA's 48.00, pended
		assert.Equal(t, "408.00", c.episodeCap(t, a), "held 348.05 and BCS's room of 59.95")
	})
	assert.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
}

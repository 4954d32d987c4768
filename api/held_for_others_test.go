package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An ended authorization holds all its units of the episode's caps for
// every agency but its own until its claims are due (its end plus the
// filing limit): a late claim for a day it covered may still come.
// Freed at its end, another agency (no consent naming it) was granted the
// room, and the holder's late line was denied 119 though its own
// authorization had units left, which told it another agency held the
// person's room (a claims black-box pass; a known gap of the thirty-second
// stop). The voucher side pends such a request CONFLICT_ON_FILE.

// heldRoom is HRA's client with ATR-TR's episode maximum cut to 40, HRA's
// authorization x of all 40 from day -10 (issued on day 0, so no retro
// grant) with 5 trips billed, and BCS's client for the same person in the
// same episode, ready for ATR-TR. The clock stands on day 0.
type heldRoom struct {
	ie  *itEnv
	hra itATR
	x   int64
	bcs int64
}

func newHeldRoom(t *testing.T, byDischarge bool) heldRoom {
	t.Helper()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 40})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h := heldRoom{ie: ie, hra: itATRClient(t, e, day(-30))}
	last := 4 // x ends by its end date on day 4, or by a discharge that day
	if byDischarge {
		last = 30
	}
	v := itVoucher(t, e, keyHRA, h.hra.Client, "ATR-TR", 40, -10, last)
	require.Equal(t, "approved", v["decision"], "%v", v)
	h.x = itNum(t, v, "authorization_id")
	require.Equal(t, "paid", itTransportLine(t, e, h.hra.Client, "HELD-0", day(-9), 5, h.x)["status"])
	h.bcs = bcsTripsStay(t, e, identityOf(t, e, h.hra.Client), -10)
	require.Equal(t, int(h.hra.Episode), e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, h.bcs), "one episode")
	require.Zero(t, e.count(`SELECT count(*) FROM consents WHERE client_id = $1 AND recipient_type <> 'msc'`, h.hra.Client),
		"HRA's consents name no agency")
	return h
}

// to moves the services' clock to day n.
func (h heldRoom) to(n int) {
	c := h.ie.clock
	c.mu.Lock()
	c.t = h.ie.env.now.AddDate(0, 0, n)
	c.mu.Unlock()
}

// end ends x on day 4, by its end date or by HRA's discharge recorded on
// day 5 (on or after x's issue day: one cut before it reads as a retro
// grant), and moves the clock to day 6.
func (h heldRoom) end(t *testing.T, byDischarge bool) {
	t.Helper()
	e := h.ie.env
	if byDischarge {
		h.to(5)
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", h.hra.Enrollment), map[string]any{"discharge_date": day(4), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		require.Equal(t, day(4), itAuth(t, e, keyReviewer, h.x)["end_date"], "the discharge ended it")
	}
	h.to(6)
	a := itAuth(t, e, keyReviewer, h.x)
	require.Equal(t, "expired", a["status"], "%v", a)
	require.Equal(t, day(4+90), a["claims_due_by"])
}

// bcsAsks is BCS's request for units of ATR-TR from day from, 20 days.
func (h heldRoom) bcsAsks(t *testing.T, units, from int) map[string]any {
	t.Helper()
	return itVoucher(t, h.ie.env, keyBCS, h.bcs, "ATR-TR", units, from, from+20)
}

func TestEndedAuthorizationHoldsItsRoomFromOtherAgenciesUntilItsClaimsAreDue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		byDischarge bool
	}{{"ended by its end date", false}, {"ended by a discharge", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHeldRoom(t, tc.byDischarge)
			e := h.ie.env
			h.end(t, tc.byDischarge)

			// BCS asks for the 35 x left unused: pended as any request a
			// record of another agency's stands against, no figure shown.
			v := h.bcsAsks(t, 35, 6)
			assert.Equal(t, "pended", v["decision"], "%v", v)
			assert.Equal(t, []any{"CONFLICT_ON_FILE"}, v["reason_codes"], "%v", v)
			for _, figure := range []string{"35 left", "of 40", "5 left"} {
				assert.NotContains(t, fmt.Sprint(v), figure)
			}
			// HRA's late line for a day x covered is paid within x's units.
			l := itTransportLine(t, e, h.hra.Client, "HELD-LATE", day(2), 10, h.x)
			assert.Equal(t, "paid", l["status"], "%v", l)
			assert.Equal(t, float64(10), l["units_allowed"], "%v", l)

			// The day after x's claims are due it holds the 15 it used.
			h.to(4 + 90 + 1)
			v = h.bcsAsks(t, 25, 95)
			assert.Equal(t, "approved", v["decision"], "%v", v)
		})
	}
}

// A reviewer who approves the other agency's request over the conflict
// raises the maximum past what x still holds for its late claims: raised
// by x's used units only, HRA's late line on x was denied 119 after the
// approval.
func TestReviewersExceptionLeavesRoomForAnEndedAuthorizationsLateClaims(t *testing.T) {
	t.Parallel()
	h := newHeldRoom(t, true)
	e := h.ie.env
	h.end(t, true)
	v := h.bcsAsks(t, 35, 6)
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "an exception", "acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 75, e.count(`SELECT max_units FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'`, h.hra.Episode),
		"x's 40 and the grant's 35")
	l := itTransportLine(t, e, h.hra.Client, "HELD-LATE", day(2), 10, h.x)
	assert.Equal(t, "paid", l["status"], "%v", l)
}

// The holder's own view is as before: its next voucher after x expired is
// not cut by units x can no longer use, and its own grant may take x's
// room (a 119 on x's late line then speaks of its own grants only).
func TestEndedAuthorizationHoldsOnlyItsUsedUnitsForItsOwnAgency(t *testing.T) {
	t.Parallel()
	h := newHeldRoom(t, false)
	e := h.ie.env
	h.end(t, false)
	v := itVoucher(t, e, keyHRA, h.hra.Client, "ATR-TR", 35, 6, 26)
	assert.Equal(t, "approved", v["decision"], "%v", v)
	l := itTransportLine(t, e, h.hra.Client, "HELD-OWN", day(2), 10, h.x)
	assert.Equal(t, "denied", l["status"], "%v", l)
	assert.Contains(t, fmt.Sprint(l["adjustments"]), "119", "%v", l)
}

// A void releases the unused units at once, for every agency: nothing can
// be billed on a void authorization.
func TestVoidReleasesAnEndedAuthorizationsRoomAtOnce(t *testing.T) {
	t.Parallel()
	h := newHeldRoom(t, false)
	e := h.ie.env
	h.end(t, false)
	v := h.bcsAsks(t, 35, 6)
	require.Equal(t, "pended", v["decision"], "held for HRA's late claims: %v", v)
	r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", h.x), map[string]any{"reason": "issued in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v = h.bcsAsks(t, 35, 6)
	assert.Equal(t, "approved", v["decision"], "%v", v)
}

// A discharge that ends an authorization lets an exception's raised
// maximum fall back only to what the episode still holds as the MSC counts
// it: the ended authorization's unused units with it until its claims are
// due. Fallen by them at the discharge, the other agency's grant the
// reviewer approved over the room left none for the holder's late line,
// denied 119 though its authorization had units left.
func TestDischargeKeepsAnExceptionsRoomForTheEndedAuthorizationsLateClaims(t *testing.T) {
	t.Parallel()
	h := newHeldRoom(t, true)
	e := h.ie.env
	v := h.bcsAsks(t, 35, 31) // after x's days, while it runs: all its 40 held
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "an exception", "acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	maxUnits := `SELECT COALESCE((SELECT max_units FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'), 40)`
	require.Equal(t, 75, e.count(maxUnits, h.hra.Episode))
	h.end(t, true)
	assert.Equal(t, 75, e.count(maxUnits, h.hra.Episode), "x's 40 still held for its late lines")
	l := itTransportLine(t, e, h.hra.Client, "HELD-LATE", day(2), 10, h.x)
	assert.Equal(t, "paid", l["status"], "%v", l)
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An authorization that ended (its end date, a discharge) holds all its
// units of the episode's caps until its claims are due (its end plus the
// filing limit, 90 days for ATR), one count for every reader: its own
// agency's next voucher, another agency's, the reviewer's exception and
// claims intake. Freed at its end, another agency was granted the room,
// and the holder's late line for a day it covered was denied 119 where a
// stranger's identical one was paid, which told the holder another agency
// served the person (a claims black-box pass; 42 CFR Part 2; a known gap
// of the twenty-third, thirty-second and thirty-third stops).

// endedPair is HRA's two clients with one history: person P, whom BCS
// serves too (its stay from day -10 in P's episode), and stranger S, whom
// HRA alone serves. ATR-TR's episode maximum is cut to 40; each has an
// authorization of all 40 from day -10 to day last (issued on day 0, so no
// retro grant) with 5 trips billed on day -9. The clock stands on day 0.
type endedPair struct {
	ie   *itEnv
	p, s itATR
	xP   int64 // P's authorization at HRA
	xS   int64 // S's
	bcsP int64 // BCS's client record of P
}

func newEndedPair(t *testing.T, last int) endedPair {
	t.Helper()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 40})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h := endedPair{ie: ie}
	for i, c := range []*itATR{&h.p, &h.s} {
		*c = itATRClient(t, e, day(-30))
		v := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 40, -10, last)
		require.Equal(t, "approved", v["decision"], "%v", v)
		x := itNum(t, v, "authorization_id")
		require.Equal(t, "paid", itTransportLine(t, e, c.Client, fmt.Sprintf("ENDED-%d-0", i), day(-9), 5, x)["status"])
		if c == &h.p {
			h.xP = x
		} else {
			h.xS = x
		}
	}
	h.bcsP = bcsTripsStay(t, e, identityOf(t, e, h.p.Client), -10)
	require.Equal(t, int(h.p.Episode), e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, h.bcsP), "one episode")
	require.Zero(t, e.count(`SELECT count(*) FROM consents WHERE client_id = $1 AND recipient_type <> 'msc'`, h.p.Client),
		"HRA's consents name no agency")
	return h
}

// to moves the services' clock to day n.
func (h endedPair) to(n int) {
	c := h.ie.clock
	c.mu.Lock()
	c.t = h.ie.env.now.AddDate(0, 0, n)
	c.mu.Unlock()
}

// endBy ends both authorizations on day 4, by their end date (newEndedPair
// with last 4) or by HRA's discharges recorded on day 5 (on or after their
// issue day: one cut before it reads as a retro grant), and moves the
// clock to day 6.
func (h endedPair) endBy(t *testing.T, discharge bool) {
	t.Helper()
	e := h.ie.env
	if discharge {
		h.to(5)
		for _, c := range []itATR{h.p, h.s} {
			r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.Enrollment), map[string]any{"discharge_date": day(4), "reason_code": "goals_met"})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		}
	}
	h.to(6)
	for _, x := range []int64{h.xP, h.xS} {
		a := itAuth(t, e, keyReviewer, x)
		require.Equal(t, "expired", a["status"], "%v", a)
		require.Equal(t, day(4), a["end_date"])
		require.Equal(t, day(4+90), a["claims_due_by"])
	}
}

// asMSC sums, as the MSC reads them (the reviewer's list of each client
// record's authorizations), the units of ATR-TR the authorizations not
// void grant and those they used.
func asMSC(t *testing.T, e *env, clients ...int64) (granted, used int) {
	t.Helper()
	for _, c := range clients {
		for _, a := range itItems(t, e.get(keyReviewer, itPath("/v1/authorizations?client_id=%d&service_code=ATR-TR", c))) {
			if a["status"] == "void" {
				continue
			}
			granted += int(a["units_authorized"].(float64))
			used += int(a["units_used"].(float64))
		}
	}
	return granted, used
}

// same asserts two answers read alike in what tells a request's or a
// line's outcome.
func same(t *testing.T, a, b map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		assert.Equal(t, fmt.Sprint(a[f]), fmt.Sprint(b[f]), f)
	}
}

// The Part 2 pair: after P's and S's authorizations at HRA ended with 35
// units unused, BCS's request for P's freed room is pended (no figure
// shown, as for any request another agency's record stands against), and
// HRA's late lines for a day the ended authorizations covered read alike
// for P and S: paid. The episode's maximum is never granted nor paid past.
func TestLateLineOnAnEndedAuthorizationReadsAsAStrangers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		discharge bool
	}{{"ended by its end date", false}, {"ended by a discharge", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			last := 4
			if tc.discharge {
				last = 30
			}
			h := newEndedPair(t, last)
			e := h.ie.env
			h.endBy(t, tc.discharge)

			v := itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 35, 6, 26)
			assert.Equal(t, "pended", v["decision"], "%v", v)
			assert.Equal(t, []any{"CONFLICT_ON_FILE"}, v["reason_codes"], "%v", v)
			for _, figure := range []string{"35 left", "of 40", "5 left"} {
				assert.NotContains(t, fmt.Sprint(v), figure)
			}
			granted, used := asMSC(t, e, h.p.Client, h.bcsP)
			assert.LessOrEqual(t, granted, 40, "granted in the episode")

			lp := itTransportLine(t, e, h.p.Client, "ENDED-LATE-P", day(2), 10, h.xP)
			ls := itTransportLine(t, e, h.s.Client, "ENDED-LATE-S", day(2), 10, h.xS)
			assert.Equal(t, "paid", ls["status"], "%v", ls)
			same(t, ls, lp, "status", "units_allowed", "allowed", "paid", "adjustments")
			granted, used = asMSC(t, e, h.p.Client, h.bcsP)
			assert.LessOrEqual(t, granted, 40, "granted in the episode")
			assert.Equal(t, 15, used, "used in the episode")
			var paid, dollarCap string
			require.NoError(t, e.db.QueryRowContext(t.Context(), `SELECT dollars_paid::text, dollar_cap::text FROM episodes WHERE id = $1`,
				h.p.Episode).Scan(&paid, &dollarCap))
			assert.Equal(t, "180.00", paid, "15 trips at 12.00, within the cap of "+dollarCap)
		})
	}
}

// One count: once P's authorization has ended, HRA's own next request and
// BCS's see the same room (none: the ended one holds its 40 until its
// claims are due), and HRA's reads for P as for S, the reason its own
// records'. Read by its used units for its own agency alone, HRA's next
// grant took the room while BCS still counted it whole (the thirty-third
// stop's attempt, taken back). A reviewer's exception over the held room
// raises the maximum past the ended authorization's units too, so its
// late lines are paid beside the grant and the units paid never pass the
// maximum recorded.
func TestEndedAuthorizationIsOneCountForEveryReader(t *testing.T) {
	t.Parallel()
	h := newEndedPair(t, 4)
	e := h.ie.env
	h.endBy(t, false)

	ownP := itVoucher(t, e, keyHRA, h.p.Client, "ATR-TR", 35, 6, 26)
	ownS := itVoucher(t, e, keyHRA, h.s.Client, "ATR-TR", 35, 6, 26)
	assert.Equal(t, "pended", ownS["decision"], "%v", ownS)
	assert.Equal(t, []any{"EPISODE_UNITS_EXCEEDED"}, ownS["reason_codes"], "%v", ownS)
	same(t, ownS, ownP, "decision", "reason_codes", "reasons", "units_granted")
	other := itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 35, 6, 26)
	assert.Equal(t, "pended", other["decision"], "%v", other)
	granted, _ := asMSC(t, e, h.p.Client, h.bcsP)
	assert.Equal(t, 40, granted, "nothing granted into the held room")

	// The reviewer approves BCS's request as an exception: the maximum
	// rises past all the episode holds, the ended authorization's 40 with
	// the grant's 35.
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, other, "id")),
		map[string]any{"action": "approve", "note": "an exception", "acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	maxUnits := `SELECT COALESCE((SELECT max_units FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'), 40)`
	assert.Equal(t, 75, e.count(maxUnits, h.p.Episode), "x's 40 and the grant's 35")
	l := itTransportLine(t, e, h.p.Client, "ENDED-LATE-P", day(2), 10, h.xP)
	assert.Equal(t, "paid", l["status"], "%v", l)
	l = itTransportLine(t, e, h.p.Client, "ENDED-LATE-P2", day(3), 30, h.xP)
	assert.Equal(t, "partial", l["status"], "%v", l)
	assert.Equal(t, float64(25), l["units_allowed"], "what x has left: %v", l)
	_, used := asMSC(t, e, h.p.Client, h.bcsP)
	assert.Equal(t, 40, used)
	assert.LessOrEqual(t, used, e.count(maxUnits, h.p.Episode))
}

// The day after its claims are due an ended authorization holds the units
// it used, and the room it kept is anyone's again, its own agency's and
// another's alike.
func TestEndedAuthorizationFreesItsRoomOnceItsClaimsAreDue(t *testing.T) {
	t.Parallel()
	h := newEndedPair(t, 4)
	e := h.ie.env
	h.endBy(t, false)
	h.to(4 + 90)
	v := itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 10, 94, 114)
	assert.Equal(t, "pended", v["decision"], "its claims' due day: still held: %v", v)
	h.to(4 + 90 + 1)
	for _, c := range []int64{h.p.Client, h.s.Client} {
		v = itVoucher(t, e, keyHRA, c, "ATR-TR", 25, 95, 115)
		assert.Equal(t, "approved", v["decision"], "%v", v)
	}
	v = itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 10, 116, 130) // after HRA's days: no duplicate service
	assert.Equal(t, "approved", v["decision"], "5 used, 25 and 10: %v", v)
	granted, _ := asMSC(t, e, h.p.Client, h.bcsP)
	assert.Equal(t, 75, granted, "x's 40 as granted (5 used) and the two new grants")
}

// A reviewer's void frees an ended authorization's unused units at once:
// nothing can be billed on a void authorization. (The MSC's way to free
// the room before the claims are due.)
func TestVoidFreesAnEndedAuthorizationsRoomAtOnce(t *testing.T) {
	t.Parallel()
	h := newEndedPair(t, 4)
	e := h.ie.env
	h.endBy(t, false)
	v := itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 35, 6, 26)
	require.Equal(t, "pended", v["decision"], "held for HRA's late claims: %v", v)
	r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", h.xP), map[string]any{"reason": "no late claims to come"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v = itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 35, 6, 26)
	assert.Equal(t, "approved", v["decision"], "%v", v)
}

// A discharge lets an exception's raised maximum fall back only to what
// the episode still holds: the ended authorization's unused units with it
// until its claims are due. Fallen by them at the discharge, the grant
// the reviewer approved over the room left none for the holder's late
// line, denied 119 though its authorization had units left.
func TestDischargeKeepsAnExceptionsRoomForAnEndedAuthorizationsLateLines(t *testing.T) {
	t.Parallel()
	h := newEndedPair(t, 30)
	e := h.ie.env
	v := itVoucher(t, e, keyBCS, h.bcsP, "ATR-TR", 35, 31, 51) // after x's days, while it runs: all its 40 held
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "an exception", "acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	maxUnits := `SELECT COALESCE((SELECT max_units FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'), 40)`
	require.Equal(t, 75, e.count(maxUnits, h.p.Episode))
	h.endBy(t, true)
	assert.Equal(t, 75, e.count(maxUnits, h.p.Episode), "x's 40 still held for its late lines")
	l := itTransportLine(t, e, h.p.Client, "ENDED-LATE-P", day(2), 10, h.xP)
	assert.Equal(t, "paid", l["status"], "%v", l)
}

// Discharged and enrolled again by the next day, a stay goes on in its
// episode, the ended authorization of the stay before holding its room
// against the agency's next request: for P as for S, the reason the
// agency's own records'.
func TestReadmissionCountsTheEndedAuthorizationAsAStrangers(t *testing.T) {
	t.Parallel()
	h := newEndedPair(t, 30)
	e := h.ie.env
	h.endBy(t, true)
	for _, c := range []itATR{h.p, h.s} {
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c.Client, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(5)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, int(c.Episode), e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, itID(t, r)), "the stay goes on")
	}
	ownP := itVoucher(t, e, keyHRA, h.p.Client, "ATR-TR", 35, 6, 26)
	ownS := itVoucher(t, e, keyHRA, h.s.Client, "ATR-TR", 35, 6, 26)
	assert.Equal(t, "pended", ownS["decision"], "%v", ownS)
	assert.Equal(t, []any{"EPISODE_UNITS_EXCEEDED"}, ownS["reason_codes"], "%v", ownS)
	same(t, ownS, ownP, "decision", "reason_codes", "reasons", "units_granted")
	lp := itTransportLine(t, e, h.p.Client, "ENDED-LATE-P", day(2), 10, h.xP)
	ls := itTransportLine(t, e, h.s.Client, "ENDED-LATE-S", day(2), 10, h.xS)
	assert.Equal(t, "paid", ls["status"], "%v", ls)
	same(t, ls, lp, "status", "units_allowed", "allowed", "paid", "adjustments")
}

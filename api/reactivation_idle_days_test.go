package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reviewer's reactivation gives back the days the authorization was
// idle as well as those ahead: its lines for them are paid once it is
// active again. So the overlap with another agency is judged from its
// first idle day, not from today: judged from today, another agency's
// voucher over idle days wholly past was not seen, and both agencies were
// paid for the same day (a black-box pass). Refused unless the reviewer
// acknowledges the overlap, as an approval's would be.
func TestReactivationJudgesTheIdleDaysItGivesBack(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	first := kimDTGoingIdle(t, e)
	auth := itNum(t, first, "authorization_id")
	// Idle from day 4; BCS is granted days 4 to 6 while it is, and they
	// are past when the reviewer comes to it on day 8.
	ie.clock.Advance(8 * 24 * time.Hour)
	got := itAuth(t, e, keyReviewer, auth)
	require.Equal(t, "inactive", got["status"])
	require.Equal(t, day(4), got["inactive_on"])
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 2, 4, 6)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)

	path := itPath("/v1/authorizations/%d/reactivate", auth)
	one := itAuth(t, e, keyReviewer, itNum(t, meanwhile, "authorization_id"))["number"]
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client resumed"}), http.StatusConflict, "limits_exceeded")
		assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, p["reasons"], "%v", p)
		assert.Contains(t, p["detail"], "from "+day(4), "names the first day given back")
		assert.Equal(t, []any{one}, p["overlaps"], "the reviewer reads which")
	})
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, auth)["status"])

	// BCS is granted more of the days after the 409 the reviewer read: the
	// acknowledgement covers what it names, and the new one is told, not
	// lifted unseen (a black-box pass). The rule acknowledged by code alone
	// names nothing, and is refused the same way.
	later := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 2, 8, 10)
	require.Equal(t, "approved", later["decision"], "%v", later)
	two := itAuth(t, e, keyReviewer, itNum(t, later, "authorization_id"))["number"]
	ack := []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "both served", "acknowledge": ack,
			"acknowledge_overlaps": []any{one}}), http.StatusConflict, "limits_exceeded")
		assert.Equal(t, []any{two}, p["overlaps"], "%v", p)
		assert.Contains(t, p["detail"], two)
		p = requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "both served", "acknowledge": ack}),
			http.StatusConflict, "limits_exceeded")
		assert.Equal(t, []any{one, two}, p["overlaps"], "%v", p)
	})
	r := e.post(keyReviewer, path, map[string]any{"reason": "client resumed; both served", "acknowledge": ack,
		"acknowledge_overlaps": []any{one, two}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "active", r.JSON(t)["status"])
	assert.Equal(t, []any{one, two}, r.JSON(t)["overlap_exceptions"], "the 200 names what the exception keeps")
	assert.Equal(t, []any{one, two}, itAuth(t, e, keyReviewer, auth)["overlap_exceptions"])
	assert.NotContains(t, itAuth(t, e, keyHRA, auth), "overlap_exceptions", "not the agency's to read")
	assert.Equal(t, 2, e.count(`SELECT count(*) FROM authorization_overlap_exceptions WHERE authorization_id = $1`, auth),
		"the overlaps acknowledged are kept")
}

// acknowledge_overlaps names the authorizations an acknowledged duplicate
// is lifted over: without the rule it lifts nothing, and a number is one
// line of letters and digits. Each refusal writes nothing.
func TestReactivationAcknowledgeOverlapsBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := itPath("/v1/authorizations/%d/reactivate", approvedTransport(t, e))
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("PA%08d", i)
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"without the rule", map[string]any{"acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}, "acknowledge_overlaps": []string{"PA00000001"}},
			"acknowledge_overlaps", "not_allowed"},
		{"blank", map[string]any{"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, "acknowledge_overlaps": []string{" "}},
			"acknowledge_overlaps[0]", "invalid_format"},
		{"two lines", map[string]any{"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, "acknowledge_overlaps": []string{"PA1\nPA2"}},
			"acknowledge_overlaps[0]", "invalid_format"},
		{"twice", map[string]any{"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, "acknowledge_overlaps": []string{"PA00000001", " pa00000001"}},
			"acknowledge_overlaps[1]", "duplicate"},
		{"too many", map[string]any{"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, "acknowledge_overlaps": many},
			"acknowledge_overlaps", "too_many"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.body["reason"] = "given back"
			itNothingWritten(t, e, func() {
				r := e.post(keyReviewer, path, c.body)
				requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, c.code, itFieldCode(r.JSON(t), c.field), "%s", r.Body)
			})
		})
	}
}

// A program's inactivity setting switched off (or lengthened) gives the
// authorizations it had made inactive their idle days and unused units
// back, each judged first as a reviewer's reactivation is: one whose days
// another agency was granted meanwhile is held for review, the rest come
// back. Given back unjudged, both agencies were paid for one night and an
// episode passed its cap with no reviewer (a black-box pass).
func TestInactivitySwitchedOffJudgesWhatItGivesBack(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	kim := kimDTGoingIdle(t, e)
	other := itATRClient(t, e, day(-30))
	clear := itVoucher(t, e, keyHRA, other.Client, "ATR-TR", 10, 0, 20)
	require.Equal(t, "approved", clear["decision"], "%v", clear)
	ie.clock.Advance(8 * 24 * time.Hour)
	for _, v := range []map[string]any{kim, clear} {
		require.Equal(t, "inactive", itAuth(t, e, keyReviewer, itNum(t, v, "authorization_id"))["status"])
	}
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 2, 4, 6)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)

	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"inactivate_after_days": nil, "reason": "inactivity no longer used"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	held := itAuth(t, e, keyReviewer, itNum(t, kim, "authorization_id"))
	assert.Equal(t, "pending_review", held["status"], "%v", held)
	assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, held["review_reasons"])
	assert.Equal(t, day(3), held["end_date"], "cut the day before its first idle day")
	assert.Equal(t, "active", itAuth(t, e, keyReviewer, itNum(t, clear, "authorization_id"))["status"], "nothing stands in its way")

	path := itPath("/v1/authorizations/%d/reactivate", itNum(t, kim, "authorization_id"))
	p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "give back"}), http.StatusConflict, "limits_exceeded")
	r = e.post(keyReviewer, path, map[string]any{"reason": "both served", "acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"},
		"acknowledge_overlaps": p["overlaps"]})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "active", r.JSON(t)["status"])
}

// A lengthening that leaves an authorization inactive from a later day
// gives back the days between: they are judged as a reactivation's are.
// Unjudged, HRA's idle days 4 and 5 came back beside BCS's voucher
// granted for them meanwhile, and both agencies were paid for day 4 (a
// black-box pass).
func TestInactivityLengthenedJudgesTheDaysItGivesBack(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	kim := kimDTGoingIdle(t, e) // idle from day 4
	auth := itNum(t, kim, "authorization_id")
	ie.clock.Advance(8 * 24 * time.Hour)
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 2, 4, 6)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)

	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"inactivate_after_days": 5, "reason": "a longer window"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	held := itAuth(t, e, keyReviewer, auth)
	assert.Equal(t, "pending_review", held["status"], "days 4 and 5 given back over BCS's: %v", held)
	assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, held["review_reasons"])
	assert.Equal(t, day(3), held["end_date"], "cut the day before its first idle day")
	itDeniedNoAuthorization(t, itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "LEN-1",
		"client_id": e.demo.Clients["Kim/HRA"], "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(4), "units": 1, "charge": "25.00"}}})))
}

// One held when inactivity is switched off stays idle from its first idle
// day as it was: its unused units stay off the episode's caps, held or
// ended by the reviewer. Read held (its span cut), it held all its units
// until its claims were due, and later requests pended, and the agency's
// next reactivation held authorizations the rules had granted, for caps
// filled by units it could never bill (a black-box re-check).
func TestAuthorizationHeldAtALooseningHoldsItsUsedUnits(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	auth := itNum(t, kimDTGoingIdle(t, e), "authorization_id") // 4 units, idle from day 4
	ie.clock.Advance(8 * 24 * time.Hour)
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 2, 4, 6)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	// Held at a lengthening, and still idle once the setting is switched
	// off after (the switch cleared the day it was held from).
	for _, days := range []any{30, nil} {
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": days}})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		require.Equal(t, "pending_review", itAuth(t, e, keyReviewer, auth)["status"])
	}
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-DT", map[string]any{"per_voucher_max": 4, "per_episode_max": 6})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	next := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 2, 12, 14) // BCS's 2 and these: 4 of 6
	assert.Equal(t, "approved", next["decision"], "%v", next)
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/end", auth), map[string]any{"reason": "not resumed"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	last := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 2, 16, 18) // 6 of 6
	assert.Equal(t, "approved", last["decision"], "%v", last)
}

// A shortening leaves an authorization already inactive so from the day
// it went: the stricter setting applies from the day after the change,
// and that floor, read under one idle for days, made it active again
// with all its units, unjudged, and paid its idle days (a black-box pass
// shortened 10 days to 2: an episode held 4,950.00 against its 4,000.00
// cap). A reviewer's reactivation gives it back; switched off and on
// again, the setting reaches back over nothing.
func TestInactivityShortenedKeepsTheInactiveSo(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	patch := func(days any) {
		t.Helper()
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": days}})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	claim := func(number, dos string) map[string]any {
		return itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": e.demo.Clients["Kim/HRA"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": dos, "units": 1, "charge": "25.00"}}}))
	}
	auth := itNum(t, kimDTGoingIdle(t, e), "authorization_id")
	patch(5) // idle from day 6
	ie.clock.Advance(8 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyReviewer, auth)["status"])

	patch(2)
	a := itAuth(t, e, keyReviewer, auth)
	assert.Equal(t, "inactive", a["status"], "not made active by the shorter window's start: %v", a)
	assert.Equal(t, day(6), a["inactive_on"])
	assert.Equal(t, day(6), a["inactive_from"])
	itDeniedNoAuthorization(t, claim("SHO-1", day(7)))
	assert.Equal(t, "paid", claim("SHO-2", day(5))["status"], "a day it was live is paid")

	// Switched off, it is active again (judged: nothing stands in its
	// way); switched on, the window starts tomorrow, not on day 6.
	patch(nil)
	assert.Equal(t, "active", itAuth(t, e, keyReviewer, auth)["status"])
	patch(2)
	a = itAuth(t, e, keyReviewer, auth)
	assert.Equal(t, "active", a["status"], "%v", a)
	assert.Nil(t, a["inactive_from"])
	assert.Equal(t, day(9), a["inactive_on"])
}

// kimDTGoingIdle sets ATR's authorizations inactive after 3 idle days,
// gives BCS's Kim a care plan for ATR-DT from day -10 and HRA's Kim an
// approved voucher of 4 ATR-DT units from day 0 to day 20, idle from
// day 4: the person both agencies serve.
func kimDTGoingIdle(t *testing.T, e *env) map[string]any {
	t.Helper()
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 3}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.post(keyBCS, "/v1/care-plans", map[string]any{"client_id": e.demo.Clients["Kim/BCS"], "program_code": "ATR",
		"kind": "rss_care_plan", "start_date": day(-10), "services": []map[string]any{{"service_code": "ATR-DT"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	return v
}

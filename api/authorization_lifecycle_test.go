package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The authorization lifecycle of issue 9: a reviewer's void, the end at a
// discharge, inactivity after a program's days without a claim and a
// reviewer's reactivation. Claims, the caps and the duplicate-service rule
// follow each, and every change is audited with who and why.

// itAuth reads an authorization as key sees it.
func itAuth(t *testing.T, e *env, key string, id int64) map[string]any {
	t.Helper()
	r := e.get(key, itPath("/v1/authorizations/%d", id))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	return r.JSON(t)
}

// itFixtureAuth is the id of the client's authorization for the service.
func itFixtureAuth(t *testing.T, e *env, client, service string) int64 {
	t.Helper()
	return itFixtureID(t, e, `SELECT id FROM authorizations WHERE client_id = $1 AND service_code = $2`, e.demo.Clients[client], service)
}

// itLine is the first line of a claim answer, requiring 201.
func itLine(t *testing.T, r resp) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	return r.JSON(t)["lines"].([]any)[0].(map[string]any)
}

// itDeniedNoAuthorization requires a line denied 197 CLAIM_NO_AUTHORIZATION.
func itDeniedNoAuthorization(t *testing.T, l map[string]any) {
	t.Helper()
	assert.Equal(t, "denied", l["status"], "%v", l)
	assert.Equal(t, "0.00", l["paid"])
	adj, _ := l["adjustments"].([]any)
	require.NotEmpty(t, adj, "%v", l)
	a := adj[0].(map[string]any)
	assert.Equal(t, "CLAIM_NO_AUTHORIZATION", a["code"])
	assert.Equal(t, "197", a["carc"])
}

// itEvents are the actions of an authorization's history, oldest first.
func itEvents(t *testing.T, a map[string]any) []string {
	t.Helper()
	raw, _ := a["events"].([]any)
	out := make([]string, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)["action"].(string)
	}
	return out
}

// Void: a later claim line is denied, the units already used stay used,
// and the unused dollars stop holding the episode's cap, so a request the
// cap pended before is approved.
func TestVoidAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	id := itFixtureID(t, e, `SELECT id FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-CM'`, e.demo.Clients["Rivera"])
	l := itLine(t, e.post(keyHRA, "/v1/claims", e.riveraClaim("LV-1", cmLine(day(-3), 4, "60.00"))))
	require.Equal(t, "paid", l["status"])

	r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", id), map[string]any{"reason": "issued to the wrong client"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	a := r.JSON(t)
	assert.Equal(t, "void", a["status"])
	assert.Equal(t, "issued to the wrong client", a["void_reason"])
	assert.NotNil(t, a["voided_at"])
	assert.Equal(t, float64(4), a["units_used"], "used units stay used")
	assert.Equal(t, []string{"void"}, itEvents(t, a))
	ev := a["events"].([]any)[0].(map[string]any)
	assert.Equal(t, "reviewer", ev["actor_role"])
	assert.Equal(t, "issued to the wrong client", ev["reason"])
	assert.NotNil(t, ev["actor_key_id"], "the MSC sees which key")
	assert.Equal(t, 1, itAudit(e, "void", "authorization", itStr(id)))

	// The agency sees the void and why, not which MSC key did it.
	own := itAuth(t, e, keyHRA, id)
	assert.Equal(t, "void", own["status"])
	assert.Equal(t, []string{"void"}, itEvents(t, own))
	assert.NotContains(t, own["events"].([]any)[0].(map[string]any), "actor_key_id")
	items := itItems(t, e.get(keyHRA, itPath("/v1/authorizations?status=void&client_id=%d", e.demo.Clients["Rivera"])))
	require.Len(t, items, 1)
	assert.Equal(t, float64(id), items[0]["id"])
	require.Len(t, itItems(t, e.get(keyHRA, itPath("/v1/authorizations?service_code=ATR-CM&client_id=%d", e.demo.Clients["Rivera"]))), 1)
	// A service code in lower case or unknown is refused, not an empty
	// list (a black-box pass read "no authorizations" for atr-tr).
	// A code of the catalog's full length (40) is a code: 32 refused one
	// the catalog had taken (an operations black-box pass).
	long := "ATR-" + strings.Repeat("X", 36)
	for q, code := range map[string]string{"atr-cm": "invalid_value", "BOGUS": "unknown_service", long: "unknown_service",
		long + "X": "invalid_value"} {
		p := requireProblem(t, e.get(keyHRA, "/v1/authorizations?service_code="+q), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, code, itFieldCode(p, "service_code"), q)
	}

	// A later line, found or named, draws nothing.
	l = itLine(t, e.post(keyHRA, "/v1/claims", e.riveraClaim("LV-2", cmLine(day(-2), 2, "30.00"))))
	itDeniedNoAuthorization(t, l)
	named := cmLine(day(-1), 2, "30.00")
	named["authorization_number"] = a["number"]
	itDeniedNoAuthorization(t, itLine(t, e.post(keyHRA, "/v1/claims", e.riveraClaim("LV-3", named))))
	assert.Equal(t, 4, e.count(`SELECT units_used FROM authorizations WHERE id = $1`, id))

	// Voiding the paid claim still gives its units back to the ledger.
	claimID := itFixtureID(t, e, `SELECT id FROM claims WHERE claim_number = 'LV-1'`)
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", claimID), map[string]any{"claim_number": "LV-1-VOID"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.Equal(t, 0, e.count(`SELECT units_used FROM authorizations WHERE id = $1`, id))

	// Caps: Brown's unused transitional housing holds the dollar cap until voided.
	brown := e.demo.Clients["Brown"]
	v := itVoucher(t, e, keyHRA, brown, "ATR-CM", 40, 0, 29)
	require.Equal(t, "pended", v["decision"])
	require.Contains(t, v["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
	th := itFixtureAuth(t, e, "Brown", "ATR-TH")
	r = e.post(keyAdmin, itPath("/v1/authorizations/%d/void", th), map[string]any{"reason": "housing placement fell through"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "admin", r.JSON(t)["events"].([]any)[0].(map[string]any)["actor_role"])
	v = itVoucher(t, e, keyHRA, brown, "ATR-CM", 40, 0, 29)
	assert.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
}

// Discharge ends the enrollment's authorizations at the discharge date, in
// its transaction: lines after it are denied, and another agency's request
// for the same service no longer pends as a duplicate.
func TestDischargeEndsAuthorizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := itFixtureAuth(t, e, "Kim", "ATR-TR")
	kimBCS := e.demo.Clients["Kim/BCS"]
	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"])
	require.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")

	enr := itFixtureID(t, e, `SELECT enrollment_id FROM authorizations WHERE id = $1`, tr)
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(-2), "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	a := itAuth(t, e, keyReviewer, tr)
	assert.Equal(t, day(-2), a["end_date"])
	assert.Equal(t, "expired", a["status"])
	require.Equal(t, []string{"end"}, itEvents(t, a))
	ev := a["events"].([]any)[0].(map[string]any)
	assert.Equal(t, day(50), ev["end_before"])
	assert.Equal(t, day(-2), ev["end_after"])
	assert.Equal(t, "provider", ev["actor_role"])
	assert.Contains(t, ev["reason"], "discharged on "+day(-2))
	assert.Equal(t, 1, itAudit(e, "end", "authorization", itStr(tr)))

	// HRA's line after the discharge date is denied.
	kim := e.demo.Clients["Kim"]
	claim := map[string]any{"claim_number": "LD-1", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 2, "charge": "24.00"}}}
	l := itLine(t, e.post(keyHRA, "/v1/claims", claim))
	assert.Equal(t, "denied", l["status"], "%v", l)
	assert.Equal(t, 0, e.count(`SELECT units_used FROM authorizations WHERE id = $1`, tr))

	// BCS's request for the days after no longer meets HRA's.
	v = itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	assert.NotContains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", v["reason_codes"])
}

// A discharge while the agency's deactivation cuts the authorization (an
// agency closing tomorrow discharges its clients today) ends it on the
// discharge date, its event from its own end: the event read the cut end,
// and one on or after the discharge date was refused by the schema, a 500
// (an operations black-box pass).
func TestDischargeUnderADeactivationEndsAuthorizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := itFixtureAuth(t, e, "Kim", "ATR-TR")
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", e.demo.Providers["HRA"]),
		map[string]any{"reason": "closing", "effective_on": day(1)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	enr := itFixtureID(t, e, `SELECT enrollment_id FROM authorizations WHERE id = $1`, tr)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(0), "reason": "agency closing"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	a := itAuth(t, e, keyReviewer, tr)
	assert.Equal(t, day(0), a["end_date"])
	require.Equal(t, []string{"deactivation", "end"}, itEvents(t, a))
	ev := a["events"].([]any)[1].(map[string]any)
	assert.Equal(t, day(50), ev["end_before"], "its own end, not the deactivation's cut")
	assert.Equal(t, day(0), ev["end_after"])
}

// An agency's deactivation cuts its authorizations when read, so each
// says so in its history: its own end and the day before the deactivation
// (one cut to nothing read an end before its start and expired, with no
// event: a black-box pass). The reactivation that gives it back says that
// too. A void authorization, or one ending before the day, is not cut.
func TestDeactivationCutIsInTheAuthorizationsHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-20))
	running := itNum(t, itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 10, -5, 20), "authorization_id")
	later := itNum(t, itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 10, 25, 40), "authorization_id")
	before := itNum(t, itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 4, -10, -8), "authorization_id")
	hra := e.demo.Providers["HRA"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold", "effective_on": day(1)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	for _, tc := range []struct {
		id       int64
		from, to string
	}{{running, day(20), day(0)}, {later, day(40), day(0)}} {
		a := itAuth(t, e, keyHRA, tc.id)
		require.Equal(t, []string{"deactivation"}, itEvents(t, a), "authorization %d", tc.id)
		ev := a["events"].([]any)[0].(map[string]any)
		assert.Equal(t, tc.from, ev["end_before"], "its own end")
		assert.Equal(t, tc.to, ev["end_after"], "the day before the deactivation, as it reads")
		assert.Equal(t, a["end_date"], ev["end_after"])
		assert.Contains(t, ev["reason"], "out of service from "+day(1))
		assert.Equal(t, "admin", ev["actor_role"])
	}
	assert.Empty(t, itEvents(t, itAuth(t, e, keyHRA, before)), "ended before the day: not cut")

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "hold lifted", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// The give-back names the span it restores: from the cut to its own
	// end (it carried no dates: a re-check of the forty-third stop).
	for id, end := range map[int64]string{running: day(20), later: day(40)} {
		a := itAuth(t, e, keyHRA, id)
		assert.Equal(t, []string{"deactivation", "reactivate"}, itEvents(t, a), "authorization %d", id)
		ev := a["events"].([]any)[1].(map[string]any)
		assert.Contains(t, ev["reason"], "given back at its agency's reactivation on "+day(0))
		assert.Equal(t, day(0), ev["end_before"], "the cut it read")
		assert.Equal(t, end, ev["end_after"], "its own end again")
		assert.Equal(t, end, a["end_date"])
		assert.Equal(t, "active", a["status"])
	}
	assert.Empty(t, itEvents(t, itAuth(t, e, keyHRA, before)))
}

// An authorization that would only have started after the discharge date
// never runs: the discharge voids it, saying why.
func TestDischargeVoidsAnAuthorizationNotYetStarted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-20))
	early := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 10, -5, 20)
	late := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 10, 5, 20)
	require.Equal(t, "approved", early["decision"], "%v", early["reason_codes"])
	require.Equal(t, "approved", late["decision"], "%v", late["reason_codes"])
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 10}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	a := itAuth(t, e, keyHRA, itNum(t, early, "authorization_id"))
	require.Equal(t, day(11), a["inactive_on"], "its program inactivates, from the day it was issued")
	assert.Equal(t, []any{}, a["events"], "no history yet is [] (a black-box pass found the key missing)")
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.Enrollment), map[string]any{"discharge_date": day(0), "reason": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	a = itAuth(t, e, keyHRA, itNum(t, early, "authorization_id"))
	assert.Equal(t, day(0), a["end_date"])
	assert.Equal(t, "active", a["status"], "it runs through the discharge date")
	assert.Nil(t, a["inactive_on"], "it ends before it would go inactive (a black-box pass read a day after its end)")
	assert.Equal(t, []string{"end"}, itEvents(t, a))
	b := itAuth(t, e, keyHRA, itNum(t, late, "authorization_id"))
	assert.Equal(t, "void", b["status"])
	assert.Equal(t, day(20), b["end_date"], "its dates are kept")
	assert.Contains(t, b["void_reason"], "before the authorization started")
	assert.Equal(t, []string{"void"}, itEvents(t, b))
	assert.Equal(t, 1, itAudit(e, "void", "authorization", itStr(itNum(t, late, "authorization_id"))))
}

// Inactivity: with the program's setting on, an authorization nobody claims
// on for that many days goes inactive as time passes (no job runs: its
// status is derived whenever read), stops counting for the caps and the
// duplicate rule and draws no claims; a reviewer's reactivation brings it
// back for as many days more.
func TestInactiveAuthorization(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	tr := itFixtureAuth(t, e, "Kim", "ATR-TR") // starts day -10, nothing claimed
	assert.Nil(t, itAuth(t, e, keyReviewer, tr)["inactive_on"], "off by default")

	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 20}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, float64(20), r.JSON(t)["inactivate_after_days"])
	a := itAuth(t, e, keyReviewer, tr)
	assert.Equal(t, "active", a["status"])
	assert.Equal(t, day(11), a["inactive_on"])
	requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", tr), map[string]any{"reason": "x"}),
		http.StatusConflict, "not_inactive")

	// Eleven days pass without a claim.
	ie.clock.Advance(11 * 24 * time.Hour)
	a = itAuth(t, e, keyHRA, tr)
	assert.Equal(t, "inactive", a["status"])
	assert.Equal(t, float64(20), a["units_remaining"])
	items := itItems(t, e.get(keyHRA, itPath("/v1/authorizations?status=inactive&client_id=%d", e.demo.Clients["Kim"])))
	require.Len(t, items, 1)
	assert.Equal(t, "inactive", items[0]["status"])
	assert.Empty(t, itItems(t, e.get(keyHRA, itPath("/v1/authorizations?status=active&client_id=%d", e.demo.Clients["Kim"]))))

	// BCS's request no longer pends as a duplicate of it.
	kimBCS := e.demo.Clients["Kim/BCS"]
	at := func(n int) string { return day(11 + n) }
	vr := func() map[string]any {
		r := e.post(keyBCS, "/v1/voucher-requests", map[string]any{"client_id": kimBCS, "service_code": "ATR-TR", "units": 5,
			"start_date": at(0), "end_date": at(20)})
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		return r.JSON(t)
	}
	v := vr()
	assert.NotContains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", v["reason_codes"])

	// HRA's claim against it is denied, naming it.
	kimClaim := func(number, dos string) map[string]any {
		return map[string]any{"claim_number": number, "client_id": e.demo.Clients["Kim"], "rendering_staff_id": e.demo.Staff["Okafor"],
			"place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": dos, "units": 2, "charge": "24.00"}}}
	}
	r = e.post(keyHRA, "/v1/claims", kimClaim("LI-1", at(0)))
	itDeniedNoAuthorization(t, itLine(t, r))
	assert.Contains(t, string(r.Body), "is inactive")

	// Reactivated by a reviewer: active for twenty days more.
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", tr), map[string]any{"reason": "client resumed services"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	a = r.JSON(t)
	assert.Equal(t, "active", a["status"])
	assert.Equal(t, at(0), a["reactivated_on"])
	assert.Equal(t, at(21), a["inactive_on"])
	assert.Equal(t, []string{"reactivate"}, itEvents(t, a))
	assert.Equal(t, 1, itAudit(e, "reactivate", "authorization", itStr(tr)))
	v = vr()
	assert.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "it counts again")
	l := itLine(t, e.post(keyHRA, "/v1/claims", kimClaim("LI-2", at(0))))
	assert.Equal(t, "paid", l["status"], "%v", l)
	assert.Equal(t, at(0), itAuth(t, e, keyReviewer, tr)["last_service_on"])

	// A claim restarts the count: twenty days after the line's date it is still active, the day after not.
	ie.clock.Advance(20 * 24 * time.Hour)
	assert.Equal(t, "active", itAuth(t, e, keyReviewer, tr)["status"])
	ie.clock.Advance(24 * time.Hour)
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, tr)["status"])

	// Caps: Brown's two unused authorizations, started sixty days ago, are
	// inactive, so they no longer hold the dollar cap.
	v = itVoucher(t, e, keyHRA, e.demo.Clients["Brown"], "ATR-CM", 40, 32, 60)
	assert.NotContains(t, v["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED", "%v", v["reason_codes"])

	// Off again: nothing is inactive.
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": nil}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "active", itAuth(t, e, keyReviewer, tr)["status"])
}

// itTransportLine submits, as HRA, a one-line ATR-TR claim for the client
// on dos at 12.00 a unit naming the authorization, and returns its line.
func itTransportLine(t *testing.T, e *env, client int64, number, dos string, units int, auth int64) map[string]any {
	t.Helper()
	return itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR",
			"date_of_service": dos, "units": units, "charge": fmt.Sprintf("%d.00", 12*units),
			"authorization_number": itAuth(t, e, keyHRA, auth)["number"]}}}))
}

// An inactive authorization holds only its used units of the episode's
// unit maximum, so the agency is granted new ones into the room it leaves;
// a late claim for a day it was live is then paid only within what the
// maximum has left (CARC 119), and the units paid in the episode never
// pass it. A black-box pass was paid 230 units of ATR-TR in an episode
// whose maximum is 200, with no reviewer's exception anywhere.
func TestLateClaimOnAnInactiveAuthorizationKeepsTheEpisodeMaximum(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	a := itATRClient(t, e, day(-30))
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 3}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// One voucher may carry the episode's 200 here, so the five below, over
	// the same days, fit the per-voucher maximum they share (V38).
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-TR", Key: keyAdmin, Body: map[string]any{"per_voucher_max": 200}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	first := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, -10, 30)
	require.Equal(t, "approved", first["decision"], "%v", first)
	lapsed := itNum(t, first, "authorization_id")
	// Its idle days count from the day it was issued (day 0).
	ie.clock.Advance(4 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyHRA, lapsed)["status"], "three days passed without a service")
	var others []int64
	for range 5 {
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, 0, 30)
		require.Equal(t, "approved", v["decision"], "the inactive one holds none of the 200: %v", v)
		others = append(others, itNum(t, v, "authorization_id"))
	}
	claim := func(number, dos string, units int, auth int64) map[string]any {
		return itTransportLine(t, e, a.Client, number, dos, units, auth)
	}
	// A day it was live: billable on it, but the five hold the 200.
	l := claim("LT-1", day(-9), 10, lapsed)
	assert.Equal(t, "denied", l["status"], "%v", l)
	assert.Contains(t, fmt.Sprint(l["adjustments"]), "119", "%v", l)
	// The room left is the person's, every agency's use in it: a provider
	// reads no figure of it in the claim's trace; the MSC reads them.
	c10u := func(l map[string]any) string {
		trace, _ := l["trace"].([]any)
		for _, x := range trace {
			if te := x.(map[string]any); te["rule"] == "C10U" {
				return fmt.Sprint(te["detail"])
			}
		}
		return ""
	}
	lt1 := itPath("/v1/claims/%d", e.count(`SELECT id FROM claims WHERE claim_number = 'LT-1'`))
	for key, want := range map[string]string{keyHRA: "billed past the episode's unit maximum; the MSC reads the figures", keyReviewer: "0 left of the episode maximum 200", keyFinance: "0 left"} {
		r := e.get(key, lt1)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Contains(t, c10u(r.JSON(t)["lines"].([]any)[0].(map[string]any)), want, key)
	}
	for i, id := range others[:4] {
		l := claim(fmt.Sprintf("LT-%d", i+2), day(0), 40-i, id)
		assert.Equal(t, "paid", l["status"], "authorization %d: %v", id, l)
	}
	l = claim("LT-6", day(-8), 10, lapsed)
	assert.Equal(t, "denied", l["status"], "the live ones hold their unused units too: %v", l)

	// The fifth, 5 of its units used, voided: the 35 it no longer holds
	// come back to the episode, and a late claim is paid within them (its
	// own authorization has 40 left).
	l = claim("LT-7", day(0), 5, others[4])
	require.Equal(t, "paid", l["status"], "%v", l)
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", others[4]), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	l = claim("LT-8", day(-8), 40, lapsed)
	assert.Equal(t, "partial", l["status"], "%v", l)
	assert.Equal(t, float64(35), l["units_allowed"], "%v", l)
	assert.Contains(t, fmt.Sprint(l["adjustments"]), "119", "%v", l)
	used := e.count(`SELECT sum(units_used) FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, a.Client)
	assert.Equal(t, 40+39+38+37+5+35, used, "within the maximum of 200: 160 held by the live four, 5 by the void one, 35 late")
}

// A late line on an inactive authorization is paid only within what the
// episode's dollar cap leaves besides the live authorizations'
// reservations, as its units are within the unit maximum's: judged by the
// dollars paid alone, it was paid out of a live voucher's reserved
// dollars, whose own lines were then cut 119 (an inactivity black-box
// pass, which also read another agency's first line denied so where a
// stranger's was paid).
func TestLateClaimOnAnInactiveAuthorizationKeepsTheDollarCap(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	for path, body := range map[string]map[string]any{
		"/v1/reference/programs/ATR":    {"inactivate_after_days": 3, "episode_dollar_cap": "600.00"},
		"/v1/reference/services/ATR-TR": {"per_voucher_max": 200},
	} {
		r := e.do(req{Method: http.MethodPatch, Path: path, Key: keyAdmin, Body: body})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	a := itATRClient(t, e, day(-30)) // its episode opens with the 600.00 cap
	first := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, -10, 30)
	require.Equal(t, "approved", first["decision"], "%v", first)
	lapsed := itNum(t, first, "authorization_id")
	ie.clock.Advance(4 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyHRA, lapsed)["status"])
	live := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, 0, 30) // 480.00 of the 600.00
	require.Equal(t, "approved", live["decision"], "the inactive one holds nothing unused: %v", live)
	n := 0
	bill := func(auth int64, dos, units int) map[string]any {
		n++
		return itTransportLine(t, e, a.Client, fmt.Sprintf("DC-%d", n), day(dos), units, auth)
	}
	// 132.00 billed on a day it was live: 120.00 is what the live voucher leaves.
	l := bill(lapsed, -9, 11)
	assert.Equal(t, "partial", l["status"], "%v", l)
	assert.Equal(t, float64(10), l["units_allowed"], "%v", l)
	assert.Contains(t, fmt.Sprint(l["adjustments"]), "119", "%v", l)
	// The live voucher's lines are paid in full: its 480.00 stood.
	l = bill(itNum(t, live, "authorization_id"), 0, 40)
	assert.Equal(t, "paid", l["status"], "%v", l)
	assert.Equal(t, "480.00", l["paid"])
	var paid string
	require.NoError(t, e.db.Get(&paid, `SELECT dollars_paid::text FROM episodes WHERE id = $1`, a.Episode))
	assert.Equal(t, "600.00", paid, "the cap, reached and not passed")
}

// Late claims for the live days of an inactive authorization, whose room
// was granted to other vouchers meanwhile, are paid, and revive it not: it
// stays inactive until a reviewer reactivates it (revived, one came back
// with all its units after a reviewer had refused its reactivation, and
// two agencies were paid for the same day: a lifecycle black-box pass).
// The episode's lines are paid until the maximum is used: a black-box
// pass was paid 214 units of ATR-TR in an episode of 200. A reviewer's
// exception past the maximum is kept on the episode and paid.
func TestLateClaimsOnAnInactiveAuthorizationKeepTheEpisodeMaximum(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	a := itATRClient(t, e, day(-30))
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 3}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// As above: the four live ones over the same days fit one voucher's maximum.
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-TR", Key: keyAdmin, Body: map[string]any{"per_voucher_max": 200}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	grant := func(from int) int64 {
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, from, 30)
		require.Equal(t, "approved", v["decision"], "%v", v)
		return itNum(t, v, "authorization_id")
	}
	x, y := grant(-10), grant(-10)
	// Idle from the day they were issued (day 0), inactive on day 4.
	ie.clock.Advance(4 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyHRA, y)["status"])
	var others []int64
	for range 4 {
		others = append(others, grant(0))
	}
	n := 0
	bill := func(auth int64, dos, units int) map[string]any {
		n++
		return itTransportLine(t, e, a.Client, fmt.Sprintf("RV-%d", n), day(dos), units, auth)
	}
	assert.Equal(t, "paid", bill(x, -9, 20)["status"])
	assert.Equal(t, "paid", bill(y, -8, 10)["status"])
	assert.Equal(t, "paid", bill(y, 1, 5)["status"])
	assert.Equal(t, "paid", bill(y, 3, 5)["status"], "the room's last 5")
	require.Equal(t, "inactive", itAuth(t, e, keyHRA, y)["status"], "its late lines revive it not")
	// Still inactive, it holds only the units it used: a further late
	// line finds the room the four live ones hold taken (160, with x's and
	// its own 40 used) and is denied 119, where, revived, it was paid and
	// the maximum read granted twice over. The four are paid in full.
	l := bill(y, 0, 20)
	assert.Equal(t, "denied", l["status"], "%v", l)
	assert.Contains(t, fmt.Sprint(l["adjustments"]), "119")
	for i, id := range others {
		assert.Equal(t, "paid", bill(id, 0, 40-i)["status"])
	}
	used := e.count(`SELECT sum(units_used) FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, a.Client)
	assert.Equal(t, 40+40+39+38+37, used, "within the episode's maximum of 200")

	// A reviewer's exception: a request past the maximum approved with
	// EPISODE_UNITS_EXCEEDED acknowledged is paid in full. (Over days before
	// the four's: over theirs, the 200 they and y hold there leave nothing
	// of one voucher's maximum, V38.)
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, -2, -1)
	require.Equal(t, "pended", v["decision"], "%v", v)
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "exception", "acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	exc := itNum(t, r.JSON(t), "authorization_id")
	assert.Equal(t, "paid", bill(exc, -1, 10)["status"], "the exception's units")
	assert.Equal(t, 1, itAudit(e, "cap_exception", "episode", ""))
}

// Who may change an authorization: reviewers and admins void, reviewers
// reactivate; a provider may do neither, and what it cannot see is a 404.
func TestAuthorizationLifecycleRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := itFixtureAuth(t, e, "Kim", "ATR-TR")
	for _, key := range []string{keyHRA, keyBCS, keyFinance} {
		itNothingWritten(t, e, func() {
			requireProblem(t, e.post(key, itPath("/v1/authorizations/%d/void", kim), map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden")
		})
	}
	for _, key := range []string{keyHRA, keyFinance, keyAdmin} {
		itNothingWritten(t, e, func() {
			requireProblem(t, e.post(key, itPath("/v1/authorizations/%d/reactivate", kim), map[string]any{"reason": "x"}),
				http.StatusForbidden, "forbidden")
		})
	}
	// Another agency sees neither the authorization nor its history.
	r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", kim), map[string]any{"reason": "duplicate issue"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	itSameNotFound(t, e.get(keyBCS, itPath("/v1/authorizations/%d", kim)), e.get(keyBCS, "/v1/authorizations/99999999"), kim, 99999999)
	requireProblem(t, e.post(keyReviewer, "/v1/authorizations/99999999/void", map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
	requireProblem(t, e.post(keyReviewer, "/v1/authorizations/99999999/reactivate", map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
}

// Bad input gets a problem and writes nothing: no reason, a blank or long
// one, a second void, reactivating what is not inactive, a bad setting.
func TestAuthorizationLifecycleBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := itFixtureAuth(t, e, "Kim", "ATR-TR")
	long := make([]byte, 501)
	for i := range long {
		long[i] = 'x'
	}
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		field  string
	}{
		{"void without a reason", "void", map[string]any{}, 422, "validation_failed", "reason"},
		{"void with a blank reason", "void", map[string]any{"reason": "  "}, 422, "validation_failed", "reason"},
		{"void with a reason too long", "void", map[string]any{"reason": string(long)}, 422, "validation_failed", "reason"},
		{"void with a reason not a string", "void", map[string]any{"reason": 4}, 400, "wrong_type", "reason"},
		{"void with an unknown field", "void", map[string]any{"reason": "x", "units": 3}, 400, "unknown_field", "units"},
		{"reactivate without a reason", "reactivate", map[string]any{}, 422, "validation_failed", "reason"},
		{"reactivate an active one", "reactivate", map[string]any{"reason": "x"}, 409, "not_inactive", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/%s", kim, tc.path), tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, p), tc.field)
				}
			})
		})
	}
	itNothingWritten(t, e, func() {
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 0}})
		p := requireProblem(t, r, 422, "validation_failed")
		assert.Contains(t, itFieldErrors(t, p), "inactivate_after_days")
	})

	r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", kim), map[string]any{"reason": "first"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	t.Run("void twice", func(t *testing.T) {
		itNothingWritten(t, e, func() {
			requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/void", kim), map[string]any{"reason": "again"}),
				http.StatusConflict, "already_void")
		})
	})
	t.Run("reactivate a void one", func(t *testing.T) {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", kim), map[string]any{"reason": "x"}),
				http.StatusConflict, "not_inactive")
			// It says what is reactivated and what to do instead.
			assert.Contains(t, p["detail"], "pending_review")
			assert.Contains(t, p["detail"], "a void is final")
		})
	})
	// A retry of the void with its idempotency key gets the same answer, once.
	k := "lifecycle-void-retry"
	brown := itFixtureAuth(t, e, "Brown", "ATR-TH")
	first := e.do(req{Method: http.MethodPost, Path: itPath("/v1/authorizations/%d/void", brown), Key: keyReviewer, Body: map[string]any{"reason": "r"}, IdemKey: k})
	require.Equal(t, http.StatusOK, first.Status, "body: %s", first.Body)
	again := e.do(req{Method: http.MethodPost, Path: itPath("/v1/authorizations/%d/void", brown), Key: keyReviewer, Body: map[string]any{"reason": "r"}, IdemKey: k})
	assert.Equal(t, http.StatusOK, again.Status)
	assert.Equal(t, string(first.Body), string(again.Body))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM authorization_events WHERE authorization_id = $1`, brown))
}

// Every list filter by status agrees with the status each row shows: the
// SQL filter and the Go roll-up say the same.
func TestAuthorizationStatusFilterAgreesWithStatus(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 30}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	e.authorizeRivera(10)
	require.Equal(t, http.StatusOK, e.post(keyReviewer, itPath("/v1/authorizations/%d/void", itFixtureAuth(t, e, "Kim", "ATR-TR")),
		map[string]any{"reason": "x"}).Status)
	l := itLine(t, e.post(keyHRA, "/v1/claims", e.riveraClaim("SF-1", cmLine(day(-2), 10, "150.00"))))
	require.Equal(t, "paid", l["status"])
	ever := map[string]int{}
	for _, advance := range []int{0, 15, 40} {
		ie.clock.Advance(time.Duration(advance) * 24 * time.Hour)
		seen := map[string]int{}
		all := itItems(t, e.get(keyReviewer, "/v1/authorizations?limit=500"))
		for _, it := range all {
			seen[it["status"].(string)]++
		}
		total := 0
		for _, st := range []string{"active", "inactive", "exhausted", "expired", "void"} {
			items := itItems(t, e.get(keyReviewer, "/v1/authorizations?limit=500&status="+st))
			for _, it := range items {
				assert.Equal(t, st, it["status"], "after %d days", advance)
			}
			assert.Len(t, items, seen[st], "%s after %d days", st, advance)
			total += len(items)
		}
		assert.Equal(t, len(all), total)
		for st, n := range seen {
			ever[st] += n
		}
	}
	for _, st := range []string{"active", "inactive", "exhausted", "expired", "void"} {
		assert.NotZero(t, ever[st], "no %s authorization was listed", st)
	}
}

// The history is append-only in the database itself.
func TestAuthorizationHistoryIsAppendOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := itFixtureAuth(t, e, "Kim", "ATR-TR")
	require.Equal(t, http.StatusOK, e.post(keyReviewer, itPath("/v1/authorizations/%d/void", id), map[string]any{"reason": "x"}).Status)
	for _, q := range []string{`UPDATE authorization_events SET reason = 'changed'`, `DELETE FROM authorization_events`,
		`TRUNCATE authorization_events`} {
		_, err := e.db.ExecContext(t.Context(), q)
		require.Error(t, err, q)
		assert.Contains(t, err.Error(), "append-only", q)
	}
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM authorization_events WHERE authorization_id = $1 AND reason = 'x'`, id))
}

// An inactive authorization holds only the units it used toward the
// episode's caps, so more may be granted into the room it left; a
// reactivation gives its unused units back and is judged as a request for
// them would be: refused (409 limits_exceeded) when the episode's unit
// maximum would be passed, unless the reviewer acknowledges it (a
// black-box pass paid 19 units in an episode whose maximum is 10).
func TestReactivationHeldToTheEpisodesLimits(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 3}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	kim := e.demo.Clients["Kim"]
	first := itVoucher(t, e, keyHRA, kim, "ATR-DT", 8, 0, 30)
	require.Equal(t, "approved", first["decision"], "%v", first)
	firstAuth := itNum(t, first, "authorization_id")
	ie.clock.Advance(4 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyReviewer, firstAuth)["status"])

	// Requests fill the episode's 40 ATR-DT units while it is inactive,
	// each over its own days after the first's (over the same days they
	// would share one per-voucher maximum, V38, which its reactivation is
	// held to as well).
	full := false
	for i := 0; i < 6 && !full; i++ {
		v := itVoucher(t, e, keyHRA, kim, "ATR-DT", 8, 31+9*i, 39+9*i)
		if v["decision"] != "approved" {
			assert.Contains(t, v["reason_codes"], "EPISODE_UNITS_EXCEEDED", "%v", v)
			full = true
		}
	}
	require.True(t, full, "the episode's unit maximum is reached")

	path := itPath("/v1/authorizations/%d/reactivate", firstAuth)
	p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client resumed"}), http.StatusConflict, "limits_exceeded")
	assert.Contains(t, p["reasons"], "EPISODE_UNITS_EXCEEDED", "%v", p)
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, firstAuth)["status"], "nothing given back")
	assert.Equal(t, 0, itAudit(e, "reactivate", "authorization", itStr(firstAuth)))

	requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "x", "acknowledge": []string{"NOPE"}}),
		http.StatusUnprocessableEntity, "validation_failed")
	r = e.post(keyReviewer, path, map[string]any{"reason": "client resumed; exception approved", "acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "active", r.JSON(t)["status"])
	assert.Equal(t, 1, itAudit(e, "reactivate", "authorization", itStr(firstAuth)))
}

// A reactivation gives back every unused unit, however many a voucher may
// carry today: the caps judge them all, not the per-voucher maximum's cut
// (a black-box pass reactivated 90 units judged as 30). And what a deny
// rule refuses a request for them, it refuses their return.
func TestReactivationJudgesEveryUnitItGivesBack(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	patch := func(path string, body map[string]any) {
		t.Helper()
		r := e.do(req{Method: http.MethodPatch, Path: path, Key: keyAdmin, Body: body})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	patch("/v1/reference/programs/ATR", map[string]any{"inactivate_after_days": 3})
	patch("/v1/reference/services/ATR-DT", map[string]any{"per_episode_max": 10})
	kim := e.demo.Clients["Kim"]
	first := itVoucher(t, e, keyHRA, kim, "ATR-DT", 8, 0, 30)
	require.Equal(t, "approved", first["decision"], "%v", first)
	firstAuth := itNum(t, first, "authorization_id")
	ie.clock.Advance(4 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyReviewer, firstAuth)["status"])
	patch("/v1/reference/services/ATR-DT", map[string]any{"per_voucher_max": 2})
	for i := range 3 { // each over its own days after the first's (V38)
		v := itVoucher(t, e, keyHRA, kim, "ATR-DT", 2, 31+9*i, 39+9*i)
		require.Equal(t, "approved", v["decision"], "%v", v)
	}
	// 6 of the episode's 10 are held: the 8 it would give back do not fit,
	// though the 2 a voucher may carry today would.
	path := itPath("/v1/authorizations/%d/reactivate", firstAuth)
	p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client resumed"}), http.StatusConflict, "limits_exceeded")
	assert.Contains(t, p["reasons"], "EPISODE_UNITS_EXCEEDED", "%v", p)

	// The HRA consent naming the MSC revoked: a request for its units is
	// denied, and so is their return, acknowledged or not.
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'msc' AND revoked_at IS NULL
		ORDER BY id LIMIT 1`, kim)
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "revoked in writing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	p = requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client resumed",
		"acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}}), http.StatusConflict, "denied_by_rules")
	assert.NotEmpty(t, p["reasons"])
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, firstAuth)["status"])
}

// A day-unit authorization's reactivation is judged on every unit the
// ledger then holds, not the units that fit in its days left: Brown's
// inactive ATR-TH (90 days' units at 35.00, 30 days left) gives back
// 3,150.00, not 1,050.00. A black-box pass reactivated it past the
// episode's 4,000.00 cap (5,080.00 held) with no exception recorded.
func TestReactivationOfDayUnitsHeldToTheCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 30}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// In force since before Brown's authorizations were granted: switched
	// on today, it would apply from tomorrow only (migration 00095).
	_, err := e.db.Exec(`UPDATE programs SET inactivity_since = NULL WHERE code = 'ATR'`)
	require.NoError(t, err)
	th := itFixtureAuth(t, e, "Brown", "ATR-TH")
	require.Equal(t, "inactive", itAuth(t, e, keyReviewer, th)["status"])
	for _, s := range []struct {
		code  string
		units int
	}{{"ATR-CC", 80}, {"ATR-LS", 48}, {"ATR-TR", 40}} { // 1,880.00: 2,120.00 left
		v := itVoucher(t, e, keyHRA, e.demo.Clients["Brown"], s.code, s.units, 0, 58)
		require.Equal(t, "approved", v["decision"], "%v", v)
	}
	path := itPath("/v1/authorizations/%d/reactivate", th)
	p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client back"}), http.StatusConflict, "limits_exceeded")
	assert.Contains(t, p["reasons"], "EPISODE_DOLLAR_CAP_EXCEEDED", "%v", p)
	assert.Contains(t, p["detail"], "3150.00 asked", "%v", p)
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, th)["status"])

	r = e.post(keyReviewer, path, map[string]any{"reason": "client back", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var cap string
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = (SELECT episode_id FROM authorizations WHERE id = $1)`, th))
	assert.Equal(t, "5030.00", cap, "raised to what the episode holds: 3,150.00 + 1,880.00")
	assert.Equal(t, 1, itAudit(e, "cap_exception", "episode", ""), "the exception recorded")
}

// A void locks the authorization before its episode, as claims intake
// does (ledger.LockAll): it took the episode first, so a void and a claim
// on the authorization each held what the other wanted, waited a deadlock
// timeout and one was refused 409 concurrent_change (a race black-box
// pass: the reviewer's void refused twice in seven rounds). Here the
// test's transaction stands in for the claim: it holds the authorization,
// the void waits, and the claim's next lock, the episode's, is granted.
func TestVoidWaitsForAClaimHoldingItsAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := approvedTransport(t, e)

	claim, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer claim.Rollback() //nolint:errcheck // committed below; a failed test rolls back
	_, err = claim.ExecContext(t.Context(), `SELECT 1 FROM authorizations WHERE id = $1 FOR UPDATE`, auth)
	require.NoError(t, err)

	voided := make(chan resp, 1)
	go func() {
		voided <- e.post(keyReviewer, itPath("/v1/authorizations/%d/void", auth), map[string]any{"reason": "entered in error"})
	}()
	// The void is waiting on a lock the claim holds.
	require.Eventually(t, func() bool {
		var waiting int
		_ = e.db.GetContext(t.Context(), &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`)
		return waiting > 0
	}, 10*time.Second, 10*time.Millisecond)
	_, err = claim.ExecContext(t.Context(), `SELECT 1 FROM episodes WHERE id = (SELECT episode_id FROM authorizations WHERE id = $1)
		FOR UPDATE`, auth)
	require.NoError(t, err, "the claim's episode lock")
	require.NoError(t, claim.Commit())
	r := <-voided
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "void", itAuth(t, e, keyReviewer, auth)["status"])
}

// A grant's idle days count from the day it is issued when its start lies
// further back: a retro voucher starting more idle days ago than the
// program allows read inactive the day it was issued, and a claim for
// that day was denied 197 (two black-box passes). Both the status and the
// list's filter say so; the idle days then run from the issue day.
func TestRetroGrantIsNotInactiveTheDayItIsIssued(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"inactivate_after_days": 5, "reason": "idle policy"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	c := itATRClient(t, e, day(-20))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 10, -8, 20)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	id := itNum(t, v, "authorization_id")
	a := itAuth(t, e, keyHRA, id)
	assert.Equal(t, "active", a["status"], "%v", a)
	assert.Equal(t, day(0), a["issued_on"])
	assert.Equal(t, day(6), a["inactive_on"])
	items := itItems(t, e.get(keyHRA, itPath("/v1/authorizations?status=active&client_id=%d", c.Client)))
	require.Len(t, items, 1)
	l := itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "RETRO-1", "client_id": c.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "99",
		"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(0), "units": 1, "charge": "12.00"}}}))
	assert.Equal(t, "paid", l["status"], "%v", l)

	// Six idle days after the claim it is inactive, as any grant is.
	ie.clock.Advance(6 * 24 * time.Hour)
	assert.Equal(t, "inactive", itAuth(t, e, keyHRA, id)["status"])
}

// A service's episode unit maximum lowered by the MSC applies to requests
// made after it: an authorization granted under the old maximum keeps its
// units billable (it read active with its units left while its lines were
// denied 119: a reference-data black-box pass), and a new request is
// judged against the new maximum.
func TestLoweredEpisodeMaximumLeavesGrantedUnitsBillable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-10))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 30, -5, 20)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 20, "per_voucher_max": 20,
		"reason": "the state's new limit"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	claim := func(number string, units int, on string) map[string]any {
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": on, "units": units, "charge": fmt.Sprintf("%d.00", 12*units)}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itLine(t, r)
	}
	for i, on := range []string{day(-4), day(-3), day(-2)} {
		l := claim(fmt.Sprintf("LOW-%d", i), 10, on)
		assert.Equal(t, "paid", l["status"], "%s: %v", on, l["adjustments"])
	}
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 21, 30) // 30 held + 5 > 20
	assert.Equal(t, "pended", v["decision"], "a new request meets the new maximum: %v", v["reason_codes"])
	assert.Contains(t, reasonCodes(v), "EPISODE_UNITS_EXCEEDED")
}

// An authorization granted when its service had no episode maximum keeps
// its units billable once the MSC sets one: "none" read as 0, stricter
// than any maximum, and its lines were denied 119 (a re-check).
func TestEpisodeMaximumFirstSetLeavesGrantedUnitsBillable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": nil, "reason": "no limit this year"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	a := itATRClient(t, e, day(-10))
	for _, span := range [][2]int{{-9, -6}, {-5, 0}} {
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, span[0], span[1])
		require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	}
	claim := func(number, on string) map[string]any {
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": on, "units": 10, "charge": "120.00"}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itLine(t, r)
	}
	for i := range 4 { // the first authorization's 40
		require.Equal(t, "paid", claim(fmt.Sprintf("SET-A%d", i), day(-9+i))["status"])
	}
	r = e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 40, "reason": "the state's new limit"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	l := claim("SET-B", day(-5))
	assert.Equal(t, "paid", l["status"], "the second's, granted under no maximum: %v", l["adjustments"])
}

// A retro grant, issued once its days had passed, holds all its units of
// the episode's caps until its claims are due (claims_due_by): it is there
// to be billed. Freed at once, as an authorization that ran frees its
// unused units at its end, six past days were each approved against the
// same room, 48 units against a maximum of 40, and the last line was
// denied at the cap (a black-box pass).
func TestRetroGrantsHoldTheEpisodesRoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-60))
	var ids []int64
	for d := -10; d <= -6; d++ { // 5 × 40 trips: the episode's 200
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, d, d)
		require.Equal(t, "approved", v["decision"], "%v", v)
		ids = append(ids, itNum(t, v, "authorization_id"))
	}
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, -5, -5)
	assert.Equal(t, "pended", v["decision"], "%v", v)
	assert.Contains(t, v["reason_codes"], "EPISODE_UNITS_EXCEEDED")
	auth := itAuth(t, e, keyHRA, ids[0])
	assert.Equal(t, "expired", auth["status"], "its span has passed")
	assert.Equal(t, day(-10+90), auth["claims_due_by"], "its day plus ATR's filing limit")

	// Its lines are paid within the room it held.
	claim := map[string]any{"claim_number": "RETRO-1", "client_id": a.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-10), "units": 40, "charge": "480.00"}}}
	l := itLine(t, e.post(keyHRA, "/v1/claims", claim))
	assert.Equal(t, "paid", l["status"], "%v", l)
}

// The episode's dollar cap holds what an authorization was paid for the
// units it used, as the claims' own cap counts it, not rate × units: a
// line charged under the fee pays less, and the rule read "0.00 left"
// where the claims' cap had room, pending a request that fit and raising
// the cap past need at its approval (a claims black-box pass).
func TestDollarCapCountsWhatWasPaid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "a small cap for the test"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	a := itATRClient(t, e, day(-30))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 20, -5, 20) // 240.00 at 12.00
	require.Equal(t, "approved", v["decision"], "%v", v)
	claim := map[string]any{"claim_number": "UF-1", "client_id": a.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 20, "charge": "200.00"}}}
	l := itLine(t, e.post(keyHRA, "/v1/claims", claim))
	require.Equal(t, "200.00", l["paid"], "%v", l)
	// 200.00 paid + 96.00 asked fits 300.00; at rate × units it read 336.00.
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 8, 0, 20)
	assert.Equal(t, "approved", v["decision"], "%v", v["reasons"])
	// And 4.01 more does not: 296.00 + 12.00.
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 1, 0, 20)
	assert.Equal(t, "pended", v["decision"], "%v", v["reasons"])
	assert.Contains(t, fmt.Sprint(v["reasons"]), "4.00 left")

	// The ledger keeps what each authorization was paid as its lines move
	// (migration 00090): a replacement charged otherwise, then a void.
	auth := e.count(`SELECT authorization_id FROM claim_lines l JOIN claims c ON c.id = l.claim_id WHERE c.claim_number = 'UF-1'`)
	kept := func() (string, string) {
		var paid, summed string
		require.NoError(t, e.db.QueryRow(`SELECT a.dollars_paid::text, COALESCE((SELECT sum(l.paid) FROM claim_lines l
			WHERE l.authorization_id = a.id AND l.counted), 0)::numeric(12,2)::text FROM authorizations a WHERE a.id = $1`, auth).Scan(&paid, &summed))
		return paid, summed
	}
	paid, summed := kept()
	assert.Equal(t, "200.00", paid)
	assert.Equal(t, summed, paid)
	assert.Equal(t, "200.00", itAuth(t, e, keyHRA, int64(auth))["dollars_paid"])
	orig := e.count(`SELECT id FROM claims WHERE claim_number = 'UF-1'`)
	claim["claim_number"], claim["frequency"], claim["original_claim_id"] = "UF-2", "7", orig
	claim["lines"] = []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 20, "charge": "180.00"}}
	require.Equal(t, "180.00", itLine(t, e.post(keyHRA, "/v1/claims", claim))["paid"])
	paid, summed = kept()
	assert.Equal(t, "180.00", paid, "the same units, charged otherwise")
	assert.Equal(t, summed, paid)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "UF-3", "client_id": a.Client, "frequency": "8",
		"original_claim_id": e.count(`SELECT id FROM claims WHERE claim_number = 'UF-2'`)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	paid, summed = kept()
	assert.Equal(t, "0.00", paid)
	assert.Equal(t, summed, paid)
}

// A program's inactivity switched on (or shortened) applies from the day it
// changes: an authorization idle past the new window goes inactive that
// day, not before, and a service delivered before it, while the voucher
// was live, is paid. Read as it stood for every day, the new window
// reached back: the service was denied 197, and paid again once the
// setting was put back (an operations black-box pass). Lengthened, it
// applies at once and the day of the stricter change stays.
func TestStricterInactivityAppliesFromItsChange(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	tr := itFixtureAuth(t, e, "Kim", "ATR-TR") // starts day -10, nothing claimed
	claim := func(number, dos string) map[string]any {
		return itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": e.demo.Clients["Kim"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": dos, "units": 1, "charge": "12.00"}}}))
	}
	patch := func(days any) {
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": days}})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	patch(5) // idle since day -10: past five days, but the window starts tomorrow
	a := itAuth(t, e, keyHRA, tr)
	assert.Equal(t, "active", a["status"], "the day of the change is covered")
	assert.Equal(t, day(1), a["inactive_on"])
	assert.Equal(t, day(1), a["inactivity_since"])
	l := claim("SI-1", day(-3))
	assert.Equal(t, "paid", l["status"], "delivered while the voucher was live: %v", l)
	assert.Equal(t, day(3), itAuth(t, e, keyHRA, tr)["inactive_on"], "five idle days after its last service")

	// Idle past the window since: inactive, and a service then is denied.
	ie.clock.Advance(4 * 24 * time.Hour)
	assert.Equal(t, "inactive", itAuth(t, e, keyHRA, tr)["status"])
	itDeniedNoAuthorization(t, claim("SI-2", day(4)))

	// Lengthened: at once, and the day the stricter setting began stays.
	patch(30)
	a = itAuth(t, e, keyHRA, tr)
	assert.Equal(t, "active", a["status"], "thirty days from its last service (day -3)")
	assert.Equal(t, day(28), a["inactive_on"])
	assert.Equal(t, day(1), a["inactivity_since"], "a longer window moves nothing")
}

// A void that PostgreSQL ends as a deadlock's victim runs again and goes
// through once the other side has committed: a claim for the same client
// holding the episode through the client's earlier authorization, then
// wanting the authorization the void holds, made the void the loser, and
// the reviewer read 409 concurrent_change (2 rounds in 17, a claims pass).
// The test's transaction plays the claim; it waits the longer before
// looking for a deadlock, so the void is the one ended.
func TestVoidEndedAsADeadlocksVictimRunsAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := approvedTransport(t, e)

	claim := holding(t, e, `SET LOCAL deadlock_timeout = '60s'`)
	_, err := claim.ExecContext(t.Context(), `SELECT 1 FROM episodes WHERE id = (SELECT episode_id FROM authorizations WHERE id = $1)
		FOR UPDATE`, auth)
	require.NoError(t, err)
	voided := make(chan resp, 1)
	go func() {
		voided <- e.post(keyReviewer, itPath("/v1/authorizations/%d/void", auth), map[string]any{"reason": "entered in error"})
	}()
	require.Eventually(t, func() bool { return lockWaiters(e) == 1 }, 30*time.Second, 10*time.Millisecond,
		"the void holds its authorization and waits for the episode")
	_, err = claim.ExecContext(t.Context(), `SELECT 1 FROM authorizations WHERE id = $1 FOR UPDATE`, auth)
	require.NoError(t, err, "granted once the void is ended")
	require.NoError(t, claim.Commit())
	r := <-voided
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "void", itAuth(t, e, keyReviewer, auth)["status"])
	assert.Equal(t, 1, itAudit(e, "void", "authorization", ""), "voided once")
}

// approvedTransport is a new ATR client's approved transportation voucher's
// authorization: 40 trips from ten days ago.
func approvedTransport(t *testing.T, e *env) int64 {
	t.Helper()
	a := itATRClient(t, e, day(-20))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, -10, 25)
	require.Equal(t, "approved", v["decision"], "%v", v)
	return itNum(t, v, "authorization_id")
}

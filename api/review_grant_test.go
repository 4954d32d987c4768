package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// approve_modified is judged on what it grants: the deny rules run on the
// granted span (a staff member who leaves before the granted start is not
// qualified on it), and the authorization is priced at the rate in force
// on the granted start. Both were judged on the request's own start: a
// grant starting after Okafor left was accepted, at the old rate (a
// black-box pass).
func TestReviewerApprovalJudgesTheGrantedSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	johnson := e.demo.Clients["Johnson"]
	pend := func() string {
		t.Helper()
		v := itVoucher(t, e, keyHRA, johnson, "ATR-CM", 40, 0, 59)
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
		require.Equal(t, "15.00", v["rate"])
		return itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))
	}
	rate := func(got map[string]any) any {
		t.Helper()
		require.NotNil(t, got["authorization_id"], "%v", got)
		return e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, got, "authorization_id"))).JSON(t)["rate"]
	}
	first, second, third := pend(), pend(), pend()

	// A new rate from day 10; the requests were priced at 15.00 on day 0.
	r := e.post(keyAdmin, "/v1/reference/services/ATR-CM/rates",
		map[string]any{"rate": "16.00", "effective_from": day(10), "reason": "rate review"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.post(keyReviewer, first, map[string]any{"action": "approve_modified", "units": 20, "start_date": day(10),
		"end_date": day(59), "note": "from the tenth"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "16.00", rate(r.JSON(t)), "priced at the rate in force on the granted start")
	assert.Equal(t, "15.00", r.JSON(t)["rate"], "the request keeps the rate it was priced at")
	r = e.post(keyReviewer, second, map[string]any{"action": "approve", "note": "as asked"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "15.00", rate(r.JSON(t)), "a grant from the request's start keeps the rate it was priced at")

	// Okafor, Johnson's case manager, leaves on day 5: a grant from day 10
	// is one she cannot deliver (the request's span is cut at her
	// departure, SPAN_PAST_EMPLOYMENT, so a grant past it is out of the
	// rules' limits); one from day 0 to day 5 she can.
	r = e.patch(keyHRA, itPath("/v1/staff/%d", e.demo.Staff["Okafor"]), map[string]any{"employment_end": day(5)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, third, map[string]any{"action": "approve_modified", "units": 10,
			"start_date": day(10), "end_date": day(59), "note": "later"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "end_date"), "%v", p)
	})
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, third, map[string]any{"action": "approve_modified", "units": 10,
			"start_date": day(6), "end_date": day(5), "note": "later"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.NotEmpty(t, p["errors"])
	})
	r = e.post(keyReviewer, third, map[string]any{"action": "approve_modified", "units": 10, "start_date": day(0),
		"end_date": day(5), "note": "until she leaves"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "partial", r.JSON(t)["decision"])
}

// A reviewer's approval cut by a rule that began to bind while the request
// waited says which: Okafor's departure, recorded after Johnson's request
// pended, held the grant to day 5, and the answer gave only the request's
// pend reasons (an operations black-box pass). The review's reasons name
// SPAN_PAST_EMPLOYMENT, for the agency as for the MSC.
func TestReviewerApprovalCutSaysWhy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	path := itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))
	r := e.patch(keyHRA, itPath("/v1/staff/%d", e.demo.Staff["Okafor"]), map[string]any{"employment_end": day(5)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.post(keyReviewer, path+"/decision", map[string]any{"action": "approve", "note": "as the rules allow"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	for _, key := range []string{keyReviewer, keyHRA} {
		got := e.get(key, path).JSON(t)
		assert.Equal(t, "partial", got["decision"])
		assert.Equal(t, day(5), got["granted_end"])
		assert.NotContains(t, got["reason_codes"], "SPAN_PAST_EMPLOYMENT", "the request's own reasons stay as decided")
		review, _ := got["review"].(map[string]any)
		require.NotNil(t, review, "%v", got)
		reasons, _ := review["reasons"].([]any)
		require.Len(t, reasons, 1, "%v", review)
		reason := reasons[0].(map[string]any)
		assert.Equal(t, "SPAN_PAST_EMPLOYMENT", reason["code"])
		assert.Contains(t, reason["detail"], day(5))
	}
}

// Transitional housing is counted by the day: 30 days over a 7-day span
// are granted as 7 (UNITS_OVER_SPAN_DAYS), and a claim line of 30 units on
// one date is denied 16/M53, where both were taken and $1,050.00 paid (a
// black-box pass).
func TestDayUnitsFitTheirDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-TH", 30, 0, 6) // pended too: not in the care plan
	assert.Contains(t, v["reason_codes"], "UNITS_OVER_SPAN_DAYS")
	assert.Equal(t, 7.0, v["ceiling"].(map[string]any)["units"], "at most 7 may be granted")
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "TH-DAYS", "client_id": c.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-TH", "date_of_service": day(0), "units": 7, "charge": "245.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claim := r.JSON(t)
	assert.Equal(t, "denied", claim["status"], "%v", claim)
	line := claim["lines"].([]any)[0].(map[string]any)
	assert.Equal(t, "0.00", line["paid"])
	adj := line["adjustments"].([]any)[0].(map[string]any)
	assert.Equal(t, "CLAIM_INVALID_UNITS", adj["code"])
	assert.Equal(t, "16", adj["carc"])
}

// A reviewer lifting SERVICE_NOT_IN_CARE_PLAN grants the days before the
// first plan listing the service, but no further than plans list it: a
// grant starting a day before the plan ran past its end, where one starting
// inside it was refused (a re-check of V29).
func TestReviewerGrantEndsWhereTheCarePlansStop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-10))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-DT", 4, 0, 27)
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": c.Client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(6), "end_date": day(11), "services": []map[string]any{{"service_code": "ATR-DT"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))
	for _, start := range []int{6, 5} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve_modified", "units": 4,
				"start_date": day(start), "end_date": day(27), "note": "ok"}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "out_of_range", itFieldCode(p, "end_date"), "a grant from day %d", start)
		})
	}
	r = e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "ok"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(11), r.JSON(t)["granted_end"], "cut where the plan stops listing it")
}

// A pended request the rules now leave no units to (the agency's own
// authorization over the same days holds the per-voucher maximum: an
// identical request approved first) is refused 409 nothing_to_grant, the
// rule that cut it named: approving it was a 500 on the decision's CHECK
// (a reviewer black-box pass). A deny rule that fires too is the refusal.
func TestApprovalWithNoUnitsLeftIsNothingToGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-40))
	first := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 96, -20, 10)
	second := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 96, -20, 10)
	for _, v := range []map[string]any{first, second} {
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	}
	decide := func(v map[string]any) resp {
		return e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
			map[string]any{"action": "approve", "note": "late paperwork accepted"})
	}
	r := decide(first)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, decide(second), http.StatusConflict, "nothing_to_grant")
		assert.Contains(t, p["detail"], "OWN_AUTHORIZATION_AT_VOUCHER_MAX")
		assert.Equal(t, []any{"OWN_AUTHORIZATION_AT_VOUCHER_MAX"}, p["reasons"])
	})
	// A deny rule besides the limit is the refusal, with its code: it read
	// nothing_to_grant with no reasons (a voucher black-box pass).
	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", a.Consent), map[string]any{"reason": "client withdrew consent"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, decide(second), http.StatusConflict, "denied_by_rules")
		assert.Contains(t, p["reasons"], "PART2_CONSENT_MISSING")
	})
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, second, "id")),
		map[string]any{"action": "deny", "note": "a duplicate of the request approved"})
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// approve_modified without units, or with units null, is told units are
// required, as a missing date is (it read out_of_range: a reviewer
// black-box pass); units of zero are out of range.
func TestApproveModifiedNamesMissingUnitsRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "pended", v["decision"])
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))
	mod := map[string]any{"action": "approve_modified", "start_date": day(0), "end_date": day(29), "note": "ok"}
	itNothingWritten(t, e, func() {
		for _, body := range []map[string]any{mod, itWith(mod, "units", nil)} {
			p := requireProblem(t, e.post(keyReviewer, path, body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "required", itFieldCode(p, "units"), "%v", p)
		}
		p := requireProblem(t, e.post(keyReviewer, path, itWith(mod, "units", 0)), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "units"), "%v", p)
	})
}

// A reviewer's approve_modified is held to the units the rules leave on
// the days it grants: the agency's own authorization over part of the
// request's span (at the per-voucher maximum) left "nothing to grant" for
// the days it does not cover, though a new request for them was granted (a
// voucher black-box pass).
func TestApproveModifiedJudgesTheDaysItGrants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-40))
	pended := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 96, -20, 10)
	require.Equal(t, "pended", pended["decision"], "%v", pended["reason_codes"])
	later := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 96, 0, 10)
	require.Equal(t, "approved", later["decision"], "%v", later["reason_codes"])
	require.EqualValues(t, 96, later["units_granted"], "%v", later["reason_codes"])
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, pended, "id"))
	itNothingWritten(t, e, func() {
		// Days the later authorization holds are held still.
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve_modified", "units": 40,
			"start_date": day(-5), "end_date": day(5), "note": "ok"}), http.StatusConflict, "nothing_to_grant")
		assert.Contains(t, p["detail"], "OWN_AUTHORIZATION_AT_VOUCHER_MAX")
	})
	r := e.post(keyReviewer, path, map[string]any{"action": "approve_modified", "units": 40,
		"start_date": day(-20), "end_date": day(-1), "note": "the days before the agency's own authorization"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, "partial", got["decision"])
	assert.EqualValues(t, 40, got["units_granted"])
	assert.Equal(t, day(-1), got["granted_end"])
}

// A day holds its units once however a claim splits them: the client's
// counted lines of a service on one date together hold no more than the
// date does. Split over lines and claims, 375 quarter hours of one date
// were paid (a claims black-box pass). A void gives its day back, and a
// line repeating a counted one is still a duplicate.
func TestDayUnitsFitTheirDayAcrossLinesAndClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, -10, 9})
	claim := func(number string, units ...int) map[string]any {
		t.Helper()
		lines := []map[string]any{}
		for _, u := range units {
			lines = append(lines, map[string]any{"service_code": "ATR-CM", "date_of_service": day(-1), "units": u,
				"charge": fmt.Sprintf("%d.00", 15*u)})
		}
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": c.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	codes := func(m map[string]any) []string {
		var out []string
		for _, l := range m["lines"].([]any) {
			adj, _ := l.(map[string]any)["adjustments"].([]any)
			code := ""
			for _, a := range adj {
				code = a.(map[string]any)["code"].(string)
			}
			out = append(out, code)
		}
		return out
	}
	a := claim("DAY-A", 40, 50, 7) // 90 paid, then 97 of 96
	assert.Equal(t, []string{"", "", "CLAIM_INVALID_UNITS"}, codes(a))
	line := a["lines"].([]any)[2].(map[string]any)
	assert.Equal(t, "0.00", line["paid"])
	assert.Equal(t, []string{"CLAIM_INVALID_UNITS"}, codes(claim("DAY-B", 7)), "another claim of the same date")
	assert.Equal(t, []string{""}, codes(claim("DAY-C", 6)), "the day's last 6")
	assert.Equal(t, []string{"CLAIM_DUPLICATE"}, codes(claim("DAY-D", 6)), "a repeat is a duplicate still")
	r := e.post(keyHRA, itPath("/v1/claims/%d/void", itNum(t, a, "id")), map[string]any{"claim_number": "DAY-A-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []string{"", ""}, codes(claim("DAY-E", 45, 44)), "the void gave 90 back")
}

// And a client's day holds 24 hours across the services counted by time:
// 24 hours of case management, 12 of life skills and 24 of child care for
// one client on one date were each within their own service's day and
// all paid (a claims black-box pass). A day's stay or a trip takes none of
// the hours, and a void gives its hours back.
func TestClientsDayHoldsTwentyFourHoursAcrossServices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	r := e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": c.Client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(-10), "end_date": day(90), "services": []map[string]any{{"service_code": "ATR-LS"}, {"service_code": "ATR-CC"}}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, -10, 9}, itGrant{"ATR-LS", 48, -10, 9}, itGrant{"ATR-CC", 80, -10, 9})
	rates := map[string]int{"ATR-CM": 15, "ATR-LS": 25, "ATR-CC": 10} // charges at most the fee: LS 12.50 a unit
	claim := func(number, service string, dos string, units int) map[string]any {
		t.Helper()
		charge := fmt.Sprintf("%d.00", rates[service]*units)
		if service == "ATR-LS" {
			charge = fmt.Sprintf("%d.%02d", units*1250/100, units*1250%100)
		}
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": c.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []map[string]any{
				{"service_code": service, "date_of_service": dos, "units": units, "charge": charge}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	code := func(m map[string]any) string {
		t.Helper()
		l := m["lines"].([]any)[0].(map[string]any)
		adj, _ := l["adjustments"].([]any)
		if len(adj) == 0 {
			assert.Equal(t, "paid", l["status"], "%v", l)
			return ""
		}
		return adj[len(adj)-1].(map[string]any)["code"].(string)
	}
	// Yesterday: 10 hours of case management and 14 of child care fill it.
	a := claim("HRS-A", "ATR-CM", day(-1), 40)
	assert.Equal(t, "", code(a))
	assert.Equal(t, "", code(claim("HRS-B", "ATR-CC", day(-1), 14)))
	ls := claim("HRS-C", "ATR-LS", day(-1), 1)
	assert.Equal(t, "CLAIM_INVALID_UNITS", code(ls), "a quarter hour past the day")
	hit := ls["lines"].([]any)[0].(map[string]any)
	assert.Equal(t, "0.00", hit["paid"])

	// The day before: 12 + 10 + 2 hours is the day exactly; one more is not.
	assert.Equal(t, "", code(claim("HRS-D", "ATR-CM", day(-2), 48)))
	assert.Equal(t, "", code(claim("HRS-E", "ATR-LS", day(-2), 40)))
	assert.Equal(t, "", code(claim("HRS-F", "ATR-CC", day(-2), 2)))
	assert.Equal(t, "CLAIM_INVALID_UNITS", code(claim("HRS-G", "ATR-CC", day(-2), 1)))

	// A void gives its 10 hours back to yesterday.
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", itNum(t, a, "id")), map[string]any{"claim_number": "HRS-A-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "", code(claim("HRS-H", "ATR-LS", day(-1), 8)), "the void gave its hours back")
}

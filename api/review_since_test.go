package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// recheckHits are the codes of the re-check's hits kept on a request's
// reviewer decision.
func recheckHits(t *testing.T, e *env, id int64) []string {
	t.Helper()
	var codes []string
	require.NoError(t, e.db.Select(&codes, `SELECT h->>'code' FROM reviewer_decisions d, jsonb_array_elements(d.recheck_hits) h
		WHERE d.voucher_request_id = $1`, id))
	return codes
}

// itGrant is a voucher request of an ATR client expected approved: the
// service, its units and its span in days from today.
type itGrant struct {
	service  string
	units    int
	from, to int
}

// itApproved asks for each grant for client and requires each approved;
// it returns their authorizations' ids.
func itApproved(t *testing.T, e *env, client int64, grants ...itGrant) []int64 {
	t.Helper()
	ids := make([]int64, len(grants))
	for i, g := range grants {
		v := itVoucher(t, e, keyHRA, client, g.service, g.units, g.from, g.to)
		require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
		ids[i] = itNum(t, v, "authorization_id")
	}
	return ids
}

// A request pended only as a retro authorization waits while other
// requests of the client are approved; approved as it stood it took the
// episode past its dollar cap with no exception recorded, and its claims
// were denied 119 (black-box pass claims §1). The approval now meets the
// cap: refused, 409 pended_since, unless the reviewer acknowledges it,
// which raises the cap as for a request that pended for it; a smaller
// grant that fits needs no acknowledging.
func TestReviewerApprovalMeetsCapsReachedSincePending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	// Each over its own days: the agency's vouchers of a service over the
	// same days share one per-voucher maximum (V38).
	retro := func(from, to int) int64 {
		t.Helper()
		v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, from, to) // 1,440.00
		require.Equal(t, "pended", v["decision"])
		require.Equal(t, []any{"RETRO_AUTHORIZATION"}, v["reason_codes"])
		return itNum(t, v, "id")
	}
	first, second := retro(-20, -16), retro(-15, 5)
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 6, 35}, itGrant{"ATR-CM", 96, 36, 65}, itGrant{"ATR-TR", 40, 0, 29}) // 3,360.00 of 4,000.00
	path := func(id int64) string { return itPath("/v1/voucher-requests/%d/decision", id) }

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path(first), map[string]any{"action": "approve", "note": "late but due"}),
			http.StatusConflict, "pended_since")
		assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, p["reasons"])
		assert.Contains(t, p["detail"], "1440.00 asked, 640.00 left of 4000.00")
		assert.Contains(t, p["detail"], "acknowledge")
	})
	// 42 units (630.00) fit what is left: granted as they are.
	r := e.post(keyReviewer, path(second), map[string]any{"action": "approve_modified", "units": 42, "start_date": day(-15),
		"end_date": day(5), "note": "what the cap leaves"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "partial", r.JSON(t)["decision"])
	assert.Equal(t, []string{"RETRO_AUTHORIZATION"}, recheckHits(t, e, second))
	assert.Equal(t, 0, itAudit(e, "cap_exception", "episode", ""))

	// Acknowledged, the cap is lifted as an exception: raised to what is
	// now authorized (3,990.00 + 1,440.00), recorded and audited.
	r = e.post(keyReviewer, path(first), map[string]any{"action": "approve", "note": "exception: housing transition",
		"acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "approved", r.JSON(t)["decision"])
	assert.ElementsMatch(t, []string{"RETRO_AUTHORIZATION", "EPISODE_DOLLAR_CAP_EXCEEDED"}, recheckHits(t, e, first))
	assert.Equal(t, 1, itAudit(e, "cap_exception", "episode", itStr(c.Episode)))
	var cap string
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
	assert.Equal(t, "5430.00", cap)
}

// The duplicate-service rule is judged again too: BCS's retro request for
// Moreau waits while HRA is granted the same service over the same days.
// The reviewer (the MSC) is told, with HRA's authorization; BCS, which
// holds no consent from HRA's record, learns nothing of it from the
// decision, whatever the reviewer acknowledged.
func TestReviewerApprovalMeetsDuplicateSincePending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyBCS, e.demo.Clients["Moreau/BCS"], "ATR-DT", 8, -18, 10)
	require.Equal(t, "pended", v["decision"])
	require.Equal(t, []any{"RETRO_AUTHORIZATION"}, v["reason_codes"])
	id := itNum(t, v, "id")
	hra := itVoucher(t, e, keyHRA, e.demo.Clients["Moreau/HRA"], "ATR-DT", 8, 0, 29)
	require.Equal(t, "approved", hra["decision"], "%v", hra["reason_codes"])
	number := hra["authorization_number"].(string)
	path := itPath("/v1/voucher-requests/%d/decision", id)

	before := e.get(keyBCS, itPath("/v1/voucher-requests/%d", id)).JSON(t)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "late but due"}),
			http.StatusConflict, "pended_since")
		assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, p["reasons"])
		assert.Contains(t, p["detail"], number, "the MSC sees whose authorization overlaps")
		// Acknowledging another reason lifts nothing else.
		requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "x",
			"acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}}), http.StatusConflict, "pended_since")
	})
	r := e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "tests on different days, agreed",
		"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	decided := r.JSON(t)
	assert.Equal(t, "approved", decided["decision"])
	assert.Contains(t, recheckHits(t, e, id), "DUPLICATE_SERVICE_OTHER_PROVIDER")

	answers := map[string]resp{
		"get":           e.get(keyBCS, itPath("/v1/voucher-requests/%d", id)),
		"list":          e.get(keyBCS, itPath("/v1/voucher-requests?client_id=%d", e.demo.Clients["Moreau/BCS"])),
		"authorization": e.get(keyBCS, itPath("/v1/authorizations/%d", itNum(t, decided, "authorization_id"))),
	}
	// HRA's name, its id as a detail quotes it, and its authorizations'
	// numbers (the trace names every rule, fired or not, as before).
	for name, a := range answers {
		require.Equal(t, http.StatusOK, a.Status, "%s: %s", name, a.Body)
		for _, s := range append(otherAgencyTraces(t, e)[3:], number, "source_provider_id", "CONFLICT_ON_FILE") {
			assert.NotContains(t, string(a.Body), s, "%s answer tells of HRA", name)
		}
	}
	after := answers["get"].JSON(t)
	assert.Equal(t, "approved", after["decision"])
	// Only the next step moves: decided, the reason waits for no reviewer
	// (the forty-sixth stop), as a stranger's does.
	for _, r := range after["reasons"].([]any) {
		assert.Equal(t, "None: a reviewer has decided the request (see its review).", r.(map[string]any)["next_step"])
		delete(r.(map[string]any), "next_step")
	}
	for _, r := range before["reasons"].([]any) {
		delete(r.(map[string]any), "next_step")
	}
	for _, k := range []string{"reason_codes", "reasons", "trace"} {
		assert.Equal(t, before[k], after[k], "the decision adds nothing to what BCS reads of %s", k)
	}
	assert.NotContains(t, after["review"], "acknowledge")
	assert.NotContains(t, after["review"], "recheck_hits")
}

// acknowledge names voucher pend reasons, once each, a few at most, and
// only with an approval.
func TestReviewerAcknowledgeRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "pended", v["decision"])
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))
	for _, tc := range []struct {
		name   string
		action string
		codes  []string
		field  string
		code   string
	}{
		{"unknown code", "approve", []string{"NOT_A_CODE"}, "acknowledge[0]", "invalid_value"},
		{"claim code", "approve", []string{"CLAIM_CAP_REACHED"}, "acknowledge[0]", "invalid_value"},
		{"deny code", "approve", []string{"PART2_CONSENT_MISSING"}, "acknowledge[0]", "not_allowed"},
		{"reduce code", "approve", []string{"UNITS_OVER_VOUCHER_MAX"}, "acknowledge[0]", "not_allowed"},
		{"a provider's stand-in for withheld reasons", "approve", []string{"CONFLICT_ON_FILE"}, "acknowledge[0]", "not_allowed"},
		{"twice", "approve", []string{"EPISODE_UNITS_EXCEEDED", "EPISODE_UNITS_EXCEEDED"}, "acknowledge[1]", "duplicate"},
		{"too many", "approve", []string{"EPISODE_UNITS_EXCEEDED", "EPISODE_DOLLAR_CAP_EXCEEDED", "DUPLICATE_SERVICE_OTHER_PROVIDER",
			"RETRO_AUTHORIZATION", "CASELOAD_AT_CAP", "GPRA_FOLLOWUP_OVERDUE"}, "acknowledge", "too_many"},
		{"with a denial", "deny", []string{"EPISODE_UNITS_EXCEEDED"}, "acknowledge", "not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": tc.action, "note": "x", "acknowledge": tc.codes}),
					http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, tc.code, itFieldCode(p, tc.field), "%v", p["errors"])
			})
		})
	}
	// Acknowledging what does not fire changes nothing.
	r := e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "follow-up booked",
		"acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, 0, itAudit(e, "cap_exception", "episode", ""))
}

// A request pended for the dollar cap is lifted by an approval as the
// reviewer saw it; one approved after more was authorized in the episode
// took the cap past what the reviewer read (a black-box pass: pended
// "600.00 asked, 460.00 left", approved with 10.00 left, the cap raised
// 590.00). The approval is a 409 pended_since with today's figures until
// the reviewer acknowledges them.
func TestReviewerApprovalMeetsACapGrownSincePending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 0, 29}, itGrant{"ATR-CM", 96, 30, 59}) // 2,880.00 of 4,000.00
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 80, 60, 89)                            // 1,200.00: 80.00 over
	require.Equal(t, "pended", v["decision"])
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"])
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))
	more := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 40, 0, 29) // 480.00 more
	require.Equal(t, "approved", more["decision"], "%v", more["reason_codes"])

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "80.00 over is fine"}),
			http.StatusConflict, "pended_since")
		assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, p["reasons"])
		assert.Contains(t, p["detail"], "1200.00 asked, 640.00 left of 4000.00", "today's figures")
	})
	r := e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "560.00 over, agreed",
		"acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var cap string
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
	assert.Equal(t, "4560.00", cap)
}

// Nothing authorized since the pend: the approval lifts the cap the
// request pended for, as before.
func TestReviewerApprovalLiftsTheCapItPendedFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 0, 29}, itGrant{"ATR-CM", 96, 30, 59})
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 80, 60, 89)
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "80.00 over"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}

// A cap an exception raised falls back when an authorization under it is
// voided: to what the episode then holds, never below the program's cap.
// The room the void freed stayed, and later grants, another agency's
// among them, passed the program's 4,000.00 unreviewed (a black-box pass).
func TestVoidReleasesACapException(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	ids := itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 0, 29}, itGrant{"ATR-CM", 96, 30, 59}) // 2 × 1,440.00
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, 60, 89)                                   // 1,440.00 more: 320.00 over
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "exception"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	capNow := func() string {
		var cap string
		require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
		return cap
	}
	require.Equal(t, "4320.00", capNow())

	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", ids[0]), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "4000.00", capNow(), "2,880.00 held: the program's cap again")
	assert.Equal(t, 1, itAudit(e, "cap_released", "episode", itStr(c.Episode)))
	assert.Equal(t, []string{"dollar_cap 4000.00"}, capsReleased(e, c.Client), "under the client, with the figure")
	over := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, 90, 119) // 1,440.00: past 4,000.00 again
	assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, over["reason_codes"], "judged against the program's cap")
}

// A claim's void lowers what a void authorization holds (its paid
// dollars), and a cap an exception raised for it falls back as at the
// authorization's own void: kept, the room the claim's void freed was
// granted later, by the rules alone, past the program's cap (a black-box
// pass: 4,400.00 held in an episode of 4,000.00 whose only exception held
// nothing).
func TestClaimVoidReleasesACapException(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 30, 59}, itGrant{"ATR-CM", 96, 60, 89}, itGrant{"ATR-CM", 40, 90, 119}) // 3,480.00
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, 0, 29)                                                              // 1,440.00 more
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "exception"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	excepted := itNum(t, r.JSON(t), "authorization_id")
	capNow := func() string {
		var cap string
		require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
		return cap
	}
	require.Equal(t, "4920.00", capNow())
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "CAP-VOID-1", "client_id": c.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-CM", "date_of_service": day(0), "units": 36, "charge": "540.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	claim := itID(t, r)
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", excepted), map[string]any{"reason": "no longer needed"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "4020.00", capNow(), "3,480.00 and the 540.00 paid")

	r = e.post(keyHRA, itPath("/v1/claims/%d/void", claim), map[string]any{"claim_number": "CAP-VOID-1V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "4000.00", capNow(), "3,480.00 held: the program's cap again")
	assert.Equal(t, 2, itAudit(e, "cap_released", "episode", itStr(c.Episode)))
	assert.Equal(t, []string{"dollar_cap 4020.00", "dollar_cap 4000.00"}, capsReleased(e, c.Client),
		"the claim's void, as the authorization's, under the client with the figure")
	over := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 36, 120, 149) // 540.00: inside 4,020.00, past 4,000.00
	assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, over["reason_codes"], "judged against the program's cap")
}

// A service's episode unit maximum raised by an exception falls back with
// a void too, as the dollar cap does: to what the episode then holds, and
// to the service's own maximum when that is enough.
func TestVoidReleasesAUnitMaximumException(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	// One after another: over the same days they would share one
	// per-voucher maximum (V38).
	tr := func(from int) itGrant { return itGrant{"ATR-TR", 40, from, from + 29} }
	ids := itApproved(t, e, c.Client, tr(0), tr(30), tr(60), tr(90), tr(120)) // 200 of ATR-TR's 200
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 10, 150, 179)
	require.Equal(t, []any{"EPISODE_UNITS_EXCEEDED"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "exception"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	maxima := func() int {
		return e.count(`SELECT COALESCE(max(max_units), 0) FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'`, c.Episode)
	}
	require.Equal(t, 210, maxima())

	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", ids[0]), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Zero(t, maxima(), "170 held: the service's 200 again")
	assert.Equal(t, 1, itAudit(e, "cap_released", "episode", itStr(c.Episode)))
	assert.Equal(t, []string{"ATR-TR max_units 200"}, capsReleased(e, c.Client))
	again := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 40, 0, 29)
	assert.Equal(t, []any{"EPISODE_UNITS_EXCEEDED"}, again["reason_codes"], "judged against the service's 200")
}

// A void lets a cap an exception raised fall back no lower than the cap
// the episode opened with: to the program's cap today, it cut an episode
// opened under a higher cap and never raised (4000.00 to 300.00), and its
// next request pended where it had been approved (a re-check).
func TestVoidKeepsTheCapTheEpisodeOpenedWith(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30)) // opened under ATR's 4000.00
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "the state's new cap"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ids := itApproved(t, e, c.Client, itGrant{"ATR-TR", 20, 0, 29}, itGrant{"ATR-TR", 20, 30, 59}) // 480.00 of 4000.00
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", ids[0]), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var cap string
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
	assert.Equal(t, "4000.00", cap)
	assert.Zero(t, itAudit(e, "cap_released", "episode", itStr(c.Episode)), "nothing raised, nothing released")
	itApproved(t, e, c.Client, itGrant{"ATR-TR", 20, 60, 89})
}

// A discharge's voids and ends let a raised cap fall back as a reviewer's
// void does: the authorization the exception was made for, voided by the
// discharge, left the cap raised, and the readmitted stay, or another
// agency, was granted past the program's 4,000.00 unreviewed (an
// enrollment black-box pass).
func TestDischargeReleasesACapException(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(0))
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 0, 29}, itGrant{"ATR-CM", 96, 30, 59}) // 2 × 1,440.00
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, 60, 89)                            // 320.00 over
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "exception"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var cap string
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
	require.Equal(t, "4320.00", cap)

	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.Enrollment), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
	assert.Equal(t, "4000.00", cap, "the program's cap again: the second and third voided, the first ended")
	assert.Equal(t, 1, itAudit(e, "cap_released", "episode", itStr(c.Episode)))
}

// An agency's reactivation that voids or ends an authorization lets a
// raised cap fall back as a reviewer's void and a discharge do: the grant
// a reviewer's exception was made for, voided as lying in the agency's
// suspension, left the cap raised for later grants, any agency's,
// unreviewed (a review).
func TestReactivationReleasesACapException(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	brown := e.demo.Clients["Brown"]
	v := itVoucher(t, e, keyHRA, brown, "ATR-CM", 40, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v)
	require.Contains(t, v["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "exception granted: housing transition"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	auth := itNum(t, r.JSON(t), "authorization_id")
	episode := int64(e.count(`SELECT episode_id FROM authorizations WHERE id = $1`, auth))
	capNow := func() string {
		var cap string
		require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, episode))
		return cap
	}
	require.NotEqual(t, "4000.00", capNow(), "the exception raised the cap")

	hra := e.demo.Providers["HRA"]
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold", "effective_on": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ie.clock.Advance(31 * 24 * time.Hour)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "hold lifted", "in_error": false})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "void", itAuth(t, e, keyReviewer, auth)["status"], "its days all lay in the suspension")
	assert.Equal(t, "4000.00", capNow(), "the program's cap again")
	assert.Equal(t, 1, itAudit(e, "cap_released", "episode", itStr(episode)))
}

// A reactivation's release reads the authorizations it gives back with
// their spans again: read under the deactivation still in force, they
// held only their used units, and the cap raised for one of them fell
// with the void of another.
func TestReactivationKeepsTheCapOfWhatItGivesBack(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	c := itATRClient(t, e, day(-30))
	// 2 × 1,440.00 after the suspension, 240.00 within it.
	ids := itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 40, 69}, itGrant{"ATR-CM", 96, 70, 99}, itGrant{"ATR-TR", 20, 0, 29})
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, 100, 129) // 1,440.00 more: 560.00 over
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "exception"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	capNow := func() string {
		var cap string
		require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
		return cap
	}
	require.Equal(t, "4560.00", capNow())

	hra := e.demo.Providers["HRA"]
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold", "effective_on": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ie.clock.Advance(31 * 24 * time.Hour)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "hold lifted", "in_error": false})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var ended []float64
	for _, x := range r.JSON(t)["authorizations_ended"].([]any) {
		if x := x.(map[string]any); x["client_id"] == float64(c.Client) {
			ended = append(ended, x["id"].(float64))
		}
	}
	require.Equal(t, []float64{float64(ids[2])}, ended, "the grant within the suspension alone: %s", r.Body)
	require.Equal(t, "void", itAuth(t, e, keyReviewer, ids[2])["status"])
	assert.Equal(t, "4320.00", capNow(), "what the three given back hold, not the program's cap")
	assert.Equal(t, 1, itAudit(e, "cap_released", "episode", itStr(c.Episode)))
}

// Two agencies' claims for one person, their authorizations in two
// episodes with ids interleaved (HRA's ATR, BCS's RCM, HRA's RCM, BCS's
// ATR), lock the episodes in opposite orders: PostgreSQL ends one, and the
// deadlock, met taking the snapshot's locks, reached BCS as a 409 (a
// review). Claims intake takes its snapshot again, as it does a write met
// so, and both are paid. The first claim is held at HRA's RCM authorization
// until the second waits too, which makes the cycle every time.
func TestTwoAgenciesClaimsForOnePersonBothPay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := interleavedAuthorizations(t, e)
	hold := holding(t, e, `SELECT 1 FROM authorizations WHERE id = $1 FOR UPDATE`, p.hraRCM)
	// One trip on the day before, each agency's claim sent on its own.
	claim := func(key, number string, client, staff int64) <-chan resp {
		ch := make(chan resp, 1)
		go func() {
			ch <- e.post(key, "/v1/claims", map[string]any{"claim_number": number, "client_id": client,
				"rendering_staff_id": staff, "place_of_service": "11",
				"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
		}()
		return ch
	}
	h := answeredOrWaiting(t, e, claim(keyHRA, "IL-H-1", p.hra, e.demo.Staff["Okafor"]), 1)
	b := answeredOrWaiting(t, e, claim(keyBCS, "IL-B-1", p.bcs, e.demo.Staff["Ibrahim"]), 2)
	require.NoError(t, hold.Rollback())
	hr, br := h(), b()
	assert.Equal(t, http.StatusCreated, hr.Status, "%s", hr.Body)
	assert.Equal(t, http.StatusCreated, br.Status, "%s", br.Body)
}

// interleavedPair is one person at HRA and BCS in ATR and RCM, with the
// four authorizations granted in the order HRA-ATR, BCS-RCM, HRA-RCM,
// BCS-ATR (ids rising), so that HRA's client's authorizations take the
// episodes ATR then RCM and BCS's RCM then ATR.
type interleavedPair struct {
	hra, bcs                       int64
	hraATR, bcsRCM, hraRCM, bcsATR int64
	epATR, epRCM                   int64
}

func interleavedAuthorizations(t *testing.T, e *env) interleavedPair {
	t.Helper()
	person := identity{First: "Interleaved", Last: fmt.Sprintf("Deadlock%d", itNameSeq.Add(1)), DOB: rss.MustDate("1985-03-03")}
	var p interleavedPair
	p.hra = itRegisterAs(t, e, keyHRA, person)
	p.bcs = itRegisterAs(t, e, keyBCS, person)
	itATRReady(t, e, keyHRA, p.hra, nil)
	itATRReady(t, e, keyBCS, p.bcs, nil)
	rcm := func(key string, client int64, staff int64) {
		r := e.post(key, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM",
			"assigned_staff_id": staff, "start_date": day(-10), "referral_source": "samss_meeting"})
		require.Equal(t, http.StatusCreated, r.Status, "rcm enrollment: %s", r.Body)
		r = e.post(key, "/v1/care-plans", map[string]any{"client_id": client, "program_code": "RCM", "kind": "rss_care_plan",
			"start_date": day(-10), "end_date": day(300), "services": []map[string]any{{"service_code": "RCM-CM"}}})
		require.Equal(t, http.StatusCreated, r.Status, "rcm care plan: %s", r.Body)
	}
	rcm(keyHRA, p.hra, e.demo.Staff["Petrov"])
	rcm(keyBCS, p.bcs, e.demo.Staff["Quinn"])
	grant := func(key string, client int64, service string, from, to int) int64 {
		t.Helper()
		v := itVoucher(t, e, key, client, service, 10, from, to)
		if v["decision"] == "pended" {
			r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
				map[string]any{"action": "approve", "note": "ok", "acknowledge": v["reason_codes"]})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			v = r.JSON(t)
		}
		require.Contains(t, []any{"approved", "partial"}, v["decision"], "%v", v)
		return itNum(t, v, "authorization_id")
	}
	p.hraATR = grant(keyHRA, p.hra, "ATR-TR", 0, 9)
	p.bcsRCM = grant(keyBCS, p.bcs, "RCM-CM", 20, 29)
	p.hraRCM = grant(keyHRA, p.hra, "RCM-CM", 0, 9)
	p.bcsATR = grant(keyBCS, p.bcs, "ATR-TR", 20, 29)
	p.epATR = int64(e.count(`SELECT episode_id FROM authorizations WHERE id = $1`, p.hraATR))
	p.epRCM = int64(e.count(`SELECT episode_id FROM authorizations WHERE id = $1`, p.hraRCM))
	require.Equal(t, p.epATR, int64(e.count(`SELECT episode_id FROM authorizations WHERE id = $1`, p.bcsATR)), "one ATR episode")
	require.Equal(t, p.epRCM, int64(e.count(`SELECT episode_id FROM authorizations WHERE id = $1`, p.bcsRCM)), "one RCM episode")
	require.True(t, p.hraATR < p.bcsRCM && p.bcsRCM < p.hraRCM && p.hraRCM < p.bcsATR)
	return p
}

// capsReleased are the figures the client's cap_released events name, in
// the order recorded.
func capsReleased(e *env, client int64) []string {
	var out []string
	require.NoError(e.t, e.db.Select(&out, `SELECT COALESCE(outcome, '') FROM audit_records
		WHERE action = 'cap_released' AND client_id = $1 ORDER BY event_id`, client))
	return out
}

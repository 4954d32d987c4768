package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldReading is what an agency reads of one of its authorizations: the
// fields that could tell it why (status, the codes and texts it carries).
func heldReading(t *testing.T, got map[string]any) map[string]any {
	t.Helper()
	events, _ := got["events"].([]any)
	var reasons []any
	for _, ev := range events {
		reasons = append(reasons, ev.(map[string]any)["reason"])
	}
	return map[string]any{"status": got["status"], "void_reason": got["void_reason"], "events": reasons,
		"units_remaining": got["units_remaining"]}
}

// An agency's reactivation in error judged each authorization its
// deactivation cut as a request for its unused units, and ended (voided,
// when it had not begun) one whose only hits came from another agency's
// records, where a stranger's with the same history at the agency was
// given back: the agency read void where the stranger's read active, a
// 42 CFR Part 2 signal (README, left from the twenty-third stop). It is
// held for review instead, kept cut, and the agency reads no rule and no
// trace of the other agency; a reviewer lists it, gives it back once the
// rules pass on the facts of the day, or ends it.
func TestReactivationHoldsForReviewWhatAnotherAgencysRecordsBlock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := e.demo.Providers["HRA"], e.demo.Providers["BCS"]
	shared := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
	require.Equal(t, "approved", shared["decision"], "%v", shared)
	stranger := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-DT", 4, 0, 27)
	require.Equal(t, "approved", stranger["decision"], "%v", stranger)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "closing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := kimOnDTAtBCS(t, e, 0, 27)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, r.JSON(t)["authorizations_ended"], "nothing is ended by the rules alone: %s", r.Body)
	held, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, held, 1, "%s", r.Body)
	sharedAuth := itNum(t, shared, "authorization_id")
	assert.Equal(t, float64(sharedAuth), held[0].(map[string]any)["id"])
	assert.Equal(t, "pending_review", held[0].(map[string]any)["status"])
	assert.Contains(t, held[0].(map[string]any)["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "the admin's answer names the rule")

	// What the agency reads: not void; held for review, with no rule and
	// nothing of BCS.
	got := itAuth(t, e, keyHRA, sharedAuth)
	assert.Equal(t, "pending_review", got["status"], "%v", got)
	assert.Nil(t, got["voided_at"], "%v", got)
	body := itMustJSON(got)
	for _, leak := range []string{"DUPLICATE", "BCS", "Bridgeport Community", strconv.FormatInt(bcs, 10) + ","} {
		assert.NotContains(t, body, leak, "the agency's read names nothing of the other agency")
	}
	assert.Equal(t, "active", itAuth(t, e, keyHRA, itNum(t, stranger, "authorization_id"))["status"])

	// The reviewer lists it, and cannot give it back while BCS holds the days.
	r = e.get(keyReviewer, "/v1/authorizations?status=pending_review")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	items := itItems(t, r)
	require.Len(t, items, 1, "%s", r.Body)
	assert.Equal(t, float64(sharedAuth), items[0]["id"])
	assert.Contains(t, items[0]["review_reasons"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", items[0])
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", sharedAuth), map[string]any{"reason": "give back"}),
			http.StatusConflict, "limits_exceeded")
		assert.Contains(t, p["reasons"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", p)
	})
	requireProblem(t, e.post(keyHRA, itPath("/v1/authorizations/%d/reactivate", sharedAuth), map[string]any{"reason": "mine"}),
		http.StatusForbidden, "forbidden")
	// Once BCS's is voided, the rules pass on the facts of the day: given
	// back whole, audited.
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", itNum(t, meanwhile, "authorization_id")), map[string]any{"reason": "granted while HRA was out in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", sharedAuth), map[string]any{"reason": "the agency keeps the days"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got = itAuth(t, e, keyHRA, sharedAuth)
	assert.Equal(t, "active", got["status"], "%v", got)
	assert.Equal(t, day(27), got["end_date"], "%v", got)
	assert.Equal(t, float64(4), got["units_remaining"], "%v", got)
	assert.Equal(t, 1, itAudit(e, "reactivate", "authorization", strconv.FormatInt(sharedAuth, 10)))
	// The give-back's event names the span it restores, as an agency's
	// reactivation's does (it carried no dates: a re-check of the
	// forty-third stop).
	evs := got["events"].([]any)
	last := evs[len(evs)-1].(map[string]any)
	assert.Equal(t, "reactivate", last["action"])
	assert.Equal(t, day(27), last["end_after"], "%v", last)
	assert.NotNil(t, last["end_before"], "%v", last)
	assert.Less(t, last["end_before"].(string), day(27))
	r = e.get(keyReviewer, "/v1/authorizations?status=pending_review")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, itItems(t, r), "the hold is decided")
}

// A held authorization that ran before the deactivation is ended by the
// reviewer the day before it took effect, its used days still billable,
// audited; one given back or ended is decided once.
func TestReviewerEndsAHeldAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	auth := kimDayTreatmentAtHRA(t, e, 10)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "mistaken", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 3, -4, -1)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Len(t, r.JSON(t)["authorizations_held"], 1, "%s", r.Body)
	got := itAuth(t, e, keyHRA, auth)
	assert.Equal(t, "pending_review", got["status"], "%v", got)
	assert.Equal(t, day(-5), got["end_date"], "kept cut: %v", got)

	for _, key := range []string{keyHRA, keyFinance} {
		requireProblem(t, e.post(key, itPath("/v1/authorizations/%d/end", auth), map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden")
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/end", auth), map[string]any{"reason": " "}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "reason"), "%v", p)
	})
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/end", auth), map[string]any{"reason": "the days are not given back"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got = r.JSON(t)
	assert.Equal(t, "expired", got["status"], "%v", got)
	assert.Equal(t, day(-5), got["end_date"], "%v", got)
	assert.Nil(t, got["voided_at"], "it ran: ended, not voided")
	assert.Equal(t, float64(0), got["units_used"], "%v", got)
	assert.Equal(t, 1, itAudit(e, "end", "authorization", strconv.FormatInt(auth, 10)))
	requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/end", auth), map[string]any{"reason": "again"}),
		http.StatusConflict, "not_pending_review")
	requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", auth), map[string]any{"reason": "again"}),
		http.StatusConflict, "not_inactive")
	// The reviewer's end is the agency's to read, naming no rule either.
	assert.NotContains(t, itMustJSON(itAuth(t, e, keyHRA, auth)), "DUPLICATE")
}

// An authorization held for review that the hold cuts
// to nothing (it would only have begun on or after the deactivation's
// day) bills no day while held, as one a deactivation cuts to nothing
// (reports' notCutSQL) or the void the rules made of it before; the
// utilization report still counts its units as authorized, beside the
// other agency's grant for the same days.
func TestHeldCutToNothingIsNotReportedAuthorized(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 1, 27)
	require.Equal(t, "approved", v["decision"], "%v", v)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "closing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	kimOnDTAtBCS(t, e, 1, 27)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Len(t, r.JSON(t)["authorizations_held"], 1, "%s", r.Body)
	require.Equal(t, "pending_review", itAuth(t, e, keyHRA, itNum(t, v, "authorization_id"))["status"])
	rep := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/utilization?provider_id=%d&service=ATR-DT&from=%s&to=%s", hra, day(1), day(1)))
	assert.Equal(t, int64(0), itNum(t, rep.Totals, "units_authorized"), "a hold that cut it to nothing leaves nothing authorized")
}

// heldOverSuspension holds Kim's ATR-DT at HRA for review over a
// suspension: HRA's authorization runs from day -6 to day 10, HRA is out
// from day -4, BCS is granted the same service from day -4 to day -1
// (over the days the suspension keeps) and from day 0 to day 5 (over the
// days HRA's ordinary reactivation judges), and HRA is reactivated
// without in_error. It returns HRA's authorization, BCS's over the
// suspension and the suspension's lift path.
func heldOverSuspension(t *testing.T, e *env) (auth int64, overSuspension map[string]any, lift string) {
	t.Helper()
	hra := e.demo.Providers["HRA"]
	auth = kimDayTreatmentAtHRA(t, e, 10)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "site audit", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	overSuspension = itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 3, -4, -1)
	require.Equal(t, "approved", overSuspension["decision"], "%v", overSuspension)
	fromToday := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 3, 0, 5)
	require.Equal(t, "approved", fromToday["decision"], "%v", fromToday)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "audit closed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	held, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, held, 1, "%s", r.Body)
	require.Equal(t, float64(auth), held[0].(map[string]any)["id"])
	sus := r.JSON(t)["suspensions"].([]any)
	sid := itNum(t, sus[len(sus)-1].(map[string]any), "id")
	return auth, overSuspension, itPath("/v1/reference/providers/%d/suspensions/%d/lift", hra, sid)
}

// A lift puts the suspension's days back in service; a held authorization
// covering them is judged over them too before it gets them. The hold
// judged from the reactivation's day only, so after the lift a discharge
// dated before that day released it with no reviewer, and its days in
// the suspension, which BCS had been granted meanwhile, were paid to both
// agencies; a reviewer giving it back was told of BCS's overlap from
// today on only, and gave back the suspension's days over BCS's unseen
// (black-box pass, F1 and F1b).
func TestLiftedSuspensionDaysAreJudgedBeforeAHeldAuthorizationGetsThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth, overSuspension, lift := heldOverSuspension(t, e)
	r := e.post(keyAdmin, lift, map[string]any{"reason": "should have been in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	number := itAuth(t, e, keyReviewer, itNum(t, overSuspension, "authorization_id"))["number"].(string)
	// The agency reads the hold as it now stands, as a stranger's would
	// read: nothing of BCS, no rule.
	got := itAuth(t, e, keyHRA, auth)
	assert.Equal(t, "pending_review", got["status"], "%v", got)
	events := got["events"].([]any)
	assert.Equal(t, "held for review at the lift of the agency's suspension on "+day(0)+": its 4 unused units from "+day(-4)+
		" are given back or it is ended by a reviewer", events[len(events)-1].(map[string]any)["reason"])
	for _, leak := range []string{"DUPLICATE", "BCS", number} {
		assert.NotContains(t, itMustJSON(got), leak)
	}

	// The reviewer is told of BCS's authorization over the days the lift
	// put back in service.
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", auth), map[string]any{"reason": "give back"}),
			http.StatusConflict, "limits_exceeded")
		assert.Contains(t, p["detail"], number, "the overlap over the suspension's days is named: %v", p)
		assert.Contains(t, p["detail"], "from "+day(-4), "%v", p)
	})

	// A discharge dated in the suspension leaves it held: no reviewer has
	// given those days back.
	enr := itFixtureID(t, e, `SELECT enrollment_id FROM authorizations WHERE id = $1`, auth)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(-1), "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got = itAuth(t, e, keyHRA, auth)
	assert.Equal(t, "pending_review", got["status"], "%v", got)
	assert.Equal(t, day(-5), got["end_date"], "kept cut: %v", got)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "LIFT-HELD-1", "client_id": e.demo.Clients["Kim/HRA"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(-2), "units": 1, "charge": "10.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["status"], "a held day bills nothing: %s", r.Body)
	r = e.get(keyReviewer, "/v1/authorizations?status=pending_review")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Len(t, itItems(t, r), 1, "still the reviewer's: %s", r.Body)

	// Given back, what is judged is what comes back: its days from the
	// suspension's first to the discharge.
	p := requireProblem(t, e.post(keyReviewer, itPath("/v1/authorizations/%d/reactivate", auth), map[string]any{"reason": "give back"}),
		http.StatusConflict, "limits_exceeded")
	assert.Contains(t, p["detail"], number, "%v", p)
}

// A reviewer's give-back with an overlap acknowledged is an exception, as
// an approval's is (SPEC §5): the agency's next deactivation undone does
// not hold the authorization again for the overlap the reviewer lifted,
// nor, at the other agency's, the authorization it was given back beside
// (a black-box pass found it held again, four times, and the agency's
// claims for its days denied until a reviewer decided a second time, F2).
func TestReactivationKeepsTheOverlapAReviewersGiveBackLifted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := e.demo.Providers["HRA"], e.demo.Providers["BCS"]
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
	require.Equal(t, "approved", v["decision"], "%v", v)
	auth := itNum(t, v, "authorization_id")
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "contract review", "effective_on": day(1)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itNum(t, kimOnDTAtBCS(t, e, 1, 27), "authorization_id")
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "review complete"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Len(t, r.JSON(t)["authorizations_held"], 1, "%s", r.Body)
	give := itPath("/v1/authorizations/%d/reactivate", auth)
	p := requireProblem(t, e.post(keyReviewer, give, map[string]any{"reason": "give back"}), http.StatusConflict, "limits_exceeded")
	r = e.post(keyReviewer, give, map[string]any{"reason": "given back as an exception", "acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"},
		"acknowledge_overlaps": p["overlaps"]})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, []any{itAuth(t, e, keyReviewer, meanwhile)["number"]}, r.JSON(t)["overlap_exceptions"], "%s", r.Body)
	// Kept as the pair lifted, as written.
	require.Equal(t, 1, e.count(`SELECT count(*) FROM authorization_overlap_exceptions WHERE authorization_id = $1 AND other_id = $2`,
		auth, meanwhile))
	for _, q := range []string{`UPDATE authorization_overlap_exceptions SET other_id = authorization_id`,
		`DELETE FROM authorization_overlap_exceptions`, `TRUNCATE authorization_overlap_exceptions`} {
		_, err := e.db.ExecContext(t.Context(), q)
		assert.ErrorContains(t, err, "append-only", q)
	}

	for _, agency := range []int64{bcs, hra} {
		undoDeactivation(t, e, agency, -3, "audit", "audit closed", false)
		for _, id := range []int64{auth, meanwhile} {
			got := itAuth(t, e, keyReviewer, id)
			assert.Equal(t, "active", got["status"], "after provider %d's reactivation: %v", agency, got)
			assert.Equal(t, day(27), got["end_date"], "%v", got)
		}
	}
	r = e.get(keyReviewer, "/v1/authorizations?status=pending_review")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, itItems(t, r), "nothing held again: %s", r.Body)
}

// One kept held at a later reactivation tells its agency the hold as it
// now stands: it kept its first hold's text, with figures since changed (a
// claim voided, the units unused grown), F6 of a black-box pass.
func TestHoldKeptAtALaterReactivationReadsItsFigures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	auth := kimDayTreatmentAtHRA(t, e, 27)
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "HOLD-TEXT-1", "client_id": e.demo.Clients["Kim/HRA"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(-5), "units": 1, "charge": "10.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	claim := itID(t, r)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "site audit", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 3, -4, 27)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "audit closed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Len(t, r.JSON(t)["authorizations_held"], 1, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", claim), map[string]any{"claim_number": "HOLD-TEXT-1-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	undoDeactivation(t, e, hra, 1, "contract review", "review complete", false)

	var holds []string
	for _, ev := range itAuth(t, e, keyHRA, auth)["events"].([]any) {
		if ev := ev.(map[string]any); ev["action"] == "hold" {
			holds = append(holds, ev["reason"].(string))
		}
	}
	require.Len(t, holds, 2, "%v", holds)
	assert.Contains(t, holds[0], "its 3 unused units from "+day(0))
	assert.Contains(t, holds[1], "its 4 unused units from "+day(0), "the hold as it stands")
}

// A discharge dated in the days a hold keeps cut, before those it judges,
// ends the held authorization where the hold cut it: those days are not
// given back by the end, unreviewed, to come back in service at a lift.
func TestDischargeOfAHeldAuthorizationKeepsItsCut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth, _, lift := heldOverSuspension(t, e)
	enr := itFixtureID(t, e, `SELECT enrollment_id FROM authorizations WHERE id = $1`, auth)
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(-2), "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := itAuth(t, e, keyHRA, auth)
	assert.Equal(t, "expired", got["status"], "%v", got)
	assert.Equal(t, day(-5), got["end_date"], "the hold's cut stands: %v", got)
	events := got["events"].([]any)
	assert.Equal(t, "enrollment "+itStr(enr)+" discharged on "+day(-2)+"; its days from "+day(-4)+" were held for review, not given back",
		events[len(events)-1].(map[string]any)["reason"])
	r = e.post(keyAdmin, lift, map[string]any{"reason": "should have been in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "LIFT-HELD-2", "client_id": e.demo.Clients["Kim/HRA"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(-3), "units": 1, "charge": "10.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["status"], "no reviewer gave the day back: %s", r.Body)
}

// kimDayTreatmentAtHRA gives BCS's Kim an ATR care plan for ATR-DT from
// day -10 and HRA's Kim an approved ATR-DT authorization of 4 units from
// day -6 to day to: the person both agencies serve, HRA's authorization
// the one its deactivation and reactivation act on. It returns the
// authorization's id.
func kimDayTreatmentAtHRA(t *testing.T, e *env, to int) int64 {
	t.Helper()
	r := e.post(keyBCS, "/v1/care-plans", map[string]any{"client_id": e.demo.Clients["Kim/BCS"], "program_code": "ATR",
		"kind": "rss_care_plan", "start_date": day(-10), "services": []map[string]any{{"service_code": "ATR-DT"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, -6, to)
	require.Equal(t, "approved", v["decision"], "%v", v)
	return itNum(t, v, "authorization_id")
}

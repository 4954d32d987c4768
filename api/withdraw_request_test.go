package api_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
)

// itQueueHas reports whether the reviewer queue lists request id.
func itQueueHas(t *testing.T, e *env, id int64) bool {
	t.Helper()
	for _, q := range itWalk(t, e, keyReviewer, "/v1/review-queue", 100) {
		if q == id {
			return true
		}
	}
	return false
}

// The agency that made a pended request may withdraw it while it waits:
// it leaves the queue, grants nothing, says who, when and why, and no
// reviewer can decide it after. No one else may.
func TestVoucherRequestWithdrawal(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	v := itVoucher(t, e.env, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	id := itNum(t, v, "id")
	path := itPath("/v1/voucher-requests/%d/withdraw", id)
	require.True(t, itQueueHas(t, e.env, id))
	queued := itNum(t, itGetReport(t, e.env, keyAdmin, "/v1/reports/pended-queue").Totals, "requests")
	// A reviewer holds it: the agency's withdrawal is not kept waiting on the hold.
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/take", id), nil)
	require.Equal(t, http.StatusOK, r.Status, "take: %s", r.Body)

	body := map[string]any{"reason": "asked for the wrong service"}
	itNothingWritten(t, e.env, func() {
		requireProblem(t, e.post(keyBCS, path, body), http.StatusNotFound, "not_found")
		for _, key := range []string{keyReviewer, keyFinance, keyAdmin} {
			requireProblem(t, e.post(key, path, body), http.StatusForbidden, "forbidden")
		}
		requireProblem(t, e.post(keyHRA, path, map[string]any{"reason": "  "}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.post(keyHRA, path, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.post(keyHRA, itPath("/v1/voucher-requests/%d/withdraw", id+100000), body), http.StatusNotFound, "not_found")
	})

	r = e.do(req{Method: http.MethodPost, Path: path, Key: keyHRA, Body: body, IdemKey: "withdraw-once"})
	require.Equal(t, http.StatusOK, r.Status, "withdraw: %s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, "withdrawn", got["decision"])
	assert.Equal(t, "pended", got["rules_decision"])
	assert.Nil(t, got["units_granted"])
	assert.Nil(t, got["authorization_id"])
	assert.Nil(t, got["review"])
	assert.NotContains(t, got, "taken_by", "the hold ended with it, and is the MSC's to see")
	w, ok := got["withdrawal"].(map[string]any)
	require.True(t, ok, "withdrawal: %v", got["withdrawal"])
	assert.Equal(t, "agency", w["cause"])
	assert.Equal(t, "asked for the wrong service", w["reason"])
	assert.Equal(t, got["decided_at"], w["withdrawn_at"], "it left the queue when it was withdrawn")
	assert.NotContains(t, w, "withdrawn_by", "which key is the MSC's to see, as a reviewer's")
	assert.Equal(t, 1, itAudit(e.env, "withdraw", "voucher_request", itStr(id)))

	// The same request again replays; another is refused.
	again := e.do(req{Method: http.MethodPost, Path: path, Key: keyHRA, Body: body, IdemKey: "withdraw-once"})
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.JSONEq(t, string(r.Body), string(again.Body))
	requireProblem(t, e.post(keyHRA, path, body), http.StatusConflict, "already_withdrawn")

	// Out of the queue and the pended-queue report; no reviewer decides it.
	assert.False(t, itQueueHas(t, e.env, id))
	assert.Equal(t, queued-1, itNum(t, itGetReport(t, e.env, keyAdmin, "/v1/reports/pended-queue").Totals, "requests"))
	requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id),
		map[string]any{"action": "deny", "note": "no follow-up on file"}), http.StatusConflict, "not_pended")
	requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/take", id), nil), http.StatusConflict, "not_pended")
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, id))

	// The reviewer reads who withdrew it; the agency lists it by its status.
	rv := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id)).JSON(t)
	rw := rv["withdrawal"].(map[string]any)
	assert.Equal(t, float64(e.count(`SELECT id FROM api_keys WHERE provider_id = $1 AND role = 'provider' ORDER BY id LIMIT 1`,
		e.demo.Providers["HRA"])), rw["withdrawn_by"])
	assert.Nil(t, rv["taken_by"])
	var listed []int64
	for _, it := range itItems(t, e.get(keyHRA, "/v1/voucher-requests?status=withdrawn")) {
		listed = append(listed, itNum(t, it, "id"))
		assert.NotNil(t, it["withdrawal"])
	}
	assert.Equal(t, []int64{id}, listed)

	// The schema keeps the outcome: a withdrawn request is decided by no one after.
	_, err := e.db.Exec(`UPDATE voucher_requests SET decision = 'denied' WHERE id = $1`, id)
	assert.True(t, pg.IsViolation(err, pg.CodeCheckViolation, "voucher_requests_decided_once"), "%v", err)

	// A decided request, by a reviewer or by the rules, is not withdrawn.
	denied := itNum(t, itVoucher(t, e.env, keyHRA, e.demo.Clients["Brown"], "ATR-CM", 40, 0, 29), "id")
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", denied), map[string]any{"action": "deny", "note": "not needed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	requireProblem(t, e.post(keyHRA, itPath("/v1/voucher-requests/%d/withdraw", denied), body), http.StatusConflict, "not_pended")
	a := itATRClient(t, e.env, day(-10))
	granted := itVoucher(t, e.env, keyHRA, a.Client, "ATR-CM", 4, 0, 29)
	require.Equal(t, "approved", granted["decision"], "%v", granted["reason_codes"])
	requireProblem(t, e.post(keyHRA, itPath("/v1/voucher-requests/%d/withdraw", itNum(t, granted, "id")), body),
		http.StatusConflict, "not_pended")
}

// A reviewer's decision and the agency's withdrawal at the same moment:
// one wins, the other is a 409, never a 500, and the request holds one
// outcome.
func TestVoucherRequestWithdrawalRacesDecision(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 6 {
		v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, i, 59)
		require.Equal(t, "pended", v["decision"])
		id := itNum(t, v, "id")
		var wg sync.WaitGroup
		var withdraw, decide resp
		wg.Add(2)
		go func() {
			defer wg.Done()
			withdraw = e.post(keyHRA, itPath("/v1/voucher-requests/%d/withdraw", id), map[string]any{"reason": "client left"})
		}()
		go func() {
			defer wg.Done()
			decide = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "deny", "note": "no"})
		}()
		wg.Wait()
		require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, []int{withdraw.Status, decide.Status},
			"withdraw %s; decide %s", withdraw.Body, decide.Body)
		var stored string
		require.NoError(t, e.db.Get(&stored, `SELECT decision FROM voucher_requests WHERE id = $1`, id))
		reviewed := e.count(`SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, id)
		if withdraw.Status == http.StatusOK {
			assert.Equal(t, "withdrawn", stored)
			assert.Equal(t, 0, reviewed)
		} else {
			assert.Equal(t, "denied", stored)
			assert.Equal(t, 1, reviewed)
		}
	}
}

// A discharge withdraws the enrollment's pended requests in its own
// transaction, as a system action naming the enrollment, and no other
// enrollment's.
func TestDischargeWithdrawsPendedRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	other := itVoucher(t, e, keyHRA, e.demo.Clients["Brown"], "ATR-CM", 40, 0, 29)
	for _, v := range []map[string]any{mine, other} {
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	}
	enr := itNum(t, mine, "enrollment_id")
	require.NotEqual(t, enr, itNum(t, other, "enrollment_id"))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(0), "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	got := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, mine, "id"))).JSON(t)
	assert.Equal(t, "withdrawn", got["decision"])
	assert.Nil(t, got["review"], "no reviewer decided it")
	w := got["withdrawal"].(map[string]any)
	assert.Equal(t, "discharge", w["cause"])
	assert.Equal(t, itPath("enrollment %d discharged on %s", enr, day(0)), w["reason"])
	assert.Equal(t, 1, itAudit(e, "withdraw", "voucher_request", itStr(itNum(t, mine, "id"))))
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, itNum(t, mine, "id")))
	assert.False(t, itQueueHas(t, e, itNum(t, mine, "id")))
	// Where a reviewer could only deny it after the discharge, nothing is left to decide.
	requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, mine, "id")),
		map[string]any{"action": "deny", "note": "no longer eligible"}), http.StatusConflict, "not_pended")
	assert.True(t, itQueueHas(t, e, itNum(t, other, "id")), "another enrollment's request still waits")
	assert.Equal(t, "pended", e.get(keyHRA, itPath("/v1/voucher-requests/%d", itNum(t, other, "id"))).JSON(t)["decision"])
}

// An enrollment withdrawn before it began takes its pended requests with
// it: they no longer keep it (enrollment_in_use), and name it. (The clock
// runs two days ahead to record the intake GPRA on its start, which the
// request needs to pend rather than be denied, then back.)
func TestEnrollmentWithdrawalWithdrawsPendedRequests(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	client := itNewClient(t, e.env, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(2)})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	enr := itID(t, r)
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": day(0), "expires_on": day(365)})
	require.Equal(t, http.StatusCreated, r.Status, "consent: %s", r.Body)
	e.clock.Advance(48 * time.Hour)
	r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(2)})
	require.Equal(t, http.StatusCreated, r.Status, "intake: %s", r.Body)
	intake := itID(t, r)
	v := itVoucher(t, e.env, keyHRA, client, "ATR-CM", 4, 2, 29)
	e.clock.Advance(-48 * time.Hour)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	require.Equal(t, enr, itNum(t, v, "enrollment_id"))
	// The intake would keep the enrollment itself (enrollment_in_use); gone,
	// the stay stands as one of a program without GPRA would.
	_, err := e.db.Exec(`DELETE FROM gpra_interviews WHERE id = $1`, intake)
	require.NoError(t, err)

	r = e.post(keyHRA, itPath("/v1/enrollments/%d/withdraw", enr), map[string]any{"reason": "entered two days early"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM enrollments WHERE id = $1`, enr))
	got := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))).JSON(t)
	assert.Equal(t, "withdrawn", got["decision"])
	assert.Nil(t, got["enrollment_id"], "the enrollment is gone")
	w := got["withdrawal"].(map[string]any)
	assert.Equal(t, "enrollment_withdrawal", w["cause"])
	assert.Equal(t, itPath("enrollment %d withdrawn on %s", enr, day(0)), w["reason"])
}

// A stay entered ahead whose request was denied (any is, GPRA_INTAKE_MISSING,
// before the stay begins and its intake can be recorded) is withdrawn as
// one with none: a denial grants nothing, and kept against it, the stay
// could be neither withdrawn (enrollment_in_use) nor discharged before it
// began (an enrollment black-box pass of the thirty-seventh stop). The
// denial stays as decided, naming no enrollment.
func TestEnrollmentWithdrawalReleasesDeniedRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(10)})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	enr := itID(t, r)
	v := itVoucher(t, e, keyHRA, client, "ATR-CM", 4, 10, 29)
	require.Equal(t, "denied", v["decision"], "%v", v)
	require.Equal(t, enr, itNum(t, v, "enrollment_id"))

	r = e.post(keyHRA, itPath("/v1/enrollments/%d/withdraw", enr), map[string]any{"reason": "entered ahead by mistake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM enrollments WHERE id = $1`, enr))
	got := e.get(keyHRA, itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))).JSON(t)
	assert.Equal(t, "denied", got["decision"])
	assert.Nil(t, got["enrollment_id"], "the enrollment is gone")
}

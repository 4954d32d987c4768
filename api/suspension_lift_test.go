package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reactivation sent without in_error by mistake kept a suspension nothing
// could undo: its days stayed unbillable for good (an operations black-box
// pass). An admin lifts it, with a reason: claims and vouchers for its days
// are judged as in service from then on; a line denied for one stays
// denied (the agency submits it again); the period is kept, marked lifted.
func TestSuspensionLift(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a := itATRClient(t, e, day(-10))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 20, -8, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	claim := func(number, dos string) map[string]any {
		t.Helper()
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "99",
			"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": dos, "units": 1, "charge": "12.00"}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold", "effective_on": day(-2)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "hold lifted"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	denied := claim("LIFT-1", day(-1))
	require.Equal(t, "denied", denied["status"])
	p := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)
	require.Len(t, p["suspensions"], 1, "%v", p)
	sid := itNum(t, p["suspensions"].([]any)[0].(map[string]any), "id")
	lift := itPath("/v1/reference/providers/%d/suspensions/%d/lift", hra, sid)
	// Kept in the history from the reactivation that kept it (an
	// operations pass found it there only once lifted).
	var keptEntry map[string]any
	for _, h := range itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", hra))) {
		if _, ok := h["after"].(map[string]any)["suspension"]; ok {
			require.Nil(t, keptEntry, "one entry for the suspension kept: %v", h)
			keptEntry = h
		}
	}
	require.NotNil(t, keptEntry)
	assert.Equal(t, "reactivate", keptEntry["action"], "%v", keptEntry)
	assert.Equal(t, "hold lifted", keptEntry["reason"])
	assert.Nil(t, keptEntry["before"].(map[string]any)["suspension"])
	keptAfter := keptEntry["after"].(map[string]any)["suspension"].(map[string]any)
	assert.EqualValues(t, sid, keptAfter["id"])
	assert.Equal(t, day(-2), keptAfter["first_day"])
	assert.Equal(t, day(-1), keptAfter["last_day"])
	assert.Nil(t, keptAfter["lifted_at"])

	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyHRA, lift, map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden")
		requireProblem(t, e.post(keyReviewer, lift, map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden")
		requireProblem(t, e.post(keyAdmin, lift, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.post(keyAdmin, lift, map[string]any{"reason": " "}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.post(keyAdmin, itPath("/v1/reference/providers/%d/suspensions/%d/lift", e.demo.Providers["BCS"], sid),
			map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
		requireProblem(t, e.post(keyAdmin, itPath("/v1/reference/providers/%d/suspensions/999999/lift", hra),
			map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
	})

	r = e.post(keyAdmin, lift, map[string]any{"reason": "reactivation should have said in_error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	x := r.JSON(t)["suspensions"].([]any)[0].(map[string]any)
	assert.Equal(t, "reactivation should have said in_error", x["lift_reason"])
	assert.NotNil(t, x["lifted_at"])
	assert.Equal(t, day(-2), x["first_day"], "the period is kept")
	// In the provider's history, with who lifted it (an operations pass
	// found it in the audit table alone).
	hist := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", hra)))
	h := hist[len(hist)-1]
	assert.Equal(t, "lift", h["action"], "%v", h)
	assert.Equal(t, "admin", h["actor_role"])
	lifted := h["after"].(map[string]any)["suspension"].(map[string]any)
	assert.Equal(t, "reactivation should have said in_error", lifted["lift_reason"])
	assert.Equal(t, "reactivation should have said in_error", h["reason"], "the entry's reason, as every other entry's")
	prov := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)
	sus := prov["suspensions"].([]any)
	assert.Equal(t, sus[len(sus)-1].(map[string]any)["lifted_at"], lifted["lifted_at"], "one reading of one fact")
	assert.Nil(t, h["before"].(map[string]any)["suspension"].(map[string]any)["lifted_at"])
	assert.Equal(t, "paid", claim("LIFT-2", day(-1))["status"], "the day is back in service")
	again := e.get(keyHRA, itPath("/v1/claims/%d", itNum(t, denied, "id"))).JSON(t)
	assert.Equal(t, "denied", again["status"], "a line denied for the day stays denied")
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-DT", 2, -2, 10)
	assert.NotContains(t, v["reason_codes"], "PROVIDER_DEACTIVATED", "%v", v)
	requireProblem(t, e.post(keyAdmin, lift, map[string]any{"reason": "again"}), http.StatusConflict, "suspension_lifted")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'lift' AND entity_type = 'provider_suspension'
		AND entity_id = $1 AND outcome LIKE '%should have said in_error'`, itStr(int64(sid))))
	// Marked once, and only so.
	_, err := e.db.ExecContext(t.Context(), `UPDATE provider_suspensions SET last_day = first_day`)
	assert.ErrorContains(t, err, "kept as written")
	_, err = e.db.ExecContext(t.Context(), `UPDATE provider_suspensions SET lifted_at = now(), lift_reason = 'x'`)
	assert.ErrorContains(t, err, "kept as written")
}

// A day of the suspension another agency was granted for the same person
// and service meanwhile is not given back by a lift while the agency's own
// authorization covers it too (an in_error reactivation would have ended
// its own): refused until the admin voids one of the two.
func TestSuspensionLiftRefusedOverAnotherAgencysDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	kimOnDTAtBCS(t, e, -5, 27)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "closing", "effective_on": day(-2)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 2, -2, -1)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "back"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Empty(t, r.JSON(t)["authorizations_ended"], "BCS's comes back whole: %s", r.Body)
	sid := itNum(t, r.JSON(t)["suspensions"].([]any)[0].(map[string]any), "id")
	lift := itPath("/v1/reference/providers/%d/suspensions/%d/lift", bcs, sid)
	number := itAuth(t, e, keyReviewer, itNum(t, meanwhile, "authorization_id"))["number"]
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, lift, map[string]any{"reason": "mistake"}), http.StatusConflict, "suspension_days_served")
		assert.Contains(t, p["detail"], number)
	})
	r = e.post(keyAdmin, itPath("/v1/authorizations/%d/void", itNum(t, meanwhile, "authorization_id")), map[string]any{"reason": "granted in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, lift, map[string]any{"reason": "mistake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// A pair a reviewer's give-back acknowledged stands together over the
// suspension's days too: the lift was refused over it, its advice to void
// one of the two the reviewer had kept (a black-box pass).
func TestSuspensionLiftPassesAnOverlapAReviewerAcknowledged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	own := kimOnDTAtBCS(t, e, -5, 27)
	sid := suspendBCS(t, e)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 2, -2, -1)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	lift := itPath("/v1/reference/providers/%d/suspensions/%d/lift", e.demo.Providers["BCS"], sid)
	requireProblem(t, e.post(keyAdmin, lift, map[string]any{"reason": "mistake"}), http.StatusConflict, "suspension_days_served")

	// As a reviewer's acknowledged give-back of BCS's over HRA's keeps it
	// (ledger.ExceptOverlaps).
	_, err := e.db.ExecContext(t.Context(), `INSERT INTO authorization_overlap_exceptions (authorization_id, other_id, created_at)
		VALUES ($1, $2, now())`, itNum(t, own, "authorization_id"), itNum(t, meanwhile, "authorization_id"))
	require.NoError(t, err)
	r := e.post(keyAdmin, lift, map[string]any{"reason": "mistake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// Another agency's authorization that billed days of the suspension holds
// them though void: voided (the advice once said "void one of each
// pair"), the lift went through and the agency was paid again for the
// days the other had billed (a black-box pass). Voiding the agency's own
// is the way on.
func TestSuspensionLiftRefusedOverDaysAVoidAuthorizationBilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	own := kimOnDTAtBCS(t, e, -5, 27)
	sid := suspendBCS(t, e)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 2, -2, -1)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "LIFT-BILLED-1", "client_id": e.demo.Clients["Kim/HRA"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(-2), "units": 1, "charge": "10.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/authorizations/%d/void", itNum(t, meanwhile, "authorization_id")), map[string]any{"reason": "no more days"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	lift := itPath("/v1/reference/providers/%d/suspensions/%d/lift", bcs, sid)
	number := meanwhile["authorization_number"]
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, lift, map[string]any{"reason": "mistake"}), http.StatusConflict, "suspension_days_served")
		assert.Contains(t, p["detail"], number)
		assert.Contains(t, p["detail"], "still holds the days it billed")
	})
	r = e.post(keyAdmin, itPath("/v1/authorizations/%d/void", itNum(t, own, "authorization_id")), map[string]any{"reason": "HRA served those days"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, lift, map[string]any{"reason": "mistake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// A lift and another agency's request over the suspension's days are
// judged one after the other (a white-box review): the request, approved
// by V34 for days the agency was out, was under way when the lift looked
// for days served, found none and gave them back, and both agencies held
// the same days with no reviewer. The lift now holds the agency's
// authorizations over the days and their episodes, as a request does, so
// it sees the grant once the request commits.
func TestSuspensionLiftWaitsForARequestOverItsDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	kimOnDTAtBCS(t, e, -5, 27)
	sid := suspendBCS(t, e)

	// HRA's request stops at its writes (their foreign key on the client),
	// its facts read: the suspension's days are not BCS's.
	hold := holding(t, e, `SELECT 1 FROM clients WHERE id = $1 FOR UPDATE`, e.demo.Clients["Kim/HRA"])
	requested := make(chan resp, 1)
	go func() {
		requested <- e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Kim/HRA"],
			"service_code": "ATR-DT", "units": 2, "start_date": day(-2), "end_date": day(-1)})
	}()
	require.Eventually(t, func() bool { return lockWaiters(e) == 1 }, 30*time.Second, 10*time.Millisecond, "the request waits on the client row")
	lifted := make(chan resp, 1)
	go func() {
		lifted <- e.post(keyAdmin, itPath("/v1/reference/providers/%d/suspensions/%d/lift", bcs, sid), map[string]any{"reason": "mistake"})
	}()
	// The lift either answers (it did not wait) or waits behind the
	// request; either way the request is then let go.
	lift := answeredOrWaiting(t, e, lifted, 2)
	require.NoError(t, hold.Rollback())
	req := <-requested
	require.Equal(t, http.StatusCreated, req.Status, "%s", req.Body)
	v := req.JSON(t)
	if v["decision"] == "approved" {
		requireProblem(t, lift(), http.StatusConflict, "suspension_days_served")
	} else {
		assert.Equal(t, http.StatusOK, lift().Status, "a request judged after the lift pends on BCS's days: %v", v)
	}
	assert.Zero(t, e.count(`SELECT count(*) FROM authorizations h JOIN authorizations b ON b.person_id = h.person_id AND b.service_code = h.service_code
		JOIN provider_suspensions s ON s.provider_id = b.provider_id AND s.lifted_at IS NOT NULL
		WHERE h.provider_id <> b.provider_id AND h.voided_at IS NULL AND b.voided_at IS NULL
		  AND h.start_date <= LEAST(b.end_date, s.last_day) AND h.end_date >= GREATEST(b.start_date, s.first_day)`),
		"no day of a lifted suspension is held by two agencies")
}

// A lift waits for the agency's own claim or request in flight and is not
// ended as a deadlock by it (a review): the claim holds the agency's
// intake lock shared and then checks its foreign key on the provider's
// row, which the lift held FOR UPDATE while it waited for the intake lock
// alone, and PostgreSQL ended one of the two (409 concurrent_change).
func TestSuspensionLiftWaitsForTheAgencysOwnWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	bcs := e.demo.Providers["BCS"]
	sid := suspendBCS(t, e)

	// What a claim of BCS's holds and takes, in its order.
	claim := holding(t, e, `SELECT pg_advisory_xact_lock_shared(agency_intake_lock_key($1))`, bcs)
	lifted := make(chan resp, 1)
	go func() {
		lifted <- e.post(keyAdmin, itPath("/v1/reference/providers/%d/suspensions/%d/lift", bcs, sid), map[string]any{"reason": "mistake"})
	}()
	require.Eventually(t, func() bool { return lockWaiters(e) == 1 }, 30*time.Second, 10*time.Millisecond, "the lift waits for the claim")
	_, err := claim.ExecContext(ctx, `SET LOCAL lock_timeout = '5s'`)
	require.NoError(t, err)
	_, err = claim.ExecContext(ctx, `SELECT 1 FROM providers WHERE id = $1 FOR KEY SHARE`, bcs)
	require.NoError(t, err, "the claim's foreign key check is not held up by the lift")
	require.NoError(t, claim.Commit())
	got := <-lifted
	assert.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
}

// suspendBCS takes BCS out of service from day -2 and back today, not in
// error: a suspension of days -2 and -1 kept, its id.
func suspendBCS(t *testing.T, e *env) int64 {
	t.Helper()
	bcs := e.demo.Providers["BCS"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "closing", "effective_on": day(-2)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "back"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return itNum(t, r.JSON(t)["suspensions"].([]any)[0].(map[string]any), "id")
}

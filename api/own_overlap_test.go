package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOwnOverlapHeldToVoucherMax: the same request sent again with a new
// Idempotency-Key is a new request, not a second full voucher. An
// operations black-box pass sent one EMP-IPS request (160 units, the
// per-voucher maximum; no per-episode maximum) three times and got three
// full vouchers over the same 27 days. The agency's own authorizations of
// the service over the span's days now count toward the maximum (V38).
func TestOwnOverlapHeldToVoucherMax(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foster := e.demo.Clients["Foster"] // PWE's, in EMP; EMP-IPS: 160 per voucher, no episode maximum
	require.NotZero(t, foster)
	held := func() int {
		return e.count(`SELECT COALESCE(sum(units_authorized), 0) FROM authorizations
			WHERE client_id = $1 AND service_code = 'EMP-IPS' AND voided_at IS NULL AND start_date <= $2 AND end_date >= $3`,
			foster, day(26), day(0))
	}
	reason := func(v map[string]any, code string) map[string]any {
		t.Helper()
		reasons, _ := v["reasons"].([]any)
		for _, x := range reasons {
			if r := x.(map[string]any); r["code"] == code {
				return r
			}
		}
		require.Failf(t, "reason missing", "no %s in %v", code, v["reason_codes"])
		return nil
	}

	first := itVoucher(t, e, keyPWE, foster, "EMP-IPS", 100, 0, 26)
	require.Equal(t, "approved", first["decision"], "%v", first["reason_codes"])
	number, _ := first["authorization_number"].(string)
	require.NotEmpty(t, number)

	// A top-up over the same days gets what the maximum leaves.
	second := itVoucher(t, e, keyPWE, foster, "EMP-IPS", 160, 0, 26)
	assert.Equal(t, "partial", second["decision"], "%v", second["reason_codes"])
	assert.Equal(t, []any{"OWN_AUTHORIZATION_OVERLAP"}, second["reason_codes"])
	assert.Equal(t, float64(60), second["units_granted"])
	r := reason(second, "OWN_AUTHORIZATION_OVERLAP")
	assert.Contains(t, r["detail"], number, "the detail names the agency's own authorization")
	assert.NotEmpty(t, r["next_step"])
	assert.Nil(t, r["source_provider_id"], "the agency's own records: no other agency quoted")
	assert.Equal(t, 160, held())

	// The same request a third time: nothing is left, and nothing is written.
	before := e.count(`SELECT count(*) FROM authorizations`)
	third := itVoucher(t, e, keyPWE, foster, "EMP-IPS", 160, 0, 26)
	assert.Equal(t, "denied", third["decision"], "%v", third["reason_codes"])
	assert.Equal(t, []any{"OWN_AUTHORIZATION_AT_VOUCHER_MAX"}, third["reason_codes"])
	assert.Nil(t, third["units_granted"])
	assert.Nil(t, third["authorization_number"])
	assert.Equal(t, before, e.count(`SELECT count(*) FROM authorizations`))
	assert.Equal(t, 160, held(), "the per-voucher maximum bounds what the agency holds over the days")

	// The stored facts replay to the same decision.
	rp := e.get(keyReviewer, itPath("/v1/voucher-requests/%d/replay", itNum(t, third, "id")))
	require.Equal(t, http.StatusOK, rp.Status, "body: %s", rp.Body)
	assert.Equal(t, true, rp.JSON(t)["rules_decision_same"])

	// The days after the vouchers' end are a voucher of their own.
	next := itVoucher(t, e, keyPWE, foster, "EMP-IPS", 160, 27, 53)
	assert.Equal(t, "approved", next["decision"], "%v", next["reason_codes"])
	assert.Equal(t, float64(160), next["units_granted"])

	// The catalogue explains both codes.
	cat := e.get(keyPWE, "/v1/reason-codes")
	require.Equal(t, http.StatusOK, cat.Status)
	assert.Contains(t, string(cat.Body), `"OWN_AUTHORIZATION_OVERLAP"`)
	assert.Contains(t, string(cat.Body), `"OWN_AUTHORIZATION_AT_VOUCHER_MAX"`)
}

// TestOwnVouchersHeldToWhatTheDaysHold: the agency's own vouchers of a
// service counted by the hour hold their units of what the days hold. A
// black-box pass was granted three 24-hour child-care vouchers for one day
// and a fourth cut to 8 (80 hours), where one request for 80 hours of that
// day was cut to 24 (V27). A pended one the rules now leave no hours is
// nothing to grant, the rule named.
func TestOwnVouchersHeldToWhatTheDaysHold(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-40))
	r := e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": a.Client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(-40), "end_date": day(300), "services": []map[string]any{{"service_code": "ATR-CM"}, {"service_code": "ATR-CC"}}})
	require.Equal(t, http.StatusCreated, r.Status, "care plan: %s", r.Body)

	first := itVoucher(t, e, keyHRA, a.Client, "ATR-CC", 16, 3, 3)
	require.Equal(t, "approved", first["decision"], "%v", first["reason_codes"])
	second := itVoucher(t, e, keyHRA, a.Client, "ATR-CC", 24, 3, 3)
	assert.Equal(t, "partial", second["decision"], "%v", second["reason_codes"])
	assert.Equal(t, []any{"UNITS_OVER_SPAN_DAYS"}, second["reason_codes"])
	assert.Equal(t, float64(8), second["units_granted"])
	before := e.count(`SELECT count(*) FROM authorizations`)
	third := itVoucher(t, e, keyHRA, a.Client, "ATR-CC", 24, 3, 3)
	assert.Equal(t, "denied", third["decision"], "%v", third["reason_codes"])
	assert.Equal(t, []any{"UNITS_OVER_SPAN_DAYS"}, third["reason_codes"])
	assert.Nil(t, third["units_granted"])
	assert.Equal(t, before, e.count(`SELECT count(*) FROM authorizations`))
	assert.Equal(t, 24, e.count(`SELECT COALESCE(sum(units_authorized), 0) FROM authorizations
		WHERE client_id = $1 AND service_code = 'ATR-CC' AND voided_at IS NULL`, a.Client), "the day holds 24 hours")

	// Two retro requests for one past day pend; once one is approved the
	// other has no hours left.
	p1 := itVoucher(t, e, keyHRA, a.Client, "ATR-CC", 24, -20, -20)
	p2 := itVoucher(t, e, keyHRA, a.Client, "ATR-CC", 24, -20, -20)
	for _, v := range []map[string]any{p1, p2} {
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	}
	decide := func(v map[string]any) resp {
		return e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
			map[string]any{"action": "approve", "note": "late paperwork accepted"})
	}
	r = decide(p1)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, decide(p2), http.StatusConflict, "nothing_to_grant")
		assert.Equal(t, []any{"UNITS_OVER_SPAN_DAYS"}, p["reasons"])
		// Other days may still have room: the reviewer is pointed there, not
		// only to a denial (a voucher black-box pass).
		assert.Contains(t, p["detail"], "approve modified over days they leave free")
	})
}

// TestVoidedUsedUnitsHeldToVoucherMax: the units a voided authorization
// used were delivered on its days and still count toward the per-voucher
// maximum over them (V38). A black-box pass had 10 units paid on a
// voucher, voided it and was granted a full new one over the same days:
// 10 delivered beside 96 authorized of a maximum of 96.
func TestVoidedUsedUnitsHeldToVoucherMax(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-10))
	first := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 40, 0, 59)
	require.Equal(t, "approved", first["decision"], "%v", first["reason_codes"])
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "VOIDHELD-1", "client_id": a.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-CM", "date_of_service": day(0), "units": 10, "charge": "150.00",
			"authorization_number": first["authorization_number"]}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, 10, e.count(`SELECT units_used FROM authorizations WHERE number = $1`, first["authorization_number"]))
	var auth int64
	require.NoError(t, e.db.Get(&auth, `SELECT id FROM authorizations WHERE number = $1`, first["authorization_number"]))
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", auth), map[string]any{"reason": "wrong span"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	again := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 96, 0, 59)
	assert.Equal(t, "partial", again["decision"], "%v", again["reason_codes"])
	assert.Equal(t, []any{"OWN_AUTHORIZATION_OVERLAP"}, again["reason_codes"])
	assert.Equal(t, float64(86), again["units_granted"], "96 less the 10 delivered on the void one's days")
}

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

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reason that pended a request waits for no reviewer once the request is
// decided or withdrawn: an approved request's RETRO_AUTHORIZATION still
// read "A reviewer will decide; note why the request is late" to the agency
// and the MSC alike (a reviews black-box pass of the forty-sixth stop).
// While it is pended, the rules' next step stands.
func TestDecidedRequestsPendReasonWaitsForNoOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	retro := func(from, to int) int64 {
		t.Helper()
		v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 10, from, to)
		require.Equal(t, "pended", v["decision"])
		require.Equal(t, []any{"RETRO_AUTHORIZATION"}, v["reason_codes"])
		return itNum(t, v, "id")
	}
	nextStep := func(key string, id int64) string {
		t.Helper()
		r := e.get(key, itPath("/v1/voucher-requests/%d", id))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		reasons := r.JSON(t)["reasons"].([]any)
		require.Len(t, reasons, 1)
		return reasons[0].(map[string]any)["next_step"].(string)
	}
	approved, withdrawn := retro(-20, -16), retro(-15, -11)
	pended := nextStep(keyHRA, approved)
	assert.Contains(t, pended, "reviewer")

	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", approved), map[string]any{"action": "approve", "note": "late but due"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/voucher-requests/%d/withdraw", withdrawn), map[string]any{"reason": "asked for the wrong days"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	for _, key := range []string{keyHRA, keyReviewer} {
		assert.Equal(t, "None: a reviewer has decided the request (see its review).", nextStep(key, approved), key)
		assert.Equal(t, "None: the request was withdrawn before a reviewer decided it.", nextStep(key, withdrawn), key)
	}
}

// A reason that would have pended a request the rules denied on another
// reason waits for no one either, and says no reviewer decided it (it read
// "a reviewer has decided the request", where none had: an episode-caps
// re-check of the forty-sixth stop).
func TestRulesDeniedRequestsPendReasonSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itRegisterBorn(t, e, keyBCS, "Dena", "Ruledout", "1990-01-02")
	itATRReady(t, e, keyBCS, c, nil)
	v := itVoucher(t, e, keyBCS, c, "ATR-CC", 2, -20, -16) // BCS does not offer ATR-CC, and the span is retro
	require.Equal(t, "denied", v["decision"], "%v", v)
	var saw bool
	for _, r := range v["reasons"].([]any) {
		r := r.(map[string]any)
		if r["code"] == "RETRO_AUTHORIZATION" {
			saw = true
			assert.Equal(t, "None while the request stands denied for another reason; a new request is judged afresh.", r["next_step"])
		}
	}
	require.True(t, saw, "%v", v["reasons"])
}

// A reason that cut the units of a request withdrawn or denied says
// nothing was granted: "Use the units granted" read where none were (a
// Part 2 re-sweep of the forty-sixth stop).
func TestNothingGrantedReadsSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 200, -20, 5) // past the voucher maximum, and retro: it pends
	require.Equal(t, "pended", v["decision"], "%v", v)
	require.Contains(t, v["reason_codes"], "UNITS_OVER_VOUCHER_MAX")
	r := e.post(keyHRA, itPath("/v1/voucher-requests/%d/withdraw", itNum(t, v, "id")), map[string]any{"reason": "asked for too much"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var saw bool
	for _, x := range r.JSON(t)["reasons"].([]any) {
		if x := x.(map[string]any); x["code"] == "UNITS_OVER_VOUCHER_MAX" {
			saw = true
			assert.Equal(t, "None: the request was withdrawn, and nothing was granted; a new request is judged afresh.", x["next_step"])
		}
	}
	require.True(t, saw, "%s", r.Body)
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Review (5168e41): after its own exception in an episode another agency
// shares, BCS's own cap is OwnDollarCap's max(cap before, what its own
// authorizations hold today), which follows its holdings down, while a
// stranger's episode cap stays where the exception raised it. A line paid
// under the fee lowers both holdings alike; the stranger's next request
// fits under its raised cap and is approved, the known person's is pended
// "0.00 left ... by this agency's authorizations alone": whether another
// agency serves the person changes the decision (42 CFR Part 2).
func TestWBROwnCapFollowsHoldingsDownOnlyWhenShared(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "the state's new cap"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	register := func(key, first, last string) int64 {
		r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1988-03-04",
			"catchment_area": "bridgeport", "gender": "U"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	known, stranger := register(keyBCS, "Vera", "Owncase"), register(keyBCS, "Nobody", "Itstranger")
	itATRReady(t, e, keyBCS, known, nil)
	itATRReady(t, e, keyBCS, stranger, nil)
	atHRA := register(keyHRA, "Vera", "Owncase") // the same person, joins BCS's episode
	itATRReady(t, e, keyHRA, atHRA, nil)
	h := itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 5, 60, 70)
	require.Equal(t, "approved", h["decision"], "%v", h)

	ask := func(client int64, n int) map[string]any {
		v := itVoucher(t, e, keyBCS, client, "ATR-TR", 30, 0, 29) // 360.00, past the cap by BCS's own alone
		require.Equal(t, "pended", v["decision"], "%v", v)
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
			"note": "an exception", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		// One line paid under the fee: what the authorization holds falls.
		r = e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("UNDER-%d", n), "client_id": client,
			"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR",
				"date_of_service": day(0), "units": 5, "charge": "0.05", "authorization_number": v["authorization_number"]}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		return itVoucher(t, e, keyBCS, client, "ATR-TR", 4, 30, 40) // 48.00
	}
	s, k := ask(stranger, 1), ask(known, 2)
	for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
		assert.Equal(t, s[f], k[f], f)
	}
}

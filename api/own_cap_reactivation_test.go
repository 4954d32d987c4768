package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reviewer's dollar-cap exception for an agency outlives the agency's
// deactivation undone in error, whether or not another agency serves the
// person: nothing was granted meanwhile, so the authorization the
// exception granted is given back for both. Judged while it held only its
// used units, the agency's own cap read the cap before the raise (raised
// to what its own authorizations then held), and the shared person's was
// held for review where the stranger's came back active (a re-check of the
// thirty-fifth stop; 42 CFR Part 2).
func TestOwnCapExceptionOutlivesAReactivation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "the state's new cap"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	register := func(key, first, last string) int64 {
		r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1977-07-07",
			"catchment_area": "bridgeport", "gender": "U"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	ready := func(key string, client int64) { // enrolled, interviewed, consenting, planned for ATR-TR and ATR-DT
		for _, b := range []struct {
			path string
			body map[string]any
		}{
			{"/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(-10)}},
			{"/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
				"interview_date": day(-10)}},
			{"/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
				"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-10), "expires_on": day(365)}},
			{"/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(-10),
				"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}, {"service_code": "ATR-DT"}}}},
		} {
			r := e.post(key, b.path, b.body)
			require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
		}
	}
	known, stranger := register(keyHRA, "Lior", "Anselm"), register(keyHRA, "Mika", "Brandauer")
	ready(keyHRA, known)
	ready(keyHRA, stranger)
	atBCS := register(keyBCS, "Lior", "Anselm") // the same person, joins HRA's episode
	ready(keyBCS, atBCS)
	b := itVoucher(t, e, keyBCS, atBCS, "ATR-DT", 2, 1, 25)
	require.Equal(t, "approved", b["decision"], "%v", b)

	excepted := map[int64]float64{}
	for _, client := range []int64{known, stranger} {
		v := itVoucher(t, e, keyHRA, client, "ATR-TR", 20, 1, 25)
		require.Equal(t, "approved", v["decision"], "%v", v)
		v = itVoucher(t, e, keyHRA, client, "ATR-DT", 4, 1, 25) // past the cap by the agency's own alone
		require.Equal(t, "pended", v["decision"], "%v", v)
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
			"note": "cap exception approved"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		excepted[client] = float64(itNum(t, r.JSON(t), "authorization_id"))
	}
	hra := e.demo.Providers["HRA"]
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "closing", "effective_on": day(1)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, client := range []int64{known, stranger} {
		got := itAuth(t, e, keyHRA, int64(excepted[client]))
		assert.Equal(t, "active", got["status"], "client %d: %v", client, got)
		assert.Equal(t, day(25), got["end_date"], "client %d: %v", client, got)
	}
}

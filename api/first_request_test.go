package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's and `make run`'s first request is approved on a fresh demo
// database; sent again (a new Idempotency-Key), it is approved once more,
// then cut to what the voucher maximum leaves, then denied, as `rss
// demo-keys` says (it promised "approved" each time: a black-box pass).
func TestFirstRequestIsApproved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	send := func() map[string]any {
		r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{
			"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM", "units": 40,
			"start_date": day(0), "end_date": day(59),
		})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	v := send()
	assert.Equal(t, "approved", v["decision"])
	assert.Equal(t, float64(40), v["units_granted"])
	assert.NotEmpty(t, v["authorization_number"])
	assert.Equal(t, "15.00", v["rate"])

	v = send()
	assert.Equal(t, "approved", v["decision"], "80 of the 96 a voucher may hold")
	v = send()
	assert.Equal(t, "partial", v["decision"])
	assert.Equal(t, float64(16), v["units_granted"])
	assert.Equal(t, []any{"OWN_AUTHORIZATION_OVERLAP"}, v["reason_codes"])
	assert.Equal(t, float64(16), v["ceiling"].(map[string]any)["units"])
	v = send()
	assert.Equal(t, "denied", v["decision"])
	assert.Equal(t, []any{"OWN_AUTHORIZATION_AT_VOUCHER_MAX"}, v["reason_codes"])
	assert.Nil(t, v["ceiling"], "nothing is left to grant: the ceiling is none, not the 40 asked (a black-box pass)")
}

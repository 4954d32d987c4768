package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFirstRequestIsApproved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{
		"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM", "units": 40,
		"start_date": day(0), "end_date": day(59),
	})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := r.JSON(t)
	assert.Equal(t, "approved", v["decision"])
	assert.Equal(t, float64(40), v["units_granted"])
	assert.NotEmpty(t, v["authorization_number"])
	assert.Equal(t, "15.00", v["rate"])
}

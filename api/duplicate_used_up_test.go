package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Another agency's voucher used up bills nothing more, but the days it
// billed stay paid: a request over them is a duplication of services, and
// pends for a reviewer (V34), as it did while the voucher had units left.
// A black-box pass had BCS use up a two-day voucher for Moreau and HRA
// granted the same two days at once, both agencies paid for each day. A
// request for the days after the last one billed is no duplicate.
func TestRequestOverDaysAnotherAgencyBilledOnAUsedUpVoucherPends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreauHRA, moreauBCS := e.demo.Clients["Moreau/HRA"], e.demo.Clients["Moreau/BCS"]
	used := itVoucher(t, e, keyBCS, moreauBCS, "ATR-DT", 2, -6, -3)
	require.Equal(t, "approved", used["decision"], "%v", used)
	var lines []map[string]any
	for _, d := range []int{-6, -5} {
		lines = append(lines, map[string]any{"service_code": "ATR-DT", "date_of_service": day(d), "units": 1, "charge": "25.00"})
	}
	r := e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "DUP-USED-1", "client_id": moreauBCS,
		"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": lines})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	require.Equal(t, "exhausted", itAuth(t, e, keyReviewer, itNum(t, used, "authorization_id"))["status"])

	again := itVoucher(t, e, keyHRA, moreauHRA, "ATR-DT", 2, -6, -5)
	assert.Equal(t, "pended", again["decision"], "%v", again)
	assert.Nil(t, again["authorization_id"], "nothing granted over the days BCS was paid for")
	id := itNum(t, again, "id")
	got := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id)).JSON(t)
	assert.Contains(t, got["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", got)

	after := itVoucher(t, e, keyHRA, moreauHRA, "ATR-DT", 2, -4, -3)
	assert.Equal(t, "approved", after["decision"], "the days after BCS's last one billed: %v", after)
}

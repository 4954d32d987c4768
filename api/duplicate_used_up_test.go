package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Another agency's voucher used up still holds its days for the duplicate
// rule (V34): the days it billed stay paid, and a void of one of its
// claims gives units back, so it bills again over its whole span. A
// request over them pends for a reviewer, as it did while the voucher had
// units left. Black-box passes had BCS use up a voucher for Moreau and
// HRA granted its past days at once, and then its days ahead, which BCS
// billed again once it voided a claim: both agencies paid for each day.
// A request for the days after its span is no duplicate.
func TestRequestOverAnotherAgencysUsedUpVoucherPends(t *testing.T) {
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

	for _, span := range [][2]int{{-6, -5}, {-4, -3}} {
		again := itVoucher(t, e, keyHRA, moreauHRA, "ATR-DT", 2, span[0], span[1])
		assert.Equal(t, "pended", again["decision"], "days %v: %v", span, again)
		assert.Nil(t, again["authorization_id"], "nothing granted over BCS's days %v", span)
		assert.Equal(t, []any{"CONFLICT_ON_FILE"}, again["reason_codes"], "no consent names BCS: the reason is withheld")
		got := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, again, "id"))).JSON(t)
		assert.Contains(t, got["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", got)
	}
	after := itVoucher(t, e, keyHRA, moreauHRA, "ATR-DT", 2, -2, -1)
	assert.Equal(t, "approved", after["decision"], "the days after BCS's span: %v", after)
}

// A void authorization bills nothing more, but the days it billed stay
// paid: it holds them, up to its void, for the duplicate rule, however
// its lines arrived (a late line moves no inactivity window, and read by
// its last date of service it held nothing: a re-check paid one night of
// housing to two agencies). One voided unused holds nothing.
func TestRequestOverAVoidVouchersBilledDaysPends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreauHRA, moreauBCS := e.demo.Clients["Moreau/HRA"], e.demo.Clients["Moreau/BCS"]
	billed := itVoucher(t, e, keyBCS, moreauBCS, "ATR-DT", 4, -8, -5)
	require.Equal(t, "approved", billed["decision"], "%v", billed)
	r := e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "DUP-VOID-1", "client_id": moreauBCS,
		"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-DT", "date_of_service": day(-8), "units": 1, "charge": "25.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	unused := itVoucher(t, e, keyBCS, moreauBCS, "ATR-DT", 2, -4, -3)
	require.Equal(t, "approved", unused["decision"], "%v", unused)
	for _, v := range []map[string]any{billed, unused} {
		r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", itNum(t, v, "authorization_id")), map[string]any{"reason": "moved"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}

	again := itVoucher(t, e, keyHRA, moreauHRA, "ATR-DT", 1, -8, -8)
	assert.Equal(t, "pended", again["decision"], "the day BCS billed: %v", again)
	got := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, again, "id"))).JSON(t)
	assert.Contains(t, got["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%v", got)
	free := itVoucher(t, e, keyHRA, moreauHRA, "ATR-DT", 2, -4, -3)
	assert.Equal(t, "approved", free["decision"], "BCS's voucher voided unused holds nothing: %v", free)
}

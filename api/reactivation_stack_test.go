package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An inactive authorization's unused units given back are judged as a
// request for them would be, and that includes the per-voucher maximum
// the agency's own authorizations over the same days hold (V38, V27): a
// reduce rule's limit, which no reviewer lifts (SPEC §5). A black-box pass
// reactivated Brown's inactive transitional housing (90 units left over
// its last 30 days) beside the 30-night voucher HRA was granted for those
// days while it was inactive, the reviewer told of the caps only: 120
// nights held over 30 days. The reactivation is refused, acknowledged or
// not, naming the rule and what to do; once the newer voucher is voided,
// it goes through.
func TestReactivationStacksNoUnitsOnTheAgencysNewerVoucher(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 30}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	_, err := e.db.Exec(`UPDATE programs SET inactivity_since = NULL WHERE code = 'ATR'`)
	require.NoError(t, err)
	th := itFixtureAuth(t, e, "Brown", "ATR-TH") // 90 nights to day 29, none used
	require.Equal(t, "inactive", itAuth(t, e, keyReviewer, th)["status"])
	newer := itVoucher(t, e, keyHRA, e.demo.Clients["Brown"], "ATR-TH", 30, 0, 29)
	require.Equal(t, "approved", newer["decision"], "%v", newer["reasons"])
	number := newer["authorization_number"].(string)

	path := itPath("/v1/authorizations/%d/reactivate", th)
	for _, ack := range [][]string{nil, {"EPISODE_UNITS_EXCEEDED", "EPISODE_DOLLAR_CAP_EXCEEDED", "DUPLICATE_SERVICE_OTHER_PROVIDER"}} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client back", "acknowledge": ack}),
				http.StatusConflict, "own_authorization_overlap")
			assert.Equal(t, []any{"UNITS_OVER_SPAN_DAYS", "OWN_AUTHORIZATION_AT_VOUCHER_MAX"}, p["reasons"], "%v", p)
			assert.Contains(t, p["detail"], number, "names the agency's voucher over the days")
			assert.Contains(t, p["detail"], "void", "says what to do")
		})
	}
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, th)["status"])

	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", itNum(t, newer, "authorization_id")), map[string]any{"reason": "the older voucher resumes"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.post(keyReviewer, path, map[string]any{"reason": "client back"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "active", r.JSON(t)["status"])
}

// The per-voucher maximum itself (V38), for a service not counted by the
// day: Kim's inactive 8 tests (ATR-DT's maximum) beside a voucher of 8
// HRA was granted over the same days while it was inactive.
func TestReactivationHeldToTheOwnPerVoucherMaximum(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"inactivate_after_days": 3}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	kim := e.demo.Clients["Kim"]
	first := itVoucher(t, e, keyHRA, kim, "ATR-DT", 8, 0, 30)
	require.Equal(t, "approved", first["decision"], "%v", first)
	firstAuth := itNum(t, first, "authorization_id")
	ie.clock.Advance(4 * 24 * time.Hour)
	require.Equal(t, "inactive", itAuth(t, e, keyReviewer, firstAuth)["status"])
	newer := itVoucher(t, e, keyHRA, kim, "ATR-DT", 8, 4, 12)
	require.Equal(t, "approved", newer["decision"], "%v", newer)

	path := itPath("/v1/authorizations/%d/reactivate", firstAuth)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "client resumed",
			"acknowledge": []string{"EPISODE_UNITS_EXCEEDED"}}), http.StatusConflict, "own_authorization_overlap")
		assert.Equal(t, []any{"OWN_AUTHORIZATION_AT_VOUCHER_MAX"}, p["reasons"], "%v", p)
		assert.Contains(t, p["detail"], newer["authorization_number"])
	})
	assert.Equal(t, "inactive", itAuth(t, e, keyReviewer, firstAuth)["status"])
}

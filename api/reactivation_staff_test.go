package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reactivation judges the units it gives back as a request naming the
// granted request's staff member: it judged the enrollment's assigned one,
// and ended a live case management authorization STAFF_NOT_QUALIFIED
// where the same request was approved at once (an operations black-box
// pass). Here the voucher names a qualified case manager while the
// enrollment is carried by one with no credential.
func TestReactivationJudgesTheStaffTheVoucherNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	hire := func(last string) int64 {
		r := e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "Sam", "last_name": last,
			"role": "case_manager", "date_of_birth": "1985-03-04", "employment_start": day(-400)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	qualified, unqualified := hire("Qualified"), hire("Uncredentialed")
	r := e.post(keyHRA, itPath("/v1/staff/%d/credentials", qualified), map[string]any{"type": "CADC", "issuer": "IBADCC",
		"number": "C-7", "valid_from": day(-300), "valid_to": day(600)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/verify", itID(t, r)), map[string]any{"document_reference": "register"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	c := itATRClient(t, e, day(-10))
	r = e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": c.Client, "service_code": "ATR-CM", "staff_id": qualified,
		"units": 8, "start_date": day(2), "end_date": day(12)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := r.JSON(t)
	require.Equal(t, "approved", v["decision"], "%v", v)
	auth := itNum(t, v, "authorization_id")
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", c.Enrollment), map[string]any{"staff_id": unqualified, "reason": "caseloads"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit", "effective_on": day(4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, got := range r.JSON(t)["authorizations_ended"].([]any) {
		assert.NotEqual(t, float64(auth), got.(map[string]any)["id"], "ended: %v", got)
	}
	a := itAuth(t, e, keyHRA, auth)
	assert.Equal(t, day(12), a["end_date"], "given back whole")
	assert.Equal(t, "active", a["status"])
}

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client discharged from RCM and enrolled again with the same agency in
// the same month: the rollup (report_claim_use) holds one row for both
// enrollments' lines (month, provider, service, client), so the RCM monthly
// report and the extract must split them by each line's authorization.
//
//	enrollment 1 from day -40, a voucher from day -14, 4 units (64.00) on
//	  day -13, discharged day -10;
//	enrollment 2 from day -9, a voucher from day -9, 2 units (32.00) on
//	  day -3.
func TestReportsSplitReenrolledClient(t *testing.T) {
	e := newEnv(t)
	client, en1 := rcmClient(t, e, day(-40))
	v := itVoucher(t, e, keyHRA, client, "RCM-CM", 40, -14, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)
	claim := func(number string, lines ...map[string]any) {
		t.Helper()
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": client,
			"rendering_staff_id": e.demo.Staff["Petrov"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	claim("RE-1", rcmLine(day(-13), 4, "64.00"))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", en1), map[string]any{"discharge_date": day(-10), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM",
		"assigned_staff_id": e.demo.Staff["Petrov"], "start_date": day(-9), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	en2 := itID(t, r)
	v = itVoucher(t, e, keyHRA, client, "RCM-CM", 40, -9, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)
	claim("RE-2", rcmLine(day(-3), 2, "32.00"))

	month := day(-13)[:7]
	require.Equal(t, month, day(-3)[:7], "the test wants both lines in one month")
	rep := itGetReport(t, e, keyReviewer, "/v1/reports/rcm-monthly?from="+month+"-01&to="+day(0))
	one, two := rcmRow(t, rep, en1, month), rcmRow(t, rep, en2, month)
	require.NotNil(t, one)
	require.NotNil(t, two)
	assert.Equal(t, []any{float64(4), "64.00"}, []any{one["units_used"], one["amount_paid"]})
	assert.Equal(t, []any{float64(2), "32.00"}, []any{two["units_used"], two["amount_paid"]})

	used := func(from string) map[int64]string {
		t.Helper()
		rep := itGetReport(t, e, keyReviewer, "/v1/reports/state-extract?program=RCM&from="+from+"&to="+day(0))
		out := map[int64]string{}
		for _, m := range rep.Rows {
			if id := itNum(t, m, "enrollment_id"); id == en1 || id == en2 {
				out[id] = m["amount_paid"].(string)
			}
		}
		return out
	}
	assert.Equal(t, map[int64]string{en1: "64.00", en2: "32.00"}, used(month+"-01"), "the whole month")
	assert.Equal(t, map[int64]string{en1: "0.00", en2: "32.00"}, used(day(-12)), "a range cutting the month after the first line")
}

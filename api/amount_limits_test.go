package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Amounts at the ledger's limits (NUMERIC(12,2): 9,999,999,999.99): each
// answered a 500 from the database once; each is now a clear answer that
// writes nothing it cannot hold.

// A rate may be as large as the ledger's amounts (9,999,999,999.99); a few
// units of it pend on the dollar cap, and a reviewer's approval raised the
// episode's cap past what NUMERIC(12,2) holds: a 500 from the database.
// The approval is now a 409 that writes nothing, and the request stays
// pended for a smaller approval.
func TestApprovalPastLargestEpisodeCap(t *testing.T) {
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/services/ATR-CM/rates",
		map[string]any{"rate": "9999999999.99", "effective_from": day(1), "reason": "typo of an admin"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 2, 1, 30)
	require.Equal(t, "pended", v["decision"])
	require.Contains(t, v["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "exception"}),
			http.StatusConflict, "cap_out_of_range")
		assert.Contains(t, p["detail"], "19999999999.98")
	})
	// One unit fits the largest cap: approved, the cap raised to it.
	r = e.post(keyReviewer, path, map[string]any{"action": "approve_modified", "units": 1, "start_date": day(1), "end_date": day(30), "note": "one unit"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "partial", r.JSON(t)["decision"])
}

// Each line's charge may be up to 99,999,999.99 and a claim may carry 200
// lines, but claims.total_charge holds at most 9,999,999,999.99: 101 lines
// at the largest charge were a 500 from the database. The total is now
// checked with the lines (422, nothing written), alone and in a bulk.
func TestClaimTotalPastLargestAmount(t *testing.T) {
	e := newEnv(t)
	lines := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = cmLine(day(-1), 1, "99999999.99")
		}
		return out
	}
	itNothingWritten(t, e, func() {
		r := e.post(keyHRA, "/v1/claims", e.riveraClaim("BIG-101", lines(101)...))
		p := requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{"lines"}, itFieldErrors(t, p))
		assert.Equal(t, "out_of_range", itFieldCode(p, "lines"))
		assert.Contains(t, string(r.Body), "10099999998.99") // 101 × 99,999,999.99
	})

	r := e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{e.riveraClaim("BIG-B", lines(101)...)}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var out struct {
		Results []struct {
			Status  int            `json:"status"`
			Problem map[string]any `json:"problem"`
		} `json:"results"`
	}
	r.Into(t, &out)
	require.Len(t, out.Results, 1)
	assert.Equal(t, http.StatusUnprocessableEntity, out.Results[0].Status)
	assert.Equal(t, "out_of_range", itFieldCode(out.Results[0].Problem, "lines"))
	assert.Zero(t, e.count(`SELECT count(*) FROM claims WHERE claim_number LIKE 'BIG-%'`))

	// 100 lines at the largest charge total 9,999,999,999.00: taken.
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("BIG-100", lines(100)...))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.Equal(t, "9999999999.00", r.JSON(t)["total_charge"])
}

// A program without a dollar cap still adds every payment to
// episodes.dollars_paid, NUMERIC(12,2). With a rate at the largest amount,
// 100 lines at the largest charge filled it to 9,999,999,999.00 and the
// next paid line was a 500 from the database. That line now meets the
// column's limit as the episode's cap: CLAIM_CAP_REACHED, the rest stored.
func TestUncappedEpisodePastLargestAmount(t *testing.T) {
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/services/EMP-SED/rates",
		map[string]any{"rate": "9999999999.99", "effective_from": day(-49), "reason": "typo of an admin"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/EMP-SED", Key: keyAdmin, Body: map[string]any{"per_voucher_max": 10000}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// A client in EMP for 60 days: 105 days of 96 quarter hours hold the
	// units; begun 49 days back, a retro grant the reviewer approves.
	ramos := itNewClient(t, e, keyHRA, "waterbury")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": ramos, "program_code": "EMP", "start_date": day(-60),
		"assigned_staff_id": e.demo.Staff["Adeyemi"]})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": ramos, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": day(-60), "expires_on": day(365)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	v := itVoucher(t, e, keyHRA, ramos, "EMP-SED", 10000, -49, 55)
	if v["decision"] == "pended" {
		r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "late paperwork"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		v = r.JSON(t)
	}
	require.Equal(t, "approved", v["decision"], "%v", v)

	// A day holds 96 quarter hours across its lines: two lines a day, of
	// 1 and 2, over 50 days, and no line repeats another.
	type line struct{ day, units int }
	claim := func(number string, ls ...line) map[string]any {
		lines := make([]map[string]any, len(ls))
		for i, l := range ls {
			lines[i] = map[string]any{"service_code": "EMP-SED", "date_of_service": day(l.day), "units": l.units, "charge": "99999999.99"}
		}
		return map[string]any{"claim_number": number, "client_id": ramos, "rendering_staff_id": e.demo.Staff["Adeyemi"],
			"place_of_service": "11", "lines": lines}
	}
	hundred := make([]line, 100)
	for i := range hundred {
		hundred[i] = line{-i / 2, i%2 + 1}
	}
	r = e.post(keyHRA, "/v1/claims", claim("BIG-1", hundred...))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	require.Equal(t, "9999999999.00", r.JSON(t)["total_paid"]) // 100 × 99,999,999.99

	r = e.post(keyHRA, "/v1/claims", claim("BIG-2", line{0, 3}))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	var c struct {
		Status    string `json:"status"`
		TotalPaid string `json:"total_paid"`
		Lines     []struct {
			Adjustments []struct {
				Code string `json:"code"`
			} `json:"adjustments"`
		} `json:"lines"`
	}
	r.Into(t, &c)
	assert.Equal(t, "denied", c.Status)
	assert.Equal(t, "0.00", c.TotalPaid)
	require.Len(t, c.Lines, 1)
	require.NotEmpty(t, c.Lines[0].Adjustments)
	assert.Equal(t, "CLAIM_CAP_REACHED", c.Lines[0].Adjustments[0].Code)
	assert.Equal(t, 9999999999, e.count(`SELECT max(dollars_paid)::bigint FROM episodes WHERE dollar_cap IS NULL`))
}

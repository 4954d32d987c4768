package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The statewide totals count people, not agencies' records: Soo Kim, whom
// HRA and BCS both serve, paid for at both in the range, is one client
// served and one client of the extract (each counted her twice, a
// black-box pass); each agency's own row still counts her once.
func TestStatewideTotalsCountPeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	r := e.post(keyBCS, "/v1/care-plans", map[string]any{"client_id": kimBCS, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(-5), "end_date": day(100), "services": []map[string]any{{"service_code": "ATR-DT"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-DT", 5, -5, 10)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	for key, claim := range map[string]map[string]any{
		keyBCS: {"claim_number": "KIM-B", "client_id": kimBCS, "rendering_staff_id": e.demo.Staff["Baptiste"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(-2), "units": 1, "charge": "10.00"}}},
		keyHRA: {"claim_number": "KIM-H", "client_id": kimHRA, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-2), "units": 1, "charge": "10.00"}}},
	} {
		r := e.post(key, "/v1/claims", claim)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	}

	from, to := day(-3), day(-1)
	people := e.count(`SELECT count(DISTINCT c.person_id) FROM claim_lines l JOIN clients c ON c.id = l.client_id
		WHERE l.counted AND l.date_of_service BETWEEN $1 AND $2`, from, to)
	records := e.count(`SELECT count(DISTINCT l.client_id) FROM claim_lines l
		WHERE l.counted AND l.date_of_service BETWEEN $1 AND $2`, from, to)
	require.Less(t, people, records, "Kim is two records")
	for _, group := range []string{"week", "month"} {
		rep := itGetReport(t, e, keyReviewer, "/v1/reports/utilization?from="+from+"&to="+to+"&group="+group)
		assert.Equal(t, int64(people), itNum(t, rep.Totals, "clients_served"), group)
	}
	rep := itGetReport(t, e, keyReviewer, "/v1/reports/utilization?from=2026-06-01&to=2026-06-30&group=month")
	assert.Equal(t, int64(e.count(`SELECT count(DISTINCT c.person_id) FROM claim_lines l JOIN clients c ON c.id = l.client_id
		WHERE l.counted AND l.date_of_service BETWEEN '2026-06-01' AND '2026-06-30'`)), itNum(t, rep.Totals, "clients_served"), "whole months")

	ext := itGetReport(t, e, keyReviewer, "/v1/reports/state-extract?from="+from+"&to="+to)
	open := `FROM enrollments e WHERE e.start_date <= $2 AND (e.discharge_date IS NULL OR e.discharge_date >= $1)`
	require.Less(t, e.count(`SELECT count(DISTINCT e.person_id) `+open, from, to), e.count(`SELECT count(DISTINCT e.client_id) `+open, from, to))
	assert.Equal(t, int64(e.count(`SELECT count(DISTINCT e.person_id) `+open, from, to)), itNum(t, ext.Totals, "clients"))
	assert.Equal(t, int64(e.count(`SELECT count(*) `+open, from, to)), itNum(t, ext.Totals, "enrollments"))
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One person's services counted by time are held to 24 hours a date within
// each agency's record (C00), never across agencies: another's lines would
// tell the agency the person is served elsewhere. HRA and BCS, their
// authorizations approved side by side, were paid 25 hours of one day and
// no one was told (a claims black-box pass of the forty-fifth stop). The
// MSC's report lists such days, each agency's lines of them; a day of 24
// hours exactly is not one. Providers may not read it; its records are
// audited as read.
func TestReportDaysPast24Hours(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itNewClient(t, e, keyHRA, "hartford")
	itATRReadyFor(t, e, keyHRA, hra, nil, "ATR-CC")
	who := identityOf(t, e, hra)
	bcs := itRegisterBorn(t, e, keyBCS, who.First, who.Last, who.DOB.String())
	itATRReadyFor(t, e, keyBCS, bcs, e.demo.Staff["Ibrahim"], "ATR-CM") // its primary case manager
	require.Equal(t, e.count(`SELECT person_id FROM clients WHERE id = $1`, hra), e.count(`SELECT person_id FROM clients WHERE id = $1`, bcs))
	grant := func(key string, client int64, svc string, units int) {
		t.Helper()
		v := itVoucher(t, e, key, client, svc, units, -5, 20)
		if v["decision"] == "pended" {
			id := itNum(t, v, "id")
			codes := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id)).JSON(t)["reason_codes"]
			r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id),
				map[string]any{"action": "approve", "note": "both agencies serve the person", "acknowledge": codes})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			return
		}
		require.Equal(t, "approved", v["decision"], "%v", v)
	}
	grant(keyHRA, hra, "ATR-CC", 40)
	grant(keyBCS, bcs, "ATR-CM", 48)
	bill := func(key string, client, staff int64, number, svc, dos string, units int, charge string) int64 {
		t.Helper()
		r := e.post(key, "/v1/claims", map[string]any{"claim_number": number, "client_id": client, "rendering_staff_id": staff,
			"place_of_service": "11", "lines": []map[string]any{{"service_code": svc, "date_of_service": dos, "units": units, "charge": charge}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		return itID(t, r)
	}
	// Day -1: 20 hours at HRA and 5 at BCS, both paid. Day -2: 17 and 7,
	// 24 hours exactly.
	hraClaim := bill(keyHRA, hra, e.demo.Staff["Okafor"], "DH-1", "ATR-CC", day(-1), 20, "200.00")
	bcsClaim := bill(keyBCS, bcs, e.demo.Staff["Ibrahim"], "DH-2", "ATR-CM", day(-1), 20, "300.00")
	bill(keyHRA, hra, e.demo.Staff["Okafor"], "DH-3", "ATR-CC", day(-2), 17, "170.00")
	bill(keyBCS, bcs, e.demo.Staff["Ibrahim"], "DH-4", "ATR-CM", day(-2), 28, "420.00")

	path := fmt.Sprintf("/v1/reports/days-past-24-hours?from=%s&to=%s", day(-5), day(0))
	rep := itGetReport(t, e, keyReviewer, path)
	require.Len(t, rep.Rows, 2, "%v", rep.Rows)
	person := float64(e.count(`SELECT person_id FROM clients WHERE id = $1`, hra))
	for i, want := range []struct {
		client, claim  int64
		svc, paid      string
		units, minutes float64
		provider       string
	}{
		{hra, hraClaim, "ATR-CC", "200.00", 20, 1200, "HRA"},
		{bcs, bcsClaim, "ATR-CM", "300.00", 20, 300, "BCS"},
	} {
		row := rep.Rows[i]
		assert.Equal(t, day(-1), row["date_of_service"])
		assert.Equal(t, person, row["person_id"])
		assert.Equal(t, float64(1500), row["day_minutes"], "25 hours")
		assert.Equal(t, float64(e.demo.Providers[want.provider]), row["provider_id"])
		assert.Equal(t, float64(want.client), row["client_id"])
		assert.Equal(t, want.svc, row["service_code"])
		assert.Equal(t, want.units, row["units"])
		assert.Equal(t, want.minutes, row["minutes"])
		assert.Equal(t, want.paid, row["paid"])
		assert.Equal(t, []any{float64(want.claim)}, row["claim_ids"])
	}
	assert.Equal(t, map[string]any{"days": float64(1), "persons": float64(1), "paid": "500.00"}, rep.Totals)
	// Read within the MSC: each record shown once.
	assert.Equal(t, 2, e.count(`SELECT count(*) FROM audit_records WHERE action = 'read' AND entity_type = 'days_past_24_hours_report'`))
	// The MSC finds who ran it in the audit log (the entity type's digits
	// were refused by its filter: a re-check).
	r := e.get(keyAdmin, "/v1/audit-events?entity_type=days_past_24_hours_report")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Len(t, r.JSON(t)["items"], 1)

	// The filters keep the days an agency or a program has a line on.
	assert.Len(t, itGetReport(t, e, keyFinance, path+fmt.Sprintf("&provider_id=%d", e.demo.Providers["BCS"])).Rows, 2)
	assert.Empty(t, itGetReport(t, e, keyFinance, path+fmt.Sprintf("&provider_id=%d", e.demo.Providers["ECRA"])).Rows)
	assert.Empty(t, itGetReport(t, e, keyAdmin, path+"&program=RCM").Rows)
	assert.Empty(t, itGetReport(t, e, keyAdmin, fmt.Sprintf("/v1/reports/days-past-24-hours?from=%s&to=%s", day(-2), day(-2))).Rows,
		"24 hours exactly is a day")
	csv := itCSV(t, e.do(req{Method: http.MethodGet, Path: path + "&format=csv", Key: keyAdmin}))
	require.Len(t, csv, 4, "notice, header, two rows: %v", csv)
	assert.Equal(t, []string{"date_of_service", "person_id", "day_minutes", "provider_id", "client_id", "service_code", "units",
		"minutes", "paid", "claim_ids"}, csv[1])

	// Voided, the day is 20 hours.
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", hraClaim), map[string]any{"claim_number": "DH-1-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Empty(t, itGetReport(t, e, keyReviewer, path).Rows)

	// A provider reads no one's: not even a day its own lines are on.
	itNothingWritten(t, e, func() {
		requireProblem(t, e.get(keyHRA, path), http.StatusForbidden, "forbidden")
	})
}

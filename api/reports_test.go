package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// itReport is a decoded JSON report.
type itReport struct {
	Report string           `json:"report"`
	Notice string           `json:"notice"`
	Filter map[string]any   `json:"filter"`
	Rows   []map[string]any `json:"rows"`
	Totals map[string]any   `json:"totals"`
}

func itGetReport(t *testing.T, e *env, key, path string) itReport {
	t.Helper()
	r := e.get(key, path)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	var out itReport
	r.Into(t, &out)
	require.Equal(t, rss.Part2Notice, out.Notice)
	return out
}

// itCSV parses a CSV report and checks its notice row.
func itCSV(t *testing.T, r resp) [][]string {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
	cr := csv.NewReader(bytes.NewReader(r.Body))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(rows), 2)
	require.Equal(t, []string{rss.Part2Notice}, rows[0], "the Part 2 notice leads the CSV")
	return rows
}

// utilKey names a utilization row.
func utilKey(m map[string]any) string {
	return fmt.Sprintf("%v/%v/%v/%v", m["period"], m["provider_id"], m["program"], m["service"])
}

type utilFigures struct {
	Authorized, Used, Clients int64
	Paid                      string
}

func utilRows(t *testing.T, rep itReport) map[string]utilFigures {
	out := map[string]utilFigures{}
	for _, m := range rep.Rows {
		k := utilKey(m)
		_, dup := out[k]
		require.False(t, dup, "one row per period, provider, program and service: %s", k)
		out[k] = utilFigures{Authorized: itNum(t, m, "units_authorized"), Used: itNum(t, m, "units_used"),
			Clients: itNum(t, m, "clients_served"), Paid: m["amount_paid"].(string)}
	}
	return out
}

func money(t *testing.T, s string) rss.Money {
	m, err := rss.ParseMoney(s)
	require.NoError(t, err)
	return m
}

// Utilization by week across a period boundary: a new HRA client with a
// 20-unit ATR-CM authorization starting day -10 (Friday 2026-06-05), a claim
// with 2 units on Sunday 06-14 and 3 on Monday 06-15 (the next week), and a
// claim on 06-13 voided since (its units and dollars are not counted). A
// second new client with an authorization and no line counts units
// authorized only. The figures are checked as the change from the demo
// history, row by row.
func TestReportUtilization(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	path := fmt.Sprintf("/v1/reports/utilization?provider_id=%d&program=ATR&service=ATR-CM&from=%s&to=%s&group=week", hra, day(-14), day(6))
	before := utilRows(t, itGetReport(t, e, keyReviewer, path))
	beforeTotals := itGetReport(t, e, keyReviewer, path).Totals

	a := itATRClient(t, e, day(-20))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 20, -10, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)
	b := itATRClient(t, e, day(-20))
	v = itVoucher(t, e, keyHRA, b.Client, "ATR-CM", 8, -3, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)

	claim := func(number string, lines ...map[string]any) int64 {
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	claim("UT-1", cmLine(day(-1), 2, "30.00"), cmLine(day(0), 3, "45.00"))
	voided := claim("UT-2", cmLine(day(-2), 4, "60.00"))
	r := e.post(keyHRA, itPath("/v1/claims/%d/void", voided), map[string]any{"claim_number": "UT-2-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	after := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, "week", after.Filter["group"])
	got := utilRows(t, after)
	week := func(d string) string { return fmt.Sprintf("%s/%d/ATR/ATR-CM", d, hra) }
	want := map[string]utilFigures{
		week("2026-06-01"): {Authorized: 20, Paid: "0.00"},                        // a's authorization starts Friday 06-05
		week("2026-06-08"): {Authorized: 8, Used: 2, Clients: 1, Paid: "30.00"},   // b's on 06-12; a's line on Sunday 06-14; the voided 06-13 line gone
		week("2026-06-15"): {Used: 3, Clients: 1, Paid: "45.00"},                  // Monday: the next week
	}
	for k, w := range want {
		g, o := got[k], before[k]
		assert.Equal(t, w.Authorized, g.Authorized-o.Authorized, "%s units authorized", k)
		assert.Equal(t, w.Used, g.Used-o.Used, "%s units used", k)
		assert.Equal(t, w.Clients, g.Clients-o.Clients, "%s clients served", k)
		op := "0.00"
		if o.Paid != "" {
			op = o.Paid
		}
		assert.Equal(t, w.Paid, money(t, g.Paid).Sub(money(t, op).Decimal).StringFixed(2), "%s amount paid", k)
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			assert.Equal(t, before[k], g, "%s is unchanged", k)
		}
	}
	tot := after.Totals
	assert.Equal(t, itNum(t, beforeTotals, "units_authorized")+28, itNum(t, tot, "units_authorized"))
	assert.Equal(t, itNum(t, beforeTotals, "units_used")+5, itNum(t, tot, "units_used"))
	assert.Equal(t, itNum(t, beforeTotals, "clients_served")+1, itNum(t, tot, "clients_served"), "a counts once over both weeks")
	assert.Equal(t, "75.00", money(t, tot["amount_paid"].(string)).Sub(money(t, beforeTotals["amount_paid"].(string)).Decimal).StringFixed(2))

	// The periods are clipped to the range: the range starts Monday 06-01, ends Sunday 06-21.
	for _, m := range after.Rows {
		assert.False(t, m["period"].(string) < day(-14), "period %v starts before the range", m["period"])
		assert.False(t, m["period_end"].(string) > day(6), "period %v ends after the range", m["period_end"])
	}

	// By month the three weeks are one June row.
	month := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/utilization?provider_id=%d&service=ATR-CM&from=2026-06-01&to=2026-06-30", hra))
	require.Len(t, month.Rows, 1, "%v", month.Rows)
	assert.Equal(t, "2026-06-01", month.Rows[0]["period"])
	assert.Equal(t, "2026-06-30", month.Rows[0]["period_end"])
	var sumAuth, sumUsed int64
	for _, f := range got {
		sumAuth += f.Authorized
		sumUsed += f.Used
	}
	assert.Equal(t, sumAuth, itNum(t, month.Rows[0], "units_authorized"))
	assert.Equal(t, sumUsed, itNum(t, month.Rows[0], "units_used"))

	// CSV: the notice, the header, one record a row, same figures.
	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"period", "period_end", "provider_id", "program", "service", "units_authorized", "units_used",
		"amount_paid", "clients_served"}, rows[1])
	require.Len(t, rows, 2+len(after.Rows))
	for i, m := range after.Rows {
		assert.Equal(t, []string{m["period"].(string), m["period_end"].(string), fmt.Sprint(itNum(t, m, "provider_id")),
			"ATR", "ATR-CM", fmt.Sprint(itNum(t, m, "units_authorized")), fmt.Sprint(itNum(t, m, "units_used")),
			m["amount_paid"].(string), fmt.Sprint(itNum(t, m, "clients_served"))}, rows[2+i])
	}
	byAccept := e.do(req{Method: http.MethodGet, Path: path, Key: keyReviewer, Header: map[string]string{"Accept": "text/csv"}})
	assert.Equal(t, rows, itCSV(t, byAccept))
}

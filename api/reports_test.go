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
		week("2026-06-01"): {Authorized: 20, Paid: "0.00"},                      // a's authorization starts Friday 06-05
		week("2026-06-08"): {Authorized: 8, Used: 2, Clients: 1, Paid: "30.00"}, // b's on 06-12; a's line on Sunday 06-14; the voided 06-13 line gone
		week("2026-06-15"): {Used: 3, Clients: 1, Paid: "45.00"},                // Monday: the next week
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

// caseRow finds the caseload row of a staff member (0: the unassigned row).
func caseRow(t *testing.T, rep itReport, staff int64) map[string]any {
	t.Helper()
	for _, m := range rep.Rows {
		if m["program"] != "RCM" {
			continue
		}
		if (staff == 0 && m["staff_id"] == nil) || (staff != 0 && m["staff_id"] != nil && itNum(t, m, "staff_id") == staff) {
			return m
		}
	}
	return nil
}

func rcmEnrollment(t *testing.T, e *env, client string) int64 {
	return int64(e.count(`SELECT id FROM enrollments WHERE client_id = $1 AND program_code = 'RCM'`, e.demo.Clients[client]))
}

// Caseload from the demo's RCM story at HRA: Castillo (lead, cap 10) took
// ten clients on days -100 to -91, Petrov (cap 15) Murphy on day -260 and
// Torres on day -10, and Williams (day -10) has no specialist. Then Clark
// is discharged today (off the caseload today, on it yesterday), Lopez is
// reassigned to Petrov today, and the lead's cap is lowered to 5.
func TestReportCaseload(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	castillo, petrov := e.demo.Staff["Castillo"], e.demo.Staff["Petrov"]
	path := func(asOf string) string {
		p := fmt.Sprintf("/v1/reports/caseload?provider_id=%d&program=RCM", hra)
		if asOf != "" {
			p += "&as_of=" + asOf
		}
		return p
	}
	check := func(rep itReport, staff int64, open int64, limit any, over bool) {
		t.Helper()
		m := caseRow(t, rep, staff)
		if open == 0 {
			assert.Nil(t, m, "staff %d has no row", staff)
			return
		}
		require.NotNil(t, m, "staff %d: %v", staff, rep.Rows)
		assert.Equal(t, open, itNum(t, m, "open_enrollments"), "staff %d", staff)
		assert.Equal(t, limit, m["cap"], "staff %d cap", staff)
		assert.Equal(t, over, m["over_cap"], "staff %d over cap", staff)
	}

	today := itGetReport(t, e, keyReviewer, path(""))
	assert.Equal(t, day(0), today.Filter["as_of"], "as of today by default")
	require.Len(t, today.Rows, 3, "%v", today.Rows)
	check(today, castillo, 10, float64(10), false) // at the cap is not over it
	check(today, petrov, 2, float64(15), false)
	check(today, 0, 1, nil, false)
	assert.Equal(t, "Inez Castillo", caseRow(t, today, castillo)["staff_name"])
	assert.Equal(t, map[string]any{"open_enrollments": float64(13), "unassigned": float64(1), "over_cap": float64(0)}, today.Totals)

	// Day -95: fillers 0..5 had started (days -100..-95); Murphy; no Torres or Williams yet.
	past := itGetReport(t, e, keyFinance, path(day(-95)))
	require.Len(t, past.Rows, 2, "%v", past.Rows)
	check(past, castillo, 6, float64(10), false)
	check(past, petrov, 1, float64(15), false)

	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", rcmEnrollment(t, e, "Clark")), map[string]any{"discharge_date": day(0), "reason": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", rcmEnrollment(t, e, "Lopez")), map[string]any{"staff_id": petrov, "reason": "closer to home"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	today = itGetReport(t, e, keyReviewer, path(day(0)))
	check(today, castillo, 8, float64(10), false)
	check(today, petrov, 3, float64(15), false)
	yesterday := itGetReport(t, e, keyReviewer, path(day(-1)))
	check(yesterday, castillo, 10, float64(10), false)
	check(yesterday, petrov, 2, float64(15), false)

	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/RCM", Key: keyAdmin,
		Body: map[string]any{"caseload_caps": map[string]int{"lead_recovery_specialist": 5, "recovery_specialist": 15}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	yesterday = itGetReport(t, e, keyAdmin, path(day(-1)))
	check(yesterday, castillo, 10, float64(5), true)
	assert.Equal(t, float64(1), yesterday.Totals["over_cap"])

	// CSV.
	rows := itCSV(t, e.get(keyReviewer, path(day(-1))+"&format=csv"))
	assert.Equal(t, []string{"as_of", "provider_id", "staff_id", "staff_name", "staff_role", "program", "open_enrollments", "cap", "over_cap"}, rows[1])
	require.Len(t, rows, 2+len(yesterday.Rows))
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), itStr(castillo), "Inez Castillo", "lead_recovery_specialist", "RCM", "10", "5", "true"})
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), "", "", "", "RCM", "1", "", "false"})

	// A provider sees its own agency: HRA the same rows; BCS none of HRA's.
	own := itGetReport(t, e, keyHRA, "/v1/reports/caseload?program=RCM&as_of="+day(-1))
	assert.Equal(t, yesterday.Rows, own.Rows)
	bcs := itGetReport(t, e, keyBCS, "/v1/reports/caseload?as_of="+day(-1))
	for _, m := range bcs.Rows {
		assert.Equal(t, float64(e.demo.Providers["BCS"]), m["provider_id"])
	}
	requireProblem(t, e.get(keyBCS, path("")), http.StatusNotFound, "not_found")
}

// losRow finds an enrollment's row.
func losRow(t *testing.T, rep itReport, id int64) map[string]any {
	t.Helper()
	for _, m := range rep.Rows {
		if itNum(t, m, "enrollment_id") == id {
			return m
		}
	}
	return nil
}

// Length of service in RCM (at most 270 days, start day counted as day 1):
// enrollments started on day -269 (its 270th day today: not past), on day
// -270 (its 271st: past by one), one discharged on day -30 (the first day of
// the range) after 270 days,
// and one discharged on day -40, before the range, which is left out.
func TestReportLengthOfService(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	enroll := func(start string) int64 {
		c := itNewClient(t, e, keyHRA, "hartford")
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RCM", "start_date": start,
			"referral_source": "samss_meeting"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	discharge := func(id int64, on string) {
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": on, "reason": "completed"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	day270, day271 := enroll(day(-269)), enroll(day(-270))
	done := enroll(day(-299))
	discharge(done, day(-30))
	before := enroll(day(-200))
	discharge(before, day(-40))
	murphy := rcmEnrollment(t, e, "Murphy")

	path := fmt.Sprintf("/v1/reports/length-of-service?provider_id=%d&program=RCM&from=%s&to=%s", hra, day(-30), day(0))
	rep := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, day(0), rep.Filter["as_of"], "as of the end of the range, today")
	want := map[int64][5]any{ // status, days, past_max, days_past_max, discharge_date
		day270: {"open", float64(270), false, float64(0), nil},
		day271: {"open", float64(271), true, float64(1), nil},
		done:   {"discharged", float64(270), false, float64(0), day(-30)},
		murphy: {"open", float64(261), false, float64(0), nil},
	}
	for id, w := range want {
		m := losRow(t, rep, id)
		require.NotNil(t, m, "enrollment %d", id)
		assert.Equal(t, w[0], m["status"], "%d", id)
		assert.Equal(t, w[1], m["days"], "%d", id)
		assert.Equal(t, w[2], m["past_max"], "%d", id)
		assert.Equal(t, w[3], m["days_past_max"], "%d", id)
		assert.Equal(t, w[4], m["discharge_date"], "%d", id)
		assert.Equal(t, float64(270), m["max_days"])
	}
	assert.Nil(t, losRow(t, rep, before), "discharged before the range")
	// The demo's other HRA RCM enrollments: ten fillers (days 101..92), Torres and Williams (11 each).
	require.Len(t, rep.Rows, 4+12)
	assert.Equal(t, float64(16), rep.Totals["enrollments"])
	assert.Equal(t, float64(15), rep.Totals["open"])
	assert.Equal(t, float64(1), rep.Totals["past_max"])
	// mean: (270+271+270+261 + (101+...+92) + 11 + 11) / 16 = (1072 + 965 + 22) / 16 = 128.6875
	assert.Equal(t, 128.7, rep.Totals["mean_days"])

	// As of yesterday the 271st day was the 270th.
	rep = itGetReport(t, e, keyReviewer, path+"&as_of="+day(-1))
	assert.Equal(t, false, losRow(t, rep, day271)["past_max"])
	assert.Equal(t, float64(270), losRow(t, rep, day271)["days"])

	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"as_of", "enrollment_id", "provider_id", "program", "start_date", "discharge_date", "status",
		"days", "max_days", "past_max", "days_past_max"}, rows[1])
	assert.Contains(t, rows[2:], []string{day(0), itStr(day271), itStr(hra), "RCM", day(-270), "", "open", "271", "270", "true", "1"})
	assert.Contains(t, rows[2:], []string{day(0), itStr(done), itStr(hra), "RCM", day(-299), day(-30), "discharged", "270", "270", "false", "0"})

	// BCS sees none of it.
	bcs := itGetReport(t, e, keyBCS, fmt.Sprintf("/v1/reports/length-of-service?from=%s&to=%s", day(-30), day(0)))
	for _, m := range bcs.Rows {
		assert.Equal(t, float64(e.demo.Providers["BCS"]), m["provider_id"])
	}
	requireProblem(t, e.get(keyBCS, path), http.StatusNotFound, "not_found")
}

// Bad filters are 422s (or 404 for another agency), written nowhere.
func TestReportBadFilters(t *testing.T) {
	e := newEnv(t)
	u := "/v1/reports/utilization?"
	for _, c := range []struct{ path, field, code string }{
		{u + "to=2026-06-30", "from", "required"},
		{u + "from=2026-06-01", "to", "required"},
		{u + "from=2026-06-30&to=2026-06-01", "to", "before_from"},
		{u + "from=2016-06-01&to=2026-06-30", "to", "range_too_long"},
		{u + "from=2026-6-1&to=2026-06-30", "from", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&group=year", "group", "invalid"},
		{u + "from=2026-06-01&to=2026-06-30&program=NOPE", "program", "unknown_program"},
		{u + "from=2026-06-01&to=2026-06-30&service=NOPE-X", "service", "unknown_service"},
		{u + "from=2026-06-01&to=2026-06-30&program=RCM&service=ATR-CM", "service", "not_in_program"},
		{u + "from=2026-06-01&to=2026-06-30&provider_id=abc", "provider_id", "invalid"},
		{u + "from=2026-06-01&to=2026-06-30&colour=red", "colour", "unknown_parameter"},
		{u + "from=2026-06-01&to=2026-06-30&from=2026-06-02", "from", "repeated"},
		{u + "from=2026-06-01&to=2026-06-30&format=xml", "format", "invalid"},
		{"/v1/reports/caseload?from=2026-06-01", "from", "unknown_parameter"},
		{"/v1/reports/caseload?as_of=3000-01-01", "as_of", "out_of_range"},
		{"/v1/reports/caseload?as_of=yesterday", "as_of", "invalid_value"},
		{"/v1/reports/length-of-service?from=2026-06-01&to=2026-06-30&service=ATR-CM", "service", "unknown_parameter"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.get(keyReviewer, c.path), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%s: %v", c.path, p)
		})
	}
	requireProblem(t, e.get(keyReviewer, u+"from=2026-06-01&to=2026-06-30&provider_id=999999"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get("", u+"from=2026-06-01&to=2026-06-30"), http.StatusUnauthorized, "unauthorized")
	// Ten years to the day is the longest range.
	itGetReport(t, e, keyReviewer, u+"from=2016-07-01&to=2026-06-30")
}

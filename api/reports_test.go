package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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
	require.Equal(t, rss.Part2Notice, r.Header.Get("X-Redisclosure-Notice"))
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

// rcmEnroll enrolls HRA's client c in RCM from start.
func rcmEnroll(t *testing.T, e *env, c int64, start string) int64 {
	t.Helper()
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RCM", "start_date": start,
		"referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(t, r)
}

// rcmDischarge discharges HRA's enrollment id on the day.
func rcmDischarge(t *testing.T, e *env, id int64, on string) {
	t.Helper()
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": on, "reason": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

func rcmEnrollment(t *testing.T, e *env, client string) int64 {
	return int64(e.count(`SELECT id FROM enrollments WHERE client_id = $1 AND program_code = 'RCM'`, e.demo.Clients[client]))
}

// Caseload from the demo's RCM story at HRA: Castillo (lead, cap 10) took
// ten clients on days -100 to -91, Petrov (cap 15) Murphy on day -260 and
// Torres on day -10, and Williams (day -10) has no specialist. Then Clark
// is discharged today (off the caseload today, on it yesterday), Lopez is
// reassigned to Petrov today, and the lead's cap is lowered to 5 today
// (yesterday judged by the cap of yesterday).
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
	// Lowered today, the cap judges today's caseloads; yesterday's are
	// judged by the cap of yesterday (a past day read today's caps).
	today = itGetReport(t, e, keyAdmin, path(day(0)))
	check(today, castillo, 8, float64(5), true)
	assert.Equal(t, float64(1), today.Totals["over_cap"])
	yesterday = itGetReport(t, e, keyAdmin, path(day(-1)))
	check(yesterday, castillo, 10, float64(10), false)
	assert.Equal(t, float64(0), yesterday.Totals["over_cap"])

	// CSV.
	rows := itCSV(t, e.get(keyReviewer, path(day(0))+"&format=csv"))
	assert.Equal(t, []string{"as_of", "provider_id", "staff_id", "staff_name", "staff_role", "program", "open_enrollments", "cap", "over_cap"}, rows[1])
	require.Len(t, rows, 2+len(today.Rows))
	assert.Contains(t, rows[2:], []string{day(0), itStr(hra), itStr(castillo), "Inez Castillo", "lead_recovery_specialist", "RCM", "8", "5", "true"})
	rows = itCSV(t, e.get(keyReviewer, path(day(-1))+"&format=csv"))
	require.Len(t, rows, 2+len(yesterday.Rows))
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), itStr(castillo), "Inez Castillo", "lead_recovery_specialist", "RCM", "10", "10", "false"})
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), "", "", "", "RCM", "1", "", "false"})

	// A provider sees its own agency: HRA the same rows; BCS none of HRA's.
	own := itGetReport(t, e, keyHRA, "/v1/reports/caseload?program=RCM&as_of="+day(-1))
	assert.Equal(t, yesterday.Rows, own.Rows)
	bcs := itGetReport(t, e, keyBCS, "/v1/reports/caseload?as_of="+day(-1))
	for _, m := range bcs.Rows {
		assert.Equal(t, float64(e.demo.Providers["BCS"]), m["provider_id"])
	}
	requireProblem(t, e.get(keyBCS, path("")), http.StatusNotFound, "not_found")

	// A name a spreadsheet would run as a formula is written as text in the
	// CSV (an apostrophe first), as it is in the JSON.
	r = e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", castillo), Key: keyHRA,
		Body: map[string]any{"first_name": "=1+2", "last_name": "@SUM(A1)"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	rows = itCSV(t, e.get(keyReviewer, path(day(-1))+"&format=csv"))
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), itStr(castillo), "'=1+2 @SUM(A1)", "lead_recovery_specialist", "RCM", "10", "10", "false"})
	assert.Equal(t, "=1+2 @SUM(A1)", caseRow(t, itGetReport(t, e, keyReviewer, path(day(-1))), castillo)["staff_name"])
}

// The caseload of a past day is judged by the role each specialist held
// that day: Castillo (lead, cap 10) is discharged of one RCM client today
// and takes another from day -5 (an enrollment is refused at the cap, as a
// reassignment is), eleven yesterday, over the cap; made a recovery
// specialist (cap 15) today, he stays over the lead's cap yesterday and is
// within the new cap today. Petrov, promoted to lead
// today, read as a lead on past days too until a black-box pass.
func TestReportCaseloadRoleOnTheDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	castillo, petrov := e.demo.Staff["Castillo"], e.demo.Staff["Petrov"]
	path := func(asOf string) string {
		return fmt.Sprintf("/v1/reports/caseload?provider_id=%d&program=RCM&as_of=%s", hra, asOf)
	}
	leaving := e.count(`SELECT id FROM enrollments WHERE assigned_staff_id = $1 AND discharge_date IS NULL ORDER BY id LIMIT 1`, castillo)
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", leaving), map[string]any{"discharge_date": day(0), "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	client := itNewClient(t, e, keyHRA, "hartford")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM", "start_date": day(-5),
		"assigned_staff_id": castillo, "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	check := func(rep itReport, staff int64, open int64, role string, limit float64, over bool) {
		t.Helper()
		m := caseRow(t, rep, staff)
		require.NotNil(t, m, "staff %d: %v", staff, rep.Rows)
		assert.Equal(t, open, itNum(t, m, "open_enrollments"), "staff %d", staff)
		assert.Equal(t, role, m["staff_role"], "staff %d role", staff)
		assert.Equal(t, limit, m["cap"], "staff %d cap", staff)
		assert.Equal(t, over, m["over_cap"], "staff %d over cap", staff)
	}
	check(itGetReport(t, e, keyReviewer, path(day(-1))), castillo, 11, "lead_recovery_specialist", 10, true)

	r = e.patch(keyAdmin, itPath("/v1/staff/%d", castillo), map[string]any{"role": "recovery_specialist"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.patch(keyAdmin, itPath("/v1/staff/%d", petrov), map[string]any{"role": "lead_recovery_specialist"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	yesterday := itGetReport(t, e, keyReviewer, path(day(-1)))
	check(yesterday, castillo, 11, "lead_recovery_specialist", 10, true)
	check(yesterday, petrov, 2, "recovery_specialist", 15, false)
	assert.Equal(t, float64(1), yesterday.Totals["over_cap"])
	today := itGetReport(t, e, keyReviewer, path(day(0)))
	check(today, castillo, 10, "recovery_specialist", 15, false)
	check(today, petrov, 2, "lead_recovery_specialist", 10, false)
	assert.Equal(t, float64(0), today.Totals["over_cap"])

	// The CSV reads the same roles.
	rows := itCSV(t, e.get(keyReviewer, path(day(-1))+"&format=csv"))
	require.Len(t, rows, 2+len(yesterday.Rows))
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), itStr(castillo), "Inez Castillo", "lead_recovery_specialist", "RCM", "11", "10", "true"})
	assert.Contains(t, rows[2:], []string{day(-1), itStr(hra), itStr(petrov), rss.CSVText(caseRow(t, yesterday, petrov)["staff_name"].(string)),
		"recovery_specialist", "RCM", "2", "15", "false"})
	rows = itCSV(t, e.get(keyReviewer, path(day(0))+"&format=csv"))
	assert.Contains(t, rows[2:], []string{day(0), itStr(hra), itStr(castillo), "Inez Castillo", "recovery_specialist", "RCM", "10", "15", "false"})
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

// A length of service counts from the first day of the agency's unbroken
// stay, as the voucher rules count it (V21, V31): discharged and enrolled
// again the same day or the next, the count goes on; after a day's break
// it starts again. The report restarted it at each enrollment, and a
// client the rules pended as past day 270 read "not past max" (a GPRA and
// reports black-box pass).
func TestReportLengthOfServiceCountsTheUnbrokenStay(t *testing.T) {
	e := newEnv(t)
	enroll := func(c int64, start string) int64 { return rcmEnroll(t, e, c, start) }
	discharge := func(id int64, on string) { rcmDischarge(t, e, id, on) }
	same, next, broken := itNewClient(t, e, keyHRA, "hartford"), itNewClient(t, e, keyHRA, "hartford"), itNewClient(t, e, keyHRA, "hartford")
	s1 := enroll(same, day(-300))
	discharge(s1, day(-100))
	s2 := enroll(same, day(-100)) // the same day: one stay
	n1 := enroll(next, day(-280))
	discharge(n1, day(-50))
	n2 := enroll(next, day(-49)) // the next day: one stay
	b1 := enroll(broken, day(-290))
	discharge(b1, day(-60))
	b2 := enroll(broken, day(-58)) // a day's break: a new stay

	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/length-of-service?program=RCM&from=%s&to=%s", day(-30), day(0)))
	for id, w := range map[int64][4]any{ // stay_start, days, past_max, days_past_max
		s2: {day(-300), float64(301), true, float64(31)},
		n2: {day(-280), float64(281), true, float64(11)},
		b2: {day(-58), float64(59), false, float64(0)},
	} {
		m := losRow(t, rep, id)
		require.NotNil(t, m, "enrollment %d", id)
		assert.Equal(t, w[0], m["stay_start"], "%d", id)
		assert.Equal(t, w[1], m["days"], "%d", id)
		assert.Equal(t, w[2], m["past_max"], "%d", id)
		assert.Equal(t, w[3], m["days_past_max"], "%d", id)
	}
	// The first stays' own rows count from their own first day.
	rep = itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/length-of-service?program=RCM&from=%s&to=%s", day(-300), day(0)))
	assert.Equal(t, float64(201), losRow(t, rep, s1)["days"])
	assert.Equal(t, day(-290), losRow(t, rep, b1)["stay_start"])

	// The totals count an unbroken stay once: its days are its last
	// row's, and s1's and n1's days are inside s2's and n2's. Over every
	// row, mean_days counted a readmitted stay's days twice (a reports
	// pass of the forty-second stop). The demo's own enrollments are
	// each a stay of their own.
	var sum float64
	for _, m := range rep.Rows {
		if id := itNum(t, m, "enrollment_id"); id != s1 && id != n1 {
			sum += m["days"].(float64)
		}
	}
	stays := float64(len(rep.Rows) - 2)
	assert.Equal(t, float64(len(rep.Rows)), rep.Totals["enrollments"])
	assert.Equal(t, stays, rep.Totals["stays"])
	assert.InDelta(t, sum/stays, rep.Totals["mean_days"], 0.05)
	// The stays' mark is the tally's alone: neither answer carries it.
	for _, m := range rep.Rows {
		assert.NotContains(t, m, "stay_last")
	}
	rows := itCSV(t, e.get(keyReviewer, fmt.Sprintf("/v1/reports/length-of-service?program=RCM&from=%s&to=%s&format=csv", day(-300), day(0))))
	assert.NotContains(t, rows[1], "stay_last")
	assert.Len(t, rows[2], len(rows[1]))
}

// Length of service in RCM (at most 270 days, start day counted as day 1):
// enrollments started on day -269 (its 270th day today: not past), on day
// -270 (its 271st: past by one), one discharged on day -30 (the first day of
// the range) after 270 days,
// and one discharged on day -40, before the range, which is left out.
func TestReportLengthOfService(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	enroll := func(start string) int64 { return rcmEnroll(t, e, itNewClient(t, e, keyHRA, "hartford"), start) }
	discharge := func(id int64, on string) { rcmDischarge(t, e, id, on) }
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

	// A range not begun is as of its first day, a filter rss takes back
	// as it echoes it: as of today, before from, it was refused when sent
	// (a reports pass).
	ahead := fmt.Sprintf("/v1/reports/length-of-service?program=RCM&from=%s&to=%s", day(10), day(40))
	later := itGetReport(t, e, keyReviewer, ahead)
	assert.Equal(t, day(10), later.Filter["as_of"])
	assert.Equal(t, later.Rows, itGetReport(t, e, keyReviewer, ahead+"&as_of="+day(10)).Rows)
	assert.Equal(t, float64(280), losRow(t, later, day270)["days"], "its days to the range's first day")

	// As of yesterday the 271st day was the 270th.
	rep = itGetReport(t, e, keyReviewer, path+"&as_of="+day(-1))
	assert.Equal(t, false, losRow(t, rep, day271)["past_max"])
	assert.Equal(t, float64(270), losRow(t, rep, day271)["days"])

	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"as_of", "enrollment_id", "provider_id", "program", "start_date", "stay_start", "discharge_date", "status",
		"days", "max_days", "past_max", "days_past_max"}, rows[1])
	assert.Contains(t, rows[2:], []string{day(0), itStr(day271), itStr(hra), "RCM", day(-270), day(-270), "", "open", "271", "270", "true", "1"})
	assert.Contains(t, rows[2:], []string{day(0), itStr(done), itStr(hra), "RCM", day(-299), day(-299), day(-30), "discharged", "270", "270", "false", "0"})

	// BCS sees none of it.
	bcs := itGetReport(t, e, keyBCS, fmt.Sprintf("/v1/reports/length-of-service?from=%s&to=%s", day(-30), day(0)))
	for _, m := range bcs.Rows {
		assert.Equal(t, float64(e.demo.Providers["BCS"]), m["provider_id"])
	}
	requireProblem(t, e.get(keyBCS, path), http.StatusNotFound, "not_found")

	// The maximum is the program's on as_of: raised today, yesterday's
	// report still reads 270 (day271 on its 270th day, past by none) and
	// day270's 269 days under it; today's reads the new one. Read as it
	// stands, a raise rewrote closed periods.
	r := e.patch(keyAdmin, "/v1/reference/programs/RCM", map[string]any{"los_max_days": 300, "reason": "longer stays funded"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	rep = itGetReport(t, e, keyReviewer, path+"&as_of="+day(-1))
	assert.Equal(t, float64(270), losRow(t, rep, day271)["max_days"], "the maximum of the day reported")
	rep = itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, float64(300), losRow(t, rep, day271)["max_days"], "today's maximum")
	assert.Equal(t, false, losRow(t, rep, day271)["past_max"])
	r = e.patch(keyAdmin, "/v1/reference/programs/RCM", map[string]any{"los_max_days": 200})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	rep = itGetReport(t, e, keyReviewer, path+"&as_of="+day(-1))
	assert.Equal(t, float64(270), losRow(t, rep, day271)["max_days"], "the first change after the day names what held on it")
	assert.Equal(t, float64(0), rep.Totals["past_max"], "on day -1 no stay was past 270")
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
		{u + "from=2016-07-01&to=2026-07-02", "to", "range_too_long"},
		// Present but empty is a bad value, not the default.
		{u + "from=2026-06-01&to=2026-06-30&group=", "group", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&format=", "format", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&format", "format", "invalid_value"},
		{u + "from=2026-6-1&to=2026-06-30", "from", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&group=year", "group", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&program=NOPE", "program", "unknown_program"},
		{u + "from=2026-06-01&to=2026-06-30&service=NOPE-X", "service", "unknown_service"},
		{u + "from=2026-06-01&to=2026-06-30&program=RCM&service=ATR-CM", "service", "not_in_program"},
		{u + "from=2026-06-01&to=2026-06-30&provider_id=abc", "provider_id", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&provider_id=0", "provider_id", "out_of_range"},
		{u + "from=2026-06-01&to=2026-06-30&program=", "program", "invalid_value"},
		{u + "from=2026-06-01&to=2026-06-30&colour=red", "colour", "unknown_parameter"},
		{u + "from=2026-06-01&to=2026-06-30&from=2026-06-02", "from", "repeated"},
		{u + "from=2026-06-01&to=2026-06-30&format=xml", "format", "invalid_value"},
		{"/v1/reports/caseload?from=2026-06-01", "from", "unknown_parameter"},
		// A service caseload does not take is unknown, and read no further
		// (it was also not_in_program: a reports black-box pass).
		{"/v1/reports/caseload?program=RCM&service=ATR-CM", "service", "unknown_parameter"},
		{"/v1/reports/caseload?as_of=3000-01-01", "as_of", "out_of_range"},
		{"/v1/reports/caseload?as_of=yesterday", "as_of", "invalid_value"},
		{"/v1/reports/length-of-service?from=2026-06-01&to=2026-06-30&service=ATR-CM", "service", "unknown_parameter"},
		// A report over a range as of a day before it (a black-box pass listed an enrollment open all month on day 1).
		{"/v1/reports/length-of-service?from=2026-06-01&to=2026-06-30&as_of=2026-05-31", "as_of", "before_from"},
		// Every problem at once: the database's checks beside the others (a black-box pass saw only the first).
		{"/v1/reports/caseload?program=XYZ&colour=red", "program", "unknown_program"},
		{u + "from=2026-06-30&to=2026-06-01&program=XYZ", "program", "unknown_program"},
		{u + "from=2026-06-30&to=2026-06-01&service=NOPE-X", "to", "before_from"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.get(keyReviewer, c.path), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%s: %v", c.path, p)
			if c.code == "unknown_parameter" {
				assert.NotContains(t, fmt.Sprint(p["errors"]), "not_in_program", c.path)
			}
		})
	}
	// A long value is quoted in part (a black-box pass read a 900 KB program code back whole).
	p := requireProblem(t, e.get(keyReviewer, u+"from=2026-06-01&to=2026-06-30&program="+strings.Repeat("A", 100_000)),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "unknown_program", itFieldCode(p, "program"), "%v", p)
	assert.Less(t, len(itMustJSON(p)), 2000)
	requireProblem(t, e.get(keyReviewer, u+"from=2026-06-01&to=2026-06-30&provider_id=999999"), http.StatusNotFound, "not_found")
	// A day the calendar lacks is said so, as in a body (it read "must be
	// YYYY-MM-DD" of 2026-02-29: a reports black-box pass); so in a list's
	// query.
	for _, path := range []string{"/v1/reports/caseload?as_of=2026-02-29", "/v1/claims?service_from=2026-02-30"} {
		p = requireProblem(t, e.get(keyReviewer, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, fmt.Sprint(p["errors"]), "is not a day of the calendar", path)
	}
	requireProblem(t, e.get("", u+"from=2026-06-01&to=2026-06-30"), http.StatusUnauthorized, "unauthorized")
	// Accept sent as two lines is one list (RFC 9110 5.3): the second
	// line's text/csv is heard.
	hr := httptest.NewRequest(http.MethodGet, u+"from=2026-06-01&to=2026-06-30", nil)
	hr.Header.Set("Authorization", "Bearer "+keyReviewer)
	hr.Header.Add("Accept", "application/json;q=0.5")
	hr.Header.Add("Accept", "text/csv")
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, hr)
	require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
	assert.Equal(t, "text/csv; charset=utf-8", w.Header().Get("Content-Type"))
	// 3,653 days, both ends included, is the longest range: to 3,652 days
	// after from (2016-07-01 + 3,652 is 2026-07-01), as the API document says.
	itGetReport(t, e, keyReviewer, u+"from=2016-07-01&to=2026-07-01")
}

// pendRow finds a pended-queue row.
func pendRow(rep itReport, dim, key string) map[string]any {
	for _, m := range rep.Rows {
		if m["dimension"] == dim && m["key"] == key {
			return m
		}
	}
	return nil
}

// Pended-queue age at HRA, target 3 days: three pended requests submitted
// (times set in the service's zone, New York) on day -5 at 23:30 (5 days old: the
// 4-7 bucket, past the target), day -3 at 00:10 (3 days: 2-3, at the target
// is not past it) and today (0 days), the RCM one. The oldest is then denied
// today: pended as of yesterday, not as of today.
func TestReportPendedQueue(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	path := func(asOf string) string {
		p := fmt.Sprintf("/v1/reports/pended-queue?provider_id=%d", hra)
		if asOf != "" {
			p += "&as_of=" + asOf
		}
		return p
	}
	empty := itGetReport(t, e, keyReviewer, path(""))
	// The demo's one pended request at HRA: ATR, submitted day -2, pended GPRA_FOLLOWUP_OVERDUE.
	demoID := empty.Totals["oldest_request_id"]
	assert.Equal(t, map[string]any{"requests": float64(1), "past_target": float64(0), "review_target_days": float64(3),
		"oldest_request_id": demoID, "oldest_age_days": float64(2)}, empty.Totals, "3 days is the default target")
	require.Len(t, empty.Rows, 8, "all, every age bucket even when empty, a reason code, a program: %v", empty.Rows)
	assert.Equal(t, map[string]any{"dimension": "age_days", "key": "15+", "requests": float64(0), "past_target": float64(0),
		"oldest_request_id": nil, "oldest_age_days": nil}, empty.Rows[5])
	assert.Equal(t, "GPRA_FOLLOWUP_OVERDUE", empty.Rows[6]["key"])

	old := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	mid := itVoucher(t, e, keyHRA, e.demo.Clients["Brown"], "ATR-CM", 40, 0, 29)
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Williams"], "service_code": "RCM-CM",
		"units": 40, "start_date": day(0), "end_date": day(59), "staff_id": e.demo.Staff["Castillo"]})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	fresh := r.JSON(t)
	codes := map[string][]int64{"GPRA_FOLLOWUP_OVERDUE": {2}} // reason code -> ages as of today, oldest first
	for i, v := range []map[string]any{old, mid, fresh} {
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
		for _, c := range v["reason_codes"].([]any) {
			age := []int64{5, 3, 0}[i]
			if cs := codes[c.(string)]; len(cs) > 0 && cs[0] < age {
				codes[c.(string)] = append([]int64{age}, cs...)
			} else {
				codes[c.(string)] = append(cs, age)
			}
		}
	}
	set := func(v map[string]any, at string) {
		_, err := e.db.ExecContext(t.Context(), `UPDATE voucher_requests SET submitted_at = $2 WHERE id = $1`, itNum(t, v, "id"), at)
		require.NoError(t, err)
	}
	set(old, day(-5)+"T23:30:00-04:00") // day -4 in UTC: the age is counted in the service's zone
	set(mid, day(-3)+"T00:10:00-04:00")
	set(fresh, day(0)+"T08:00:00-04:00")
	oldID, midID, freshID := float64(itNum(t, old, "id")), float64(itNum(t, mid, "id")), float64(itNum(t, fresh, "id"))

	check := func(rep itReport, dim, key string, n, past int, oldest any, age any) {
		t.Helper()
		m := pendRow(rep, dim, key)
		require.NotNil(t, m, "%s %s: %v", dim, key, rep.Rows)
		assert.Equal(t, float64(n), m["requests"], "%s %s", dim, key)
		assert.Equal(t, float64(past), m["past_target"], "%s %s", dim, key)
		assert.Equal(t, oldest, m["oldest_request_id"], "%s %s", dim, key)
		assert.Equal(t, age, m["oldest_age_days"], "%s %s", dim, key)
	}
	today := itGetReport(t, e, keyReviewer, path(""))
	assert.Equal(t, day(0), today.Filter["as_of"])
	check(today, "all", "all", 4, 1, oldID, float64(5))
	check(today, "age_days", "0-1", 1, 0, freshID, float64(0))
	check(today, "age_days", "2-3", 2, 0, midID, float64(3))
	check(today, "age_days", "4-7", 1, 1, oldID, float64(5))
	check(today, "age_days", "8-14", 0, 0, nil, nil)
	check(today, "age_days", "15+", 0, 0, nil, nil)
	check(today, "program", "ATR", 3, 1, oldID, float64(5))
	check(today, "program", "RCM", 1, 0, freshID, float64(0))
	for c, ages := range codes {
		past := 0
		for _, a := range ages {
			if a > 3 {
				past++
			}
		}
		m := pendRow(today, "reason_code", c)
		require.NotNil(t, m, "code %s", c)
		assert.Equal(t, float64(len(ages)), m["requests"], "code %s", c)
		assert.Equal(t, float64(past), m["past_target"], "code %s", c)
		assert.Equal(t, float64(ages[0]), m["oldest_age_days"], "code %s", c)
	}
	assert.Equal(t, map[string]any{"requests": float64(4), "past_target": float64(1), "review_target_days": float64(3),
		"oldest_request_id": oldID, "oldest_age_days": float64(5)}, today.Totals)

	// As of day -3: only the two older ones, 2 days and 0 days old (the demo's came on day -2); as of day -6 none.
	early := itGetReport(t, e, keyReviewer, path(day(-3)))
	check(early, "all", "all", 2, 0, oldID, float64(2))
	check(early, "age_days", "0-1", 1, 0, midID, float64(0))
	check(early, "age_days", "2-3", 1, 0, oldID, float64(2))
	assert.Nil(t, pendRow(early, "program", "RCM"))
	check(itGetReport(t, e, keyReviewer, path(day(-6))), "all", "all", 0, 0, nil, nil)

	// The target is a setting: at 2 days the 3-day-old request is past it too.
	_, err := e.db.ExecContext(t.Context(), `UPDATE settings SET value = 2 WHERE key = 'review_target_days'`)
	require.NoError(t, err)
	check(itGetReport(t, e, keyFinance, path("")), "all", "all", 4, 2, oldID, float64(5))
	// A past day's queue keeps the target it had then: changed today, it
	// rewrote past days' (a black-box pass).
	assert.Equal(t, float64(3), itGetReport(t, e, keyFinance, path(day(-1))).Totals["review_target_days"])
	_, err = e.db.ExecContext(t.Context(), `UPDATE settings SET value = 3 WHERE key = 'review_target_days'`)
	require.NoError(t, err)

	// The oldest is denied today: it leaves today's queue, stays in yesterday's.
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, old, "id")), map[string]any{"action": "deny", "note": "no follow-up on file"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	_, err = e.db.ExecContext(t.Context(), `UPDATE voucher_requests SET decided_at = $2 WHERE id = $1`, itNum(t, old, "id"), e.now)
	require.NoError(t, err)
	today = itGetReport(t, e, keyAdmin, path(""))
	check(today, "all", "all", 3, 0, midID, float64(3))
	check(today, "age_days", "4-7", 0, 0, nil, nil)
	yesterday := itGetReport(t, e, keyAdmin, path(day(-1)))
	check(yesterday, "all", "all", 3, 1, oldID, float64(4))
	check(yesterday, "age_days", "4-7", 1, 1, oldID, float64(4))
	check(yesterday, "age_days", "2-3", 1, 0, midID, float64(2))
	check(yesterday, "age_days", "0-1", 1, 0, demoID, float64(1))
	assert.Nil(t, pendRow(yesterday, "program", "RCM"), "submitted today: not in yesterday's queue")

	// Filters: the RCM program only.
	rcm := itGetReport(t, e, keyReviewer, path("")+"&program=RCM")
	check(rcm, "all", "all", 1, 0, freshID, float64(0))
	check(itGetReport(t, e, keyReviewer, path("")+"&service=RCM-CM"), "all", "all", 1, 0, freshID, float64(0))
	assert.Nil(t, pendRow(rcm, "program", "ATR"))

	// CSV: the notice, the header, the same rows.
	rows := itCSV(t, e.get(keyReviewer, path(day(-1))+"&format=csv"))
	assert.Equal(t, []string{"as_of", "dimension", "key", "requests", "past_target", "oldest_request_id", "oldest_age_days"}, rows[1])
	require.Len(t, rows, 2+len(yesterday.Rows))
	assert.Equal(t, []string{day(-1), "all", "all", "3", "1", itStr(int64(oldID)), "4"}, rows[2])
	assert.Contains(t, rows[2:], []string{day(-1), "age_days", "15+", "0", "0", "", ""})

	// A provider sees its own agency's queue, named or not; another's is a 404.
	own := itGetReport(t, e, keyHRA, "/v1/reports/pended-queue?as_of="+day(-1))
	assert.Equal(t, yesterday.Rows, own.Rows)
	bcs := itGetReport(t, e, keyBCS, "/v1/reports/pended-queue?as_of="+day(-1))
	assert.Equal(t, float64(0), bcs.Totals["requests"], "HRA's requests are not BCS's")
	requireProblem(t, e.get(keyBCS, path("")), http.StatusNotFound, "not_found")
	for _, c := range []struct{ q, field, code string }{
		{"from=" + day(-1), "from", "unknown_parameter"},
		{"group=month", "group", "unknown_parameter"},
		{"as_of=someday", "as_of", "invalid_value"},
		{"program=RCM&service=ATR-CM", "service", "not_in_program"},
	} {
		p := requireProblem(t, e.get(keyReviewer, "/v1/reports/pended-queue?"+c.q), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, c.code, itFieldCode(p, c.field), "%s: %v", c.q, p)
	}
}

// moveRow finds an employment-movement row (provider 0: the overall row).
func moveRow(t *testing.T, rep itReport, period string, provider int64) map[string]any {
	t.Helper()
	for _, m := range rep.Rows {
		if m["period"] != period {
			continue
		}
		if (provider == 0 && m["provider_id"] == nil) || (provider != 0 && m["provider_id"] != nil && itNum(t, m, "provider_id") == provider) {
			return m
		}
	}
	return nil
}

// Employment movement counts a person's unbroken stay at the agency once:
// a discharge and a readmission the same day split a move up the ladder
// into a stalled stay and an unscored entered one, and the agency's score
// fell from null (nothing stalled) to 0 (a clinical black-box pass). E is
// at on-the-job training (rank 5) from 02-20, discharged 03-01 and
// readmitted that day, and reaches apprenticeship (6) on 03-10: March is
// one stay, progressed.
func TestReportEmploymentMovementCountsAStayOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	c := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": "2026-02-01"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := itID(t, r)
	// Months closed to the agency (period_closed): the MSC records them.
	stage := func(id int64, stage, on string) {
		r := e.post(keyAdmin, itPath("/v1/enrollments/%d/employment-stages", id), map[string]any{"stage": stage, "effective_date": on})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	stage(first, "work_for_a_day", "2026-02-01")
	stage(first, "on_the_job_training", "2026-02-20")
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": "2026-03-01", "reason": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": "2026-03-01"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	stage(itID(t, r), "apprenticeship", "2026-03-10")

	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=2026-03-01&to=2026-04-30", hra))
	march, april := moveRow(t, rep, "2026-03-01", hra), moveRow(t, rep, "2026-04-01", hra)
	require.NotNil(t, march, "%v", rep.Rows)
	assert.Equal(t, []float64{1, 1, 0, 0}, []float64{march["enrollments"].(float64), march["progressed"].(float64),
		march["stalled"].(float64), march["entered"].(float64)}, "one stay, progressed: %v", march)
	assert.Nil(t, march["score"])
	assert.Equal(t, "none_stalled_or_stepped_back", march["score_note"])
	require.NotNil(t, april, "%v", rep.Rows)
	assert.Equal(t, float64(1), april["stalled"], "April: the stay at apprenticeship, from the readmission's own change")
}

// Employment movement, by hand: at HRA, A (from 03-01) reaches work for a
// day on 03-01 and transitional employment (rank 3) on 03-31, the last day
// of March, is unchanged in April, then goes to on-the-job training (5) on
// 05-10 and seasonal work (2) on 05-20; B (from 02-01) is at work for a day
// from 02-10, unchanged through March, apprenticeship (6) on 04-30; C (from
// 03-15) has no stage. At PWE, D (from 02-01) is at work for a day from
// 02-01 and competitive employment from 04-01.
//
//	        A        B           C         D (PWE)      HRA score   PWE score   overall
//	March   entered  stalled     no stage  stalled      0/1 = 0     0/1 = 0     0/2 = 0
//	April   stalled  progressed  no stage  progressed   1/1 = 1     1/0: null   2/1 = 2
//	May     stepped  stalled     no stage  stalled      0/2 = 0     0/1 = 0     0/3 = 0
func TestReportEmploymentMovement(t *testing.T) {
	e := newEnv(t)
	hra, pwe := e.demo.Providers["HRA"], e.demo.Providers["PWE"]
	enroll := func(key, start string) int64 {
		c := itNewClient(t, e, key, "hartford")
		r := e.post(key, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": start})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	// Months closed to the agency (period_closed): the MSC records them.
	stage := func(id int64, stage, on string) {
		r := e.post(keyAdmin, itPath("/v1/enrollments/%d/employment-stages", id), map[string]any{"stage": stage, "effective_date": on})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	a, b, c := enroll(keyHRA, "2026-03-01"), enroll(keyHRA, "2026-02-01"), enroll(keyHRA, "2026-03-15")
	d := enroll(keyPWE, "2026-02-01")
	_ = c
	stage(a, "work_for_a_day", "2026-03-01")
	stage(a, "transitional_employment", "2026-03-31")
	stage(a, "on_the_job_training", "2026-05-10")
	stage(a, "seasonal_temporary", "2026-05-20")
	stage(b, "work_for_a_day", "2026-02-10")
	stage(b, "apprenticeship", "2026-04-30")
	stage(d, "work_for_a_day", "2026-02-01")
	stage(d, "competitive_employment", "2026-04-01")

	type fig struct {
		enr, none, entered, prog, stalled, back int64
		score                                   any
		note                                    any
	}
	check := func(m map[string]any, w fig, what string) {
		t.Helper()
		require.NotNil(t, m, what)
		got := fig{itNum(t, m, "enrollments"), itNum(t, m, "no_stage"), itNum(t, m, "entered"), itNum(t, m, "progressed"),
			itNum(t, m, "stalled"), itNum(t, m, "stepped_back"), m["score"], m["score_note"]}
		assert.Equal(t, w, got, what)
	}
	path := "/v1/reports/employment-movement?from=2026-03-01&to=2026-05-31"
	rep := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, "month", rep.Filter["group"])
	assert.Equal(t, "EMP", rep.Filter["program"])
	require.Len(t, rep.Rows, 9, "three months x (HRA, PWE, overall): %v", rep.Rows)
	check(moveRow(t, rep, "2026-03-01", hra), fig{3, 1, 1, 0, 1, 0, float64(0), nil}, "March HRA")
	check(moveRow(t, rep, "2026-03-01", pwe), fig{1, 0, 0, 0, 1, 0, float64(0), nil}, "March PWE")
	check(moveRow(t, rep, "2026-03-01", 0), fig{4, 1, 1, 0, 2, 0, float64(0), nil}, "March overall")
	check(moveRow(t, rep, "2026-04-01", hra), fig{3, 1, 0, 1, 1, 0, float64(1), nil}, "April HRA")
	check(moveRow(t, rep, "2026-04-01", pwe), fig{1, 0, 0, 1, 0, 0, nil, "none_stalled_or_stepped_back"}, "April PWE")
	check(moveRow(t, rep, "2026-04-01", 0), fig{4, 1, 0, 2, 1, 0, float64(2), nil}, "April overall")
	check(moveRow(t, rep, "2026-05-01", hra), fig{3, 1, 0, 0, 1, 1, float64(0), nil}, "May HRA")
	check(moveRow(t, rep, "2026-05-01", pwe), fig{1, 0, 0, 0, 1, 0, float64(0), nil}, "May PWE")
	check(moveRow(t, rep, "2026-05-01", 0), fig{4, 1, 0, 0, 2, 1, float64(0), nil}, "May overall")
	assert.Equal(t, "2026-05-31", moveRow(t, rep, "2026-05-01", 0)["period_end"])
	check(rep.Totals, fig{12, 3, 1, 2, 5, 1, 0.333, nil}, "the range: 2 / (5 + 1)")

	// Clipped periods: from 03-31 the March period is one day, and A's
	// change that day is in it: rank 1 the day before, 3 at its end.
	clip := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=2026-03-31&to=2026-04-29", hra))
	require.Len(t, clip.Rows, 4, "%v", clip.Rows)
	assert.Equal(t, "2026-03-31", clip.Rows[0]["period"])
	assert.Equal(t, "2026-04-29", moveRow(t, clip, "2026-04-01", hra)["period_end"])
	check(moveRow(t, clip, "2026-03-31", hra), fig{3, 1, 0, 1, 1, 0, float64(1), nil}, "March 31: A progressed, B stalled")
	// April cut on the 29th: B's apprenticeship (04-30) is not yet in it.
	check(moveRow(t, clip, "2026-04-01", hra), fig{3, 1, 0, 0, 2, 0, float64(0), nil}, "April to the 29th")

	// Denominator 0 with nothing compared: February at HRA has only B, whose first stage came then.
	feb := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=2026-01-01&to=2026-02-28", hra))
	require.Len(t, feb.Rows, 2, "no EMP enrollment at HRA in January: no row: %v", feb.Rows)
	check(moveRow(t, feb, "2026-02-01", hra), fig{1, 0, 1, 0, 0, 0, nil, "no_enrollment_compared"}, "February HRA")
	check(feb.Totals, fig{1, 0, 1, 0, 0, 0, nil, "no_enrollment_compared"}, "the range")

	// By quarter: Q1 A and B enter, C none; Q2 A steps back (3 -> 2), B
	// progresses (1 -> 6), C and the demo's Ramos (from day -3) have none.
	qtr := itGetReport(t, e, keyAdmin, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=2026-01-01&to=2026-06-30&group=quarter", hra))
	assert.Equal(t, "quarter", qtr.Filter["group"])
	check(moveRow(t, qtr, "2026-01-01", hra), fig{3, 1, 2, 0, 0, 0, nil, "no_enrollment_compared"}, "Q1 HRA")
	assert.Equal(t, "2026-03-31", moveRow(t, qtr, "2026-01-01", hra)["period_end"])
	check(moveRow(t, qtr, "2026-04-01", hra), fig{4, 2, 0, 1, 0, 1, float64(1), nil}, "Q2 HRA")

	// Up to today: a range running into the months ahead ends with today's
	// period, cut at today, exactly as a range ending today does (an
	// enrollment starting next week is not in it); a range wholly ahead
	// has no period. Months ahead once read as a stall each.
	enroll(keyHRA, day(7))
	month := day(0)[:8] + "01"
	ahead := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=%s&to=%s", hra, month, day(200)))
	now := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=%s&to=%s", hra, month, day(0)))
	require.NotEmpty(t, now.Rows)
	assert.Equal(t, now.Rows, ahead.Rows)
	assert.Equal(t, now.Totals, ahead.Totals)
	assert.Equal(t, day(0), ahead.Rows[len(ahead.Rows)-1]["period_end"])
	for _, rng := range [][2]string{{day(40), day(400)}, {day(1), day(3)}, {day(1), day(100)}} {
		// Ahead, from next month or from tomorrow (in today's month, or
		// quarter): nothing.
		later := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?from=%s&to=%s", rng[0], rng[1]))
		assert.Empty(t, later.Rows, "%v", rng)
		check(later.Totals, fig{0, 0, 0, 0, 0, 0, nil, "no_enrollment_compared"}, "nothing ahead")
		q := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?from=%s&to=%s&group=quarter", rng[0], rng[1]))
		assert.Empty(t, q.Rows, "%v by quarter", rng)
	}

	// CSV.
	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"period", "period_end", "provider_id", "enrollments", "no_stage", "entered", "progressed", "stalled",
		"stepped_back", "score", "score_note"}, rows[1])
	require.Len(t, rows, 2+9)
	assert.Contains(t, rows[2:], []string{"2026-04-01", "2026-04-30", itStr(pwe), "1", "0", "0", "1", "0", "0", "", "none_stalled_or_stepped_back"})
	assert.Contains(t, rows[2:], []string{"2026-04-01", "2026-04-30", "", "4", "1", "0", "2", "1", "0", "2", ""})

	// A provider sees its own agency only, named or not; another's is a 404.
	own := itGetReport(t, e, keyPWE, "/v1/reports/employment-movement?from=2026-03-01&to=2026-05-31")
	require.Len(t, own.Rows, 6, "PWE and its overall per month: %v", own.Rows)
	check(moveRow(t, own, "2026-04-01", 0), fig{1, 0, 0, 1, 0, 0, nil, "none_stalled_or_stepped_back"}, "PWE's overall is PWE's")
	for _, m := range own.Rows {
		if m["provider_id"] != nil {
			assert.Equal(t, float64(pwe), m["provider_id"])
		}
	}
	requireProblem(t, e.get(keyPWE, fmt.Sprintf("%s&provider_id=%d", path, hra)), http.StatusNotFound, "not_found")
	requireProblem(t, e.get("", path), http.StatusUnauthorized, "unauthorized")

	for _, c := range []struct{ q, field, code string }{
		{"from=2026-03-01", "to", "required"},
		{"from=2026-03-01&to=2026-05-31&group=week", "group", "invalid_value"},
		{"from=2026-03-01&to=2026-05-31&as_of=2026-05-31", "as_of", "unknown_parameter"},
		{"from=2026-03-01&to=2026-05-31&service=EMP-IPS", "service", "unknown_parameter"},
		{"from=2026-03-01&to=2026-05-31&program=RCM", "program", "not_emp"},
		{"from=2026-05-31&to=2026-03-01", "to", "before_from"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.get(keyReviewer, "/v1/reports/employment-movement?"+c.q), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%s: %v", c.q, p)
		})
	}
}

// An enrollment discharged on the last day of March counts in March and
// not after; one started in April is not in March's figures.
func TestReportEmploymentMovementDischarged(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	c := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": "2026-02-01"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	// A month closed to the agency (period_closed): the MSC records it.
	r = e.post(keyAdmin, itPath("/v1/enrollments/%d/employment-stages", id), map[string]any{"stage": "work_study", "effective_date": "2026-02-01"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": "2026-03-31", "reason": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/employment-movement?provider_id=%d&from=2026-03-01&to=2026-04-30", hra))
	require.Len(t, rep.Rows, 2, "March only (the enrollment and the overall row): %v", rep.Rows)
	for _, m := range rep.Rows {
		assert.Equal(t, "2026-03-01", m["period"])
		assert.Equal(t, float64(1), m["enrollments"])
		assert.Equal(t, float64(1), m["stalled"])
		assert.Equal(t, float64(0), m["score"])
	}
	assert.Equal(t, float64(1), rep.Totals["enrollments"])
}

// A specialist who has left carries no one: from the day after the
// departure their open enrollments are unassigned until reassigned, and
// count against no cap. The report kept counting a departed specialist's
// clients for months and none as unassigned (an outcomes black-box pass).
func TestReportCaseloadOfADepartedSpecialistIsUnassigned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	petrov := e.demo.Staff["Petrov"]
	path := func(asOf string) string {
		return fmt.Sprintf("/v1/reports/caseload?provider_id=%d&program=RCM&as_of=%s", hra, asOf)
	}
	before := itGetReport(t, e, keyReviewer, path(day(1)))
	carried := itNum(t, caseRow(t, before, petrov), "open_enrollments")
	require.Positive(t, carried)
	unassigned := before.Totals["unassigned"].(float64)

	r := e.patch(keyHRA, itPath("/v1/staff/%d", petrov), map[string]any{"employment_end": day(0), "reason": "left"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	today := itGetReport(t, e, keyReviewer, path(day(0)))
	assert.Equal(t, carried, itNum(t, caseRow(t, today, petrov), "open_enrollments"), "the last day employed, they still carry them")
	after := itGetReport(t, e, keyReviewer, path(day(1)))
	assert.Nil(t, caseRow(t, after, petrov), "gone, they carry no one: %v", after.Rows)
	assert.Equal(t, unassigned+float64(carried), after.Totals["unassigned"])
	assert.Equal(t, before.Totals["open_enrollments"], after.Totals["open_enrollments"])
}

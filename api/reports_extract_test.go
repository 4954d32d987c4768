package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// extractRow finds the row of an enrollment.
func extractRow(t *testing.T, rep itReport, enrollment int64) map[string]any {
	t.Helper()
	for _, m := range rep.Rows {
		if itNum(t, m, "enrollment_id") == enrollment {
			return m
		}
	}
	return nil
}

// The state extract over [day -30, today]:
//
//	A (ATR from -20, intake that day): 20 ATR-CM units authorized from -10,
//	  2 units paid on -1 (30.00), a 4-unit claim on -2 voided since; the
//	  follow-up window opens on +130: not yet due. A is also in EMP from -6
//	  (no GPRA): work for a day on -5, competitive employment on -1.
//	B (ATR from -30) discharged on -5 as moved: its discharge interview is
//	  due until +25.
//	Demo: Johnson's follow-up window closed on -20 with none (overdue);
//	  Price's follow-up was done in window on -120 (completed).
func TestReportStateExtract(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a := itATRClient(t, e, day(-20))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 20, -10, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)
	claim := func(number string, lines ...map[string]any) int64 {
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	claim("EX-1", cmLine(day(-1), 2, "30.00"))
	voided := claim("EX-2", cmLine(day(-2), 4, "60.00"))
	r := e.post(keyHRA, itPath("/v1/claims/%d/void", voided), map[string]any{"claim_number": "EX-2-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": a.Client, "program_code": "EMP",
		"assigned_staff_id": e.demo.Staff["Adeyemi"], "start_date": day(-6)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	emp := itID(t, r)
	for _, s := range []struct{ stage, on string }{{"work_for_a_day", day(-5)}, {"competitive_employment", day(-1)}} {
		r = e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", emp), map[string]any{"stage": s.stage, "effective_date": s.on})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}

	b := itATRClient(t, e, day(-30))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", b.Enrollment), map[string]any{"discharge_date": day(-5), "reason_code": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	// An EMP stay discharged and readmitted the next day is one stay: the
	// readmitted enrollment's row reads the stage recorded before (it read
	// none, where the movement report carried the stay's stage on: a
	// reports black-box pass of the forty-fourth stop).
	c := itNewClient(t, e, keyHRA, "hartford")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP",
		"assigned_staff_id": e.demo.Staff["Adeyemi"], "start_date": day(-20)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := itID(t, r)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", first), map[string]any{"stage": "work_for_a_day", "effective_date": day(-15)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(-10), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP",
		"assigned_staff_id": e.demo.Staff["Adeyemi"], "start_date": day(-9)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)

	before := itAudit(e, "read", "state_extract", "")
	path := fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0))
	rep := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, "state-extract", rep.Report)

	row := extractRow(t, rep, a.Enrollment)
	require.NotNil(t, row)
	assert.Equal(t, map[string]any{"client_id": float64(a.Client), "enrollment_id": float64(a.Enrollment), "program": "ATR",
		"provider_id": float64(hra), "staff_id": float64(e.demo.Staff["Okafor"]), "catchment_area": "hartford",
		"referral_source": nil, "start_date": day(-20), "planned_end_date": nil, "discharge_date": nil, "discharge_reason": nil,
		"discharge_outcome": nil, "units_authorized": float64(20), "units_used": float64(2), "amount_paid": "30.00",
		"gpra_intake": "completed", "gpra_follow_up": "not_yet_due", "gpra_discharge": "not_applicable",
		"employment_stage": nil, "treatment_status": nil, "treatment_status_month": nil}, row)

	row = extractRow(t, rep, emp)
	require.NotNil(t, row)
	assert.Equal(t, "EMP", row["program"])
	assert.Equal(t, "competitive_employment", row["employment_stage"], "the latest stage in force")
	assert.Equal(t, "work_for_a_day", extractRow(t, rep, again)["employment_stage"], "the stay's stage, recorded before the readmission")
	assert.Equal(t, "work_for_a_day", extractRow(t, rep, first)["employment_stage"])
	assert.Nil(t, row["gpra_intake"], "EMP has no GPRA")
	assert.Nil(t, row["gpra_follow_up"])
	assert.Equal(t, float64(0), row["units_used"])

	row = extractRow(t, rep, b.Enrollment)
	require.NotNil(t, row)
	assert.Equal(t, day(-5), row["discharge_date"])
	assert.Equal(t, "moved", row["discharge_reason"])
	assert.Equal(t, "neutral", row["discharge_outcome"])
	assert.Equal(t, "due", row["gpra_discharge"])

	atrOf := func(client string) int64 {
		return int64(e.count(`SELECT id FROM enrollments WHERE client_id = $1 AND program_code = 'ATR'`, e.demo.Clients[client]))
	}
	assert.Equal(t, "overdue", extractRow(t, rep, atrOf("Johnson"))["gpra_follow_up"])
	assert.Equal(t, "completed", extractRow(t, rep, atrOf("Price"))["gpra_follow_up"])

	// Totals add the rows up; every row is open in the range.
	clients := map[int64]bool{}
	var auth, used int64
	for _, m := range rep.Rows {
		clients[itNum(t, m, "client_id")] = true
		auth += itNum(t, m, "units_authorized")
		used += itNum(t, m, "units_used")
		assert.LessOrEqual(t, m["start_date"].(string), day(0))
		if d, ok := m["discharge_date"].(string); ok {
			assert.GreaterOrEqual(t, d, day(-30))
		}
	}
	assert.Equal(t, int64(len(rep.Rows)), itNum(t, rep.Totals, "enrollments"))
	// The total counts people: a person two agencies serve is one.
	people := map[int64]bool{}
	for c := range clients {
		people[int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, c))] = true
	}
	assert.Equal(t, int64(len(people)), itNum(t, rep.Totals, "clients"))
	assert.Equal(t, auth, itNum(t, rep.Totals, "units_authorized"))
	assert.Equal(t, used, itNum(t, rep.Totals, "units_used"))

	// Audited: one read per row, naming the client, all of them one event
	// (a read set), which the client's own accounting finds.
	assert.Equal(t, before+len(rep.Rows), itAudit(e, "read", "state_extract", ""))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_records WHERE action = 'read' AND entity_type = 'state_extract'
		AND entity_id = $1 AND client_id = $2`, itStr(a.Enrollment), a.Client))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'read' AND entity_type = 'state_extract'`))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_client_records($1) WHERE action = 'read' AND entity_type = 'state_extract'
		AND entity_id = $2 AND actor_role = 'reviewer'`, a.Client, itStr(a.Enrollment)))

	// The range's figures: nothing was authorized or used today.
	today := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(0), day(0)))
	row = extractRow(t, today, a.Enrollment)
	require.NotNil(t, row)
	assert.Equal(t, float64(0), row["units_authorized"])
	assert.Equal(t, float64(0), row["units_used"])
	assert.Nil(t, extractRow(t, today, b.Enrollment), "discharged before the range")
	assert.Nil(t, extractRow(t, today, emp), "another program")

	// CSV: the notice, the header, the same rows.
	rows := itCSV(t, e.get(keyAdmin, path+"&format=csv"))
	assert.Equal(t, []string{"client_id", "enrollment_id", "program", "provider_id", "staff_id", "catchment_area",
		"referral_source", "start_date", "planned_end_date", "discharge_date", "discharge_reason", "discharge_outcome",
		"units_authorized", "units_used", "amount_paid", "gpra_intake", "gpra_follow_up", "gpra_discharge",
		"employment_stage", "treatment_status", "treatment_status_month"}, rows[1])
	require.Len(t, rows, 2+len(rep.Rows))
	var found bool
	for _, rec := range rows[2:] {
		if rec[1] == itStr(a.Enrollment) {
			found = true
			assert.Equal(t, []string{itStr(a.Client), itStr(a.Enrollment), "ATR", itStr(hra), itStr(e.demo.Staff["Okafor"]), "hartford",
				"", day(-20), "", "", "", "", "20", "2", "30.00", "completed", "not_yet_due", "not_applicable", "", "", ""}, rec)
		}
	}
	assert.True(t, found)

	// A provider gets its own agency's rows only, and never another's.
	bcs := itGetReport(t, e, keyBCS, path)
	require.NotEmpty(t, bcs.Rows, "BCS has Kim, Moreau and Reyes in the range")
	for _, m := range bcs.Rows {
		assert.Equal(t, float64(e.demo.Providers["BCS"]), m["provider_id"])
		assert.NotEqual(t, float64(a.Client), m["client_id"])
	}
	requireProblem(t, e.get(keyBCS, path+fmt.Sprintf("&provider_id=%d", hra)), http.StatusNotFound, "not_found")

	// Bad filters write nothing, not even an audit row.
	n := itAudit(e, "", "", "")
	p := requireProblem(t, e.get(keyReviewer, path+"&service=ATR-CM"), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "unknown_parameter", itFieldCode(p, "service"))
	p = requireProblem(t, e.get(keyReviewer, fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(0), day(-1))), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "before_from", itFieldCode(p, "to"))
	requireProblem(t, e.get(keyReviewer, path+"&program=NOPE"), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.get("", path), http.StatusUnauthorized, "unauthorized")
	assert.Equal(t, n, itAudit(e, "", "", ""))
}

// The state's client-level reports go on to DCF and the state: a person's
// accounting of disclosures lists each pull an MSC key made that carried
// one of the person's records, and none that left the person out or that
// an agency made of its own figures (a black-box pass found fifty pulls
// and an empty accounting).
func TestStateReportsAreAccountedAsDisclosures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-20))
	disclosed := func() []map[string]any {
		return itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", a.Client)))
	}
	require.Empty(t, disclosed())

	itGetReport(t, e, keyHRA, fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0)))
	itGetReport(t, e, keyHRA, fmt.Sprintf("/v1/reports/rcm-monthly?from=%s&to=%s", day(-30), day(0)))
	assert.Empty(t, disclosed(), "the agency's own report discloses nothing")
	itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-400), day(-300)))
	assert.Empty(t, disclosed(), "a pull that left the person out")
	// A HEAD sends no record: it answers the GET's status and headers and
	// is neither a disclosure nor a read (a black-box pass found each HEAD
	// of the extract in every client's accounting).
	reads := itAudit(e, "read", "", "")
	for _, path := range []string{fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0)),
		fmt.Sprintf("/v1/reports/rcm-monthly?from=%s&to=%s", day(-30), day(0)), itPath("/v1/clients/%d", a.Client)} {
		r := e.do(req{Method: http.MethodHead, Path: path, Key: keyReviewer})
		require.Equal(t, http.StatusOK, r.Status, "%s", path)
	}
	assert.Equal(t, reads, itAudit(e, "read", "", ""), "a HEAD is not a read")
	assert.Empty(t, disclosed(), "nor a disclosure")

	r := e.do(req{Method: http.MethodGet, Path: fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0)), Key: keyReviewer,
		Header: map[string]string{"X-Purpose-Of-Use": "treatment"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itGetReport(t, e, keyAdmin, fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-20), day(-20)))
	d := disclosed()
	require.Len(t, d, 2)
	for i, role := range []string{"reviewer", "admin"} {
		assert.Equal(t, "state", d[i]["recipient"])
		assert.Equal(t, "audit", d[i]["purpose"], "audit and evaluation, whatever the pull stated")
		assert.Equal(t, "state_extract", d[i]["entity_type"])
		assert.Equal(t, role, d[i]["actor_role"])
		assert.Equal(t, float64(a.Client), d[i]["client_id"])
	}

	// Paged by event, oldest first, as the other disclosures are.
	page := e.get(keyAdmin, itPath("/v1/clients/%d/disclosures?limit=1", a.Client))
	require.Equal(t, http.StatusOK, page.Status, "%s", page.Body)
	items := itItems(t, page)
	require.Len(t, items, 1)
	assert.Equal(t, d[0]["id"], items[0]["id"])
}

// The RCM monthly report, DCF's, is accounted as a disclosure to DCF.
func TestRCMReportIsAccountedAsADisclosureToDCF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, _ := rcmClient(t, e, day(-20))
	itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/rcm-monthly?from=%s&to=%s", day(-30), day(0)))
	d := itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", client)))
	require.Len(t, d, 1)
	assert.Equal(t, "dcf", d[0]["recipient"])
	assert.Equal(t, "rcm_monthly_report", d[0]["entity_type"])
	assert.Equal(t, float64(client), d[0]["client_id"])
}

// An authorization its agency's deactivation cuts to nothing (in force on
// its first day) bills no day, and counts as authorized nowhere while the
// deactivation stands: the utilization report and the state extract read
// its units until a reactivation voided it (a black-box pass). Undone,
// it counts again.
func TestReportsLeaveOutAnAuthorizationCutToNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-10))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 3, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	hra := e.demo.Providers["HRA"]
	authorized := func() (util, extract int64) {
		rep := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/utilization?provider_id=%d&service=ATR-TR&from=%s&to=%s", hra, day(3), day(3)))
		util = itNum(t, rep.Totals, "units_authorized")
		ext := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&from=%s&to=%s", hra, day(3), day(3)))
		row := extractRow(t, ext, a.Enrollment)
		require.NotNil(t, row)
		return util, itNum(t, row, "units_authorized")
	}
	u, x := authorized()
	require.Equal(t, int64(5), u)
	require.Equal(t, int64(5), x)

	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit", "effective_on": day(3)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "expired", itAuth(t, e, keyReviewer, itNum(t, v, "authorization_id"))["status"], "cut to nothing")
	u, x = authorized()
	assert.Zero(t, u, "utilization")
	assert.Zero(t, x, "state extract")

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	u, x = authorized()
	assert.Equal(t, int64(5), u)
	assert.Equal(t, int64(5), x)
}

// The extract carries a client's catchment area as the record stands when
// it is run, as it carries the rest of the record: a client whose area
// was corrected (or who moved) reads the new area on every row, the stays
// before the change included (the state's system holds the client's area
// now; a black-box pass found the area could not be corrected at all).
func TestReportStateExtractReadsTheAreaOnFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-20))
	path := fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0))
	row := extractRow(t, itGetReport(t, e, keyHRA, path), a.Enrollment)
	require.NotNil(t, row)
	assert.Equal(t, "hartford", row["catchment_area"])
	r := e.patch(keyHRA, itPath("/v1/clients/%d", a.Client), map[string]any{"catchment_area": "meriden"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	row = extractRow(t, itGetReport(t, e, keyHRA, path), a.Enrollment)
	require.NotNil(t, row)
	assert.Equal(t, "meriden", row["catchment_area"])
}

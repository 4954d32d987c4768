package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rcmClient registers a new HRA client in RCM from start with Petrov as
// specialist, a payment consent to the MSC and a care plan with RCM case
// management, and returns the client and enrollment.
func rcmClient(t *testing.T, e *env, start string) (client, enrollment int64) {
	t.Helper()
	client = itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM",
		"assigned_staff_id": e.demo.Staff["Petrov"], "start_date": start, "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	enrollment = itID(t, r)
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": start, "expires_on": day(365)})
	require.Equal(t, http.StatusCreated, r.Status, "consent: %s", r.Body)
	r = e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": client, "program_code": "RCM", "kind": "rss_care_plan",
		"start_date": start, "end_date": day(300), "services": []map[string]any{{"service_code": "RCM-CM"}}})
	require.Equal(t, http.StatusCreated, r.Status, "care plan: %s", r.Body)
	return client, enrollment
}

func rcmLine(dos string, units int, charge string) map[string]any {
	return map[string]any{"service_code": "RCM-CM", "date_of_service": dos, "units": units, "charge": charge}
}

// rcmRow finds the row of an enrollment in a month.
func rcmRow(t *testing.T, rep itReport, enrollment int64, month string) map[string]any {
	t.Helper()
	for _, m := range rep.Rows {
		if itNum(t, m, "enrollment_id") == enrollment && m["month"] == month {
			return m
		}
	}
	return nil
}

// The RCM monthly report for DCF over 2026-03-15 .. 2026-06-15 (today):
//
//	A starts 03-27 (Petrov): March recorded (2 face to face, 1 telephone,
//	  referred, one goal in progress); April not recorded; May recorded (3
//	  home visits, 1 attempted, engaged, goal achieved and a new one not
//	  started); June not recorded, with 4 + 2 RCM-CM units paid on 06-01
//	  and 06-10 (16.00 a unit) and a 3-unit claim on 06-05 voided since.
//	B starts 04-10 and is discharged 04-30 (the month's last day): April
//	  only, not May.
func TestReportRCMMonthly(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a, aEn := rcmClient(t, e, "2026-03-27")
	b, bEn := rcmClient(t, e, "2026-04-10")
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", bEn), map[string]any{"discharge_date": "2026-04-30", "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	progress := func(month string, contacts []map[string]any, status string, goals []map[string]any) {
		t.Helper()
		r := e.post(keyAdmin, itPath("/v1/enrollments/%d/monthly-progress", aEn), map[string]any{"month": month,
			"contacts": contacts, "treatment_status": status, "goals": goals})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	progress("2026-03", []map[string]any{{"kind": "face_to_face", "count": 2}, {"kind": "telephone", "count": 1}}, "referred",
		[]map[string]any{{"goal": "Enter treatment", "status": "in_progress"}})
	progress("2026-05", []map[string]any{{"kind": "home_visit", "count": 3}, {"kind": "attempted", "count": 1}}, "engaged",
		[]map[string]any{{"goal": "Enter treatment", "status": "achieved"}, {"goal": "Stable housing", "status": "not_started"}})

	v := itVoucher(t, e, keyHRA, a, "RCM-CM", 40, -14, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)
	claim := func(number string, lines ...map[string]any) int64 {
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a,
			"rendering_staff_id": e.demo.Staff["Petrov"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	claim("RCM-1", rcmLine("2026-06-01", 4, "64.00"), rcmLine("2026-06-10", 2, "32.00"))
	voided := claim("RCM-2", rcmLine("2026-06-05", 3, "48.00"))
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", voided), map[string]any{"claim_number": "RCM-2-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	auditsBefore := itAudit(e, "read", "rcm_monthly_report", "")
	path := "/v1/reports/rcm-monthly?from=2026-03-15&to=2026-06-15"
	rep := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, "RCM", rep.Filter["program"])

	mar := rcmRow(t, rep, aEn, "2026-03")
	require.NotNil(t, mar, "a row for March, the month A started in")
	assert.Equal(t, map[string]any{"month": "2026-03", "enrollment_id": float64(aEn), "client_id": float64(a), "provider_id": float64(hra),
		"staff_id": float64(e.demo.Staff["Petrov"]), "start_date": "2026-03-27", "discharge_date": nil, "recorded": true,
		"face_to_face": float64(2), "home_visit": float64(0), "telephone": float64(1), "video": float64(0), "collateral": float64(0),
		"attempted": float64(0), "total_contacts": float64(3), "treatment_status": "referred",
		"goals":          []any{map[string]any{"goal": "Enter treatment", "status": "in_progress"}},
		"goals_achieved": float64(0), "units_used": float64(0), "amount_paid": "0.00"}, mar)
	apr := rcmRow(t, rep, aEn, "2026-04")
	require.NotNil(t, apr, "a month with no record is listed")
	assert.Equal(t, false, apr["recorded"])
	assert.Nil(t, apr["treatment_status"])
	assert.Equal(t, float64(0), apr["total_contacts"])
	assert.Equal(t, []any{}, apr["goals"])
	may := rcmRow(t, rep, aEn, "2026-05")
	require.NotNil(t, may)
	assert.Equal(t, float64(3), may["home_visit"])
	assert.Equal(t, float64(1), may["attempted"])
	assert.Equal(t, float64(3), may["total_contacts"], "an attempt that did not reach the client is no contact (a reports black-box pass)")
	assert.Equal(t, "engaged", may["treatment_status"])
	assert.Equal(t, float64(1), may["goals_achieved"])
	assert.Len(t, may["goals"], 2)
	jun := rcmRow(t, rep, aEn, "2026-06")
	require.NotNil(t, jun)
	assert.Equal(t, false, jun["recorded"])
	assert.Equal(t, float64(6), jun["units_used"], "4 + 2; the voided claim's 3 are gone")
	assert.Equal(t, "96.00", jun["amount_paid"])

	bApr := rcmRow(t, rep, bEn, "2026-04")
	require.NotNil(t, bApr)
	assert.Equal(t, "2026-04-30", bApr["discharge_date"])
	assert.Equal(t, b, itNum(t, bApr, "client_id"))
	assert.Nil(t, rcmRow(t, rep, bEn, "2026-05"), "discharged on April's last day: not in May")
	assert.Nil(t, rcmRow(t, rep, bEn, "2026-03"), "not yet started in March")

	// Every row is an RCM enrollment's month in the range; the totals add
	// the rows up.
	enrollments := map[int64]bool{}
	var recorded, underWay, contacts, units int64
	for _, m := range rep.Rows {
		enrollments[itNum(t, m, "enrollment_id")] = true
		assert.Contains(t, []string{"2026-03", "2026-04", "2026-05", "2026-06"}, m["month"])
		switch {
		case m["recorded"] == true:
			recorded++
		case m["month"] == "2026-06" && m["discharge_date"] == nil:
			// June, today's month, for a stay still open: recorded once it
			// ends, so not missing (a reports black-box pass of the
			// forty-fourth stop counted every open stay's as a gap).
			underWay++
		}
		contacts += itNum(t, m, "total_contacts")
		units += itNum(t, m, "units_used")
	}
	assert.Equal(t, int64(len(enrollments)), itNum(t, rep.Totals, "enrollments"))
	assert.Equal(t, int64(len(rep.Rows)), itNum(t, rep.Totals, "months"))
	assert.Equal(t, recorded, itNum(t, rep.Totals, "months_recorded"))
	assert.Positive(t, underWay)
	assert.Equal(t, underWay, itNum(t, rep.Totals, "months_under_way"))
	assert.Equal(t, int64(len(rep.Rows))-recorded-underWay, itNum(t, rep.Totals, "months_missing"))
	assert.Equal(t, contacts, itNum(t, rep.Totals, "total_contacts"))
	assert.Equal(t, units, itNum(t, rep.Totals, "units_used"))
	// Murphy's demo months (April, May) are recorded too: A's 2 + Murphy's 2.
	assert.Equal(t, int64(4), recorded)

	// Audited: one read per enrollment shown, naming its client.
	assert.Equal(t, auditsBefore+len(enrollments), itAudit(e, "read", "rcm_monthly_report", ""))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_records WHERE action = 'read' AND entity_type = 'rcm_monthly_report'
		AND entity_id = $1 AND client_id = $2 AND actor_role = 'reviewer'`, itStr(aEn), a))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_client_records($1) WHERE action = 'read' AND entity_type = 'rcm_monthly_report'
		AND entity_id = $2`, a, itStr(aEn)))

	// CSV: notice, header, the same rows; goals as a JSON array.
	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"month", "enrollment_id", "client_id", "provider_id", "staff_id", "start_date", "discharge_date",
		"recorded", "face_to_face", "home_visit", "telephone", "video", "collateral", "attempted", "total_contacts",
		"treatment_status", "goals", "goals_achieved", "units_used", "amount_paid"}, rows[1])
	require.Len(t, rows, 2+len(rep.Rows))
	var found bool
	for _, rec := range rows[2:] {
		if rec[0] == "2026-03" && rec[1] == itStr(aEn) {
			found = true
			assert.Equal(t, []string{"2026-03", itStr(aEn), itStr(a), itStr(hra), itStr(e.demo.Staff["Petrov"]), "2026-03-27", "",
				"true", "2", "0", "1", "0", "0", "0", "3", "referred", `[{"goal":"Enter treatment","status":"in_progress"}]`,
				"0", "0", "0.00"}, rec)
		}
	}
	assert.True(t, found)
	assert.Equal(t, auditsBefore+2*len(enrollments), itAudit(e, "read", "rcm_monthly_report", ""), "the CSV is audited too")

	// Another agency sees none of HRA's clients, and reading nothing audits nothing.
	bcs := itGetReport(t, e, keyBCS, path)
	assert.Empty(t, bcs.Rows)
	assert.Equal(t, auditsBefore+2*len(enrollments), itAudit(e, "read", "rcm_monthly_report", ""))
	requireProblem(t, e.get(keyBCS, path+fmt.Sprintf("&provider_id=%d", hra)), http.StatusNotFound, "not_found")
	own := itGetReport(t, e, keyHRA, path)
	assert.Equal(t, len(rep.Rows), len(own.Rows))

	// Reassigned today, A's past months still name the specialist who had
	// the case then (as the caseload report does); today's month the new one.
	petrov, castillo := e.demo.Staff["Petrov"], e.demo.Staff["Castillo"]
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/RCM", Key: keyAdmin,
		Body: map[string]any{"caseload_caps": map[string]int{"lead_recovery_specialist": 20, "recovery_specialist": 15}}})
	require.Equal(t, http.StatusOK, r.Status, "room on Castillo's caseload: %s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", aEn), map[string]any{"staff_id": castillo, "reason": "caseload balance"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	moved := itGetReport(t, e, keyReviewer, path)
	for _, month := range []string{"2026-03", "2026-04", "2026-05"} {
		assert.Equal(t, float64(petrov), rcmRow(t, moved, aEn, month)["staff_id"], month)
	}
	assert.Equal(t, float64(castillo), rcmRow(t, moved, aEn, day(0)[:7])["staff_id"], "today's month")
	assert.Equal(t, float64(petrov), rcmRow(t, itGetReport(t, e, keyReviewer, path), bEn, "2026-04")["staff_id"], "B was never moved")
	// A discharge dated before that reassignment ends the month's service
	// with the specialist who had the case on its last day (a black-box pass
	// read the one assigned after it, who never served the client).
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", aEn), map[string]any{"discharge_date": day(-1), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	discharged := rcmRow(t, itGetReport(t, e, keyReviewer, path), aEn, day(0)[:7])
	assert.Equal(t, day(-1), discharged["discharge_date"])
	assert.Equal(t, float64(petrov), discharged["staff_id"], "the specialist on the discharge day")

	// Each month's summary on its progress record (migration 00034, what the
	// report reads) equals a recount from its contacts and goals, and those
	// are recorded once: a change is refused.
	require.Positive(t, e.count(`SELECT count(*) FROM rcm_monthly_progress`))
	assert.Zero(t, e.count(`SELECT count(*) FROM rcm_monthly_progress p
		CROSS JOIN LATERAL (
		    SELECT coalesce(sum(k.count) FILTER (WHERE k.kind = 'face_to_face'), 0) AS f, coalesce(sum(k.count) FILTER (WHERE k.kind = 'home_visit'), 0) AS h,
		           coalesce(sum(k.count) FILTER (WHERE k.kind = 'telephone'), 0) AS t, coalesce(sum(k.count) FILTER (WHERE k.kind = 'video'), 0) AS v,
		           coalesce(sum(k.count) FILTER (WHERE k.kind = 'collateral'), 0) AS c, coalesce(sum(k.count) FILTER (WHERE k.kind = 'attempted'), 0) AS a,
		           coalesce(sum(k.count) FILTER (WHERE k.kind <> 'attempted'), 0) AS total,
		           (SELECT coalesce(json_agg(json_build_object('goal', o.goal, 'status', o.status) ORDER BY o.position), '[]')::text
		            FROM rcm_monthly_goals o WHERE o.progress_id = p.id) AS goals,
		           (SELECT count(*) FROM rcm_monthly_goals o WHERE o.progress_id = p.id AND o.status = 'achieved') AS achieved
		    FROM rcm_monthly_contacts k WHERE k.progress_id = p.id) r
		WHERE (p.face_to_face, p.home_visit, p.telephone, p.video, p.collateral, p.attempted, p.total_contacts, p.goals::text, p.goals_achieved)
		      IS DISTINCT FROM (r.f, r.h, r.t, r.v, r.c, r.a, r.total, r.goals, r.achieved)`))
	for _, q := range []string{`UPDATE rcm_monthly_contacts SET count = count + 1`, `DELETE FROM rcm_monthly_goals`,
		`UPDATE rcm_monthly_goals SET status = 'achieved'`, `TRUNCATE rcm_monthly_contacts`} {
		_, err := e.db.ExecContext(t.Context(), q)
		assert.ErrorContains(t, err, "recorded once", q)
	}

	// Bad filters: another program, a bad date, no range.
	p := requireProblem(t, e.get(keyReviewer, path+"&program=ATR"), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "not_rcm", itFieldCode(p, "program"))
	requireProblem(t, e.get(keyReviewer, "/v1/reports/rcm-monthly?from=2026-13-01&to=2026-06-15"), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.get(keyReviewer, "/v1/reports/rcm-monthly"), http.StatusUnprocessableEntity, "validation_failed")
}

// A stay that begins later this month is not in the month yet: it was
// listed as a month not recorded, which the API refuses to record until
// the stay begins (a GPRA and reports black-box pass). Begun, it is.
func TestReportRCMMonthlyLeavesOutStaysNotBegun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	enroll := func(start string) int64 {
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": itNewClient(t, e, keyHRA, "hartford"), "program_code": "RCM",
			"start_date": start, "referral_source": "samss_meeting"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	later, begun := enroll(day(10)), enroll(day(0))
	month := day(0)[:7]
	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/rcm-monthly?from=%s&to=%s", day(-14), day(15)))
	assert.Nil(t, rcmRow(t, rep, later, month), "not begun by today")
	require.NotNil(t, rcmRow(t, rep, begun, month), "begun today")
	assert.Equal(t, false, rcmRow(t, rep, begun, month)["recorded"])
}

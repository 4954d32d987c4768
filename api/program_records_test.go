package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/fixtures"
)

// badRecord is one refused program-record POST: status, code and, for a
// 422, the field named.
type badRecord struct {
	name, key, path string
	body            any
	status          int
	code, field     string
	fieldCode       string
}

// refuseAll posts each bad record and checks it answers its problem and
// writes nothing.
func refuseAll(t *testing.T, e *env, cases []badRecord) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(tc.key, tc.path, tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, p), tc.field)
				}
				if tc.fieldCode != "" {
					assert.Equal(t, tc.fieldCode, itFieldCode(p, tc.field))
				}
			})
		})
	}
}

// The employment stages are seed 004's ladder, competitive employment on
// top; an EMP enrollment's changes are recorded by its own agency or an
// admin, each classified against the stage in force before it.
func TestEmploymentStages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	stages := itItems(t, e.get(keyFinance, "/v1/employment-stages"))
	require.Len(t, stages, 11)
	assert.Equal(t, "work_for_a_day", stages[0]["code"])
	assert.Equal(t, float64(1), stages[0]["rank"])
	assert.Equal(t, "individual_placement_support", stages[9]["code"])
	assert.Equal(t, "competitive_employment", stages[10]["code"])
	assert.Equal(t, float64(11), stages[10]["rank"])

	foster := enrollmentOf(e, e.demo.Clients["Foster"], "EMP")
	hist := itItems(t, e.get(keyPWE, itPath("/v1/enrollments/%d/employment-stages", foster)))
	require.Len(t, hist, 2, "the demo history")
	assert.Equal(t, []any{"work_for_a_day", "first", day(-7)}, []any{hist[0]["stage"], hist[0]["movement"], hist[0]["effective_date"]})
	assert.Equal(t, []any{"transitional_employment", "progressed", day(-2)}, []any{hist[1]["stage"], hist[1]["movement"], hist[1]["effective_date"]})

	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP") // HRA, started day(-3)
	path := itPath("/v1/enrollments/%d/employment-stages", ramos)
	record := func(key, stage, on string) map[string]any {
		t.Helper()
		r := e.post(key, path, map[string]any{"stage": stage, "effective_date": on})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		out := r.JSON(t)
		assert.Equal(t, 1, itAudit(e, "create", "employment_stage_change", itStr(itID(t, r))))
		return out
	}
	first := record(keyHRA, "work_for_a_day", day(-3))
	assert.Equal(t, "first", first["movement"])
	assert.Equal(t, float64(1), first["rank"])
	assert.Equal(t, float64(ramos), first["enrollment_id"])
	assert.Equal(t, "progressed", record(keyHRA, "competitive_employment", day(-1))["movement"])
	assert.Equal(t, "stepped_back", record(keyHRA, "agency_run_business", day(0))["movement"])
	// An admin back-dates a change between two others.
	assert.Equal(t, "progressed", record(keyAdmin, "on_the_job_training", day(-2))["movement"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM employment_stage_changes c JOIN api_keys k ON k.id = c.actor_key_id
		WHERE c.enrollment_id = $1 AND c.stage = 'on_the_job_training' AND k.role = 'admin'`, ramos))

	t.Run("history: by date, movement recomputed, audited as a read of the client's record", func(t *testing.T) {
		before := itAudit(e, "read", "employment_stage_history", itStr(ramos))
		h := itItems(t, e.get(keyHRA, path))
		require.Len(t, h, 4)
		var got [][]any
		for _, c := range h {
			got = append(got, []any{c["effective_date"], c["stage"], c["movement"]})
		}
		assert.Equal(t, [][]any{
			{day(-3), "work_for_a_day", "first"},
			{day(-2), "on_the_job_training", "progressed"},
			{day(-1), "competitive_employment", "progressed"},
			{day(0), "agency_run_business", "stepped_back"},
		}, got)
		assert.Equal(t, before+1, itAudit(e, "read", "employment_stage_history", itStr(ramos)))
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'read' AND entity_type = 'employment_stage_history'
			AND entity_id = $1 AND client_id = $2`, itStr(ramos), e.demo.Clients["Ramos"]))
		assert.Len(t, itItems(t, e.get(keyReviewer, path)), 4)
		assert.Len(t, itItems(t, e.get(keyAdmin, path)), 4)
		assert.Len(t, itItems(t, e.get(keyFinance, path)), 4)
	})
	t.Run("reads: another agency's enrollment is a 404, another program a 409", func(t *testing.T) {
		reads := itAudit(e, "read", "", "")
		requireProblem(t, e.get(keyPWE, path), http.StatusNotFound, "not_found")
		requireProblem(t, e.get(keyBCS, path), http.StatusNotFound, "not_found")
		requireProblem(t, e.get(keyHRA, "/v1/enrollments/999999/employment-stages"), http.StatusNotFound, "not_found")
		requireProblem(t, e.get(keyHRA, itPath("/v1/enrollments/%d/employment-stages", enrollmentOf(e, e.demo.Clients["Murphy"], "RCM"))),
			http.StatusConflict, "wrong_program")
		assert.Equal(t, reads, itAudit(e, "read", "", ""), "a refused read is not audited as one")
	})

	fosterPath := itPath("/v1/enrollments/%d/employment-stages", foster)
	refuseAll(t, e, []badRecord{
		{name: "a second change the same day", key: keyHRA, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1)},
			status: 409, code: "stage_change_exists"},
		{name: "the stage already in force", key: keyPWE, path: fosterPath, body: map[string]any{"stage": "work_for_a_day", "effective_date": day(-5)},
			status: 422, code: "validation_failed", field: "stage", fieldCode: "unchanged"},
		{name: "the stage the next change moves to", key: keyPWE, path: fosterPath,
			body: map[string]any{"stage": "transitional_employment", "effective_date": day(-4)}, status: 422, code: "validation_failed", field: "stage",
			fieldCode: "unchanged"},
		{name: "in the future", key: keyHRA, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(1)},
			status: 422, code: "validation_failed", field: "effective_date", fieldCode: "in_future"},
		{name: "before the enrollment's start", key: keyHRA, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(-4)},
			status: 422, code: "validation_failed", field: "effective_date", fieldCode: "before_start"},
		{name: "unknown stage", key: keyHRA, path: path, body: map[string]any{"stage": "astronaut", "effective_date": day(-1)},
			status: 422, code: "validation_failed", field: "stage", fieldCode: "unknown_id"},
		{name: "career development is a support, not a rung", key: keyHRA, path: path,
			body: map[string]any{"stage": "career_development", "effective_date": day(-1)}, status: 422, code: "validation_failed", field: "stage"},
		{name: "no stage", key: keyHRA, path: path, body: map[string]any{"effective_date": day(-1)}, status: 422, code: "validation_failed", field: "stage"},
		{name: "no date", key: keyHRA, path: path, body: map[string]any{"stage": "apprenticeship"}, status: 422, code: "validation_failed",
			field: "effective_date"},
		{name: "bad date", key: keyHRA, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": "2026-02-30"},
			status: 400, code: "wrong_type"},
		{name: "unknown field", key: keyHRA, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1), "rank": 3},
			status: 400, code: "unknown_field"},
		{name: "an RCM enrollment", key: keyHRA, path: itPath("/v1/enrollments/%d/employment-stages", enrollmentOf(e, e.demo.Clients["Murphy"], "RCM")),
			body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1)}, status: 409, code: "wrong_program"},
		{name: "another agency's enrollment", key: keyPWE, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1)},
			status: 404, code: "not_found"},
		{name: "no such enrollment", key: keyHRA, path: "/v1/enrollments/999999/employment-stages",
			body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1)}, status: 404, code: "not_found"},
		{name: "reviewer may not", key: keyReviewer, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1)},
			status: 403, code: "forbidden"},
		{name: "finance may not", key: keyFinance, path: path, body: map[string]any{"stage": "apprenticeship", "effective_date": day(-1)},
			status: 403, code: "forbidden"},
	})

	t.Run("after the discharge", func(t *testing.T) {
		r := e.post(keyPWE, itPath("/v1/enrollments/%d/discharge", foster), map[string]any{"discharge_date": day(-1), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyPWE, fosterPath, map[string]any{"stage": "competitive_employment", "effective_date": day(0)}),
				422, "validation_failed")
			assert.Equal(t, "after_discharge", itFieldCode(p, "effective_date"))
		})
		r = e.post(keyPWE, fosterPath, map[string]any{"stage": "competitive_employment", "effective_date": day(-1)})
		require.Equal(t, http.StatusCreated, r.Status, "the discharge day itself: %s", r.Body)
	})
}

// RCM monthly progress: one record per enrollment and month with contacts
// by kind, the treatment status and the goals; a second record for a month
// is a conflict.
func TestRCMMonthlyProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	murphy := enrollmentOf(e, e.demo.Clients["Murphy"], "RCM") // started day(-260)
	torres := enrollmentOf(e, e.demo.Clients["Torres"], "RCM") // started day(-10), this month
	path := itPath("/v1/enrollments/%d/monthly-progress", murphy)
	month := testMonth(-3)

	demo := itItems(t, e.get(keyHRA, path))
	require.Len(t, demo, 2, "the demo records")
	assert.Equal(t, testMonth(-2), demo[0]["month"])
	assert.Equal(t, testMonth(-1), demo[1]["month"])
	assert.Equal(t, float64(8), demo[0]["total_contacts"])
	assert.Equal(t, "engaged", demo[1]["treatment_status"])

	body := map[string]any{"month": month, "treatment_status": "engaged",
		"contacts": []map[string]any{{"kind": "telephone", "count": 1}, {"kind": "face_to_face", "count": 2}},
		"goals":    []map[string]any{{"goal": "Attend IOP three times a week", "status": "in_progress"}, {"goal": "Obtain a photo ID", "status": "achieved"}}}
	// A month the reports have closed (before last month) is the admin's
	// to record: September's, sent in December, rewrote the DCF report
	// for it (a black-box pass of the forty-fourth stop).
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, path, body), http.StatusConflict, "period_closed")
		assert.Contains(t, p["detail"], "month "+month+" is a month the outcome reports have closed", "the month as sent")
	})
	r := e.post(keyAdmin, path, body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	out := r.JSON(t)
	id := itID(t, r)
	assert.Equal(t, month, out["month"])
	assert.Equal(t, float64(3), out["total_contacts"])
	assert.Equal(t, []any{map[string]any{"kind": "face_to_face", "count": float64(2)}, map[string]any{"kind": "telephone", "count": float64(1)}},
		out["contacts"], "contacts in the order of the kinds")
	assert.Equal(t, []any{map[string]any{"goal": "Attend IOP three times a week", "status": "in_progress"},
		map[string]any{"goal": "Obtain a photo ID", "status": "achieved"}}, out["goals"], "goals in the order given")
	assert.Equal(t, 2, e.count(`SELECT count(*) FROM rcm_monthly_contacts WHERE progress_id = $1`, id))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM rcm_monthly_goals WHERE progress_id = $1 AND position = 2 AND goal = 'Obtain a photo ID'`, id))
	assert.Equal(t, 1, itAudit(e, "create", "rcm_monthly_progress", itStr(id)))

	t.Run("a month without contact or goals, by an admin", func(t *testing.T) {
		// This month, under way, is recorded once the stay has ended in
		// it (below: before that it is refused month_not_ended).
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", torres), map[string]any{"discharge_date": day(0), "reason_code": "completed"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyAdmin, itPath("/v1/enrollments/%d/monthly-progress", torres), map[string]any{"month": testMonth(0), "treatment_status": "referred"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		out := r.JSON(t)
		assert.Equal(t, []any{}, out["contacts"])
		assert.Equal(t, []any{}, out["goals"])
		assert.Equal(t, float64(0), out["total_contacts"])
	})
	t.Run("not for a stay that has not begun", func(t *testing.T) {
		// A record for this month went in before the stay began, and the
		// RCM report read the month recorded (a reports black-box pass).
		c := itNewClient(t, e, keyHRA, "hartford")
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RCM", "start_date": day(5),
			"assigned_staff_id": e.demo.Staff["Petrov"], "referral_source": "samss_meeting"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/monthly-progress", itID(t, r)),
				map[string]any{"month": testMonth(0), "treatment_status": "referred"}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "not_started", itFieldCode(p, "month"), "%v", p)
		})
	})
	t.Run("reads: scoped and audited", func(t *testing.T) {
		before := itAudit(e, "read", "rcm_monthly_progress", itStr(murphy))
		l := itItems(t, e.get(keyReviewer, path))
		require.Len(t, l, 3)
		assert.Equal(t, month, l[0]["month"], "by month")
		assert.Equal(t, before+1, itAudit(e, "read", "rcm_monthly_progress", itStr(murphy)))
		requireProblem(t, e.get(keyBCS, path), http.StatusNotFound, "not_found")
		requireProblem(t, e.get(keyBCS, itPath("/v1/enrollments/%d/monthly-progress", enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP"))),
			http.StatusConflict, "wrong_program")
	})

	torresPath := itPath("/v1/enrollments/%d/monthly-progress", torres)
	ok := func(over map[string]any) map[string]any {
		b := map[string]any{"month": testMonth(-1), "treatment_status": "engaged"}
		for k, v := range over {
			b[k] = v
		}
		return b
	}
	refuseAll(t, e, []badRecord{
		{name: "the month again", key: keyAdmin, path: path, body: body, status: 409, code: "month_recorded"},
		{name: "last month again, by the agency", key: keyHRA, path: path, body: ok(nil), status: 409, code: "month_recorded"},
		{name: "the month again, changed", key: keyAdmin, path: path, body: ok(map[string]any{"month": month, "treatment_status": "completed"}),
			status: 409, code: "month_recorded"},
		{name: "a month before the start", key: keyHRA, path: torresPath, body: ok(nil), status: 422, code: "validation_failed", field: "month",
			fieldCode: "before_start"},
		// The record is the month's contacts and its treatment status at
		// the end: taken on the 6th with none, the true one could never be
		// made (a new-user pass).
		{name: "this month, under way", key: keyHRA, path: path, body: ok(map[string]any{"month": testMonth(0)}), status: 422,
			code: "validation_failed", field: "month", fieldCode: "month_not_ended"},
		{name: "next month", key: keyHRA, path: path, body: ok(map[string]any{"month": testMonth(1)}), status: 422, code: "validation_failed",
			field: "month", fieldCode: "in_future"},
		{name: "month 13", key: keyHRA, path: path, body: ok(map[string]any{"month": "2026-13"}), status: 422, code: "validation_failed",
			field: "month", fieldCode: "invalid_format"},
		{name: "a date for a month", key: keyHRA, path: path, body: ok(map[string]any{"month": day(-40)}), status: 422, code: "validation_failed",
			field: "month", fieldCode: "invalid_format"},
		{name: "no month", key: keyHRA, path: path, body: map[string]any{"treatment_status": "engaged"}, status: 422, code: "validation_failed",
			field: "month", fieldCode: "required"},
		{name: "unknown treatment status", key: keyHRA, path: path, body: ok(map[string]any{"treatment_status": "fine"}), status: 422,
			code: "validation_failed", field: "treatment_status", fieldCode: "invalid_value"},
		{name: "no treatment status", key: keyHRA, path: path, body: map[string]any{"month": testMonth(-1)}, status: 422,
			code: "validation_failed", field: "treatment_status", fieldCode: "required"},
		{name: "unknown contact kind", key: keyHRA, path: path, body: ok(map[string]any{"contacts": []map[string]any{{"kind": "carrier_pigeon", "count": 1}}}),
			status: 422, code: "validation_failed", field: "contacts[0].kind"},
		{name: "a kind twice", key: keyHRA, path: path,
			body:   ok(map[string]any{"contacts": []map[string]any{{"kind": "telephone", "count": 1}, {"kind": "telephone", "count": 2}}}),
			status: 422, code: "validation_failed", field: "contacts[1].kind", fieldCode: "duplicate"},
		{name: "a zero count", key: keyHRA, path: path, body: ok(map[string]any{"contacts": []map[string]any{{"kind": "telephone", "count": 0}}}),
			status: 422, code: "validation_failed", field: "contacts[0].count"},
		{name: "a blank goal", key: keyHRA, path: path, body: ok(map[string]any{"goals": []map[string]any{{"goal": " ", "status": "achieved"}}}),
			status: 422, code: "validation_failed", field: "goals[0].goal"},
		// The goals go word for word into the client-level report for DCF (a
		// black-box pass stored all three).
		{name: "a goal of a zero-width space", key: keyHRA, path: path, body: ok(map[string]any{"goals": []map[string]any{{"goal": "\u200b", "status": "achieved"}}}),
			status: 422, code: "validation_failed", field: "goals[0].goal", fieldCode: "required"},
		{name: "a goal with a bidi override", key: keyHRA, path: path,
			body:   ok(map[string]any{"goals": []map[string]any{{"goal": "Enter \u202etreatment", "status": "in_progress"}}}),
			status: 422, code: "validation_failed", field: "goals[0].goal", fieldCode: "invalid_character"},
		{name: "a goal with a line separator", key: keyHRA, path: path,
			body:   ok(map[string]any{"goals": []map[string]any{{"goal": "line\u2028break", "status": "revised"}}}),
			status: 422, code: "validation_failed", field: "goals[0].goal", fieldCode: "invalid_character"},
		{name: "a goal twice", key: keyHRA, path: path,
			body:   ok(map[string]any{"goals": []map[string]any{{"goal": "Housing", "status": "achieved"}, {"goal": "Housing", "status": "in_progress"}}}),
			status: 422, code: "validation_failed", field: "goals[1].goal", fieldCode: "duplicate"},
		{name: "unknown goal status", key: keyHRA, path: path, body: ok(map[string]any{"goals": []map[string]any{{"goal": "Housing", "status": "meh"}}}),
			status: 422, code: "validation_failed", field: "goals[0].status"},
		{name: "a count as text", key: keyHRA, path: path, body: ok(map[string]any{"contacts": []map[string]any{{"kind": "telephone", "count": "two"}}}),
			status: 400, code: "wrong_type"},
		{name: "an EMP enrollment", key: keyHRA, path: itPath("/v1/enrollments/%d/monthly-progress", enrollmentOf(e, e.demo.Clients["Ramos"], "EMP")),
			body: ok(map[string]any{"month": month}), status: 409, code: "wrong_program"},
		{name: "another agency's enrollment", key: keyBCS, path: path, body: ok(nil), status: 404, code: "not_found"},
		{name: "reviewer may not", key: keyReviewer, path: path, body: ok(nil), status: 403, code: "forbidden"},
	})
}

// testMonth is the test clock's month plus n, as "YYYY-MM".
func testMonth(n int) string {
	d := fixtures.TestToday
	return d.AddDate(0, n, 1-d.Day()).Format("2006-01")
}

// RSVP drug screens: recorded by the agency or an admin within the
// enrollment, one of each kind a day.
func TestRSVPDrugScreens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP") // BCS, started day(-14)
	path := itPath("/v1/enrollments/%d/drug-screens", reyes)

	demo := itItems(t, e.get(keyBCS, path))
	require.Len(t, demo, 2, "the demo screens")
	assert.Equal(t, []any{day(-10), "random", "negative"}, []any{demo[0]["date"], demo[0]["kind"], demo[0]["result"]})

	r := e.post(keyBCS, path, map[string]any{"date": day(-1), "kind": "random", "result": "dilute"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	out := r.JSON(t)
	assert.Equal(t, []any{day(-1), "random", "dilute", float64(reyes)}, []any{out["date"], out["kind"], out["result"], out["enrollment_id"]})
	assert.Equal(t, 1, itAudit(e, "create", "rsvp_drug_screen", itStr(itID(t, r))))
	r = e.post(keyAdmin, path, map[string]any{"date": day(-1), "kind": "scheduled", "result": "refused"})
	require.Equal(t, http.StatusCreated, r.Status, "a scheduled screen the same day: %s", r.Body)

	before := itAudit(e, "read", "rsvp_drug_screens", itStr(reyes))
	l := itItems(t, e.get(keyFinance, path))
	require.Len(t, l, 4)
	assert.Equal(t, "dilute", l[2]["result"])
	assert.Equal(t, before+1, itAudit(e, "read", "rsvp_drug_screens", itStr(reyes)))
	requireProblem(t, e.get(keyHRA, path), http.StatusNotFound, "not_found")

	good := map[string]any{"date": day(-2), "kind": "random", "result": "negative"}
	with := func(k string, v any) map[string]any {
		b := map[string]any{}
		for x, y := range good {
			b[x] = y
		}
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	refuseAll(t, e, []badRecord{
		{name: "the same kind the same day", key: keyBCS, path: path, body: with("date", day(-1)), status: 409, code: "screen_exists"},
		{name: "unknown kind", key: keyBCS, path: path, body: with("kind", "surprise"), status: 422, code: "validation_failed", field: "kind"},
		{name: "unknown result", key: keyBCS, path: path, body: with("result", "fine"), status: 422, code: "validation_failed", field: "result"},
		{name: "no result", key: keyBCS, path: path, body: with("result", nil), status: 422, code: "validation_failed", field: "result"},
		{name: "no date", key: keyBCS, path: path, body: with("date", nil), status: 422, code: "validation_failed", field: "date", fieldCode: "required"},
		{name: "tomorrow", key: keyBCS, path: path, body: with("date", day(1)), status: 422, code: "validation_failed", field: "date",
			fieldCode: "in_future"},
		{name: "before the start", key: keyBCS, path: path, body: with("date", day(-15)), status: 422, code: "validation_failed", field: "date",
			fieldCode: "before_start"},
		{name: "an RCM enrollment", key: keyHRA, path: itPath("/v1/enrollments/%d/drug-screens", enrollmentOf(e, e.demo.Clients["Murphy"], "RCM")),
			body: good, status: 409, code: "wrong_program"},
		{name: "another agency's enrollment", key: keyHRA, path: path, body: good, status: 404, code: "not_found"},
		{name: "finance may not", key: keyFinance, path: path, body: good, status: 403, code: "forbidden"},
		{name: "unknown field", key: keyBCS, path: path, body: with("substance", "THC"), status: 400, code: "unknown_field"},
	})

	t.Run("a retry with the same key is the same answer, written once", func(t *testing.T) {
		body := map[string]any{"date": day(-4), "kind": "random", "result": "positive"}
		first := e.do(req{Method: http.MethodPost, Path: path, Key: keyBCS, Body: body, IdemKey: "rsvp-screen-retry"})
		require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
		again := e.do(req{Method: http.MethodPost, Path: path, Key: keyBCS, Body: body, IdemKey: "rsvp-screen-retry"})
		require.Equal(t, http.StatusCreated, again.Status, "%s", again.Body)
		assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		assert.Equal(t, string(first.Body), string(again.Body))
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM rsvp_drug_screens WHERE enrollment_id = $1 AND screen_date = $2`, reyes, day(-4)))
		assert.Equal(t, 1, itAudit(e, "create", "rsvp_drug_screen", itStr(itID(t, first))))
	})

	t.Run("after the discharge", func(t *testing.T) {
		r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", reyes), map[string]any{"discharge_date": day(-1), "reason_code": "rsvp_reunified"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyBCS, path, with("date", day(0))), 422, "validation_failed")
			assert.Equal(t, "after_discharge", itFieldCode(p, "date"))
		})
	})
}

// The program records' real answers hold to the document.
func TestProgramRecordsMatchOpenAPI(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	check := func(c oaCall) { t.Helper(); oaValidate(t, e, doc, router, c) }
	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP")
	murphy := enrollmentOf(e, e.demo.Clients["Murphy"], "RCM")
	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP")
	check(oaCall{name: "stages", method: http.MethodGet, path: "/v1/employment-stages", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "record stage", method: http.MethodPost, path: itPath("/v1/enrollments/%d/employment-stages", ramos), key: keyHRA,
		body: map[string]any{"stage": "work_for_a_day", "effective_date": day(-1)}, want: http.StatusCreated})
	check(oaCall{name: "stage history", method: http.MethodGet, path: itPath("/v1/enrollments/%d/employment-stages", ramos), key: keyHRA,
		want: http.StatusOK})
	check(oaCall{name: "stage wrong program", method: http.MethodGet, path: itPath("/v1/enrollments/%d/employment-stages", murphy), key: keyHRA,
		want: http.StatusConflict})
	check(oaCall{name: "record month", method: http.MethodPost, path: itPath("/v1/enrollments/%d/monthly-progress", murphy), key: keyAdmin,
		body: map[string]any{"month": testMonth(-3), "treatment_status": "engaged", "contacts": []map[string]any{{"kind": "video", "count": 2}},
			"goals": []map[string]any{{"goal": "Housing", "status": "revised"}}}, want: http.StatusCreated})
	check(oaCall{name: "month again", method: http.MethodPost, path: itPath("/v1/enrollments/%d/monthly-progress", murphy), key: keyAdmin,
		body: map[string]any{"month": testMonth(-3), "treatment_status": "engaged"}, want: http.StatusConflict})
	check(oaCall{name: "months", method: http.MethodGet, path: itPath("/v1/enrollments/%d/monthly-progress", murphy), key: keyReviewer,
		want: http.StatusOK})
	check(oaCall{name: "record screen", method: http.MethodPost, path: itPath("/v1/enrollments/%d/drug-screens", reyes), key: keyBCS,
		body: map[string]any{"date": day(0), "kind": "scheduled", "result": "positive"}, want: http.StatusCreated})
	check(oaCall{name: "screens", method: http.MethodGet, path: itPath("/v1/enrollments/%d/drug-screens", reyes), key: keyAdmin, want: http.StatusOK})
	check(oaCall{name: "screens of another agency", method: http.MethodGet, path: itPath("/v1/enrollments/%d/drug-screens", reyes), key: keyHRA,
		want: http.StatusNotFound})
}

// Stage changes for one day sent at once: one is recorded, the others are
// a 409 (the named unique constraint decides, not a read before the write).
func TestEmploymentStageSameDayConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := itPath("/v1/enrollments/%d/employment-stages", enrollmentOf(e, e.demo.Clients["Ramos"], "EMP"))
	stages := []string{"work_for_a_day", "seasonal_temporary", "transitional_employment", "apprenticeship", "work_study", "competitive_employment"}
	statuses := make([]int, len(stages))
	var wg sync.WaitGroup
	for i, st := range stages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.post(keyHRA, path, map[string]any{"stage": st, "effective_date": day(-1)}).Status
		}()
	}
	wg.Wait()
	created, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflict++
		}
	}
	assert.Equal(t, 1, created, "%v", statuses)
	assert.Equal(t, len(stages)-1, conflict, "%v", statuses)
	assert.Len(t, itItems(t, e.get(keyHRA, path)), 1)
	assert.Equal(t, 1, itAudit(e, "create", "employment_stage_change", ""))
}

// The same stage sent at once for neighbouring days: each would be a change
// alone, but together all but the first record a move that did not happen.
// One is recorded and the others are 422 unchanged (the enrollment is held
// while a change is judged against its neighbours); over five enrollments,
// so that the race is run, not hoped for.
func TestEmploymentStageNeighbouringDaysConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 5 {
		c := itNewClient(t, e, keyHRA, "hartford")
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": day(-10)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		path := itPath("/v1/enrollments/%d/employment-stages", itID(t, r))
		answers := make([]resp, 6)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = e.post(keyHRA, path, map[string]any{"stage": "work_study", "effective_date": day(-6 + i)})
			}()
		}
		wg.Wait()
		created := 0
		for _, a := range answers {
			if a.Status == http.StatusCreated {
				created++
				continue
			}
			p := requireProblem(t, a, http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "unchanged", itFieldCode(p, "stage"), "round %d", round)
		}
		assert.Equal(t, 1, created, "round %d", round)
		assert.Len(t, itItems(t, e.get(keyHRA, path)), 1, "round %d", round)
	}
}

// A discharge dated before the enrollment's program records would leave
// them after it (the reports then read a stage, a screen or a status from
// outside its span): refused, 409 records_after_discharge, nothing written.
// On the day of the last record (for RCM, in the month of its last record)
// it goes through.
func TestDischargeBeforeProgramRecordsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	discharge := func(key string, id int64, on, reason string) resp {
		return e.post(key, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": on, "reason_code": reason})
	}
	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP")  // BCS; screens on day -10 and day -3
	foster := enrollmentOf(e, e.demo.Clients["Foster"], "EMP") // PWE; stage changes on day -7 and day -2
	murphy := enrollmentOf(e, e.demo.Clients["Murphy"], "RCM") // HRA; monthly records for April and May
	type dischargeOn struct {
		key    string
		id     int64
		on     string
		reason string
	}
	// The refusal names the records in the way (it named none).
	for _, c := range []struct {
		dischargeOn
		named string
	}{
		{dischargeOn{keyBCS, reyes, day(-5), "rsvp_reunified"}, fmt.Sprintf(": drug screen on %s;", day(-3))},
		{dischargeOn{keyPWE, foster, day(-3), "goals_met"}, fmt.Sprintf(": employment stage change on %s;", day(-2))},
		{dischargeOn{keyHRA, murphy, "2026-04-30", "completed"}, ": monthly progress record for 2026-05;"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, discharge(c.key, c.id, c.on, c.reason), http.StatusConflict, "records_after_discharge")
			assert.Contains(t, p["detail"], c.named)
		})
	}
	for _, c := range []dischargeOn{
		{keyBCS, reyes, day(-3), "rsvp_reunified"},
		{keyPWE, foster, day(-2), "goals_met"},
		{keyHRA, murphy, "2026-05-10", "completed"},
	} {
		r := discharge(c.key, c.id, c.on, c.reason)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
}

// A discharge dated before a service the claims ledger already paid on the
// enrollment's authorization left the paid line after the enrollment's
// end and its authorization's new end date, and the same line sent again
// was denied 27 (a black-box pass): refused, 409 records_after_discharge,
// nothing written; once the claim is voided it goes through.
func TestDischargeBeforePaidClaimLinesRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim"]
	enr := enrollmentOf(e, kim, "ATR")
	claim := func(number string, extra map[string]any) resp {
		body := map[string]any{"claim_number": number, "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"],
			"place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-2), "units": 2, "charge": "24.00"}}}
		for k, v := range extra {
			body[k] = v
		}
		return e.post(keyHRA, "/v1/claims", body)
	}
	paid := claim("DC-1", nil)
	require.Equal(t, http.StatusCreated, paid.Status, "%s", paid.Body)
	require.Equal(t, "paid", itLine(t, paid)["status"])
	discharge := func(on string) resp {
		return e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": on, "reason_code": "completed"})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, discharge(day(-4)), http.StatusConflict, "records_after_discharge")
		assert.Contains(t, p["detail"], fmt.Sprintf("paid claim lines dated after %s: claim id %d line 1 (ATR-TR on %s); void",
			day(-4), itNum(t, paid.JSON(t), "id"), day(-2)))
	})

	void := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "DC-1-VOID", "client_id": kim, "frequency": "8",
		"original_claim_id": itNum(t, paid.JSON(t), "id")})
	require.Equal(t, http.StatusCreated, void.Status, "%s", void.Body)
	r := discharge(day(-4))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(-4), r.JSON(t)["discharge_date"])
}

// A discharge dated before the stay's GPRA intake interview is refused as
// one before its program records is: it was taken, and the stay held an
// intake after its end, which the interview's own endpoint refuses (a
// races black-box pass). On the intake's day it goes through.
func TestDischargeBeforeGPRAIntakeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, enr := itATRStayWithoutIntake(t, e)
	r := e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(-2)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	discharge := func(on string) resp {
		return e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": on, "reason_code": "completed"})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, discharge(day(-5)), http.StatusConflict, "records_after_discharge")
		assert.Contains(t, p["detail"], fmt.Sprintf(": GPRA intake interview on %s;", day(-2)))
	})
	r = discharge(day(-2))
	assert.Equal(t, http.StatusOK, r.Status, "on the intake's day: %s", r.Body)
}

// itATRStayWithoutIntake is a new HRA client's ATR stay from ten days ago,
// no GPRA interview recorded yet.
func itATRStayWithoutIntake(t *testing.T, e *env) (client, enrollment int64) {
	t.Helper()
	client = itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "start_date": day(-10)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return client, itID(t, r)
}

// A GPRA interview holds its stay while it is judged against the stay's
// dates, as the other program records do: an intake sent while a
// back-dated discharge is under way waits for it and is refused
// (after_discharge); it read the stay open and both were taken.
func TestGPRAIntakeWaitsForADischargeUnderWay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, enr := itATRStayWithoutIntake(t, e)

	discharge, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer discharge.Rollback() //nolint:errcheck
	_, err = discharge.ExecContext(t.Context(), `UPDATE enrollments SET discharge_date = $2, discharge_reason_code = 'completed',
		discharged_by_role = 'provider' WHERE id = $1`, enr, day(-5))
	require.NoError(t, err)
	done := make(chan resp, 1)
	go func() {
		done <- e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": client, "enrollment_id": enr, "kind": "intake",
			"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(-2)})
	}()
	for tries := 0; e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) < 1; tries++ {
		select {
		case r := <-done:
			require.Failf(t, "the intake did not wait for the discharge", "answered %d: %s", r.Status, r.Body)
		default:
		}
		require.Less(t, tries, 6000, "the intake never waited")
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, discharge.Commit())
	p := requireProblem(t, <-done, http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "after_discharge", itFieldCode(p, "interview_date"), "%v", p)
	assert.Zero(t, e.count(`SELECT count(*) FROM gpra_interviews WHERE enrollment_id = $1`, enr))
}

// One screen of a kind a day for the person at the agency: a discharge and
// a readmission the same day give two enrollments that both cover it, and
// a positive and a negative random screen of one day were both recorded
// and counted (an outcomes black-box pass).
func TestOneScreenOfAKindADayAcrossASameDayReadmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reyes, again := reyesReadmittedYesterday(t, e)
	screen := map[string]any{"date": day(-1), "kind": "random", "result": "negative"}
	r := e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes), screen)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", again),
			map[string]any{"date": day(-1), "kind": "random", "result": "positive"}), http.StatusConflict, "screen_exists")
		assert.Contains(t, p["detail"], itStr(reyes))
	})
	// Another kind that day, sent at once to the two: one is taken and the
	// others are told of it (each enrollment's lock waited for the
	// other's, and the loser read concurrent_change: a re-check).
	statuses := make([]int, 8)
	codes := make([]string, 8)
	var wg sync.WaitGroup
	for k := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := reyes
			if k%2 == 1 {
				to = again
			}
			r := e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", to), map[string]any{"date": day(-1), "kind": "scheduled", "result": "negative"})
			statuses[k] = r.Status
			if r.Status != http.StatusCreated {
				codes[k], _ = r.JSON(t)["code"].(string)
			}
		}()
	}
	wg.Wait()
	created := 0
	for k, st := range statuses {
		if st == http.StatusCreated {
			created++
			continue
		}
		assert.Equal(t, "screen_exists", codes[k], "statuses %v codes %v", statuses, codes)
	}
	assert.Equal(t, 1, created, "statuses %v", statuses)
}

// One stage change a day for the person at the agency, as one screen of a
// kind: after a discharge and a readmission the same day, a change on that
// day to each enrollment left the person at two stages on one day (a
// clinical black-box pass). The next day takes one as before.
func TestOneStageChangeADayAcrossASameDayReadmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP") // HRA, started day(-3)
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", ramos), map[string]any{"discharge_date": day(-1), "reason": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": e.demo.Clients["Ramos"], "program_code": "EMP", "start_date": day(-1),
		"assigned_staff_id": e.count(`SELECT assigned_staff_id FROM enrollments WHERE id = $1`, ramos)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)
	stage := func(enr int64, s, on string) resp {
		return e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", enr), map[string]any{"stage": s, "effective_date": on})
	}
	require.Equal(t, http.StatusCreated, stage(ramos, "work_for_a_day", day(-1)).Status)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, stage(again, "on_the_job_training", day(-1)), http.StatusConflict, "stage_change_exists")
		assert.Contains(t, p["detail"], itStr(ramos))
	})
	r = stage(again, "on_the_job_training", day(0))
	assert.Equal(t, http.StatusCreated, r.Status, "the next day: %s", r.Body)
}

// reyesReadmittedYesterday discharges Reyes's RSVP stay at BCS (begun day
// -14) yesterday and enrolls them again the same day: two enrollments of
// the agency cover yesterday.
func reyesReadmittedYesterday(t *testing.T, e *env) (reyes, again int64) {
	t.Helper()
	reyes = enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP")
	r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", reyes), map[string]any{"discharge_date": day(-1), "reason": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": e.demo.Clients["Reyes"], "program_code": "RSVP", "start_date": day(-1),
		"assigned_staff_id": e.count(`SELECT assigned_staff_id FROM enrollments WHERE id = $1`, reyes)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return reyes, itID(t, r)
}

package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// A GPRA interview keyed wrong is withdrawn by its agency (or the admin)
// with a reason and recorded again as it should be; the withdrawn one is
// kept whole in the archive. Each was write-once, the right one refused
// as a duplicate, so a mis-keyed date moved the follow-up rate for good (a
// GPRA black-box pass). An intake is withdrawn after what follows it;
// another agency's interview reads as unknown. A not-conducted record the
// completed interview replaces is kept too (it was overwritten, its date
// and reason in no answer: the same pass).
func TestGPRAInterviewWithdrawnAndRecordedAgain(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{}) // the clock moves between the attempt and the interview
	e := ie.env
	client, stay := gpraEnroll(t, e, day(-200))
	record := func(body map[string]any) int64 {
		t.Helper()
		r := e.post(keyHRA, "/v1/gpra-interviews", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	iv := func(kind, status, on string) map[string]any {
		b := map[string]any{"client_id": client, "enrollment_id": stay, "kind": kind, "instrument": "SUPRT-2025", "status": status, "interview_date": on}
		if status == "not_conducted" {
			b["not_conducted_reason"] = "unable_to_locate"
		}
		return b
	}
	intake := record(iv("intake", "not_conducted", day(-199)))
	ie.clock.Advance(time.Minute)
	assert.Equal(t, intake, record(iv("intake", "completed", day(-197))), "the completed intake replaces the attempt")
	late := record(iv("follow_up", "completed", day(-10))) // keyed wrong; the paper says day -40

	withdraw := func(key string, id int64, reason string) resp {
		return e.post(key, itPath("/v1/gpra-interviews/%d/withdraw", id), map[string]any{"reason": reason})
	}
	requireProblem(t, withdraw(keyHRA, intake, "wrong date"), http.StatusConflict, "interview_follows")
	requireProblem(t, withdraw(keyBCS, late, "not ours"), http.StatusNotFound, "not_found")
	requireProblem(t, withdraw(keyBCS, 999999, "not ours"), http.StatusNotFound, "not_found")
	requireProblem(t, withdraw(keyReviewer, late, "no"), http.StatusForbidden, "forbidden")
	requireProblem(t, withdraw(keyHRA, late, " "), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM gpra_interviews WHERE id = $1`, late), "refusals write nothing")

	r := withdraw(keyHRA, late, "keyed the wrong day")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	w := r.JSON(t)
	assert.Equal(t, "withdrawn", w["cause"])
	assert.Equal(t, "keyed the wrong day", w["reason"])
	assert.Equal(t, day(-10), w["interview_date"])
	assert.Equal(t, float64(late), w["interview_id"])
	assert.Equal(t, 1, itAudit(e, "withdraw", "gpra_interview", itStr(late)))
	requireProblem(t, withdraw(keyHRA, late, "again"), http.StatusNotFound, "not_found")

	// Recorded again as the paper says.
	again := record(iv("follow_up", "completed", day(-40)))
	sched := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", client)).JSON(t)
	fu := sched["episodes"].([]any)[0].(map[string]any)["interviews"].([]any)[1].(map[string]any)
	assert.Equal(t, "completed", fu["status"], "%v", fu)
	assert.Equal(t, float64(again), fu["interview"].(map[string]any)["id"])

	// The archive: the attempt the completed intake replaced, then the
	// withdrawn follow-up; to the agency and the MSC, not to another agency.
	path := itPath("/v1/clients/%d/gpra-interviews/withdrawn", client)
	arch := itItems(t, e.get(keyHRA, path))
	require.Len(t, arch, 2)
	assert.Equal(t, []any{"completed", "intake", "not_conducted", "unable_to_locate", day(-199), nil},
		[]any{arch[0]["cause"], arch[0]["kind"], arch[0]["status"], arch[0]["not_conducted_reason"], arch[0]["interview_date"], arch[0]["reason"]})
	assert.Equal(t, []any{"withdrawn", "follow_up", day(-10)}, []any{arch[1]["cause"], arch[1]["kind"], arch[1]["interview_date"]})
	assert.Len(t, itItems(t, e.get(keyAdmin, path)), 2)
	// The completed intake is recorded when it was, not at the attempt's
	// time, which the archive keeps.
	in := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", client)).JSON(t)["episodes"].([]any)[0].(map[string]any)["interviews"].([]any)[0]
	assert.NotEqual(t, arch[0]["recorded_at"], in.(map[string]any)["interview"].(map[string]any)["created_at"])
	requireProblem(t, e.get(keyBCS, path), http.StatusNotFound, "not_found")

	// With what followed it gone, the intake goes too, by the admin.
	r = withdraw(keyAdmin, again, "duplicate entry")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = withdraw(keyAdmin, intake, "wrong client")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Zero(t, e.count(`SELECT count(*) FROM gpra_interviews WHERE enrollment_id = $1`, stay))
	assert.Len(t, itItems(t, e.get(keyHRA, path)), 4)
}

// A drug screen or an employment stage change keyed wrong is withdrawn
// with a reason and recorded again; the withdrawn one is kept. A stage
// change between two to the same stage stays until the later goes.
func TestProgramRecordsWithdrawnAndRecordedAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP") // BCS, started day(-14)
	r := e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes), map[string]any{"date": day(-5), "kind": "random", "result": "negative"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	screen := itID(t, r)
	requireProblem(t, e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes),
		map[string]any{"date": day(-5), "kind": "random", "result": "positive"}), http.StatusConflict, "screen_exists")
	requireProblem(t, e.post(keyHRA, itPath("/v1/drug-screens/%d/withdraw", screen), map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
	// A reason is free text, tabs and line breaks allowed, as every reason.
	r = e.post(keyBCS, itPath("/v1/drug-screens/%d/withdraw", screen), map[string]any{"reason": "lab says positive:\n\tsee report 7"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// Its withdrawal is audited under the screen's own entity type.
	assert.Equal(t, 1, itAudit(e, "withdraw", "rsvp_drug_screen", itStr(screen)))
	assert.Equal(t, 1, itAudit(e, "create", "rsvp_drug_screen", itStr(screen)))
	assert.Equal(t, map[string]any{"date": day(-5), "kind": "random", "result": "negative"}, r.JSON(t)["record"])
	r = e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes), map[string]any{"date": day(-5), "kind": "random", "result": "positive"})
	require.Equal(t, http.StatusCreated, r.Status, "recorded again: %s", r.Body)
	var onDay []string
	for _, sc := range itItems(t, e.get(keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes))) {
		if sc["date"] == day(-5) {
			onDay = append(onDay, sc["kind"].(string)+" "+sc["result"].(string))
		}
	}
	assert.Equal(t, []string{"random positive"}, onDay)

	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP") // HRA, started day(-3)
	stage := func(s, on string) int64 {
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", ramos), map[string]any{"stage": s, "effective_date": on})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	stage("work_for_a_day", day(-3))
	middle := stage("on_the_job_training", day(-2))
	last := stage("work_for_a_day", day(-1))
	wd := func(id int64) resp {
		return e.post(keyHRA, itPath("/v1/employment-stage-changes/%d/withdraw", id), map[string]any{"reason": "keyed on the wrong client"})
	}
	requireProblem(t, wd(middle), http.StatusConflict, "would_repeat_stage")
	require.Equal(t, http.StatusOK, wd(last).Status)
	require.Equal(t, http.StatusOK, wd(middle).Status)
	h := itItems(t, e.get(keyHRA, itPath("/v1/enrollments/%d/employment-stages", ramos)))
	require.Len(t, h, 1)
	assert.Equal(t, 1, itAudit(e, "withdraw", "employment_stage_change", itStr(middle)))

	arch := itItems(t, e.get(keyHRA, itPath("/v1/enrollments/%d/withdrawn-records", ramos)))
	require.Len(t, arch, 2)
	assert.Equal(t, "employment_stage_change", arch[0]["record_kind"])
	assert.Equal(t, map[string]any{"stage": "work_for_a_day", "effective_date": day(-1)}, arch[0]["record"])
	requireProblem(t, e.get(keyBCS, itPath("/v1/enrollments/%d/withdrawn-records", ramos)), http.StatusNotFound, "not_found")
	assert.Len(t, itItems(t, e.get(keyReviewer, itPath("/v1/enrollments/%d/withdrawn-records", reyes))), 1)
}

// A drug screen or a stage change stands for its agency once the month
// after the one it is dated in has ended: the outcome reports count it in
// its month, and an agency withdrew an October positive screen in December
// and recorded a negative one, rewriting a rate the state had read (a
// clinical black-box pass). Up to then it corrects its own; the MSC's
// admin withdraws one keyed wrong whenever.
func TestProgramRecordStandsOnceItsMonthIsClosed(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP") // BCS
	screen := func(on, kind string) int64 {
		r := e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", reyes), map[string]any{"date": on, "kind": kind, "result": "positive"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	june, early := screen(day(-5), "random"), screen(day(-4), "scheduled") // 2026-06-10, 06-11
	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP")               // HRA
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", ramos), map[string]any{"stage": "work_for_a_day", "effective_date": day(-2)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	stage := itID(t, r)
	wd := func(key, kind string, id int64) resp {
		return e.post(key, itPath("/v1/%s/%d/withdraw", kind, id), map[string]any{"reason": "keyed wrong"})
	}

	ie.clock.Advance(46 * 24 * time.Hour) // 2026-07-31: June is last month, still the agency's
	require.Equal(t, http.StatusOK, wd(keyBCS, "drug-screens", early).Status)
	ie.clock.Advance(24 * time.Hour) // 2026-08-01: June is closed
	itNothingWritten(t, e, func() {
		p := requireProblem(t, wd(keyBCS, "drug-screens", june), http.StatusConflict, "period_closed")
		assert.Contains(t, p["detail"], day(-5))
		requireProblem(t, wd(keyHRA, "employment-stage-changes", stage), http.StatusConflict, "period_closed")
	})
	// Another agency's record is unknown to it, closed or not.
	requireProblem(t, wd(keyHRA, "drug-screens", june), http.StatusNotFound, "not_found")
	assert.Equal(t, http.StatusOK, wd(keyAdmin, "drug-screens", june).Status, "the MSC withdraws one keyed wrong")
	assert.Equal(t, http.StatusOK, wd(keyAdmin, "employment-stage-changes", stage).Status)

	// Nor does the agency add to a closed month: two June negatives
	// recorded in August rewrote June's negative rate as a withdrawal
	// did, and a stage change dated before a closed one turned its
	// movement (a re-check of the forty-second stop). July is still its
	// own; the MSC records what the agency shows it missed.
	record := func(key string, on string) resp {
		return e.post(key, itPath("/v1/enrollments/%d/drug-screens", reyes), map[string]any{"date": on, "kind": "random", "result": "negative"})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, record(keyBCS, "2026-06-30"), http.StatusConflict, "period_closed")
		assert.Contains(t, p["detail"], "2026-06-30")
		requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", ramos),
			map[string]any{"stage": "apprenticeship", "effective_date": "2026-06-20"}), http.StatusConflict, "period_closed")
	})
	// Another agency's enrollment is unknown to it, closed or not.
	requireProblem(t, record(keyHRA, "2026-06-30"), http.StatusNotFound, "not_found")
	assert.Equal(t, http.StatusCreated, record(keyBCS, "2026-07-01").Status, "last month is still the agency's")
	assert.Equal(t, http.StatusCreated, record(keyAdmin, "2026-06-30").Status, "the MSC records a closed month")
	r = e.post(keyAdmin, itPath("/v1/enrollments/%d/employment-stages", ramos), map[string]any{"stage": "apprenticeship", "effective_date": "2026-06-20"})
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// An interview whose window has closed stands as recorded for its agency:
// an intake withdrawn and recorded again later opened a new follow-up
// window, so a voucher the overdue follow-up pended for a reviewer was
// approved by the rules and a closed period's follow-up rate changed (a
// GPRA black-box pass); a follow-up recorded late, withdrawn and recorded
// again dated in its window, did the same (its re-check). The window
// closing today is still open; the MSC's admin withdraws one keyed wrong
// whenever.
func TestGPRAInterviewStandsOnceItsWindowClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	intakeOn := func(start, on string) (int64, int64) {
		client, stay := gpraEnroll(t, e, start)
		gpraInterview(t, e, client, stay, "intake", "completed", on)
		return client, int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1 AND kind = 'intake'`, stay))
	}
	withdraw := func(key string, id int64) resp {
		return e.post(key, itPath("/v1/gpra-interviews/%d/withdraw", id), map[string]any{"reason": "keyed wrong"})
	}
	// ATR's follow-up window opens 150 days after the intake: the intake
	// stands for its agency from then (withdrawn while its follow-up was
	// due, and not recorded again, it owed the follow-up nowhere: a
	// review).
	client, closed := intakeOn(day(-300), day(-150))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, withdraw(keyHRA, closed), http.StatusConflict, "window_closed")
		assert.Contains(t, p["detail"], "closed on "+day(-1))
	})
	sched := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", client)).JSON(t)
	fu := sched["episodes"].([]any)[0].(map[string]any)["interviews"].([]any)[1].(map[string]any)
	assert.Equal(t, "due", fu["status"], "%v", fu)
	r := withdraw(keyAdmin, closed)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	_, open := intakeOn(day(-300), day(-149))
	r = withdraw(keyHRA, open)
	require.Equal(t, http.StatusOK, r.Status, "the window closes today: %s", r.Body)
	// One not conducted owes no follow-up, so it opened no window.
	nc, stay := gpraEnroll(t, e, day(-300))
	gpraInterview(t, e, nc, stay, "intake", "not_conducted", day(-290))
	r = withdraw(keyHRA, int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1`, stay)))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	// A follow-up recorded late, its window (intake + 240) closed.
	fc, fstay := gpraEnroll(t, e, day(-300))
	gpraInterview(t, e, fc, fstay, "intake", "completed", day(-299))
	gpraInterview(t, e, fc, fstay, "follow_up", "completed", day(-20))
	late := int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1 AND kind = 'follow_up'`, fstay))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, withdraw(keyHRA, late), http.StatusConflict, "window_closed")
		assert.Contains(t, p["detail"], "follow-up window closed on "+day(-59))
	})
	// A discharge interview whose window (discharge + 30) closed.
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", fstay), map[string]any{"discharge_date": day(-40), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	gpraInterview(t, e, fc, fstay, "discharge", "completed", day(-35))
	dc := int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1 AND kind = 'discharge'`, fstay))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, withdraw(keyHRA, dc), http.StatusConflict, "window_closed")
		assert.Contains(t, p["detail"], "discharge interview's window closed on "+day(-10))
	})
	r = withdraw(keyAdmin, dc)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// The intake of a stay discharged before today: its own window closed
	// at the discharge, its follow-up's still open (a re-check withdrew
	// one and took the discharge interview's window out of a closed range).
	dcl, dstay := gpraEnroll(t, e, day(-60))
	gpraInterview(t, e, dcl, dstay, "intake", "completed", day(-59))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", dstay), map[string]any{"discharge_date": day(-30), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, withdraw(keyHRA, int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1`, dstay))),
			http.StatusConflict, "window_closed")
		assert.Contains(t, p["detail"], "closed on "+day(-30))
	})
}

// An intake the agency withdrew is recorded again by it dated no later:
// withdrawn the day before its follow-up window closed and recorded again
// today, it moved the window months on, again each time, and the follow-up
// was never owed (a review); recorded not conducted, none was owed at all.
// A day on or before the withdrawn one's is taken; after the MSC's admin
// withdrew it, any day is.
func TestGPRAIntakeWithdrawnIsRecordedAgainNoLater(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, stay := gpraEnroll(t, e, day(-300))
	gpraInterview(t, e, client, stay, "intake", "completed", day(-148)) // its follow-up window opens the day after tomorrow
	intakeOf := func() int64 {
		return int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1 AND kind = 'intake'`, stay))
	}
	withdraw := func(key string) {
		t.Helper()
		r := e.post(key, itPath("/v1/gpra-interviews/%d/withdraw", intakeOf()), map[string]any{"reason": "keyed wrong"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	record := func(status, on string) resp {
		body := map[string]any{"client_id": client, "enrollment_id": stay, "kind": "intake", "instrument": "SUPRT-2025",
			"status": status, "interview_date": on}
		if status == "not_conducted" {
			body["not_conducted_reason"] = "refused"
		}
		return e.post(keyHRA, "/v1/gpra-interviews", body)
	}
	withdraw(keyHRA)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, record("completed", day(0)), http.StatusConflict, "intake_withdrawn")
		assert.Contains(t, p["detail"], day(-148))
		requireProblem(t, record("completed", day(-147)), http.StatusConflict, "intake_withdrawn")
		requireProblem(t, record("not_conducted", day(-250)), http.StatusConflict, "intake_withdrawn")
	})
	r := record("completed", day(-149))
	require.Equal(t, http.StatusCreated, r.Status, "an earlier day: %s", r.Body)
	// Withdrawn again (its window closes today), the earliest day withdrawn
	// bounds it.
	withdraw(keyHRA)
	requireProblem(t, record("completed", day(-148)), http.StatusConflict, "intake_withdrawn")
	r = record("completed", day(-149))
	require.Equal(t, http.StatusCreated, r.Status, "the earliest day itself: %s", r.Body)
	// The admin's withdrawal leaves the day to the agency.
	withdraw(keyAdmin)
	r = record("completed", day(-10))
	require.Equal(t, http.StatusCreated, r.Status, "after the MSC withdrew it: %s", r.Body)
}

// The bound holds over the agency's unbroken stay, as the voucher rules
// read its first intake: withdrawn from one enrollment, then discharged and
// readmitted the same day, a new intake dated today moved the follow-up
// window on all the same (a re-check). The stay's intake is recorded again
// for the enrollment its day falls in. Nor is an intake withdrawn the day
// its stay is discharged; and one posted over an intake on file is
// interview_exists, as ever.
func TestGPRAIntakeWithdrawnBoundsTheWholeStay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, first := gpraEnroll(t, e, day(-300))
	gpraInterview(t, e, client, first, "intake", "completed", day(-148)) // its follow-up window opens the day after tomorrow
	intake := int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1`, first))
	r := e.post(keyHRA, itPath("/v1/gpra-interviews/%d/withdraw", intake), map[string]any{"reason": "keyed wrong"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(0), "reason_code": "other", "reason": "x"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)
	record := func(enrollment int64, status, on string) resp {
		body := map[string]any{"client_id": client, "enrollment_id": enrollment, "kind": "intake", "instrument": "SUPRT-2025",
			"status": status, "interview_date": on}
		if status == "not_conducted" {
			body["not_conducted_reason"] = "refused"
		}
		return e.post(keyHRA, "/v1/gpra-interviews", body)
	}
	itNothingWritten(t, e, func() {
		requireProblem(t, record(again, "completed", day(0)), http.StatusConflict, "intake_withdrawn")
	})
	r = record(first, "completed", day(-148))
	require.Equal(t, http.StatusCreated, r.Status, "recorded again for its own enrollment: %s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, record(first, "not_conducted", day(-148)), http.StatusConflict, "interview_exists")
		// Its stay discharged today, the intake stands for the agency.
		p := requireProblem(t, e.post(keyHRA, itPath("/v1/gpra-interviews/%d/withdraw", itID(t, r)), map[string]any{"reason": "again"}),
			http.StatusConflict, "window_closed")
		assert.Contains(t, p["detail"], "closed on "+day(0))
	})
	// Recorded again, the stay's intake stands where it was, and the
	// readmission's own intake moves nothing: refused, it was owed in the
	// schedule and the reports for good (a review).
	r = record(again, "completed", day(0))
	require.Equal(t, http.StatusCreated, r.Status, "the readmission's own intake: %s", r.Body)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM gpra_interviews WHERE enrollment_id = $1 AND interview_date = $2`, first, day(-148)))
}

// An intake keyed a day too early, or on the wrong client's stay, and
// withdrawn by the agency is recorded on its true day once the MSC's admin
// has withdrawn it too: the admin had nothing standing to withdraw (404),
// and the agency could never record the true day (a review). Only a
// completed intake its agency withdrew is withdrawn so; anything else, and
// any id for a provider, reads as unknown.
func TestGPRAIntakeWithdrawnIsReleasedByTheMSC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, stay := gpraEnroll(t, e, day(-120))
	gpraInterview(t, e, client, stay, "intake", "completed", day(-110)) // done on day -90
	intake := int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1`, stay))
	withdraw := func(key string, id int64) resp {
		return e.post(key, itPath("/v1/gpra-interviews/%d/withdraw", id), map[string]any{"reason": "date keyed wrong"})
	}
	r := withdraw(keyHRA, intake)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	record := map[string]any{"client_id": client, "enrollment_id": stay, "kind": "intake", "instrument": "SUPRT-2025",
		"status": "completed", "interview_date": day(-90)}
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", record), http.StatusConflict, "intake_withdrawn")
		requireProblem(t, withdraw(keyHRA, intake), http.StatusNotFound, "not_found")
		requireProblem(t, withdraw(keyBCS, intake), http.StatusNotFound, "not_found")
		requireProblem(t, withdraw(keyAdmin, intake+1000), http.StatusNotFound, "not_found")
	})
	r = withdraw(keyAdmin, intake)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	m := r.JSON(t)
	assert.Equal(t, float64(intake), m["interview_id"])
	assert.Equal(t, "withdrawn", m["cause"])
	assert.Equal(t, "date keyed wrong", m["reason"])
	itNothingWritten(t, e, func() {
		requireProblem(t, withdraw(keyAdmin, intake), http.StatusNotFound, "not_found") // once
	})
	r = e.post(keyHRA, "/v1/gpra-interviews", record)
	require.Equal(t, http.StatusCreated, r.Status, "the true day: %s", r.Body)
	assert.Equal(t, 2, e.count(`SELECT count(*) FROM gpra_interview_archive WHERE interview_id = $1`, intake),
		"kept twice: withdrawn by the agency and by the MSC")
}

// The MSC withdraws an intake its agency withdrew once, however many ask at
// the same moment: checked before the stay was held, four releases at once
// were each taken (a review).
func TestGPRAIntakeReleasedOnceUnderRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, stay := gpraEnroll(t, e, day(-120))
	gpraInterview(t, e, client, stay, "intake", "completed", day(-110))
	intake := int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1`, stay))
	r := e.post(keyHRA, itPath("/v1/gpra-interviews/%d/withdraw", intake), map[string]any{"reason": "date keyed wrong"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// The stay's row held, as a recording of the stay's interview would:
	// every release waits for it, then the first takes it and the rest
	// find it taken.
	hold := holding(t, e, `SELECT 1 FROM enrollments WHERE id = $1 FOR UPDATE`, stay)
	const n = 4
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.post(keyAdmin, itPath("/v1/gpra-interviews/%d/withdraw", intake), map[string]any{"reason": "date keyed wrong"}).Status
		}()
	}
	require.Eventually(t, func() bool { return lockWaiters(e) == n }, 30*time.Second, 10*time.Millisecond, "every release waits for the stay")
	require.NoError(t, hold.Rollback())
	wg.Wait()
	assert.ElementsMatch(t, []int{http.StatusOK, http.StatusNotFound, http.StatusNotFound, http.StatusNotFound}, statuses)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM gpra_interview_archive w JOIN api_keys k ON k.id = w.archived_by
		WHERE w.interview_id = $1 AND k.role = 'admin'`, intake), "released once")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'withdraw' AND entity_type = 'gpra_interview'
		AND entity_id = $1 AND outcome LIKE 'intake withdrawn by its agency%'`, itStr(intake)))
}

// The admin's withdrawal reason is MSC text the agency reads word for word
// in its withdrawn interviews, checked as an admin's discharge reason is:
// one naming the other agency that serves the person was taken and shown
// (a review).
func TestGPRAWithdrawalReasonNamesNoOtherAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vera := identity{First: "Vera", Last: "Releasecase", DOB: rss.MustDate("1988-03-04")}
	atHRA := itRegisterAs(t, e, keyHRA, vera)
	itATRReady(t, e, keyHRA, atHRA, e.demo.Staff["Okafor"])
	itRegisterAs(t, e, keyBCS, vera) // BCS keeps a record of the person; no consent names HRA
	stay := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, atHRA)
	intake := itFixtureID(t, e, `SELECT id FROM gpra_interviews WHERE enrollment_id = $1`, stay)
	r := e.post(keyHRA, itPath("/v1/gpra-interviews/%d/withdraw", intake), map[string]any{"reason": "keyed on the wrong day"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	reason := "Bridgeport Community Supports did the real intake; record its date"
	// The same words as an admin's discharge reason are refused.
	requireProblem(t, e.post(keyAdmin, itPath("/v1/enrollments/%d/discharge", stay),
		map[string]any{"discharge_date": day(0), "reason_code": "goals_met", "reason": reason}), http.StatusUnprocessableEntity, "validation_failed")
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, itPath("/v1/gpra-interviews/%d/withdraw", intake), map[string]any{"reason": reason}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, fmt.Sprint(p["errors"]), "names_another_agency")
	})
	r = e.get(keyHRA, itPath("/v1/clients/%d/gpra-interviews/withdrawn", atHRA))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotContains(t, string(r.Body), "Bridgeport Community Supports")
	r = e.post(keyAdmin, itPath("/v1/gpra-interviews/%d/withdraw", intake), map[string]any{"reason": "keyed on the wrong day"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// An admin's reason for withdrawing an agency's GPRA interview is read by
// the agency as the MSC's other texts are: under the consent that let it
// name another agency, the read is a disclosure in the person's
// accounting, and once that consent is revoked the reason is withheld.
// Checked only when written, HRA read BCS's name after BCS revoked its
// consent, and the read under it was accounted nowhere (a white-box
// review); an admin's discharge note was withheld already.
func TestGPRAWithdrawalReasonIsReadAsTheMSCsOtherTexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	atr := itATRClient(t, e, day(-10))
	bcsClient := registerAt(t, e, keyBCS, atr.Client, "bridgeport")
	consent := consentTo(t, e, keyBCS, bcsClient, "HRA")
	bcsName := agencyName(t, e, "BCS")
	r := e.post(keyAdmin, itPath("/v1/gpra-interviews/%d/withdraw", atr.Intake),
		map[string]any{"reason": "Keyed from the " + bcsName + " file by mistake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	withdrawn := func() string {
		got := e.get(keyHRA, itPath("/v1/clients/%d/gpra-interviews/withdrawn", atr.Client))
		require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
		return string(got.Body)
	}
	disclosed := func() int {
		return e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND client_id = $1 AND recipient = 'provider:' || $2`,
			bcsClient, e.demo.Providers["HRA"])
	}
	before := disclosed()
	require.Contains(t, withdrawn(), bcsName, "under the consent HRA reads the reason as written")
	assert.Equal(t, before+1, disclosed(), "the read under BCS's consent is in the person's accounting")
	// The MSC reads it as written, and accounts nothing to HRA.
	r = e.get(keyAdmin, itPath("/v1/clients/%d/gpra-interviews/withdrawn", atr.Client))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), bcsName)
	assert.Equal(t, before+1, disclosed())

	r = e.post(keyBCS, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	body := withdrawn()
	assert.NotContains(t, body, bcsName, "the consent revoked, the reason naming BCS is withheld")
	assert.Contains(t, body, "withheld: ask the MSC about this")
}

// So is an admin's reason for withdrawing a drug screen or a stage change,
// read in the enrollment's withdrawn records (checked only when written
// until the GPRA archive's alike was found by a white-box review).
func TestProgramRecordWithdrawalReasonIsReadAsTheMSCsOtherTexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reyes := e.demo.Clients["Reyes"]
	ecraClient := registerAt(t, e, keyECRA, reyes, "norwich")
	consent := consentTo(t, e, keyECRA, ecraClient, "BCS")
	ecraName := agencyName(t, e, "ECRA")
	rsvp := enrollmentOf(e, reyes, "RSVP")
	screens := itItems(t, e.get(keyBCS, itPath("/v1/enrollments/%d/drug-screens", rsvp)))
	require.NotEmpty(t, screens)
	r := e.post(keyAdmin, itPath("/v1/drug-screens/%d/withdraw", int64(screens[0]["id"].(float64))),
		map[string]any{"reason": "The " + ecraName + " lab result, keyed here by mistake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	withdrawn := func() string {
		got := e.get(keyBCS, itPath("/v1/enrollments/%d/withdrawn-records", rsvp))
		require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
		return string(got.Body)
	}
	disclosed := func() int {
		return e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND client_id = $1 AND recipient = 'provider:' || $2`,
			ecraClient, e.demo.Providers["BCS"])
	}
	before := disclosed()
	require.Contains(t, withdrawn(), ecraName, "under the consent BCS reads the reason as written")
	assert.Equal(t, before+1, disclosed(), "the read under ECRA's consent is in the person's accounting")

	r = e.post(keyECRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	body := withdrawn()
	assert.NotContains(t, body, ecraName, "the consent revoked, the reason naming ECRA is withheld")
	assert.Contains(t, body, "withheld: ask the MSC about this")
	r = e.get(keyReviewer, itPath("/v1/enrollments/%d/withdrawn-records", rsvp))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), ecraName, "the MSC reads it as written")
}

// A completed interview replacing one recorded not conducted follows the
// attempt: dated before it, or sent once the attempt's window has closed,
// it moved the interview into its window after the period was reported (a
// follow-up attempted after its window closed completed dated inside it,
// and a closed month's intake rate went from 0.5 to 1: a GPRA black-box
// pass of the forty-third stop). While the window is open the client who
// refused sits for it later, as before; the MSC withdraws an attempt keyed
// wrong, and the agency then records it as it was.
func TestCompletedInterviewFollowsItsAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	record := func(client, stay int64, kind, status, on string) resp {
		body := map[string]any{"client_id": client, "enrollment_id": stay, "kind": kind, "instrument": "SUPRT-2025",
			"status": status, "interview_date": on}
		if status == "not_conducted" {
			body["not_conducted_reason"] = "unable_to_locate"
		}
		return e.post(keyHRA, "/v1/gpra-interviews", body)
	}
	// A follow-up window (intake + 150..240) that closed on day -59,
	// attempted on day -20, after it closed.
	fc, fstay := gpraEnroll(t, e, day(-300))
	gpraInterview(t, e, fc, fstay, "intake", "completed", day(-299))
	require.Equal(t, http.StatusCreated, record(fc, fstay, "follow_up", "not_conducted", day(-20)).Status)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, record(fc, fstay, "follow_up", "completed", day(-100)), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "before_attempt", itFieldCode(p, "interview_date"))
		p = requireProblem(t, record(fc, fstay, "follow_up", "completed", day(-10)), http.StatusConflict, "window_closed")
		assert.Contains(t, p["detail"], "follow-up window closed on "+day(-59))
	})
	fu := int64(e.count(`SELECT id FROM gpra_interviews WHERE enrollment_id = $1 AND kind = 'follow_up'`, fstay))
	r := e.post(keyAdmin, itPath("/v1/gpra-interviews/%d/withdraw", fu), map[string]any{"reason": "the client sat for it on day -100"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, http.StatusCreated, record(fc, fstay, "follow_up", "completed", day(-100)).Status, "recorded as it was, once the MSC withdrew the attempt")

	// An intake refused on day -5 of an open stay, sat for two days later.
	ic, istay := gpraEnroll(t, e, day(-10))
	require.Equal(t, http.StatusCreated, record(ic, istay, "intake", "not_conducted", day(-5)).Status)
	p := requireProblem(t, record(ic, istay, "intake", "completed", day(-8)), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "before_attempt", itFieldCode(p, "interview_date"))
	r = record(ic, istay, "intake", "completed", day(-3))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "completed", r.JSON(t)["status"])
}

// An intake attempt on a stay still open, counted in a month the reports
// have since closed, stands for the agency: its window is the whole stay,
// and completed months later dated back it moved a closed month's intake
// rate (a GPRA black-box pass of the forty-third stop). Within the month
// after, it is completed as before.
func TestAnAttemptInAClosedMonthStands(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	record := func(client, stay int64, status, on string) resp {
		body := map[string]any{"client_id": client, "enrollment_id": stay, "kind": "intake", "instrument": "SUPRT-2025",
			"status": status, "interview_date": on}
		if status == "not_conducted" {
			body["not_conducted_reason"] = "unable_to_locate"
		}
		return e.post(keyHRA, "/v1/gpra-interviews", body)
	}
	late, lateStay := gpraEnroll(t, e, day(-10))
	soon, soonStay := gpraEnroll(t, e, day(-10))
	for _, c := range [][2]int64{{late, lateStay}, {soon, soonStay}} {
		require.Equal(t, http.StatusCreated, record(c[0], c[1], "not_conducted", day(-5)).Status)
	}
	ie.clock.Advance(20 * 24 * time.Hour) // next month: the attempt's month is open still
	r := record(soon, soonStay, "completed", day(-4))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	ie.clock.Advance(50 * 24 * time.Hour) // two months on: closed
	itNothingWritten(t, e, func() {
		p := requireProblem(t, record(late, lateStay, "completed", day(-4)), http.StatusConflict, "period_closed")
		assert.Contains(t, p["detail"], "ask the MSC to withdraw it")
	})
}

// Two withdrawals of one stage change sent at once: one withdraws it, the
// other finds it gone, 404 as a later one does. Both read the record
// before the enrollment is held, and the stage change's check of its
// neighbours then read no row: the second was a 500 (an idempotency
// black-box pass of the forty-seventh stop).
func TestStageChangeWithdrawnTwiceAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ramos := enrollmentOf(e, e.demo.Clients["Ramos"], "EMP") // HRA
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", ramos), map[string]any{"stage": "work_for_a_day", "effective_date": day(-1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	change := itID(t, r)
	// Hold the enrollment so both withdrawals have read the record and
	// wait for it together, then let them go.
	hold, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer hold.Rollback() //nolint:errcheck
	_, err = hold.ExecContext(t.Context(), `SELECT 1 FROM enrollments WHERE id = $1 FOR UPDATE`, ramos)
	require.NoError(t, err)
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = e.post(keyHRA, itPath("/v1/employment-stage-changes/%d/withdraw", change), map[string]any{"reason": "keyed twice"}).Status
		})
	}
	itAwaitLockWaiters(t, e, len(statuses), "the withdrawals")
	require.NoError(t, hold.Commit())
	wg.Wait()
	assert.ElementsMatch(t, []int{http.StatusOK, http.StatusNotFound}, statuses)
	assert.Equal(t, 1, itAudit(e, "withdraw", "employment_stage_change", itStr(change)))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM outcome_record_archive WHERE record_kind = 'employment_stage_change' AND record_id = $1`, change))
}

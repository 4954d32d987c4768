package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The voucher rules read the GPRA interviews of the agency's unbroken
// stay, as a length of service counts it: discharged and enrolled again
// the same day or the next, a client whose follow-up window had closed
// owed a new intake, with which the follow-up clock started again, and a
// request the rules pend (GPRA_FOLLOWUP_OVERDUE, SPEC §5) was approved
// unreviewed (a black-box pass). After a break the stay is a new one, and
// its intake is still to be done.
func TestGPRAFollowupOverdueOutlastsAReadmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reasons := func(v map[string]any) []any {
		codes, _ := v["reason_codes"].([]any)
		return codes
	}
	readmit := func(t *testing.T, c itATR, out, in int) int64 {
		t.Helper()
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.Enrollment), map[string]any{"discharge_date": day(out), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c.Client, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(in)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	for _, c := range []struct {
		name    string
		out, in int
	}{{"the same day", 0, 0}, {"the next day", -1, 0}} {
		t.Run(c.name, func(t *testing.T) {
			// Intake 245 days ago: ATR's follow-up window closed 5 days ago.
			a := itATRClient(t, e, day(-245))
			v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 1, 10)
			require.Equal(t, "pended", v["decision"], "%v", v)
			require.Contains(t, reasons(v), "GPRA_FOLLOWUP_OVERDUE")
			readmit(t, a, c.out, c.in)

			v = itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 1, 10)
			assert.Equal(t, "pended", v["decision"], "the stay's intake counts, and its follow-up is still overdue: %v", v)
			assert.Equal(t, []any{"GPRA_FOLLOWUP_OVERDUE"}, reasons(v))
			// An intake recorded for the new enrollment does not start the
			// follow-up clock again.
			r := e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": a.Client, "kind": "intake", "instrument": "SUPRT-2025",
				"status": "completed", "interview_date": day(0)})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			v = itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 1, 10)
			assert.Equal(t, "pended", v["decision"], "%v", v)
			assert.Equal(t, []any{"GPRA_FOLLOWUP_OVERDUE"}, reasons(v))
			// The follow-up the pend asks for, sent for the readmitted
			// enrollment, is refused naming the one it belongs to (it read
			// "the follow-up window opens" on the new intake's clock: a
			// re-check); recorded for that one, the pend is gone.
			followup := map[string]any{"client_id": a.Client, "kind": "follow_up", "instrument": "SUPRT-2025", "status": "completed",
				"interview_date": day(0)}
			p := requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", followup), http.StatusUnprocessableEntity, "validation_failed")
			assert.Contains(t, fmt.Sprint(p["errors"]), fmt.Sprintf("record the follow-up for it (enrollment_id %d)", a.Enrollment))
			followup["enrollment_id"] = a.Enrollment
			r = e.post(keyHRA, "/v1/gpra-interviews", followup)
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			v = itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 1, 10)
			assert.Equal(t, "approved", v["decision"], "%v", reasons(v))
		})
	}
	t.Run("after a break the stay is new", func(t *testing.T) {
		a := itATRClient(t, e, day(-245))
		readmit(t, a, -3, 0)
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 1, 10)
		assert.Equal(t, "denied", v["decision"], "%v", v)
		assert.Contains(t, reasons(v), "GPRA_INTAKE_MISSING")
	})
}

// After a break the stay is a new one, and its intake is still to be
// done: discharged on the day and enrolled again three days later. A
// discharge dated back is no break of the days it was held in rss's books
// (migration 00102): discharged as of two days ago and enrolled again today,
// with a new intake, the new stay's request was granted the pend its old
// stay's overdue follow-up asks for (a GPRA re-check). A history entered
// after the fact keeps its dates (TestGPRAFollowupOverdueOutlastsAReadmission's
// stays were all entered today).
func TestGPRAStayIsNewAfterABreak(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	intake := func(c int64, on int) {
		r := e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": c, "kind": "intake", "instrument": "SUPRT-2025",
			"status": "completed", "interview_date": day(on)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	readmit := func(a itATR, out, in int) int64 {
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", a.Enrollment), map[string]any{"discharge_date": day(out), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": a.Client, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(in)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	episode := func(enrollment int64) int {
		return e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, enrollment)
	}
	// Both on file today, their intakes 245 days ago (ATR's follow-up
	// window closed 5 days ago, and closes for good in three).
	broken, backDated := itATRClient(t, e, day(-245)), itATRClient(t, e, day(-245))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", broken.Enrollment), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	ie.clock.Advance(3 * 24 * time.Hour)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": broken.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(3)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.NotEqual(t, int(broken.Episode), episode(itID(t, r)), "after a break a new episode opens")
	v := itVoucher(t, e, keyHRA, broken.Client, "ATR-CM", 8, 4, 10)
	assert.Equal(t, "denied", v["decision"], "%v", v)
	assert.Equal(t, []any{"GPRA_INTAKE_MISSING"}, v["reason_codes"])

	// The episode goes on with the stay, its caps and what they hold with
	// it, as where another agency keeps the episode open (the rules count
	// the stay's authorizations as the agency's own, keptBy).
	again := readmit(backDated, 1, 3) // discharged as of two days ago, enrolled again today
	assert.Equal(t, int(backDated.Episode), episode(again))
	v = itVoucher(t, e, keyHRA, backDated.Client, "ATR-CM", 8, 4, 10)
	assert.Equal(t, "pended", v["decision"], "%v", v)
	assert.Equal(t, []any{"GPRA_FOLLOWUP_OVERDUE"}, v["reason_codes"])
	intake(backDated.Client, 3)
	v = itVoucher(t, e, keyHRA, backDated.Client, "ATR-CM", 8, 4, 10)
	assert.Equal(t, []any{"GPRA_FOLLOWUP_OVERDUE"}, v["reason_codes"], "a new intake does not start the clock again")
	// The length-of-service report counts the stay as the rules do.
	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/length-of-service?program=ATR&from=%s&to=%s", day(3), day(3)))
	starts := map[any]int{}
	for _, m := range rep.Rows {
		if m["start_date"] == day(3) {
			starts[m["stay_start"]]++
		}
	}
	assert.Equal(t, map[any]int{day(3): 1, day(-245): 1}, starts, "the broken stay begins again, the back-dated one goes on")
}

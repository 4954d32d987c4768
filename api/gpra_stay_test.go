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
			readmitATR(t, e, a, c.out, c.in)

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
		readmitATR(t, e, a, -3, 0)
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

	// The person's episode, and so its caps, runs by the stays' dates: a
	// new one opens, as for every agency's stays (the episode held with
	// one agency's books drew another's stays into it: a re-check, Part 2).
	again := readmitATR(t, e, backDated, 1, 3) // discharged as of two days ago, enrolled again today
	assert.NotEqual(t, int(backDated.Episode), episode(again))
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

// A stay goes on past the latest day any earlier enrollment of it was
// held, not only the one before: a short stay keyed after the fact between
// a discharge dated back and today's readmission ends before the days the
// first was held, and the readmission read as a new stay, the overdue
// follow-up's pend escaped with two more calls (a review).
func TestStayHeldThroughAHistoryKeyedBetween(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	post := func(path string, body map[string]any, want int) int64 {
		t.Helper()
		r := e.post(keyHRA, path, body)
		require.Equal(t, want, r.Status, "%s %s", path, r.Body)
		if want == http.StatusCreated {
			return itID(t, r)
		}
		return 0
	}
	discharge := func(enr int64, on int) {
		post(itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(on), "reason_code": "goals_met"}, http.StatusOK)
	}
	enroll := func(c int64, on int) int64 {
		return post("/v1/enrollments", map[string]any{"client_id": c, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(on)}, http.StatusCreated)
	}

	// Both on file from day 0 (their intakes 245 days before: the follow-up
	// window closed on day -5); the clock then moves to day 20.
	ctl, a := itATRClient(t, e, day(-245)), itATRClient(t, e, day(-245))
	ie.clock.Advance(20 * 24 * time.Hour)

	// Control: the commit's own case. Discharged as of day 10, enrolled
	// again today (day 20): the stay goes on and the overdue follow-up pends.
	discharge(ctl.Enrollment, 10)
	enroll(ctl.Client, 20)
	v := itVoucher(t, e, keyHRA, ctl.Client, "ATR-CM", 8, 21, 30)
	require.Equal(t, "pended", v["decision"], "%v", v)
	require.Equal(t, []any{"GPRA_FOLLOWUP_OVERDUE"}, v["reason_codes"])

	// The same, with a short stay keyed in between (recorded today, dated
	// days 11..12: "a history entered after the fact keeps its dates").
	discharge(a.Enrollment, 10) // held_through = day 19
	mid := enroll(a.Client, 11)
	discharge(mid, 12) // recorded on day 20 > 12+1: held_through = day 12
	again := enroll(a.Client, 20)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND held_through = $2`, a.Enrollment, day(19)))
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 21, 30)
	assert.Equal(t, "pended", v["decision"], "held every day by enrollment %d: %v", a.Enrollment, v)
	assert.Equal(t, []any{"GPRA_FOLLOWUP_OVERDUE"}, v["reason_codes"])

	// The new intake then restarts the follow-up clock: the pend is gone.
	post("/v1/gpra-interviews", map[string]any{"client_id": a.Client, "enrollment_id": again, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(20)}, http.StatusCreated)
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, 21, 30)
	assert.Equal(t, "pended", v["decision"], "a new intake does not start the clock again: %v", v)

	// The length-of-service report says the same.
	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/length-of-service?program=ATR&from=%s&to=%s", day(20), day(20)))
	for _, m := range rep.Rows {
		if m["enrollment_id"] == float64(again) {
			assert.Equal(t, day(-245), m["stay_start"], "%v", m)
		}
	}
}

// The demo's stays are on file from their first day and their discharges
// recorded on their dates, as kept at the time: taking today's date from
// the column's default, every one read as keyed after the fact, and a test
// of a discharge dated back on demo data saw a break production would not
// (a review).
func TestDemoStaysAreOnFileFromTheirStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	require.NotZero(t, e.count(`SELECT count(*) FROM enrollments`))
	assert.Zero(t, e.count(`SELECT count(*) FROM enrollments WHERE recorded_on > least(start_date, $1::date)`, day(0)))
	assert.Zero(t, e.count(`SELECT count(*) FROM enrollments WHERE discharge_date IS DISTINCT FROM discharge_recorded_on`))
}

// readmitATR discharges HRA's ATR client c on day out and enrolls them
// again from day in, giving the new enrollment.
func readmitATR(t *testing.T, e *env, c itATR, out, in int) int64 {
	t.Helper()
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.Enrollment), map[string]any{"discharge_date": day(out), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(in)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(t, r)
}

// Another agency's stay ends, for the person's episode, on its dates: held
// through the day its discharge was recorded, HRA's discharge dated back
// took BCS's stays, after a break of BCS's own, into HRA's episode, and
// BCS's earlier units read as HRA's record (CONFLICT_ON_FILE) where a
// stranger's were approved (a re-check, Part 2). Only the agency's own
// stays are held past their dates for its next.
func TestAnotherAgencysDischargeDatedBackKeepsNoEpisodeOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	smith, stay, hraEpisode := smithDischargedBack(t, e)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND held_through = $2`, stay, day(-1)), "held by HRA")

	stranger, known := itBCSStrangerAndKnown(t, e, identityOf(t, e, smith)) // each at BCS from day -10
	for _, client := range []int64{stranger, known} {
		first := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, client)
		r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(-8), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		again := itID(t, r)
		assert.NotEqual(t, e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, first), e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, again),
			"after BCS's own break a new episode opens, as for a stranger")
	}
	assert.Zero(t, e.count(`SELECT count(*) FROM enrollments WHERE client_id = $1 AND episode_id = $2`, known, hraEpisode),
		"no stay of BCS's is in HRA's episode")
}

// An agency's stay held through its discharge dated back does not draw
// another agency's open episode into its own: readmitted, it joins the
// episode open, as by its dates, and the other agency's stays and caps
// stay as they were. Reopened and merged, the other agency's requests read
// the first agency's old units as its record (CONFLICT_ON_FILE) where a
// stranger's were approved (a re-check, Part 2).
func TestHeldStayMergesNoOtherAgencysEpisode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	smith, stay, hraEpisode := smithDischargedBack(t, e)
	_, known := itBCSStrangerAndKnown(t, e, identityOf(t, e, smith)) // at BCS from day -10
	bcsStay := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, known)
	bcsEpisode := e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, bcsStay)
	require.NotEqual(t, hraEpisode, bcsEpisode)

	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": smith, "program_code": "ATR", "start_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, bcsEpisode, e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, itID(t, r)), "HRA's stay joins the episode open")
	assert.Equal(t, bcsEpisode, e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, bcsStay), "BCS's stay keeps its episode")
	assert.Equal(t, hraEpisode, e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, stay), "HRA's old one is not merged into it")
}

// smithDischargedBack discharges the demo's Smith, on file at HRA since
// the stay began, from ATR as of 13 days ago (held through yesterday),
// giving the client, the stay and its episode.
func smithDischargedBack(t *testing.T, e *env) (smith, stay int64, episode int) {
	t.Helper()
	smith = e.demo.Clients["Smith"]
	stay = itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1 AND program_code = 'ATR' AND discharge_date IS NULL`, smith)
	episode = e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, stay)
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", stay), map[string]any{"discharge_date": day(-13), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return smith, stay, episode
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gpraEnroll registers a new HRA client enrolled in ATR from start and
// returns the client and enrollment.
func gpraEnroll(t *testing.T, e *env, start string) (client, enrollment int64) {
	t.Helper()
	client = itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": start})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	return client, itID(t, r)
}

// gpraInterview records an interview of kind on the enrollment; status is
// completed or not_conducted.
func gpraInterview(t *testing.T, e *env, client, enrollment int64, kind, status, on string) {
	t.Helper()
	instrument := "SUPRT-2025"
	if on < "2025-10-01" {
		instrument = "GPRA-2017"
	}
	body := map[string]any{"client_id": client, "enrollment_id": enrollment, "kind": kind, "instrument": instrument,
		"status": status, "interview_date": on}
	if status == "not_conducted" {
		body["not_conducted_reason"] = "refused"
	}
	r := e.post(keyHRA, "/v1/gpra-interviews", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s interview: %s", kind, r.Body)
}

func gpraDischarge(t *testing.T, e *env, enrollment int64, on string) {
	t.Helper()
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enrollment), map[string]any{"discharge_date": on, "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "discharge: %s", r.Body)
}

// gpraRow finds the row of a provider (0: the overall row).
func gpraRow(t *testing.T, rep itReport, provider int64) map[string]any {
	t.Helper()
	for _, m := range rep.Rows {
		if (provider == 0 && m["provider_id"] == nil) || (provider != 0 && m["provider_id"] != nil && itNum(t, m, "provider_id") == provider) {
			return m
		}
	}
	return nil
}

// The GPRA report over [day -50, day -41], a range in which the demo has
// no HRA intake and no window closing, from a history built through the
// API (ATR: follow-up window intake+150..intake+240, discharge window
// discharge..discharge+30):
//
//	A intake -290: follow-up window closes -50 (the range's first day), done on -50 (its last day): in window;
//	  discharged -80, discharge window closes -50, interview on -50 (the 30th day): in window
//	B intake -281: closes -41 (the range's last day: counts), done on -30: late;
//	  discharged -71, window closes -41, interview on -40 (the 31st day): late
//	C intake -282: closes -42, not conducted; discharged -75, window closes -45, no interview
//	D intake -291: closes -51, the day before the range: not counted though done
//	E intake -280: closes -40, the day after the range: not counted
//	F start -45, intake completed; G start -50, intake not conducted; H start -41, no intake;
//	I start -51: before the range
//	J intake -240: its window closes today, still open: never counted
//
// intakes 3 (F, G, H), 1 completed, 1 not conducted: 0.3333;
// follow-up 3 windows (A, B, C), 1 in window, 1 late, 1 not conducted: 0.3333 < 0.80;
// discharge 3 windows (A, B, C), 1 in window, 1 late: 0.3333.
func TestReportGPRA(t *testing.T) {
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	withIntake := func(start string) (int64, int64) {
		c, en := gpraEnroll(t, e, start)
		gpraInterview(t, e, c, en, "intake", "completed", start)
		return c, en
	}
	a, aEn := withIntake(day(-290))
	gpraDischarge(t, e, aEn, day(-80))
	gpraInterview(t, e, a, aEn, "follow_up", "completed", day(-50))
	gpraInterview(t, e, a, aEn, "discharge", "completed", day(-50))
	b, bEn := withIntake(day(-281))
	gpraDischarge(t, e, bEn, day(-71))
	gpraInterview(t, e, b, bEn, "follow_up", "completed", day(-30))
	gpraInterview(t, e, b, bEn, "discharge", "completed", day(-40))
	c, cEn := withIntake(day(-282))
	gpraDischarge(t, e, cEn, day(-75))
	gpraInterview(t, e, c, cEn, "follow_up", "not_conducted", day(-42))
	d, dEn := withIntake(day(-291))
	gpraInterview(t, e, d, dEn, "follow_up", "completed", day(-60))
	withIntake(day(-280))
	withIntake(day(-45))
	g, gEn := gpraEnroll(t, e, day(-50))
	gpraInterview(t, e, g, gEn, "intake", "not_conducted", day(-50))
	gpraEnroll(t, e, day(-41))
	withIntake(day(-51))
	withIntake(day(-240))

	path := fmt.Sprintf("/v1/reports/gpra?from=%s&to=%s", day(-50), day(-41))
	rep := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, "gpra", rep.Report)
	require.Len(t, rep.Rows, 2, "HRA and the overall row: %v", rep.Rows)
	want := map[string]any{
		"intakes": float64(3), "intakes_completed": float64(1), "intakes_not_conducted": float64(1), "intake_rate": 0.3333,
		"followup_windows_closed": float64(3), "followups_in_window": float64(1), "followups_late": float64(1),
		"followups_not_conducted": float64(1), "followup_rate": 0.3333, "followup_target": 0.8, "meets_target": false,
		"discharge_windows_closed": float64(3), "discharges_in_window": float64(1), "discharges_late": float64(1),
		"discharges_not_conducted": float64(0), "discharge_rate": 0.3333,
	}
	row := gpraRow(t, rep, hra)
	require.NotNil(t, row)
	overall := gpraRow(t, rep, 0)
	require.NotNil(t, overall, "the overall row has no provider")
	for k, w := range want {
		assert.Equal(t, w, row[k], "HRA %s", k)
		assert.Equal(t, w, overall[k], "overall %s", k)
		assert.Equal(t, w, rep.Totals[k], "totals %s", k)
	}

	// The target as it stood at the range's end: lowered today, it flipped
	// a past range's meets_target (a black-box pass). A range to today
	// reads today's.
	r := e.patch(keyAdmin, "/v1/reference/settings/gpra_followup_target_percent", map[string]any{"value": 30})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	past := gpraRow(t, itGetReport(t, e, keyReviewer, path), hra)
	assert.Equal(t, 0.8, past["followup_target"])
	assert.Equal(t, false, past["meets_target"])
	now := gpraRow(t, itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/gpra?from=%s&to=%s", day(-50), day(0))), hra)
	assert.Equal(t, 0.3, now["followup_target"])
	r = e.patch(keyAdmin, "/v1/reference/settings/gpra_followup_target_percent", map[string]any{"value": 80})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	// A range with nothing due: the overall row alone, its figures zero and
	// its rates null, and the totals the same.
	none := itGetReport(t, e, keyReviewer, "/v1/reports/gpra?from=2001-01-01&to=2001-12-31")
	require.Len(t, none.Rows, 1, "%v", none.Rows)
	assert.Nil(t, none.Rows[0]["provider_id"])
	assert.Equal(t, float64(0), none.Totals["intakes"])
	assert.Nil(t, none.Totals["followup_rate"])
	assert.Equal(t, 0.8, none.Totals["followup_target"])

	// The range's first day alone: A's windows (both close on it) and G's intake.
	first := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/gpra?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(-50), day(-50)))
	row = gpraRow(t, first, hra)
	require.NotNil(t, row, "%v", first.Rows)
	assert.Equal(t, float64(1), row["followup_windows_closed"])
	assert.Equal(t, float64(1), row["followups_in_window"])
	assert.Equal(t, 1.0, row["followup_rate"])
	assert.Equal(t, true, row["meets_target"], "1 of 1 is at least 80%")
	assert.Equal(t, float64(1), row["discharges_in_window"])
	assert.Equal(t, float64(1), row["intakes"])
	assert.Equal(t, 0.0, row["intake_rate"])

	// Today: J's window closes today and is still open; nothing else is due.
	today := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/gpra?provider_id=%d&from=%s&to=%s", hra, day(0), day(0)))
	require.Len(t, today.Rows, 1, "only the overall row: %v", today.Rows)
	assert.Nil(t, today.Rows[0]["provider_id"])
	assert.Equal(t, float64(0), today.Rows[0]["followup_windows_closed"])
	assert.Nil(t, today.Rows[0]["followup_rate"], "no window: no rate")
	assert.Nil(t, today.Rows[0]["meets_target"])

	// A program that requires no GPRA is refused, as the reports kept for
	// one program refuse another (it answered a row of zeros: a black-box
	// pass).
	for _, program := range []string{"RCM", "EMP", "RSVP", "MHW"} {
		p := requireProblem(t, e.get(keyReviewer, path+"&program="+program), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_gpra", itFieldCode(p, "program"), program)
	}

	// A provider sees its own agency: BCS has nothing in the range, and
	// never HRA's figures, even in the overall row.
	bcs := itGetReport(t, e, keyBCS, path)
	require.Len(t, bcs.Rows, 1, "%v", bcs.Rows)
	assert.Equal(t, float64(e.demo.Providers["BCS"]), bcs.Filter["provider_id"])
	assert.Equal(t, float64(0), bcs.Rows[0]["followup_windows_closed"])
	assert.Equal(t, float64(0), bcs.Rows[0]["intakes"])
	requireProblem(t, e.get(keyBCS, path+fmt.Sprintf("&provider_id=%d", hra)), http.StatusNotFound, "not_found")
	hraOwn := itGetReport(t, e, keyHRA, path)
	assert.Equal(t, row["followup_windows_closed"], gpraRow(t, first, hra)["followup_windows_closed"])
	assert.Equal(t, float64(3), gpraRow(t, hraOwn, hra)["followup_windows_closed"])

	// CSV: the notice, the header, one record a row.
	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"from", "to", "provider_id", "intakes", "intakes_completed", "intakes_not_conducted", "intake_rate",
		"followup_windows_closed", "followups_in_window", "followups_late", "followups_not_conducted", "followup_rate",
		"followup_target", "meets_target", "discharge_windows_closed", "discharges_in_window", "discharges_late",
		"discharges_not_conducted", "discharge_rate"}, rows[1])
	require.Len(t, rows, 4)
	assert.Equal(t, []string{day(-50), day(-41), itStr(hra), "3", "1", "1", "0.3333", "3", "1", "1", "1", "0.3333", "0.8", "false",
		"3", "1", "1", "0", "0.3333"}, rows[2])
	assert.Equal(t, "", rows[3][2], "the overall row has no provider")

	// Bad filters are 422 and the old path still answers its shape.
	requireProblem(t, e.get(keyReviewer, "/v1/reports/gpra?from="+day(-50)), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.get(keyReviewer, path+"&service=ATR-CM"), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.get(keyReviewer, path+"&format=xml"), http.StatusUnprocessableEntity, "validation_failed")

	// The first endpoint answers in its shape from the same figures: every
	// window closed before today.
	all := gpraRow(t, itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/gpra?provider_id=%d&from=%s&to=%s", hra, day(-3600), day(-1))), hra)
	require.NotNil(t, all)
	var seen bool
	for _, it := range itItems(t, e.get(keyReviewer, "/v1/reports/gpra-follow-up")) {
		if itNum(t, it, "provider_id") != hra {
			continue
		}
		seen = true
		assert.Equal(t, all["followup_windows_closed"], it["windows_closed"])
		assert.Equal(t, all["followups_in_window"], it["done_in_window"])
		assert.Equal(t, "0.80", it["target"])
		// Demo: Price done in window, Johnson and Ramos missed; here A in
		// window, B late, C not conducted, D in window, E missed: 3 of 8.
		assert.Equal(t, float64(8), it["windows_closed"])
		assert.Equal(t, "0.37", it["rate"], "3 of 8, cut down to whole percent: never shown at a target it misses")
		assert.Equal(t, false, it["meets_target"])
	}
	assert.True(t, seen)
}

// A stay that begins after today owes no intake yet: counted in the range
// it begins in, it made the agency's intake rate 0 % for a client who had
// not started and whose intake could not yet be recorded, and the state
// extract read its intake "missing" where the schedule says not_yet_due
// (a reports black-box pass).
func TestGPRAStayNotBegunOwesNoIntakeYet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	path := fmt.Sprintf("/v1/reports/gpra?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(1), day(30))
	before := itGetReport(t, e, keyReviewer, path).Totals["intakes"]
	client := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "start_date": day(5)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	enrollment := itID(t, r)
	assert.Equal(t, before, itGetReport(t, e, keyReviewer, path).Totals["intakes"], "not owed before it begins")

	ex := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(0), day(30)))
	found := false
	for _, row := range ex.Rows {
		if int64(row["enrollment_id"].(float64)) == enrollment {
			found = true
			assert.Equal(t, "not_yet_due", row["gpra_intake"], "%v", row)
		}
	}
	assert.True(t, found, "the enrollment is in the extract")

	// The client's schedule says the intake's window is not yet open.
	sched := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", client)).JSON(t)
	intake := sched["episodes"].([]any)[0].(map[string]any)["interviews"].([]any)[0].(map[string]any)
	assert.Equal(t, "intake", intake["kind"])
	assert.Equal(t, "not_yet_due", intake["status"])
	assert.Equal(t, "not_yet_open", intake["window"], "%v", intake)

	// Begun, the stay owes its intake, its window open: due, as the
	// schedule says (it read missing, as a lapsed one does: a GPRA pass of
	// the forty-fifth stop); discharged without one, missing.
	begun := itATRClient(t, e, day(-3))
	lapsed := itATRClient(t, e, day(-20))
	// itATRClient records their intakes: taken out, as never recorded.
	_, err := e.db.Exec(`DELETE FROM gpra_interviews WHERE client_id = $1`, begun.Client)
	require.NoError(t, err)
	_, err = e.db.Exec(`DELETE FROM gpra_interviews WHERE client_id = $1`, lapsed.Client)
	require.NoError(t, err)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", lapsed.Enrollment), map[string]any{"discharge_date": day(-1),
		"reason_code": "other", "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ex = itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(-30), day(0)))
	want := map[int64]string{begun.Enrollment: "due", lapsed.Enrollment: "missing"}
	for _, row := range ex.Rows {
		if w, ok := want[int64(row["enrollment_id"].(float64))]; ok {
			assert.Equal(t, w, row["gpra_intake"], "%v", row)
			delete(want, int64(row["enrollment_id"].(float64)))
		}
	}
	assert.Empty(t, want, "both enrollments are in the extract")
	sched = e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", begun.Client)).JSON(t)
	intake = sched["episodes"].([]any)[0].(map[string]any)["interviews"].([]any)[0].(map[string]any)
	assert.Equal(t, "due", intake["status"], "%v", intake)
}

// A stay's GPRA windows are its program's on the day it was enrolled: a
// change of the program's windows applies to stays enrolled after it, and
// a past range's report and an existing stay's schedule read as before.
// Read from the program as it stood, the change rewrote a closed quarter's
// follow-up rate and un-counted a follow-up the API had accepted in its
// window (a reference-data black-box pass).
func TestGPRAWindowsAreTheStaysWhenEnrolled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a, aEn := gpraEnroll(t, e, day(-290))
	gpraInterview(t, e, a, aEn, "intake", "completed", day(-290))
	gpraInterview(t, e, a, aEn, "follow_up", "completed", day(-120)) // day 170 of 150..240
	path := fmt.Sprintf("/v1/reports/gpra?provider_id=%d&from=%s&to=%s", hra, day(-60), day(-41))
	figures := func() map[string]any {
		row := gpraRow(t, itGetReport(t, e, keyReviewer, path), hra)
		require.NotNil(t, row)
		return map[string]any{"closed": row["followup_windows_closed"], "in_window": row["followups_in_window"], "rate": row["followup_rate"]}
	}
	before := figures()
	require.GreaterOrEqual(t, before["in_window"], float64(1), "A's follow-up, in its window (the demo's HRA stays besides)")
	followUp := func(client int64) map[string]any {
		eps := gpraEpisodes(t, e, client)
		require.Len(t, eps, 1)
		return eps[0]["interviews"].([]any)[1].(map[string]any)
	}
	require.Equal(t, "completed", followUp(a)["status"])

	r := e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"gpra_followup_open_days": 200, "gpra_followup_close_days": 250,
		"reason": "new federal window"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, before, figures(), "the past range reads as it did")
	fu := followUp(a)
	assert.Equal(t, "completed", fu["status"])
	assert.Equal(t, day(-140), fu["window_opens"], "the stay's window, 150 days from its intake")

	b, bEn := gpraEnroll(t, e, day(-5))
	gpraInterview(t, e, b, bEn, "intake", "completed", day(-5))
	assert.Equal(t, day(195), followUp(b)["window_opens"], "a stay enrolled after the change takes the new window")
}

// Whether a stay owes GPRA interviews is its program's setting when it was
// enrolled: switched off, the program's stays enrolled under it keep their
// schedule, and past months' report reads as it did; a stay enrolled while
// it is off owes none, until it is switched on again, which reaches the
// stays open then. Read from the program as it stood, the switch took
// every stay out of GPRA, and back (an operations black-box pass).
func TestGPRARequiredIsTheStaysWhenEnrolled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a, aEn := gpraEnroll(t, e, day(-290))
	gpraInterview(t, e, a, aEn, "intake", "completed", day(-290))
	path := fmt.Sprintf("/v1/reports/gpra?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(-60), day(-41))
	report := func() map[string]any {
		row := gpraRow(t, itGetReport(t, e, keyReviewer, path), hra)
		require.NotNil(t, row)
		return row
	}
	before := report()
	schedule := func(client int64) []map[string]any { return gpraEpisodes(t, e, client) }
	require.Len(t, schedule(a), 1)
	// Switched off, the program's windows are cleared too; switched on,
	// they are given again.
	gpra := func(on bool) {
		t.Helper()
		body := map[string]any{"gpra_required": false, "gpra_followup_open_days": nil, "gpra_followup_close_days": nil, "gpra_discharge_days": nil}
		if on {
			body = map[string]any{"gpra_required": true, "gpra_followup_open_days": 150, "gpra_followup_close_days": 240, "gpra_discharge_days": 30}
		}
		r := e.patch(keyAdmin, "/v1/reference/programs/ATR", body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	opens := func(client int64) any {
		return schedule(client)[0]["interviews"].([]any)[1].(map[string]any)["window_opens"]
	}
	aOpens := opens(a)

	gpra(false)
	assert.Equal(t, before, report(), "the past months read as they did")
	require.Len(t, schedule(a), 1, "A's follow-up is still owed")
	assert.Equal(t, aOpens, opens(a), "under A's own window")
	b, _ := gpraEnroll(t, e, day(-5))
	assert.Empty(t, schedule(b), "enrolled while ATR asks no GPRA")

	// Reached by the switch on, B takes the windows the program requires
	// GPRA with, and keeps them when they are cleared again (read from
	// the program, its schedule was a 500 then: an operations pass).
	gpra(true)
	assert.Equal(t, before, report())
	assert.Len(t, schedule(a), 1)
	require.Len(t, schedule(b), 1, "an open stay is reached by the switch on")
	gpra(false)
	assert.Len(t, schedule(b), 1)
	assert.Equal(t, aOpens, opens(a))
	assert.Equal(t, before, report())
}

// The voucher rules judge a follow-up overdue (V30) by the intake's stay's
// window too: Johnson's closed before the program's was widened, and his
// request still pends, as his schedule reads it overdue.
func TestFollowupOverdueByTheStaysWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"gpra_followup_close_days": 800, "reason": "a wider window"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 29)
	assert.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	assert.Contains(t, reasonCodes(v), "GPRA_FOLLOWUP_OVERDUE")
}

// A discharge interview is owed where a follow-up is, after a completed
// intake: a stay whose intake was not conducted, or never recorded, read
// its discharge interview overdue in the schedule, the state extract and
// the GPRA report, while every record of it was refused (a GPRA black-box
// pass). The refusal says what is needed: "record the intake interview"
// answered an intake that was on file, not conducted. A discharged stay's
// intake never recorded reads closed and overdue, not open and due.
func TestGPRADischargeInterviewFollowsACompletedIntake(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	path := fmt.Sprintf("/v1/reports/gpra?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(-20), day(-1))
	before := itGetReport(t, e, keyReviewer, path).Totals

	refused, refusedStay := gpraEnroll(t, e, day(-80))
	gpraInterview(t, e, refused, refusedStay, "intake", "not_conducted", day(-80))
	gpraDischarge(t, e, refusedStay, day(-40))
	none, noneStay := gpraEnroll(t, e, day(-70))
	gpraDischarge(t, e, noneStay, day(-40))

	for _, c := range []struct {
		client, stay int64
		kind, code   string
	}{
		{refused, refusedStay, "discharge", "intake_not_completed"},
		{refused, refusedStay, "follow_up", "intake_not_completed"},
		{none, noneStay, "discharge", "intake_missing"},
	} {
		for _, status := range []string{"completed", "not_conducted"} {
			body := map[string]any{"client_id": c.client, "enrollment_id": c.stay, "kind": c.kind, "instrument": "SUPRT-2025",
				"status": status, "interview_date": day(-35)}
			if status == "not_conducted" {
				body["not_conducted_reason"] = "refused"
			}
			p := requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", body), http.StatusUnprocessableEntity, "validation_failed")
			errs := p["errors"].([]any)
			assert.Equal(t, c.code, errs[0].(map[string]any)["code"], "%s %s: %v", c.kind, status, p)
		}
	}

	for client, wantIntake := range map[int64][2]string{refused: {"closed", "not_conducted"}, none: {"closed", "overdue"}} {
		sched := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", client)).JSON(t)
		items := sched["episodes"].([]any)[0].(map[string]any)["interviews"].([]any)
		intake, dc := items[0].(map[string]any), items[2].(map[string]any)
		assert.Equal(t, "intake", intake["kind"])
		assert.Equal(t, wantIntake[0], intake["window"], "%v", intake)
		assert.Equal(t, wantIntake[1], intake["status"], "%v", intake)
		assert.Equal(t, day(-40), intake["window_closes"], "the intake's window closed at the discharge")
		assert.Equal(t, "discharge", dc["kind"])
		assert.Equal(t, "not_applicable", dc["window"], "%v", dc)
		assert.Equal(t, "not_applicable", dc["status"], "%v", dc)
	}

	// Their discharge windows closed on day -10, in the range: not counted.
	after := itGetReport(t, e, keyReviewer, path).Totals
	assert.Equal(t, before["discharge_windows_closed"], after["discharge_windows_closed"])
	ex := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(-80), day(0)))
	seen := 0
	for _, row := range ex.Rows {
		if id := int64(row["enrollment_id"].(float64)); id == refusedStay || id == noneStay {
			seen++
			assert.Equal(t, "not_applicable", row["gpra_discharge"], "%v", row)
		}
	}
	assert.Equal(t, 2, seen)
}

// An interview sent without enrollment_id goes to the client's one open
// stay in a program requiring GPRA; with two (such programs are data), the
// agency names which: the newer was taken without a word, and an ATR
// follow-up went to the other program's stay while ATR's fell overdue (a
// GPRA black-box pass).
func TestGPRAInterviewWithTwoOpenStaysNamesItsEnrollment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := newProgramBody("GPX")
	body["gpra_required"], body["gpra_followup_open_days"], body["gpra_followup_close_days"], body["gpra_discharge_days"] = true, 100, 200, 14
	r := e.post(keyAdmin, "/v1/reference/programs", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	hra := e.demo.Providers["HRA"]
	p := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"programs": append(p["programs"].([]any), "GPX")})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	client, atr := gpraEnroll(t, e, day(-20))
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "GPX", "start_date": day(-10)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	gpx := itID(t, r)
	intake := map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed", "interview_date": day(-5)}
	p = requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", intake), http.StatusUnprocessableEntity, "validation_failed")
	fe := p["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, "enrollment_id", fe["field"])
	assert.Equal(t, "ambiguous", fe["code"])
	assert.Contains(t, fe["message"], fmt.Sprintf("enrollments %d and %d", atr, gpx))
	assert.Zero(t, e.count(`SELECT count(*) FROM gpra_interviews WHERE client_id = $1`, client), "nothing written")

	intake["enrollment_id"] = atr
	r = e.post(keyHRA, "/v1/gpra-interviews", intake)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, float64(atr), r.JSON(t)["enrollment_id"])

	// Once the other stay ends, the open one is the one meant.
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", gpx), map[string]any{"discharge_date": day(-1), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	delete(intake, "enrollment_id")
	intake["kind"], intake["status"], intake["not_conducted_reason"] = "intake", "not_conducted", "refused"
	r = e.post(keyHRA, "/v1/gpra-interviews", intake)
	require.Equal(t, http.StatusConflict, r.Status, "ATR's intake is recorded: %s", r.Body)
}

// gpraEpisodes is HRA's read of its client's GPRA schedule: the stays
// that owe interviews, each with its interviews.
func gpraEpisodes(t *testing.T, e *env, client int64) []map[string]any {
	t.Helper()
	r := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", client))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var sch struct {
		Episodes []map[string]any `json:"episodes"`
	}
	r.Into(t, &sch)
	return sch.Episodes
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// designationCase is a person HRA enrolled in ATR as primary case manager
// twenty days ago, ready for ATR-CM, and, when known, the same person at
// BCS enrolled ten days ago as primary case manager too (HRA's designation
// made first), ready for ATR-CM as well.
type designationCase struct {
	hra    itATR
	bcs    int64 // BCS's client record, 0 for a stranger
	bcsEnr int64
}

func newDesignationCase(t *testing.T, e *env, known, bcsFlagged bool) designationCase {
	t.Helper()
	return newDesignationCaseAt(t, e, -20, -10, -10, known, bcsFlagged)
}

// newDesignationCaseAt is newDesignationCase with HRA's stay from day
// hraFrom, BCS's from bcsFrom (enrolled after HRA's whatever its day) and
// BCS's intake, consent and care plan dated recordsOn.
func newDesignationCaseAt(t *testing.T, e *env, hraFrom, bcsFrom, recordsOn int, known, bcsFlagged bool) designationCase {
	t.Helper()
	c := designationCase{hra: itATRClient(t, e, day(hraFrom))}
	if !known {
		return c
	}
	c.bcs = itRegisterAs(t, e, keyBCS, identityOf(t, e, c.hra.Client))
	staff := itFixtureID(t, e, `SELECT min(id) FROM staff WHERE provider_id = $1 AND role = 'case_manager'`, e.demo.Providers["BCS"])
	r := e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": c.bcs, "program_code": "ATR", "start_date": day(bcsFrom),
		"assigned_staff_id": staff, "primary_case_manager": bcsFlagged})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	c.bcsEnr = itID(t, r)
	for _, b := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/gpra-interviews", map[string]any{"client_id": c.bcs, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
			"interview_date": day(recordsOn)}},
		{"/v1/consents", map[string]any{"client_id": c.bcs, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(recordsOn), "expires_on": day(365)}},
		{"/v1/care-plans", map[string]any{"client_id": c.bcs, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(recordsOn),
			"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-CM"}}}},
	} {
		r := e.post(keyBCS, b.path, b.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
	}
	return c
}

// caseManagement asks for ATR-CM over days 1-14 as the agency of key,
// and returns the agency's answer and the reviewer's reading of it.
func caseManagement(t *testing.T, e *env, key string, client int64) (answer, reviewed map[string]any) {
	t.Helper()
	answer = itVoucher(t, e, key, client, "ATR-CM", 10, 1, 14)
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, answer, "id")))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return answer, r.JSON(t)
}

// The primary case manager designation belongs to the agency's stay: a
// discharge and a readmission the same day or the next, which rss counts
// as one unbroken stay (its length of service, GPRA intake and episode
// caps), keep the rank of the stay's first designated day. The readmitted
// enrollment ranked as a new designation, after BCS's own flag set in the
// meantime, so BCS became the primary case manager with no MSC transfer:
// HRA's case management was denied (CONFLICT_ON_FILE to HRA, where a
// stranger with the same history was approved: a Part 2 signal;
// NOT_PRIMARY_CASE_MANAGER to the reviewer), BCS's was granted, and a
// transfer from BCS's enrollment went through (a GPRA black-box pass).
func TestAReadmissionKeepsItsStaysDesignation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := e.demo.Providers["HRA"], e.demo.Providers["BCS"]
	for _, c := range []struct {
		name    string
		out, in int
	}{{"the same day", 0, 0}, {"the next day", -1, 0}} {
		t.Run(c.name, func(t *testing.T) {
			for _, known := range []bool{false, true} {
				dc := newDesignationCase(t, e, known, true)
				v, _ := caseManagement(t, e, keyHRA, dc.hra.Client)
				require.Equal(t, "approved", v["decision"], "known %v: %v", known, v["reason_codes"])
				if known {
					v, rv := caseManagement(t, e, keyBCS, dc.bcs)
					require.Equal(t, "denied", v["decision"], "HRA's designation came first: %v", v["reason_codes"])
					require.Contains(t, rv["reason_codes"], "NOT_PRIMARY_CASE_MANAGER")
				}
				again := readmitATR(t, e, dc.hra, c.out, c.in)

				v, rv := caseManagement(t, e, keyHRA, dc.hra.Client)
				assert.Equal(t, "approved", v["decision"], "known %v: the stay's designation stands: %v", known, v["reason_codes"])
				assert.NotContains(t, rv["reason_codes"], "NOT_PRIMARY_CASE_MANAGER", "the reviewer reads HRA as the holder")
				if !known {
					continue
				}
				// BCS is denied as before the readmission: withheld to BCS,
				// the holder named to the reviewer.
				v, rv = caseManagement(t, e, keyBCS, dc.bcs)
				assert.Equal(t, "denied", v["decision"], "%v", v["reason_codes"])
				assert.Contains(t, v["reason_codes"], "CONFLICT_ON_FILE")
				assert.NotContains(t, v["reason_codes"], "NOT_PRIMARY_CASE_MANAGER")
				assert.Contains(t, rv["reason_codes"], "NOT_PRIMARY_CASE_MANAGER")
				assert.Contains(t, itMustJSON(rv), fmt.Sprintf("enrollment %d of provider %d was designated primary first", again, hra))
				assert.NotContains(t, itMustJSON(rv), fmt.Sprintf("of provider %d was designated", bcs))
				// The MSC's own check reads the same holder.
				itNothingWritten(t, e, func() {
					p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", dc.bcsEnr),
						map[string]any{"to_enrollment_id": again, "reason": "move it"}), http.StatusConflict, "not_primary")
					assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d, designated first, does", again))
					p = requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", dc.bcsEnr),
						map[string]any{"reason": "make it so"}), http.StatusConflict, "primary_held")
					assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d holds", again))
					requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", again),
						map[string]any{"reason": "make it so"}), http.StatusConflict, "already_primary")
				})
				// The holder transfers it as before.
				r := e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", again),
					map[string]any{"to_enrollment_id": dc.bcsEnr, "reason": "per the client's choice"})
				assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			}
		})
	}
}

// A readmission after a real break (two days) is a new stay, and its flag a
// new designation: BCS's, made in between, stands. So does any designation
// the readmission's stay never held: a first stay enrolled without the
// flag has no rank to lend, and one the MSC moved elsewhere (a transfer or
// a designation, recorded in primary_case_manager_transfers) after the
// stay's flag was set has lost it.
func TestAReadmissionTakesNoDesignationItsStayDidNotHold(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	bcsHolds := func(t *testing.T, dc designationCase) {
		t.Helper()
		v, rv := caseManagement(t, e, keyHRA, dc.hra.Client)
		assert.Equal(t, "denied", v["decision"], "%v", v["reason_codes"])
		assert.Contains(t, rv["reason_codes"], "NOT_PRIMARY_CASE_MANAGER")
		assert.Contains(t, itMustJSON(rv), fmt.Sprintf("enrollment %d of provider %d was designated primary first", dc.bcsEnr, bcs))
		v, _ = caseManagement(t, e, keyBCS, dc.bcs)
		assert.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	}
	t.Run("after a two-day break", func(t *testing.T) {
		dc := newDesignationCase(t, e, true, true)
		readmitATR(t, e, dc.hra, -2, 0)
		bcsHolds(t, dc)
	})
	t.Run("the first stay was not designated", func(t *testing.T) {
		dc := newDesignationCase(t, e, true, true)
		_, err := e.db.Exec(`UPDATE enrollments SET primary_case_manager = false WHERE id = $1`, dc.hra.Enrollment)
		require.NoError(t, err)
		readmitATR(t, e, dc.hra, 0, 0)
		bcsHolds(t, dc)
	})
	t.Run("a readmission without the flag in between", func(t *testing.T) {
		dc := newDesignationCase(t, e, true, true)
		enroll := func(start string, flagged bool) int64 {
			r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": dc.hra.Client, "program_code": "ATR",
				"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": flagged, "start_date": start})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			return itID(t, r)
		}
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", dc.hra.Enrollment), map[string]any{"discharge_date": day(-1),
			"reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		between := enroll(day(-1), false)
		r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", between), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		enroll(day(0), true)
		bcsHolds(t, dc)
	})
	t.Run("the MSC designated another agency in between", func(t *testing.T) {
		dc := newDesignationCase(t, e, true, false)
		// HRA discharges first, its stay's flag kept on the closed
		// enrollment; the MSC designates BCS, the agency carrying on.
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", dc.hra.Enrollment), map[string]any{"discharge_date": day(-1),
			"reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", dc.bcsEnr), map[string]any{"reason": "the agency carrying on"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": dc.hra.Client, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		bcsHolds(t, dc)
	})
}

// A transfer refused not_primary names the enrollment that holds the
// designation as the rules rank it. After a readmission kept its stay's
// rank, a transfer from the agency's discharged enrollment named the other
// agency's, and a transfer from that one named the readmission: the
// reviewer was sent round (a re-check). The discharged enrollment's refusal
// names its own agency's readmission, and says it is the same stay's.
func TestATransferFromAReadmittedStaysDischargedEnrollmentNamesTheReadmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		name    string
		out, in int
	}{{"the same day", 0, 0}, {"the next day", -1, 0}} {
		t.Run(c.name, func(t *testing.T) {
			dc := newDesignationCase(t, e, true, true)
			again := readmitATR(t, e, dc.hra, c.out, c.in)
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", dc.hra.Enrollment),
					map[string]any{"to_enrollment_id": dc.bcsEnr, "reason": "move it"}), http.StatusConflict, "not_primary")
				assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d, this agency's readmission of the same stay, holds it: transfer from it", again))
				assert.NotContains(t, p["detail"], fmt.Sprintf("enrollment %d,", dc.bcsEnr))
			})
			// Following the refusal works: the readmission transfers it.
			r := e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", again),
				map[string]any{"to_enrollment_id": dc.bcsEnr, "reason": "per the client's choice"})
			assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		})
	}
	// After a break the readmission's designation is new, and the other
	// agency's, made in between, is the one named.
	t.Run("after a two-day break", func(t *testing.T) {
		dc := newDesignationCase(t, e, true, true)
		readmitATR(t, e, dc.hra, -2, 0)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", dc.hra.Enrollment),
				map[string]any{"to_enrollment_id": dc.bcsEnr, "reason": "move it"}), http.StatusConflict, "not_primary")
			assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d, designated first, does; transfer from it", dc.bcsEnr))
		})
	})
}

// Another agency's earlier designation counts on a stay begun by today,
// not by the request's first day (voucher-2026.12.20). Read on the
// request's first day, a request of the agency not primary begun before
// the other's stay was granted over it: sixty days of case management,
// paid on days the other held the designation; and moving the start
// across that stay's first day flipped the answer, telling the agency the
// day another agency's stay began (a new-user pass). The answer is now one
// for every start, and for the MSC NOT_PRIMARY_CASE_MANAGER naming the
// holder.
func TestADesignationIsJudgedTodayNotOnTheRequestsStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// HRA designated first; its stay began five days ago. BCS enrolled the
	// same person as primary after it, its stay keyed from thirty days ago.
	c := newDesignationCaseAt(t, e, -5, -30, -25, true, true)
	for _, from := range []int{-20, -6, -5, 0} {
		t.Run(fmt.Sprintf("from day %d", from), func(t *testing.T) {
			answer := itVoucher(t, e, keyBCS, c.bcs, "ATR-CM", 10, from, from+40)
			assert.Equal(t, "denied", answer["decision"], "%v", answer["reason_codes"])
			assert.Contains(t, answer["reason_codes"], "CONFLICT_ON_FILE", "withheld from BCS, whatever the start")
			assert.NotContains(t, answer["reason_codes"], "NOT_PRIMARY_CASE_MANAGER")
			r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, answer, "id")))
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			assert.Contains(t, r.JSON(t)["reason_codes"], "NOT_PRIMARY_CASE_MANAGER")
		})
	}
	assert.Zero(t, e.count(`SELECT count(*) FROM authorizations WHERE client_id = $1`, c.bcs), "nothing granted to BCS")
}

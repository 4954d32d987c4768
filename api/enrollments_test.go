package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/fixtures"
)

// enrollmentOf is the id of the client record's enrollment in program.
func enrollmentOf(e *env, client int64, program string) int64 {
	return int64(e.count(`SELECT id FROM enrollments WHERE client_id = $1 AND program_code = $2 ORDER BY id DESC LIMIT 1`, client, program))
}

// Reassigning an enrollment's specialist checks the program's caseload cap
// for the specialist's role: Castillo (lead, cap 10) carries ten RCM
// clients and is refused with the count and the cap; Petrov (recovery
// specialist, cap 15) has room.
func TestReassignEnrollment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	williams := enrollmentOf(e, e.demo.Clients["Williams"], "RCM")
	path := itPath("/v1/enrollments/%d/reassign", williams)
	castillo, petrov := e.demo.Staff["Castillo"], e.demo.Staff["Petrov"]

	t.Run("at the cap: 409 caseload_full with the count and the cap, nothing written", func(t *testing.T) {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, path, map[string]any{"staff_id": castillo, "reason": "caseload balancing"}),
				http.StatusConflict, "caseload_full")
			assert.Contains(t, p["detail"], "carries 10 open RCM enrollments")
			assert.Contains(t, p["detail"], "lead_recovery_specialist is 10")
		})
	})
	for _, tc := range []struct {
		name, key string
		body      any
		status    int
		code      string
		field     string
	}{
		{name: "a role that does not carry RCM", key: keyHRA, body: map[string]any{"staff_id": e.demo.Staff["Okafor"], "reason": "x"},
			status: 422, code: "validation_failed", field: "staff_id"},
		{name: "another agency's staff", key: keyHRA, body: map[string]any{"staff_id": e.demo.Staff["Quinn"], "reason": "x"},
			status: 422, code: "validation_failed", field: "staff_id"},
		{name: "no such staff", key: keyHRA, body: map[string]any{"staff_id": 999999, "reason": "x"}, status: 422, code: "validation_failed", field: "staff_id"},
		{name: "no staff", key: keyHRA, body: map[string]any{"reason": "x"}, status: 422, code: "validation_failed", field: "staff_id"},
		{name: "no reason", key: keyHRA, body: map[string]any{"staff_id": petrov}, status: 422, code: "validation_failed", field: "reason"},
		{name: "blank reason", key: keyHRA, body: map[string]any{"staff_id": petrov, "reason": "  "}, status: 422, code: "validation_failed", field: "reason"},
		{name: "reason of invisible characters", key: keyHRA, body: map[string]any{"staff_id": petrov, "reason": "\u200b"}, status: 422,
			code: "validation_failed", field: "reason"},
		{name: "unknown field", key: keyHRA, body: map[string]any{"staff_id": petrov, "reason": "x", "cap": 99}, status: 400, code: "unknown_field"},
		{name: "wrong type", key: keyHRA, body: map[string]any{"staff_id": "Petrov", "reason": "x"}, status: 400, code: "wrong_type"},
		{name: "another agency's enrollment is a 404", key: keyBCS, body: map[string]any{"staff_id": petrov, "reason": "x"}, status: 404, code: "not_found"},
		{name: "reviewer may not", key: keyReviewer, body: map[string]any{"staff_id": petrov, "reason": "x"}, status: 403, code: "forbidden"},
		{name: "finance may not", key: keyFinance, body: map[string]any{"staff_id": petrov, "reason": "x"}, status: 403, code: "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(tc.key, path, tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, p), tc.field)
				}
			})
		})
	}
	requireProblem(t, e.post(keyHRA, "/v1/enrollments/999999/reassign", map[string]any{"staff_id": petrov, "reason": "x"}), 404, "not_found")

	t.Run("within the cap", func(t *testing.T) {
		r := e.post(keyHRA, path, map[string]any{"staff_id": petrov, "reason": "Castillo is at her cap"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, float64(petrov), r.JSON(t)["assigned_staff_id"])
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollment_reassignments WHERE enrollment_id = $1 AND from_staff_id IS NULL
			AND to_staff_id = $2 AND reason = 'Castillo is at her cap' AND caseload_after = 3 AND caseload_cap = 15`, williams, petrov))
		assert.Equal(t, 1, itAudit(e, "reassign", "enrollment", itStr(williams)))
		requireProblem(t, e.post(keyHRA, path, map[string]any{"staff_id": petrov, "reason": "again"}), http.StatusConflict, "already_assigned")
		// The agency reads each reassignment back with its reason.
		g := e.get(keyHRA, itPath("/v1/enrollments/%d", williams))
		require.Equal(t, http.StatusOK, g.Status)
		hist, _ := g.JSON(t)["history"].([]any)
		require.Len(t, hist, 1, "%s", g.Body)
		ev := hist[0].(map[string]any)
		assert.Equal(t, "reassigned", ev["kind"])
		assert.Equal(t, "Castillo is at her cap", ev["reason"])
		assert.Equal(t, float64(petrov), ev["to_staff_id"])
		assert.Equal(t, float64(3), ev["caseload_after"])
		assert.Equal(t, float64(15), ev["caseload_cap"])
	})
	t.Run("an admin may, an inactive specialist may not take it", func(t *testing.T) {
		_, err := e.db.ExecContext(t.Context(), `UPDATE staff SET active = false WHERE id = $1`, castillo)
		require.NoError(t, err)
		p := requireProblem(t, e.post(keyAdmin, path, map[string]any{"staff_id": castillo, "reason": "x"}), 422, "validation_failed")
		assert.Equal(t, "inactive", itFieldCode(p, "staff_id"))
	})
	t.Run("a discharged enrollment", func(t *testing.T) {
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", williams), map[string]any{"discharge_date": day(0), "reason_code": "moved"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"staff_id": castillo, "reason": "x"}), http.StatusConflict, "already_discharged")
	})
}

// Enrolling with an assigned staff member holds the role to the program's
// caseload caps as a reassignment does: a case manager may not carry RCM
// (a black-box pass enrolled one, and every voucher was then denied).
func TestEnrollmentStaffRoleMayCarryTheProgram(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	body := func(staff int64) map[string]any {
		return map[string]any{"client_id": client, "program_code": "RCM", "start_date": day(0), "assigned_staff_id": staff,
			"referral_source": "samss_meeting"}
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/enrollments", body(e.demo.Staff["Okafor"])), 422, "validation_failed")
		assert.Equal(t, "role_not_allowed", itFieldCode(p, "assigned_staff_id"))
		assert.Contains(t, fmt.Sprint(p["errors"]), "staff of role case_manager may not carry RCM enrollments")
		// Castillo (lead, cap 10) carries ten: an enrollment naming her is
		// refused as a reassignment to her is (a black-box pass took an
		// eleventh).
		p = requireProblem(t, e.post(keyHRA, "/v1/enrollments", body(e.demo.Staff["Castillo"])), http.StatusConflict, "caseload_full")
		assert.Contains(t, p["detail"], "carries 10 open RCM enrollments, the cap for a lead_recovery_specialist is 10")
	})
	r := e.post(keyHRA, "/v1/enrollments", body(e.demo.Staff["Petrov"]))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	// A program that caps no role takes any.
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(0),
		"assigned_staff_id": e.demo.Staff["Okafor"]})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// Two reassignments to a specialist with room for one, at once: one wins,
// the other is refused at the cap, and the caseload ends at the cap.
func TestReassignAtTheCapConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	petrov := e.demo.Staff["Petrov"]
	_, err := e.db.ExecContext(t.Context(), `UPDATE program_caseload_caps SET cap = 3 WHERE program_code = 'RCM' AND staff_role = 'recovery_specialist'`)
	require.NoError(t, err)
	var enrollments []int64
	for range 4 {
		client := itNewClient(t, e, keyHRA, "hartford")
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM", "start_date": day(-3),
			"referral_source": "samss_meeting"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		enrollments = append(enrollments, itID(t, r))
	}
	// Hold Petrov's row so the four requests queue up at once, then let
	// them go: each must count only after the one before it committed. (A
	// count taken before the lock would see 2 in all four, and all would pass.)
	hold, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer hold.Rollback() //nolint:errcheck
	_, err = hold.ExecContext(t.Context(), `SELECT 1 FROM staff WHERE id = $1 FOR UPDATE`, petrov)
	require.NoError(t, err)
	statuses := make([]int, len(enrollments))
	var wg sync.WaitGroup
	for i, id := range enrollments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", id), map[string]any{"staff_id": petrov, "reason": "new intake"}).Status
		}()
	}
	itAwaitLockWaiters(t, e, len(enrollments), "the reassignments")
	require.NoError(t, hold.Commit())
	wg.Wait()
	ok, full := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			full++
		}
	}
	assert.Equal(t, 1, ok, "statuses %v", statuses)
	assert.Equal(t, 3, full, "statuses %v", statuses)
	assert.Equal(t, 3, e.count(`SELECT count(*) FROM enrollments WHERE assigned_staff_id = $1 AND program_code = 'RCM' AND discharge_date IS NULL`, petrov))
}

// The primary case manager designation moves between agencies by the
// MSC's hand, both enrollments audited, and the voucher rule follows it.
func TestTransferPrimaryCaseManager(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
	bcsEnr := enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")
	path := itPath("/v1/enrollments/%d/transfer-primary", hraEnr)
	bcs := e.demo.Providers["BCS"]

	for _, tc := range []struct {
		name, key string
		path      string
		body      any
		status    int
		code      string
		field     string
	}{
		{name: "the sending provider may not", key: keyHRA, body: map[string]any{"to_provider_id": bcs, "reason": "x"}, status: 403, code: "forbidden"},
		{name: "the receiving provider may not", key: keyBCS, body: map[string]any{"to_provider_id": bcs, "reason": "x"}, status: 403, code: "forbidden"},
		{name: "finance may not", key: keyFinance, body: map[string]any{"to_provider_id": bcs, "reason": "x"}, status: 403, code: "forbidden"},
		{name: "neither target", key: keyReviewer, body: map[string]any{"reason": "x"}, status: 422, code: "validation_failed", field: "to_enrollment_id"},
		{name: "both targets", key: keyReviewer, body: map[string]any{"to_provider_id": bcs, "to_enrollment_id": bcsEnr, "reason": "x"},
			status: 422, code: "validation_failed", field: "to_provider_id"},
		{name: "no reason", key: keyReviewer, body: map[string]any{"to_provider_id": bcs}, status: 422, code: "validation_failed", field: "reason"},
		{name: "an agency without an open enrollment of the person", key: keyReviewer,
			body: map[string]any{"to_provider_id": e.demo.Providers["ECRA"], "reason": "x"}, status: 422, code: "validation_failed", field: "to_provider_id"},
		{name: "another person's enrollment", key: keyReviewer,
			body:   map[string]any{"to_enrollment_id": enrollmentOf(e, e.demo.Clients["Kim/BCS"], "ATR"), "reason": "x"},
			status: 422, code: "validation_failed", field: "to_enrollment_id"},
		{name: "the same agency", key: keyReviewer, body: map[string]any{"to_enrollment_id": hraEnr, "reason": "x"},
			status: 422, code: "validation_failed", field: "to_enrollment_id"},
		{name: "not the primary", key: keyReviewer, path: itPath("/v1/enrollments/%d/transfer-primary", bcsEnr),
			body: map[string]any{"to_provider_id": e.demo.Providers["HRA"], "reason": "x"}, status: 409, code: "not_primary"},
		{name: "no such enrollment", key: keyAdmin, path: "/v1/enrollments/999999/transfer-primary",
			body: map[string]any{"to_provider_id": bcs, "reason": "x"}, status: 404, code: "not_found"},
		{name: "unknown field", key: keyAdmin, body: map[string]any{"to_provider_id": bcs, "reason": "x", "force": true}, status: 400, code: "unknown_field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := path
			if tc.path != "" {
				p = tc.path
			}
			itNothingWritten(t, e, func() {
				pr := requireProblem(t, e.post(tc.key, p, tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, pr), tc.field)
				}
			})
		})
	}

	// Before: HRA may request case management (primary), BCS may not.
	codes := func(key string, client int64) []any {
		v := itVoucher(t, e, key, client, "ATR-CM", 8, 0, 20)
		c, _ := v["reason_codes"].([]any)
		return c
	}
	assert.NotContains(t, codes(keyBCS, e.demo.Clients["Moreau/BCS"]), "PART2_CONSENT_MISSING")
	assert.Contains(t, codes(keyBCS, e.demo.Clients["Moreau/BCS"]), "NOT_PRIMARY_CASE_MANAGER")

	r := e.post(keyReviewer, path, map[string]any{"to_provider_id": bcs, "reason": "client moved to Bridgeport; BCS takes the lead"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	out := r.JSON(t)
	from, to := out["from"].(map[string]any), out["to"].(map[string]any)
	assert.Equal(t, float64(hraEnr), from["id"])
	assert.Equal(t, false, from["primary_case_manager"])
	assert.Equal(t, float64(bcsEnr), to["id"])
	assert.Equal(t, true, to["primary_case_manager"])
	assert.Equal(t, 1, itAudit(e, "transfer_primary", "enrollment", itStr(hraEnr)), "the sending side is audited")
	assert.Equal(t, 1, itAudit(e, "transfer_primary", "enrollment", itStr(bcsEnr)), "the receiving side is audited")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'transfer_primary' AND entity_id = $1 AND client_id = $2`,
		itStr(bcsEnr), e.demo.Clients["Moreau/BCS"]))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM primary_case_manager_transfers WHERE from_enrollment_id = $1 AND to_enrollment_id = $2`, hraEnr, bcsEnr))

	// After: the rule follows the designation.
	assert.NotContains(t, codes(keyBCS, e.demo.Clients["Moreau/BCS"]), "NOT_PRIMARY_CASE_MANAGER")
	assert.Contains(t, codes(keyHRA, e.demo.Clients["Moreau/HRA"]), "NOT_PRIMARY_CASE_MANAGER")
	// And HRA no longer holds it to give away.
	p := requireProblem(t, e.post(keyAdmin, path, map[string]any{"to_provider_id": bcs, "reason": "again"}), http.StatusConflict, "not_primary")
	// Naming the holder, as an outranked sender's refusal does (a re-check
	// read only who did not hold it).
	assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d does; transfer from it", bcsEnr))

	// What an HRA key reads of its own enrollment says nothing of BCS:
	// not the transfer either, which the MSC's roles read with its reason.
	g := e.get(keyHRA, itPath("/v1/enrollments/%d", hraEnr))
	require.Equal(t, http.StatusOK, g.Status)
	assert.NotContains(t, string(g.Body), fmt.Sprintf(`"provider_id":%d`, bcs))
	assert.NotContains(t, string(g.Body), "transferred")
	assert.NotContains(t, string(g.Body), "Bridgeport")
	g = e.get(keyReviewer, itPath("/v1/enrollments/%d", hraEnr))
	require.Equal(t, http.StatusOK, g.Status)
	hist, _ := g.JSON(t)["history"].([]any)
	require.Len(t, hist, 1, "%s", g.Body)
	ev := hist[0].(map[string]any)
	assert.Equal(t, "primary_transferred_out", ev["kind"])
	assert.Equal(t, "client moved to Bridgeport; BCS takes the lead", ev["reason"])
	assert.Equal(t, float64(bcsEnr), ev["other_enrollment_id"])
	g = e.get(keyAdmin, itPath("/v1/enrollments/%d", bcsEnr))
	require.Equal(t, http.StatusOK, g.Status)
	hist, _ = g.JSON(t)["history"].([]any)
	require.Len(t, hist, 1, "%s", g.Body)
	assert.Equal(t, "primary_transferred_in", hist[0].(map[string]any)["kind"])
}

// Discharges carry a code from the reference table (generic, or the
// program's own such as the RSVP family outcomes); an unknown or another
// program's code is a 422 that writes nothing.
func TestDischargeReasonCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := itItems(t, e.get(keyHRA, "/v1/discharge-reasons"))
	byCode := map[string]map[string]any{}
	for _, r := range all {
		byCode[r["code"].(string)] = r
	}
	for _, c := range []string{"completed", "left_against_advice", "moved", "incarcerated", "deceased", "transferred", "other"} {
		require.Contains(t, byCode, c)
		assert.Nil(t, byCode[c]["program_code"], "%s applies to every program", c)
	}
	for _, c := range []string{"rsvp_reunified", "rsvp_custody_retained"} {
		require.Contains(t, byCode, c)
		assert.Equal(t, "RSVP", byCode[c]["program_code"])
	}
	for _, r := range itItems(t, e.get(keyReviewer, "/v1/discharge-reasons?program_code=ATR")) {
		assert.False(t, strings.HasPrefix(r["code"].(string), "rsvp_"), "ATR does not see RSVP's outcomes")
	}
	requireProblem(t, e.get(keyHRA, "/v1/discharge-reasons?program_code=NOPE"), 422, "validation_failed")

	reyes := enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP")
	rivera := enrollmentOf(e, e.demo.Clients["Rivera"], "ATR")
	for _, tc := range []struct {
		name, key string
		enr       int64
		body      map[string]any
		status    int
		code      string
		field     string
	}{
		{name: "unknown code", key: keyBCS, enr: reyes, body: map[string]any{"discharge_date": day(0), "reason_code": "graduated"},
			status: 422, code: "validation_failed", field: "reason_code"},
		{name: "another program's code", key: keyHRA, enr: rivera, body: map[string]any{"discharge_date": day(0), "reason_code": "rsvp_reunified"},
			status: 422, code: "validation_failed", field: "reason_code"},
		{name: "neither code nor note", key: keyHRA, enr: rivera, body: map[string]any{"discharge_date": day(0)},
			status: 422, code: "validation_failed", field: "reason_code"},
		// "Other (see the discharge note)" says why in the note (it was
		// taken with none: a lifecycle black-box pass).
		{name: "other with no note", key: keyHRA, enr: rivera, body: map[string]any{"discharge_date": day(0), "reason_code": "other"},
			status: 422, code: "validation_failed", field: "reason"},
		{name: "other with a blank note", key: keyHRA, enr: rivera, body: map[string]any{"discharge_date": day(0), "reason_code": "other",
			"reason": "  "}, status: 422, code: "validation_failed", field: "reason"},
		{name: "another agency's enrollment", key: keyHRA, enr: reyes, body: map[string]any{"discharge_date": day(0), "reason_code": "completed"},
			status: 404, code: "not_found"},
		{name: "code of the wrong type", key: keyHRA, enr: rivera, body: map[string]any{"discharge_date": day(0), "reason_code": 7},
			status: 400, code: "wrong_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(tc.key, itPath("/v1/enrollments/%d/discharge", tc.enr), tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, p), tc.field)
				}
			})
		})
	}

	r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", reyes), map[string]any{"discharge_date": day(0), "reason_code": "rsvp_reunified",
		"reason": "children home since the court review"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "rsvp_reunified", r.JSON(t)["discharge_reason_code"])
	assert.Equal(t, "children home since the court review", r.JSON(t)["discharge_reason"])
	assert.Equal(t, 1, itAudit(e, "discharge", "enrollment", itStr(reyes)))

	// A note alone, as clients sent before codes, is coded other.
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", rivera), map[string]any{"discharge_date": day(0), "reason": "moved to Ohio"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "other", r.JSON(t)["discharge_reason_code"])
}

// Medicaid eligibility is dated: a voucher is cut where eligibility ends
// and denied where it has not begun, a claim line on a date without
// eligibility is denied 27 (after it ended), a line under another Medicaid
// id than the claim bills is denied 16/N382, and the 837P carries the id
// in force on the claim's dates, not the one on file today.
func TestMedicaidEligibilitySpans(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dubois := e.demo.Clients["Dubois"]
	base := itPath("/v1/clients/%d/eligibility", dubois)
	spans := itItems(t, e.get(keyECRA, base))
	require.Len(t, spans, 1)
	span := int64(spans[0]["id"].(float64))
	assert.Equal(t, "CT10000001", spans[0]["medicaid_id"])
	assert.Nil(t, spans[0]["end_date"])
	assert.Positive(t, itAudit(e, "read", "client_eligibility", itStr(dubois)))
	require.Len(t, itItems(t, e.get(keyReviewer, base)), 1, "the MSC reads")
	requireProblem(t, e.get(keyHRA, base), 404, "not_found")

	// A voucher before any change: approved over the whole span.
	v := itVoucher(t, e, keyECRA, dubois, "MHW-RA", 40, -10, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)

	for _, tc := range []struct {
		name, key, path string
		body            any
		status          int
		code            string
		field           string
	}{
		{name: "overlapping span", key: keyECRA, path: base, body: map[string]any{"medicaid_id": "CT10000002", "start_date": day(-5)},
			status: 409, code: "eligibility_overlap"},
		{name: "no medicaid id", key: keyECRA, path: base, body: map[string]any{"start_date": day(400)}, status: 422, code: "validation_failed", field: "medicaid_id"},
		{name: "bad medicaid id", key: keyECRA, path: base, body: map[string]any{"medicaid_id": "12-34", "start_date": day(400)},
			status: 422, code: "validation_failed", field: "medicaid_id"},
		{name: "end before start", key: keyECRA, path: base, body: map[string]any{"medicaid_id": "CT10000002", "start_date": day(400), "end_date": day(399)},
			status: 422, code: "validation_failed", field: "end_date"},
		{name: "no start", key: keyECRA, path: base, body: map[string]any{"medicaid_id": "CT10000002"}, status: 422, code: "validation_failed", field: "start_date"},
		{name: "unknown field", key: keyECRA, path: base, body: map[string]any{"medicaid_id": "CT10000002", "start_date": day(400), "plan": "x"},
			status: 400, code: "unknown_field"},
		{name: "another agency's client", key: keyHRA, path: base, body: map[string]any{"medicaid_id": "CT10000002", "start_date": day(30)},
			status: 404, code: "not_found"},
		{name: "a reviewer may not write", key: keyReviewer, path: base, body: map[string]any{"medicaid_id": "CT10000002", "start_date": day(30)},
			status: 403, code: "forbidden"},
		{name: "end: another agency's client", key: keyHRA, path: itPath("%s/%d/end", base, span), body: map[string]any{"end_date": day(-3)},
			status: 404, code: "not_found"},
		{name: "end: another client's span", key: keyECRA, path: itPath("/v1/clients/%d/eligibility/%d/end", e.demo.Clients["Silva"], span),
			body: map[string]any{"end_date": day(-3)}, status: 404, code: "not_found"},
		{name: "end: before its start", key: keyECRA, path: itPath("%s/%d/end", base, span), body: map[string]any{"end_date": "2000-01-01"},
			status: 422, code: "validation_failed", field: "end_date"},
		{name: "end: no date", key: keyECRA, path: itPath("%s/%d/end", base, span), body: map[string]any{}, status: 422, code: "validation_failed", field: "end_date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(tc.key, tc.path, tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, p), tc.field)
				}
			})
		})
	}

	// The overlap names the span to end (a black-box pass).
	p := requireProblem(t, e.post(keyECRA, base, map[string]any{"medicaid_id": "CT10000002", "start_date": day(-5)}),
		http.StatusConflict, "eligibility_overlap")
	assert.Contains(t, p["detail"], itPath("span %d", span))

	// Eligibility ended three days ago.
	r := e.post(keyECRA, itPath("%s/%d/end", base, span), map[string]any{"end_date": day(-3)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(-3), r.JSON(t)["end_date"])
	assert.Equal(t, 1, itAudit(e, "end", "client_eligibility", itStr(span)))
	requireProblem(t, e.post(keyAdmin, itPath("%s/%d/end", base, span), map[string]any{"end_date": day(5)}), http.StatusConflict, "already_ended")

	// A voucher over the end is cut at it; one starting after it is denied.
	v = itVoucher(t, e, keyECRA, dubois, "MHW-RA", 20, -6, 20)
	assert.Equal(t, "partial", v["decision"], "%v", v)
	assert.Equal(t, day(-3), v["granted_end"])
	assert.Contains(t, v["reason_codes"], "SPAN_PAST_MEDICAID_ELIGIBILITY")
	v = itVoucher(t, e, keyECRA, dubois, "MHW-RA", 20, -1, 20)
	assert.Equal(t, "denied", v["decision"], "%v", v)
	assert.Contains(t, v["reason_codes"], "MEDICAID_NOT_ELIGIBLE")

	// Renewed eligibility, under a new Medicaid id, from yesterday.
	r = e.post(keyECRA, base, map[string]any{"medicaid_id": "ct10000099", "start_date": day(-1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "CT10000099", r.JSON(t)["medicaid_id"])
	assert.Equal(t, "api", r.JSON(t)["source"])
	assert.Equal(t, 1, itAudit(e, "create", "client_eligibility", itStr(itID(t, r))))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM clients WHERE id = $1 AND medicaid_id = 'CT10000099'`, dubois), "the newest span's id is on file")

	kowalski := e.demo.Staff["Kowalski"]
	claim := func(number string, days ...int) map[string]any {
		lines := []any{}
		for _, d := range days {
			lines = append(lines, map[string]any{"service_code": "MHW-RA", "date_of_service": day(d), "units": 2, "charge": "14.50"})
		}
		r := e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": dubois, "rendering_staff_id": kowalski,
			"place_of_service": "12", "diagnoses": []string{"F33.1"}, "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	adj := func(l any) map[string]any {
		a := l.(map[string]any)["adjustments"].([]any)
		require.Len(t, a, 1)
		return a[0].(map[string]any)
	}
	// A line inside the first span is paid; one in the gap is denied 27.
	c := claim("EL-1", -4, -2)
	lines := c["lines"].([]any)
	assert.Equal(t, "paid", lines[0].(map[string]any)["status"], "%v", c)
	assert.Equal(t, "denied", lines[1].(map[string]any)["status"], "%v", c)
	a := adj(lines[1])
	assert.Equal(t, "CLAIM_AFTER_MEDICAID_ELIGIBILITY", a["code"])
	assert.Equal(t, "27", a["carc"])
	assert.Equal(t, "N30", a["rarc"])
	assert.NotEmpty(t, a["text"])
	// A line under the new id, on a claim whose first date bills the old one: 16/N382.
	c = claim("EL-2", -5, 0)
	lines = c["lines"].([]any)
	assert.Equal(t, "paid", lines[0].(map[string]any)["status"], "%v", c)
	a = adj(lines[1])
	assert.Equal(t, "CLAIM_MEDICAID_ID_CHANGED", a["code"])
	assert.Equal(t, "16", a["carc"])
	assert.Equal(t, "N382", a["rarc"])

	// The 837P bills the id in force on the claims' dates, not today's.
	b := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, b.Status, "%s", b.Body)
	file := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", itID(t, b)))
	require.Equal(t, http.StatusOK, file.Status, "%s", file.Body)
	assert.Contains(t, string(file.Body), "NM1*IL*1*Dubois*Noor****MI*CT10000001~")
	assert.NotContains(t, string(file.Body), "CT10000099")
}

// A Medicaid id given at registration opens an eligibility span from the
// first day of the third month before (Medicaid's retroactive coverage).
func TestRegistrationOpensEligibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, last := itPerson("Elig")
	r := e.post(keyECRA, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1980-02-02",
		"medicaid_id": "CT88800001", "catchment_area": "waterbury"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	spans := itItems(t, e.get(keyECRA, itPath("/v1/clients/%d/eligibility", itID(t, r))))
	require.Len(t, spans, 1)
	assert.Equal(t, "registration", spans[0]["source"])
	assert.Equal(t, "CT88800001", spans[0]["medicaid_id"])
	assert.Nil(t, spans[0]["end_date"])
	today := fixtures.TestToday
	start := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
	assert.Equal(t, start.Format("2006-01-02"), spans[0]["start_date"])

	// Without an id, no span.
	noID := itNewClient(t, e, keyECRA, "waterbury")
	assert.Empty(t, itItems(t, e.get(keyECRA, itPath("/v1/clients/%d/eligibility", noID))))
}

// The new endpoints' real answers hold to the document.
func TestEnrollmentEndpointsMatchOpenAPI(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	check := func(c oaCall) { t.Helper(); oaValidate(t, e, doc, router, c) }
	dubois := e.demo.Clients["Dubois"]
	check(oaCall{name: "discharge reasons", method: http.MethodGet, path: "/v1/discharge-reasons?program_code=RSVP", key: keyBCS, want: http.StatusOK})
	check(oaCall{name: "eligibility", method: http.MethodGet, path: itPath("/v1/clients/%d/eligibility", dubois), key: keyECRA, want: http.StatusOK})
	check(oaCall{name: "add eligibility", method: http.MethodPost, path: itPath("/v1/clients/%d/eligibility", e.demo.Clients["Hughes"]), key: keyECRA,
		body: map[string]any{"medicaid_id": "CT10000002", "start_date": day(-30), "end_date": day(30)}, want: http.StatusCreated})
	span := e.count(`SELECT id FROM client_eligibility WHERE client_id = $1`, dubois)
	check(oaCall{name: "end eligibility", method: http.MethodPost, path: itPath("/v1/clients/%d/eligibility/%d/end", dubois, span), key: keyECRA,
		body: map[string]any{"end_date": day(0)}, want: http.StatusOK})
	check(oaCall{name: "overlap", method: http.MethodPost, path: itPath("/v1/clients/%d/eligibility", dubois), key: keyECRA,
		body: map[string]any{"medicaid_id": "CT10000001", "start_date": day(-1)}, want: http.StatusConflict})
	check(oaCall{name: "reassign", method: http.MethodPost, path: itPath("/v1/enrollments/%d/reassign", enrollmentOf(e, e.demo.Clients["Williams"], "RCM")),
		key: keyHRA, body: map[string]any{"staff_id": e.demo.Staff["Petrov"], "reason": "room on the caseload"}, want: http.StatusOK})
	check(oaCall{name: "caseload full", method: http.MethodPost, path: itPath("/v1/enrollments/%d/reassign", enrollmentOf(e, e.demo.Clients["Torres"], "RCM")),
		key: keyAdmin, body: map[string]any{"staff_id": e.demo.Staff["Castillo"], "reason": "x"}, want: http.StatusConflict})
	check(oaCall{name: "transfer primary", method: http.MethodPost,
		path: itPath("/v1/enrollments/%d/transfer-primary", enrollmentOf(e, e.demo.Clients["Kim/HRA"], "ATR")), key: keyAdmin,
		body: map[string]any{"to_enrollment_id": enrollmentOf(e, e.demo.Clients["Kim/BCS"], "ATR"), "reason": "BCS leads"}, want: http.StatusCreated})
	check(oaCall{name: "coded discharge", method: http.MethodPost, path: itPath("/v1/enrollments/%d/discharge", enrollmentOf(e, e.demo.Clients["Reyes"], "RSVP")),
		key: keyBCS, body: map[string]any{"discharge_date": day(0), "reason_code": "rsvp_custody_retained"}, want: http.StatusOK})
}

// When the receiving agency had marked its own enrollment primary too (the
// first designation outranked it), the transfer still answers and audits
// both sides, and afterwards one agency holds the designation.
func TestTransferPrimaryToAnEnrollmentAlreadyMarked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Kim/HRA"], "ATR")
	bcsEnr := enrollmentOf(e, e.demo.Clients["Kim/BCS"], "ATR")
	_, err := e.db.ExecContext(t.Context(), `UPDATE enrollments SET primary_case_manager = true WHERE id = $1`, bcsEnr)
	require.NoError(t, err)
	// A reason that shows nothing is none (it was taken).
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, itPath("/v1/enrollments/%d/transfer-primary", hraEnr),
			map[string]any{"to_enrollment_id": bcsEnr, "reason": "\u200b\u00ad"}), http.StatusUnprocessableEntity, "validation_failed")
	})
	r := e.post(keyAdmin, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_enrollment_id": bcsEnr, "reason": "BCS leads"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	out := r.JSON(t)
	assert.Equal(t, float64(bcsEnr), out["to"].(map[string]any)["id"])
	assert.Equal(t, true, out["to"].(map[string]any)["primary_case_manager"])
	assert.Equal(t, false, out["from"].(map[string]any)["primary_case_manager"])
	assert.Equal(t, 1, itAudit(e, "transfer_primary", "enrollment", itStr(hraEnr)))
	assert.Equal(t, 1, itAudit(e, "transfer_primary", "enrollment", itStr(bcsEnr)))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments e JOIN clients c ON c.id = e.client_id
		WHERE c.person_id = (SELECT person_id FROM clients WHERE id = $1) AND e.program_code = 'ATR' AND e.primary_case_manager
		AND e.discharge_date IS NULL`, e.demo.Clients["Kim/HRA"]))
}

// The sender of a transfer must hold the designation as the rules read it,
// and so must an enrollment a designation calls already primary:
// an enrollment the first designation outranked carries the flag too, and
// a transfer "from" it took the designation from the agency that held it,
// whose enrollment kept no history of it (an enrollment black-box pass).
func TestTransferPrimaryFromAnOutrankedEnrollmentIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Kim/HRA"], "ATR")
	bcsEnr := enrollmentOf(e, e.demo.Clients["Kim/BCS"], "ATR")
	require.Less(t, hraEnr, bcsEnr, "HRA's designation is the first")
	_, err := e.db.ExecContext(t.Context(), `UPDATE enrollments SET primary_case_manager = true WHERE id = $1`, bcsEnr)
	require.NoError(t, err)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", bcsEnr),
			map[string]any{"to_enrollment_id": hraEnr, "reason": "move it"}), http.StatusConflict, "not_primary")
		assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d, designated first, does", hraEnr))
		// Nor is it designated "already": the holder is named, as for one
		// whose flag is unset (it read already_primary while its agency's
		// requests were denied NOT_PRIMARY_CASE_MANAGER: a new-user pass).
		p = requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", bcsEnr),
			map[string]any{"reason": "make it so"}), http.StatusConflict, "primary_held")
		assert.Contains(t, p["detail"], fmt.Sprintf("enrollment %d holds", hraEnr))
		requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", hraEnr),
			map[string]any{"reason": "make it so"}), http.StatusConflict, "already_primary")
	})
	assert.Equal(t, 2, e.count(`SELECT count(*) FROM enrollments WHERE id IN ($1, $2) AND primary_case_manager`, hraEnr, bcsEnr))
}

// A new enrollment starting before the day the client's last one in the
// program ended would give one person two spans at once (counted twice in
// the caseload, each with its own stage): 409 enrollment_overlaps, nothing
// written. Starting on that day (a re-enrollment) or after goes through.
func TestEnrollmentOverlappingTheLastRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itNewClient(t, e, keyHRA, "hartford")
	enroll := func(start string) resp {
		return e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": start})
	}
	r := enroll(day(-20))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", itID(t, r)), map[string]any{"discharge_date": day(-10), "reason_code": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, start := range []string{day(-15), day(-11), day(-30)} {
		itNothingWritten(t, e, func() { requireProblem(t, enroll(start), http.StatusConflict, "enrollment_overlaps") })
	}
	r = enroll(day(-10))
	require.Equal(t, http.StatusCreated, r.Status, "the day it ended: %s", r.Body)
}

// A discharge and a new enrollment starting before its date, sent at
// once: the new one is refused either way (409 enrollment_exists while the
// old one is open, enrollment_overlaps once its discharge is seen), never
// created overlapping it; over ten clients, so the race is run.
func TestEnrollmentOverlapWithADischargeAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 10 {
		c := itNewClient(t, e, keyHRA, "hartford")
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": day(-20)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		first := itID(t, r)
		var discharged, created resp
		atOnce(func() {
			discharged = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(-10), "reason_code": "moved"})
		}, func() {
			created = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": day(-15)})
		})
		require.Equal(t, http.StatusOK, discharged.Status, "round %d: %s", round, discharged.Body)
		require.Equal(t, http.StatusConflict, created.Status, "round %d: %s", round, created.Body)
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE client_id = $1`, c), "round %d", round)
	}
}

// A voucher request and a discharge of the same enrollment sent at once
// both answer (no deadlock, no 500): the request holds the enrollment
// before it locks the episode, in the order the discharge takes them.
func TestVoucherRequestWithADischargeAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 8 {
		a := itATRClient(t, e, day(-20))
		// One authorization already, so the discharge has something to end.
		itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 4, -5, 20)
		var discharged, requested resp
		atOnce(func() {
			discharged = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", a.Enrollment), map[string]any{"discharge_date": day(0),
				"reason_code": "completed"})
		}, func() {
			requested = e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": a.Client, "service_code": "ATR-TR",
				"units": 4, "start_date": day(0), "end_date": day(20)})
		})
		require.Equal(t, http.StatusOK, discharged.Status, "round %d: %s", round, discharged.Body)
		require.Less(t, requested.Status, 500, "round %d: %s", round, requested.Body)
		// Whatever the order, no authorization outlives the discharge.
		assert.Zero(t, e.count(`SELECT count(*) FROM authorizations WHERE enrollment_id = $1 AND voided_at IS NULL AND end_date > $2`,
			a.Enrollment, day(0)), "round %d", round)
	}
}

// A claim and a discharge of the same enrollment sent at once both answer
// (no deadlock, no 500).
func TestClaimWithADischargeAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 8 {
		a := itATRClient(t, e, day(-20))
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 8, -10, 20)
		require.Equal(t, "approved", v["decision"], "%v", v)
		var discharged, claimed resp
		atOnce(func() {
			discharged = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", a.Enrollment), map[string]any{"discharge_date": day(0),
				"reason_code": "completed"})
		}, func() {
			claimed = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("DC-%d", round), "client_id": a.Client,
				"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
				"lines": []map[string]any{cmLine(day(-2), 2, "30.00")}})
		})
		require.Equal(t, http.StatusOK, discharged.Status, "round %d: %s", round, discharged.Body)
		require.Less(t, claimed.Status, 500, "round %d: %s", round, claimed.Body)
	}
}

// atOnce runs fs at the same time and returns when all have.
func atOnce(fs ...func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// An enrollment opens (or joins) the person's episode for every agency:
// one in a program the agency does not deliver (HRA in RSVP), or starting
// in 2999, was taken (a black-box pass); refused, nothing written. A
// start a year ahead is the furthest taken.
func TestEnrollmentInAProgramTheAgencyDeliversAndWithinAYear(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	enroll := func(program, start string) resp {
		return e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": program, "start_date": start,
			"referral_source": "self"})
	}
	for _, c := range []struct{ program, start, field, code string }{
		{"RSVP", day(0), "program_code", "not_offered"},
		{"EMP", "2999-12-31", "start_date", "out_of_range"},
		{"EMP", day(367), "start_date", "out_of_range"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, enroll(c.program, c.start), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%s %s: %v", c.program, c.start, p)
		})
	}
	r := enroll("EMP", day(366))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// An episode opens at its earliest enrollment: another agency enrolling
// the person from an earlier day moves the opening back (it kept the
// later day, a black-box pass); a later one leaves it.
func TestEpisodeOpensAtItsEarliestEnrollment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := identityOf(t, e, e.demo.Clients["Rivera"])
	r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": rivera.First, "last_name": rivera.Last,
		"date_of_birth": rivera.DOB.String(), "catchment_area": "bridgeport", "gender": "U"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	client := itID(t, r)
	var episode int64
	var opened rss.Date
	require.NoError(t, e.db.QueryRow(`SELECT e.id, e.opened_on FROM episodes e JOIN enrollments n ON n.episode_id = e.id
		WHERE n.client_id = $1 AND e.closed_on IS NULL`, e.demo.Clients["Rivera"]).Scan(&episode, &opened))
	earlier := opened.AddDays(-3)
	r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": earlier.String()})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var now rss.Date
	require.NoError(t, e.db.Get(&now, `SELECT opened_on FROM episodes WHERE id = $1`, episode))
	assert.Equal(t, earlier, now)
}

// A role change is held to the new role's caseload cap as a reassignment
// is: Castillo (lead, cap 10, ten RCM clients) made a recovery specialist
// (cap 15) takes an eleventh, and may not be made a lead again while he
// carries eleven, nor given a role RCM does not let carry any (a black-box
// pass left a caseload of 11 against 10).
func TestRoleChangeWithinCaseloadCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	castillo := e.demo.Staff["Castillo"]
	staff := itPath("/v1/staff/%d", castillo)
	r := e.patch(keyHRA, staff, map[string]any{"role": "recovery_specialist"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", enrollmentOf(e, e.demo.Clients["Williams"], "RCM")),
		map[string]any{"staff_id": castillo, "reason": "caseload balancing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		// Each names the count, the cap or that the role may carry none,
		// and the program, as a reassignment's refusal does (a staff
		// black-box pass of the forty-seventh stop: they named none).
		p := requireProblem(t, e.patch(keyHRA, staff, map[string]any{"role": "lead_recovery_specialist"}), http.StatusConflict, "caseload_full")
		assert.Equal(t, fmt.Sprintf("staff %d carries 11 open RCM enrollments, the cap for a lead_recovery_specialist is 10; reassign 1 first", castillo), p["detail"])
		p = requireProblem(t, e.patch(keyHRA, staff, map[string]any{"role": "case_manager"}), http.StatusConflict, "caseload_full")
		assert.Contains(t, p["detail"], "carries 11 open RCM enrollments, and a case_manager may carry none in RCM")
	})
	assert.Equal(t, "recovery_specialist", e.get(keyHRA, staff).JSON(t)["role"])
	r = e.patch(keyHRA, staff, map[string]any{"first_name": "Luis"})
	assert.Equal(t, http.StatusOK, r.Status, "other changes still pass: %s", r.Body)
}

// The designation does not move to an agency out of service: it could be
// given no voucher (V02), so the person was left with no agency whose case
// management could be authorized (a black-box pass).
func TestTransferPrimaryToADeactivatedAgencyIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
	bcs := e.demo.Providers["BCS"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "agreement ended"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr),
			map[string]any{"to_provider_id": bcs, "reason": "client moved"}), http.StatusConflict, "provider_deactivated")
	})
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND primary_case_manager`, hraEnr))
}

// A GPRA interview naming an enrollment that is not the client's with this
// agency says so: "this agency has no enrollment of the client" read wrong
// to an agency that has one (a black-box pass). Another agency's id and an
// unused one answer alike.
func TestGPRAInterviewNamingAnotherEnrollment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, id := range []int64{enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR"), 999999} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyBCS, "/v1/gpra-interviews", map[string]any{"client_id": e.demo.Clients["Moreau/BCS"],
				"enrollment_id": id, "kind": "follow_up", "instrument": "SUPRT-2025", "status": "not_conducted",
				"not_conducted_reason": "refused", "interview_date": day(0)}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "unknown_id", itFieldCode(p, "enrollment_id"))
			assert.Contains(t, p["errors"].([]any)[0].(map[string]any)["message"], fmt.Sprintf("no enrollment %d of this client", id))
		})
	}
}

// A stay cannot start before the agency's first agreement, nor plan its
// end a century out: a black-box pass took 2001 (its 25 years skewed the
// length-of-service report and pended every voucher) and 2999.
func TestEnrollmentDatesAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	enroll := func(start string, extra ...any) resp {
		return e.post(keyHRA, "/v1/enrollments", itWith(map[string]any{"client_id": client, "program_code": "RCM", "start_date": start,
			"referral_source": "samss_meeting"}, extra...))
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, enroll("2001-01-01"), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "before_agreement", itFieldCode(p, "start_date"))
		p = requireProblem(t, enroll(day(0), "planned_end_date", "2999-11-01"), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "planned_end_date"))
	})
	r := enroll(day(0), "planned_end_date", day(365))
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A stay entered with a start ahead of today (a mistyped year) is
// withdrawn before it begins: no discharge can end it (not in the future,
// not before its start), and it held the program against the client's
// real enrollment until then (a black-box pass). Withdrawn, it is as if
// never made; a stay that began, or one with records kept against it, is
// discharged instead.
func TestEnrollmentNotYetBegunIsWithdrawn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	enroll := func(start string) resp {
		return e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM", "start_date": start,
			"referral_source": "samss_meeting"})
	}
	r := enroll(day(300)) // meant day(0)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	future := itID(t, r)
	p := requireProblem(t, enroll(day(0)), http.StatusConflict, "enrollment_exists")
	assert.Equal(t, map[string]any{"type": "enrollment", "id": float64(future)}, p["existing"], "the conflict names the open enrollment")
	withdraw := func(key string, id int64, body map[string]any) resp {
		return e.post(key, itPath("/v1/enrollments/%d/withdraw", id), body)
	}
	itNothingWritten(t, e, func() {
		requireProblem(t, withdraw(keyHRA, future, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, withdraw(keyBCS, future, map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
		requireProblem(t, withdraw(keyReviewer, future, map[string]any{"reason": "x"}), http.StatusForbidden, "forbidden")
		begun := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
		requireProblem(t, withdraw(keyHRA, begun, map[string]any{"reason": "x"}), http.StatusConflict, "already_begun")
	})
	r = withdraw(keyHRA, future, map[string]any{"reason": "entered with the wrong year"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, float64(future), r.JSON(t)["id"])
	requireProblem(t, e.get(keyHRA, itPath("/v1/enrollments/%d", future)), http.StatusNotFound, "not_found")
	assert.Equal(t, 1, itAudit(e, "withdraw", "enrollment", itStr(future)))
	assert.Zero(t, e.count(`SELECT count(*) FROM episodes p
		WHERE p.opened_on > $1 AND p.person_id = (SELECT person_id FROM clients WHERE id = $2)`, day(0), client),
		"the episode it alone opened goes with it")
	r = enroll(day(0))
	require.Equal(t, http.StatusCreated, r.Status, "the real stay: %s", r.Body)

	// A stay ahead of today with a record kept against it stays.
	other := itNewClient(t, e, keyHRA, "hartford")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": other, "program_code": "RCM", "start_date": day(30),
		"referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	kept := itID(t, r)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", kept), map[string]any{"staff_id": e.demo.Staff["Petrov"], "reason": "x"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, withdraw(keyHRA, kept, map[string]any{"reason": "x"}), http.StatusConflict, "enrollment_in_use")
	})
}

// A stay withdrawn from an episode another agency's stay holds, discharged
// since, leaves the episode closed as of that discharge, as if it had never
// been made: it stayed open with no stay, and the next enrollment took on
// its caps and money (a re-check).
func TestWithdrawnStayClosesTheEpisodeItKeptOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	person := map[string]any{"first_name": "Wanda", "last_name": "Withdrawn", "date_of_birth": "1975-05-05", "catchment_area": "hartford"}
	r := e.post(keyBCS, "/v1/clients", person)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	atBCS := itID(t, r)
	r = e.post(keyHRA, "/v1/clients", person)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	atHRA := itID(t, r)
	r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": atBCS, "program_code": "ATR", "start_date": day(-14)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	bcsStay := itID(t, r)
	episodeOf := func(enrollment int64) int {
		return e.count(`SELECT episode_id::int FROM enrollments WHERE id = $1`, enrollment)
	}
	episode := episodeOf(bcsStay)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": atHRA, "program_code": "ATR", "start_date": day(40)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	hraFuture := itID(t, r)
	require.Equal(t, episode, episodeOf(hraFuture), "it joins the open episode")
	r = e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", bcsStay), map[string]any{"discharge_date": day(-1), "reason": "left"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/withdraw", hraFuture), map[string]any{"reason": "never came"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on = $2`, episode, day(-1)),
		"closed as of the last discharge")
	// After a day's break (a stay begun the day after the last ended goes
	// on in its episode).
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": atHRA, "program_code": "ATR", "start_date": day(1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.NotEqual(t, episode, episodeOf(itID(t, r)), "a new stay opens a new episode")
}

// An agency that enrolled the client in ATR without primary_case_manager
// had every case management request denied NOT_PRIMARY_CASE_MANAGER, and
// nothing could mend it: a transfer needs an enrollment that holds the
// designation, none did, and discharging to enroll again lost the GPRA
// intake (a black-box pass). The MSC now designates an open enrollment
// primary when no open enrollment of the person in the program holds it;
// where one does, the designation moves by a transfer, as before.
func TestDesignatePrimaryWhenNoneHoldsIt(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	enr := enrollmentOf(e, rivera, "ATR")
	_, err = e.db.ExecContext(t.Context(), `UPDATE enrollments SET primary_case_manager = false WHERE id = $1`, enr)
	require.NoError(t, err)
	codes := func(key string, client int64) []any {
		v := itVoucher(t, e, key, client, "ATR-CM", 8, 0, 20)
		c, _ := v["reason_codes"].([]any)
		return c
	}
	require.Contains(t, codes(keyHRA, rivera), "NOT_PRIMARY_CASE_MANAGER")
	// The reason's next step says who marks an enrollment primary.
	for _, r := range itItems(t, e.get(keyHRA, "/v1/reason-codes")) {
		if r["code"] == "NOT_PRIMARY_CASE_MANAGER" {
			assert.Contains(t, r["next_step"], "MSC")
		}
	}
	// A transfer from it has nothing to give, and says what to do instead.
	p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", enr),
		map[string]any{"to_enrollment_id": enr, "reason": "x"}), http.StatusConflict, "not_primary")
	assert.Contains(t, p["detail"], "designate-primary")

	path := itPath("/v1/enrollments/%d/designate-primary", enr)
	for _, tc := range []struct {
		name, key, path string
		body            any
		status          int
		code, field     string
	}{
		{name: "its own agency may not", key: keyHRA, body: map[string]any{"reason": "x"}, status: 403, code: "forbidden"},
		{name: "its own agency may not, whatever the body", key: keyHRA, body: map[string]any{}, status: 403, code: "forbidden"},
		{name: "another agency may not", key: keyBCS, body: map[string]any{"reason": "x"}, status: 403, code: "forbidden"},
		{name: "finance may not", key: keyFinance, body: map[string]any{"reason": "x"}, status: 403, code: "forbidden"},
		{name: "no reason", key: keyReviewer, body: map[string]any{}, status: 422, code: "validation_failed", field: "reason"},
		{name: "blank reason", key: keyReviewer, body: map[string]any{"reason": " \u200b"}, status: 422, code: "validation_failed", field: "reason"},
		{name: "unknown field", key: keyReviewer, body: map[string]any{"reason": "x", "to_enrollment_id": enr}, status: 400, code: "unknown_field"},
		{name: "no such enrollment", key: keyAdmin, path: "/v1/enrollments/999999/designate-primary", body: map[string]any{"reason": "x"},
			status: 404, code: "not_found"},
		// Moreau's HRA enrollment holds it: BCS's is designated only by a transfer.
		{name: "another open enrollment holds it", key: keyReviewer,
			path: itPath("/v1/enrollments/%d/designate-primary", enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")),
			body: map[string]any{"reason": "x"}, status: 409, code: "primary_held"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := path
			if tc.path != "" {
				p = tc.path
			}
			itNothingWritten(t, e, func() {
				pr := requireProblem(t, e.post(tc.key, p, tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, pr), tc.field)
				}
			})
		})
	}

	w := oaValidate(t, e, doc, router, oaCall{name: "designate", method: http.MethodPost, path: path, key: keyReviewer,
		body: map[string]any{"reason": "HRA is her case manager; enrolled without the designation"}, want: http.StatusOK})
	assert.Contains(t, w.Body.String(), `"primary_case_manager":true`)
	assert.Equal(t, 1, itAudit(e, "designate_primary", "enrollment", itStr(enr)))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM primary_case_manager_transfers WHERE from_enrollment_id IS NULL AND to_enrollment_id = $1
		AND reason = 'HRA is her case manager; enrolled without the designation'`, enr))
	assert.NotContains(t, codes(keyHRA, rivera), "NOT_PRIMARY_CASE_MANAGER")
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "again"}), http.StatusConflict, "already_primary")
	})

	// Its agency reads the designation and its reason in the enrollment's
	// history (it names no other agency), as the MSC does.
	for _, key := range []string{keyHRA, keyReviewer} {
		w := oaValidate(t, e, doc, router, oaCall{name: "history", method: http.MethodGet, path: itPath("/v1/enrollments/%d", enr), key: key,
			want: http.StatusOK})
		var got struct {
			History []map[string]any `json:"history"`
		}
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
		require.Len(t, got.History, 1, "%s", w.Body)
		assert.Equal(t, "primary_designated", got.History[0]["kind"])
		assert.Equal(t, "HRA is her case manager; enrolled without the designation", got.History[0]["reason"])
		assert.NotContains(t, got.History[0], "other_enrollment_id")
	}

	// Once the agency holding Moreau's designation discharges her, BCS's
	// enrollment may be designated; its reason, which BCS reads, may not
	// name HRA, which BCS may not learn serves her (no consent).
	moreauBCS := enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")),
		map[string]any{"discharge_date": day(0), "reason_code": "transferred"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	bcsPath := itPath("/v1/enrollments/%d/designate-primary", moreauBCS)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, bcsPath, map[string]any{"reason": "Hartford Recovery Alliance discharged her"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "names_another_agency", itFieldCode(p, "reason"))
	})
	r = e.post(keyReviewer, bcsPath, map[string]any{"reason": "BCS leads her case management"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, true, r.JSON(t)["primary_case_manager"])

	// A discharged enrollment is not designated.
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")),
			map[string]any{"reason": "x"}), http.StatusConflict, "already_discharged")
	})
}

// Two agencies' enrollments of one person designated at once, none holding
// it: one is designated, the other is told another holds it, never both.
func TestDesignatePrimaryTwoAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Kim/HRA"], "ATR")
	bcsEnr := enrollmentOf(e, e.demo.Clients["Kim/BCS"], "ATR")
	for round := range 5 {
		_, err := e.db.ExecContext(t.Context(), `UPDATE enrollments SET primary_case_manager = false WHERE id IN ($1, $2)`, hraEnr, bcsEnr)
		require.NoError(t, err)
		var a, b resp
		atOnce(func() {
			a = e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", hraEnr), map[string]any{"reason": "the lead agency"})
		}, func() {
			b = e.post(keyAdmin, itPath("/v1/enrollments/%d/designate-primary", bcsEnr), map[string]any{"reason": "the lead agency"})
		})
		statuses := []int{a.Status, b.Status}
		assert.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses, "round %d: %s / %s", round, a.Body, b.Body)
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id IN ($1, $2) AND primary_case_manager`, hraEnr, bcsEnr),
			"round %d", round)
	}
}

// A reviewer's decision takes the request's enrollment before the request,
// the order a discharge takes them in (the enrollment, then the pended
// requests it withdraws). The decision held the request and then, in its
// re-check, the enrollment, so one sent while the agency discharged the
// client deadlocked with it: one of the two was answered 409 after a
// second's stall (a black-box pass). Here the test's transaction is the
// discharge under way: it holds the enrollment, the decision waits for
// it, and the discharge's next step, the request's row, is not held.
func TestDecisionWaitsForADischargeUnderWay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	atr := itATRClient(t, e, day(-10))
	v := itVoucher(t, e, keyHRA, atr.Client, "ATR-DT", 2, 0, 10) // not in the care plan: pended
	require.Equal(t, "pended", v["decision"], "%v", v)
	id := itNum(t, v, "id")

	hold, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer hold.Rollback() //nolint:errcheck
	_, err = hold.ExecContext(t.Context(), `SET LOCAL lock_timeout = '5s'`)
	require.NoError(t, err)
	_, err = hold.ExecContext(t.Context(), `SELECT 1 FROM enrollments WHERE id = $1 FOR UPDATE`, atr.Enrollment)
	require.NoError(t, err)
	decided := make(chan resp, 1)
	go func() {
		decided <- e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "approve", "note": "ok"})
	}()
	itAwaitLockWaiters(t, e, 1, "the decision")
	_, err = hold.ExecContext(t.Context(), `SELECT 1 FROM voucher_requests WHERE id = $1 FOR UPDATE`, id)
	require.NoError(t, err, "the discharge reaches the request: the decision does not hold it")
	require.NoError(t, hold.Commit())
	r := <-decided
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// Opening, closing and dropping a person's episode are one at a time: a
// races black-box pass found two agencies' discharges at once leaving the
// episode open with no stay (each saw the other's open), a discharge
// closing it under another agency's enrollment joining it (which billed
// into a closed episode beside a second one), and an enrollment joining
// an episode a withdrawal was deleting (a 500 on its foreign key). Here
// the first request is held at its last step (storing its answer) while
// the second runs: unordered, the second read the first's episode as it
// was before the first committed.
func TestEpisodeOpensAndClosesOneAtATime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// run sets the case up and returns the two requests, sent in
		// that order, and the check once both are answered.
		run func(t *testing.T, e *env) (first, second func() resp, check func(a, b resp))
	}{
		{"two discharges", func(t *testing.T, e *env) (func() resp, func() resp, func(a, b resp)) {
			hra := itATRClient(t, e, day(-20))
			_, bcs := itBCSStrangerAndKnown(t, e, identityOf(t, e, hra.Client))
			bcsEnr := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, bcs)
			discharge := func(key string, enr int64) func() resp {
				return func() resp {
					return e.post(key, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
				}
			}
			return discharge(keyHRA, hra.Enrollment), discharge(keyBCS, bcsEnr), func(a, b resp) {
				require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
				require.Equal(t, http.StatusOK, b.Status, "%s", b.Body)
				assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on IS NOT NULL`, hra.Episode),
					"the last discharge closes the episode")
			}
		}},
		{"a discharge and an enrollment", func(t *testing.T, e *env) (func() resp, func() resp, func(a, b resp)) {
			hra := itATRClient(t, e, day(-20))
			bcs := itRegisterAs(t, e, keyBCS, identityOf(t, e, hra.Client))
			return func() resp {
					return e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", hra.Enrollment), map[string]any{"discharge_date": day(0),
						"reason_code": "goals_met"})
				}, func() resp {
					return e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": bcs, "program_code": "ATR", "start_date": day(0)})
				}, func(a, b resp) {
					require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
					require.Equal(t, http.StatusCreated, b.Status, "%s", b.Body)
					// Begun the day the last stay ended, the new stay goes on in
					// the person's episode, open again, not in it closed.
					assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments e JOIN episodes p ON p.id = e.episode_id
						WHERE e.id = $1 AND p.closed_on IS NULL AND p.id = $2`, itID(t, b), hra.Episode),
						"the new stay is in the episode the discharge closed, opened again")
					assert.Equal(t, 0, e.count(`SELECT count(*) FROM episodes WHERE person_id = (SELECT person_id FROM enrollments WHERE id = $1)
						AND program_code = 'ATR' AND id <> $2`, itID(t, b), hra.Episode), "no second episode")
				}
		}},
		{"a withdrawal and an enrollment", func(t *testing.T, e *env) (func() resp, func() resp, func(a, b resp)) {
			hra := itNewClient(t, e, keyHRA, "hartford")
			r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": hra, "program_code": "ATR", "start_date": day(30)})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			enr := itID(t, r)
			bcs := itRegisterAs(t, e, keyBCS, identityOf(t, e, hra))
			return func() resp {
					return e.post(keyHRA, itPath("/v1/enrollments/%d/withdraw", enr), map[string]any{"reason": "entered in error"})
				}, func() resp {
					return e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": bcs, "program_code": "ATR", "start_date": day(0)})
				}, func(a, b resp) {
					require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
					assert.Equal(t, http.StatusCreated, b.Status, "%s", b.Body)
				}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			first, second, check := tc.run(t, e)
			hold, err := e.db.BeginTxx(t.Context(), nil)
			require.NoError(t, err)
			defer hold.Rollback() //nolint:errcheck
			_, err = hold.ExecContext(t.Context(), `LOCK TABLE idempotency_keys IN SHARE MODE`)
			require.NoError(t, err)
			waitFor := func(n int) {
				for tries, waiting := 0, 0; waiting < n; tries++ {
					require.Less(t, tries, 6000, "%d requests never waited", n)
					waiting = e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
					time.Sleep(10 * time.Millisecond)
				}
			}
			a, b := make(chan resp, 1), make(chan resp, 1)
			go func() { a <- first() }()
			waitFor(1) // the first at its answer's store
			go func() { b <- second() }()
			waitFor(2) // the second behind it
			require.NoError(t, hold.Commit())
			check(<-a, <-b)
		})
	}
}

// itRegisterAs registers person as a client of the agency of key.
func itRegisterAs(t *testing.T, e *env, key string, person identity) int64 {
	t.Helper()
	r := e.post(key, "/v1/clients", map[string]any{"first_name": person.First, "last_name": person.Last,
		"date_of_birth": person.DOB.String(), "catchment_area": "bridgeport", "gender": "U"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(t, r)
}

// A length of service counts from the first day of the agency's unbroken
// stay: discharged and enrolled again the same day, an RCM client's day
// 271 read as day 1 and a request past the review limit was approved
// unreviewed (an operations black-box pass). A stay begun after a day's
// break counts afresh.
func TestLengthOfServiceCountsTheUnbrokenStay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, enr := rcmClient(t, e, day(-260))
	ask := func() map[string]any { return itVoucher(t, e, keyHRA, client, "RCM-CM", 10, 0, 30) }
	v := ask()
	require.Equal(t, "pended", v["decision"], "%v", v)
	require.Equal(t, []any{"LENGTH_OF_SERVICE_REVIEW"}, v["reason_codes"])
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(0), "reason": "readmitted"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM", "assigned_staff_id": e.demo.Staff["Petrov"],
		"start_date": day(0), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v = ask()
	assert.Equal(t, "pended", v["decision"], "the same stay goes on: %v", v)
	assert.Equal(t, []any{"LENGTH_OF_SERVICE_REVIEW"}, v["reason_codes"])

	// A day between the two stays: the second is a stay of its own.
	other, enr := rcmClient(t, e, day(-260))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(-10), "reason": "moved away"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": other, "program_code": "RCM", "assigned_staff_id": e.demo.Staff["Petrov"],
		"start_date": day(-8), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v = itVoucher(t, e, keyHRA, other, "RCM-CM", 10, 0, 30)
	assert.Equal(t, "approved", v["decision"], "%v", v)
}

// An episode's dates follow its stays: it closes on the last day a stay of
// it ran, not on the day of the discharge that happened to close it (a
// backdated one after another agency's later discharge closed it before
// that stay ended), and a withdrawn first stay leaves it opening on the
// first day of the stays that keep it (it kept the withdrawn one's day).
// Re-checks of a races black-box pass.
func TestEpisodeDatesFollowItsStays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itATRClient(t, e, day(-20))
	_, bcs := itBCSStrangerAndKnown(t, e, identityOf(t, e, hra.Client))
	bcsEnr := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, bcs)
	r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", bcsEnr), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", hra.Enrollment), map[string]any{"discharge_date": day(-2), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on = $2`, hra.Episode, day(0)),
		"closed on the last day a stay ran")

	first := itNewClient(t, e, keyHRA, "hartford")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": first, "program_code": "ATR", "start_date": day(20)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	withdrawn := itID(t, r)
	episode := int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, withdrawn))
	later := itRegisterAs(t, e, keyBCS, identityOf(t, e, first))
	r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": later, "program_code": "ATR", "start_date": day(22)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/withdraw", withdrawn), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND opened_on = $2`, episode, day(22)),
		"opens on the first day of the stay that keeps it")
}

// A note that shows nothing is no note: a discharge's reason beside its
// code and a voucher request's note of a lone mark or a zero-width space
// were kept as written (a black-box re-check).
func TestNotesThatShowNothingAreNone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	atr := itATRClient(t, e, day(-10))
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": atr.Client, "service_code": "ATR-TR", "units": 2,
		"start_date": day(0), "end_date": day(10), "note": "\u200b\u0301"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["note"])
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", atr.Enrollment), map[string]any{"discharge_date": day(0),
		"reason_code": "goals_met", "reason": "\ufe0f"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["discharge_reason"])
}

// A designation transferred to an enrollment whose agency enrolled it
// primary already (another agency's designation came first) is not shown
// to that agency as a designation: nothing it reads changed, and the event
// said another agency had held one, which a stranger's enrollment created
// primary never shows (a Part 2 black-box pass). The MSC reads it.
func TestTransferToAnEnrollmentAlreadyPrimaryShowsNothingToItsAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itATRClient(t, e, day(-20))
	bcsStaff := itFixtureID(t, e, `SELECT min(id) FROM staff WHERE provider_id = $1 AND role = 'case_manager'`, e.demo.Providers["BCS"])
	stranger, known := itBCSStrangerAndKnownAs(t, e, identityOf(t, e, hra.Client), bcsStaff)
	bcsEnr := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, known)
	r := e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hra.Enrollment),
		map[string]any{"to_enrollment_id": bcsEnr, "reason": "per the client's choice"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	history := func(key string, enr int64) []any {
		got := e.get(key, itPath("/v1/enrollments/%d", enr)).JSON(t)
		require.Equal(t, true, got["primary_case_manager"], "%v", got)
		h, _ := got["history"].([]any)
		return h
	}
	assert.Empty(t, history(keyBCS, bcsEnr), "the agency's enrollment read primary before and after")
	assert.Empty(t, history(keyBCS, itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, stranger)))
	assert.Len(t, history(keyReviewer, bcsEnr), 1, "the MSC reads the transfer")
}

// An unbroken stay is one episode: discharged and enrolled again the same
// day (or the next), the person's episode goes on, its unit maxima and
// dollar cap with it, as the length of service does. A new episode let a
// same-day readmission start the caps afresh (an operations black-box
// pass, left until the nineteenth stop). After a day's break the stay,
// and the episode, are new.
func TestUnbrokenStayKeepsItsEpisode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 40})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	hra := itATRClient(t, e, day(-20))
	v := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 10, -10, 0)
	require.Equal(t, "approved", v["decision"], "%v", v)
	var lines []any
	for d := -10; d < 0; d++ {
		lines = append(lines, map[string]any{"service_code": "ATR-TR", "date_of_service": day(d), "units": 1, "charge": "12.00"})
	}
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "EP-1", "client_id": hra.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": lines})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", hra.Enrollment), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": hra.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)
	r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": hra.Client, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "intake of the new enrollment: %s", r.Body)
	assert.Equal(t, int(hra.Episode), e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, again), "the same episode goes on")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on IS NULL`, hra.Episode), "open again")
	v = itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 40, 1, 20)
	assert.Contains(t, reasonCodes(v), "EPISODE_UNITS_EXCEEDED", "10 of the episode's 40 trips used before the readmission: %v", v)

	// A day between the stays: a new episode.
	other := itATRClient(t, e, day(-20))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", other.Enrollment), map[string]any{"discharge_date": day(-10), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": other.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-8)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.NotEqual(t, int(other.Episode), e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, itID(t, r)))
}

// The designation moves only to a stay that has begun: moved to one
// starting weeks ahead, the person had no agency whose case management
// could be authorized until then (an operations black-box pass).
func TestTransferPrimaryToAStayNotBegunIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := identity{First: "Ada", Last: "Laterstart", DOB: rss.MustDate("1984-05-06")}
	atHRA := itRegisterAs(t, e, keyHRA, ada)
	itATRReady(t, e, keyHRA, atHRA, e.demo.Staff["Okafor"])
	atBCS := itRegisterAs(t, e, keyBCS, ada)
	r := e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": atBCS, "program_code": "ATR", "start_date": day(5)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	later := itID(t, r)
	from := enrollmentOf(e, atHRA, "ATR")
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", from),
			map[string]any{"to_enrollment_id": later, "reason": "the lead moves"}), http.StatusConflict, "not_begun")
		assert.Contains(t, p["detail"], day(5))
	})
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND primary_case_manager`, from))

	// Nor is it designated there where none holds it (a re-check).
	_, err := e.db.Exec(`UPDATE enrollments SET primary_case_manager = false WHERE id = $1`, from)
	require.NoError(t, err)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", later), map[string]any{"reason": "the lead"}),
			http.StatusConflict, "not_begun")
	})
}

// A back-dated readmission begun the day after the person's episode closed
// goes on in that episode even when another agency's stay, begun after a
// break, opened a newer one meanwhile: the stay runs through both, so they
// merge into the older (its enrollments, authorizations, claim lines and
// money with it). It joined the newer one, the older's use stopped
// counting, and HRA's request was approved where a stranger's in the same
// history was not (a black-box re-check; left as a known gap until the
// twenty-second stop).
func TestBackDatedReadmissionMergesTheEpisodesItRunsThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 40})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	type history struct {
		hra   itATR
		bcs   int64
		claim int64
	}
	stay := func(known bool) history {
		var h history
		h.hra = itATRClient(t, e, day(-60))
		v := itVoucher(t, e, keyHRA, h.hra.Client, "ATR-TR", 9, -13, -5)
		require.Equal(t, "approved", v["decision"], "%v", v)
		var lines []any
		for d := -13; d <= -5; d++ {
			lines = append(lines, map[string]any{"service_code": "ATR-TR", "date_of_service": day(d), "units": 1, "charge": "12.00"})
		}
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("MERGE-%d", h.hra.Client), "client_id": h.hra.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", h.hra.Enrollment), map[string]any{"discharge_date": day(-4), "reason_code": "goals_met"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		if known {
			// BCS admits the person after a break: a newer episode.
			h.bcs = bcsTripsStay(t, e, identityOf(t, e, h.hra.Client), -2)
			v := itVoucher(t, e, keyBCS, h.bcs, "ATR-TR", 2, -2, -1)
			require.Equal(t, "approved", v["decision"], "%v", v)
			var lines []any
			for d := -2; d < 0; d++ {
				lines = append(lines, map[string]any{"service_code": "ATR-TR", "date_of_service": day(d), "units": 1, "charge": "12.00"})
			}
			r := e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("MERGE-B-%d", h.bcs), "client_id": h.bcs,
				"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": lines})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
			h.claim = itID(t, r)
			require.NotEqual(t, int(h.hra.Episode), e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, h.bcs))
		}
		// HRA enters the readmission late: begun the day after its discharge.
		r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": h.hra.Client, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-3)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": h.hra.Client, "kind": "intake",
			"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(-3)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return h
	}
	stranger, known := stay(false), stay(true)

	// One episode, the older, holds everything of both stays.
	episodeRows := `SELECT count(*) FROM (SELECT episode_id FROM enrollments WHERE client_id IN ($1, $2)
		UNION ALL SELECT episode_id FROM authorizations WHERE client_id IN ($1, $2)
		UNION ALL SELECT episode_id FROM claim_lines WHERE client_id IN ($1, $2)
		UNION ALL SELECT episode_id FROM gpra_interviews WHERE client_id IN ($1, $2)) x WHERE episode_id <> $3`
	assert.Zero(t, e.count(episodeRows, known.hra.Client, known.bcs, known.hra.Episode), "every row of both stays is in the older episode")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes e JOIN clients c ON c.person_id = e.person_id
		WHERE c.id = $1 AND e.program_code = 'ATR'`, known.bcs), "the newer episode is merged away")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episode_merges WHERE into_id = $1`, known.hra.Episode))
	ledgerAgrees := `SELECT count(*) FROM episodes e WHERE e.id = $1 AND e.closed_on IS NULL AND e.opened_on = $2
		AND e.dollars_paid = (SELECT sum(dollars_paid) FROM authorizations WHERE episode_id = $1)`
	assert.Equal(t, 1, e.count(ledgerAgrees, known.hra.Episode, day(-60)), "its money is both stays'")

	// HRA's answer is a stranger's: the older stay's nine trips count.
	for _, h := range []history{stranger, known} {
		v := itVoucher(t, e, keyHRA, h.hra.Client, "ATR-TR", 35, 0, 20)
		assert.NotEqual(t, "approved", v["decision"], "%v", v)
		assert.Equal(t, []string{"EPISODE_UNITS_EXCEEDED"}, reasonCodes(v), "%v", v)
	}

	// The merged episode's claims are voided as any: their money leaves it.
	r = e.post(keyBCS, itPath("/v1/claims/%d/void", known.claim), map[string]any{"claim_number": "MERGE-B-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, 1, e.count(ledgerAgrees, known.hra.Episode, day(-60)), "the void takes its money back from the merged episode")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND dollars_paid = 108.00`, known.hra.Episode))
}

// A back-dated readmission that merges an episode another agency opened
// after a break leaves that agency's live authorization payable, as a
// stranger's is: merged past the service's episode maximum with nothing
// raised, its claims were denied 119 where a stranger's were paid (an
// enrollment black-box pass). The merged episode's maximum rises to what
// its authorizations hold, as a reviewer's exception raises it.
func TestMergedEpisodeKeepsItsGrantsPayable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_voucher_max": 12, "per_episode_max": 12})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// And a dollar cap the two stays' 168.00 pass together, each within it.
	r = e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"episode_dollar_cap": "150.00", "reason": "a cap the merge passes"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	hra := itATRClient(t, e, day(-60))
	v := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 10, -14, -5)
	require.Equal(t, "approved", v["decision"], "%v", v)
	trips := func(key string, client int64, staff, number string, from, to int) map[string]any {
		var lines []any
		for d := from; d <= to; d++ {
			lines = append(lines, map[string]any{"service_code": "ATR-TR", "date_of_service": day(d), "units": 1, "charge": "12.00"})
		}
		r := e.post(key, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("%s-%d", number, client), "client_id": client,
			"rendering_staff_id": e.demo.Staff[staff], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	require.Equal(t, "paid", trips(keyHRA, hra.Client, "Okafor", "HRA", -14, -5)["status"])
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", hra.Enrollment), map[string]any{"discharge_date": day(-4), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	// BCS takes in the person after a break (a new episode), and a
	// stranger with the same history at BCS.
	bcsStay := func(person identity) int64 {
		c := bcsTripsStay(t, e, person, -2)
		v := itVoucher(t, e, keyBCS, c, "ATR-TR", 4, -2, 1)
		require.Equal(t, "approved", v["decision"], "%v", v)
		return c
	}
	known := bcsStay(identityOf(t, e, hra.Client))
	stranger := bcsStay(identity{First: "Merge", Last: "Stranger", DOB: rss.MustDate("1979-02-03")})

	// HRA enters its readmission late, begun the day after its discharge:
	// the two episodes merge, holding 14 trips of a maximum of 12 (HRA's
	// ten used, BCS's four granted).
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": hra.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-3)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM episode_merges WHERE into_id = $1`, hra.Episode))

	for name, c := range map[string]int64{"known elsewhere": known, "stranger": stranger} {
		got := trips(keyBCS, c, "Ibrahim", "BCS", -2, 0)
		assert.Equal(t, "paid", got["status"], "%s: %v", name, got)
	}
	assert.Equal(t, 14, e.count(`SELECT max_units FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'`, hra.Episode),
		"the maximum rose to what the merged episode's authorizations hold")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND dollar_cap = 168.00`, hra.Episode), "so did the dollar cap")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episode_cap_raises WHERE episode_id = $1 AND provider_id = $2
		AND cap_before = 150.00 AND cap_after = 168.00`, hra.Episode, e.demo.Providers["BCS"]),
		"kept as the record of the agency whose authorizations came in, as a reviewer's raise is")
}

// bcsTripsStay registers person at BCS and readies an ATR stay from day
// from for transportation vouchers: the enrollment, an intake, a consent to
// the MSC and a care plan listing ATR-TR.
func bcsTripsStay(t *testing.T, e *env, person identity, from int) int64 {
	t.Helper()
	c := itRegisterAs(t, e, keyBCS, person)
	for _, b := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/enrollments", map[string]any{"client_id": c, "program_code": "ATR", "start_date": day(from)}},
		{"/v1/gpra-interviews", map[string]any{"client_id": c, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
			"interview_date": day(from)}},
		{"/v1/consents", map[string]any{"client_id": c, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(from), "expires_on": day(365)}},
		{"/v1/care-plans", map[string]any{"client_id": c, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(from),
			"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}}}},
	} {
		r := e.post(keyBCS, b.path, b.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
	}
	return c
}

// A request sent without enrollment_id is for the agency's enrollment in
// force on its first day: a late request for the days of a stay before a
// readmission read the new stay and was denied ENROLLMENT_NOT_ACTIVE for a
// client enrolled every day of it (an enrollment black-box pass).
func TestVoucherRequestFindsTheStayOfItsDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.Enrollment), map[string]any{"discharge_date": day(-4), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-2)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 8, -10, -5)
	assert.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	assert.Equal(t, float64(c.Enrollment), v["enrollment_id"], "the stay of its days")
	v = itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 8, 0, 9)
	assert.Equal(t, float64(again), v["enrollment_id"], "the open stay")
}

// An agency no agreement covers can be given no voucher (SPEC §5), so it
// takes no one in on such a day and is given no primary case manager
// designation: LAS, its agreement lapsed, enrolled a client as primary
// case manager, and the contracted agency's case management requests
// were then denied for it, never reaching a reviewer (an outcomes
// black-box pass). A stay on a day its agreement covered is still taken.
func TestAnAgencyOutOfAgreementTakesNoOneIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyLAS := fixtures.Key(access.RoleProvider, "LAS")
	var who struct {
		First string   `db:"first_name"`
		Last  string   `db:"last_name"`
		Born  rss.Date `db:"date_of_birth"`
	}
	require.NoError(t, e.db.GetContext(t.Context(), &who, `SELECT first_name, last_name, date_of_birth FROM clients WHERE id = $1`,
		e.demo.Clients["Moreau/HRA"]))
	r := e.post(keyLAS, "/v1/clients", map[string]any{"first_name": who.First, "last_name": who.Last,
		"date_of_birth": who.Born.String(), "catchment_area": "stamford"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	las := itID(t, r)
	enroll := func(start string, primary bool) resp {
		return e.post(keyLAS, "/v1/enrollments", map[string]any{"client_id": las, "program_code": "ATR", "start_date": start,
			"primary_case_manager": primary})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, enroll(day(0), true), http.StatusConflict, "no_agreement")
		assert.Contains(t, p["detail"], day(0))
	})
	r = enroll(day(-40), false)
	require.Equal(t, http.StatusCreated, r.Status, "a day the agreement covered: %s", r.Body)
	lasEnr := itID(t, r)

	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr),
			map[string]any{"to_enrollment_id": lasEnr, "reason": "client moved"}), http.StatusConflict, "no_agreement")
	})
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND primary_case_manager`, hraEnr))

	// Nor does it take the designation by a stay dated back to a day its
	// agreement covered (a re-check): the stay is taken, the flag not.
	lou := itNewClient(t, e, keyLAS, "stamford")
	back := func(primary bool) resp {
		return e.post(keyLAS, "/v1/enrollments", map[string]any{"client_id": lou, "program_code": "ATR", "start_date": day(-40),
			"primary_case_manager": primary})
	}
	itNothingWritten(t, e, func() { requireProblem(t, back(true), http.StatusConflict, "no_agreement") })
	r = back(false)
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// The last day rss's books held a discharged stay is the MSC's to read, as
// the README says (no answer carried it: an outcomes black-box pass); the
// agency reads its enrollment without it, as without the episode.
func TestDischargedEnrollmentShowsHeldThroughToTheMSC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "EMP", "start_date": day(-20)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := itPath("/v1/enrollments/%d", itID(t, r))
	assert.NotContains(t, e.get(keyReviewer, path).JSON(t), "held_through", "an open stay is held on")
	r = e.post(keyHRA, path+"/discharge", map[string]any{"discharge_date": day(-10), "reason_code": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotContains(t, r.JSON(t), "held_through")
	var held string
	require.NoError(t, e.db.GetContext(t.Context(), &held, `SELECT held_through::text FROM enrollments WHERE id = $1`, itID(t, r)))
	for _, key := range []string{keyReviewer, keyAdmin} {
		assert.Equal(t, held, e.get(key, path).JSON(t)["held_through"])
	}
	assert.NotContains(t, e.get(keyHRA, path).JSON(t), "held_through")
}

// A designation held by an agency no agreement covers, or out of service,
// stands for nothing (V10): HRA held Moreau's, BCS had flagged its own
// stay too, and once HRA was deactivated BCS's case management was still
// denied NOT_PRIMARY_CASE_MANAGER, never reaching a reviewer, until the
// MSC moved the designation (a re-check). The MSC's designation and
// transfer read the holder as the rules do; back in service, HRA's
// designation, made first, stands again.
func TestALapsedAgencysDesignationStandsForNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	bcsEnr := enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")
	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
	// BCS's own record says it is the primary case manager too (an agency
	// enrolling with primary_case_manager while another holds it).
	_, err := e.db.ExecContext(t.Context(), `UPDATE enrollments SET primary_case_manager = true WHERE id = $1`, bcsEnr)
	require.NoError(t, err)
	// The codes as the MSC reads them: BCS, with no consent of HRA's
	// naming enrollments, reads CONFLICT_ON_FILE in its place.
	codesFrom := func(from int) []any {
		v := itVoucher(t, e, keyBCS, e.demo.Clients["Moreau/BCS"], "ATR-CM", 8, from, 20)
		r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, v, "id")))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		c, _ := r.JSON(t)["reason_codes"].([]any)
		return c
	}
	codes := func() []any { return codesFrom(0) }
	require.Contains(t, codes(), "NOT_PRIMARY_CASE_MANAGER", "HRA's designation came first")
	requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", bcsEnr), map[string]any{"reason": "x"}),
		http.StatusConflict, "primary_held")

	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "agreement not renewed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotContains(t, codes(), "NOT_PRIMARY_CASE_MANAGER", "a deactivated agency's designation stands for nothing")
	// Judged today, not on the request's first day: a span begun before
	// the deactivation reads alike, so moving the start tells BCS nothing
	// of the day HRA's service ended (a Part 2 re-check).
	assert.NotContains(t, codesFrom(-5), "NOT_PRIMARY_CASE_MANAGER", "a span begun before the deactivation")
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", bcsEnr), map[string]any{"reason": "x"}),
			http.StatusConflict, "already_primary")
	})

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "renewed", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Contains(t, codes(), "NOT_PRIMARY_CASE_MANAGER", "back in service, the designation made first stands again")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND primary_case_manager`, hraEnr), "nothing moved it")
}

// The referral channels an RCM enrollment names are listed whole: the
// last was cut at 100 bytes, "regional_clinical_program_direc…", the one
// value a user needed to copy (a contract pass).
func TestReferralChannelsAreListedWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.demo.Clients["Moreau/HRA"]
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RCM",
			"start_date": day(0), "referral_source": "self"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, fmt.Sprint(p["errors"]), "regional_clinical_program_director")
		assert.NotContains(t, fmt.Sprint(p["errors"]), "…")
		// A value no program takes is refused with the whole list too (it
		// was cut: a GPRA black-box pass of the forty-fifth stop).
		p = requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RCM",
			"start_date": day(0), "referral_source": "carrier_pigeon"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, fmt.Sprint(p["errors"]), "regional_clinical_program_director")
		assert.NotContains(t, fmt.Sprint(p["errors"]), "…")
	})
}

// A designation moved out of an enrollment enrolled primary and back
// leaves it as a stranger's enrolled primary reads: primary, no history.
// It read a designation in its history, which a stranger's never shows,
// so the agency learned another agency had held it (an enrollments
// black-box pass of the forty-seventh stop). The other agency reads its
// own first designation; the MSC reads every transfer.
func TestPrimaryMovedAwayAndBackLeavesNoTrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR") // enrolled primary
	bcsEnr := enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")
	history := func(key string, enr int64) []any {
		r := e.get(key, itPath("/v1/enrollments/%d", enr))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		h, _ := r.JSON(t)["history"].([]any)
		return h
	}
	require.Empty(t, history(keyHRA, hraEnr))
	r := e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_enrollment_id": bcsEnr, "reason": "client asked"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", bcsEnr), map[string]any{"to_enrollment_id": hraEnr, "reason": "client asked again"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	r = e.get(keyHRA, itPath("/v1/enrollments/%d", hraEnr))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, true, r.JSON(t)["primary_case_manager"])
	assert.Empty(t, history(keyHRA, hraEnr), "as a stranger's enrolled primary")
	bcs := history(keyBCS, bcsEnr)
	require.Len(t, bcs, 1)
	assert.Equal(t, "primary_designated", bcs[0].(map[string]any)["kind"])
	assert.Len(t, history(keyReviewer, hraEnr), 2, "the MSC reads both transfers")

	// Nor the MSC's designation after another agency held it: out to BCS
	// again, BCS discharges, the MSC designates HRA's enrollment.
	r = e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_enrollment_id": bcsEnr, "reason": "client asked"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", bcsEnr), map[string]any{"discharge_date": day(0), "reason_code": "moved"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyReviewer, itPath("/v1/enrollments/%d/designate-primary", hraEnr), map[string]any{"reason": "HRA leads her case management"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, true, r.JSON(t)["primary_case_manager"])
	assert.Empty(t, history(keyHRA, hraEnr), "as a stranger's enrolled primary, which never loses it")
	assert.Len(t, history(keyReviewer, hraEnr), 4, "the MSC reads every change")
}

// A transfer's time is when it took effect, once the enrollments are
// held, not when its transaction began: six transfers sent at once read
// in the history out of the order they took effect in (an enrollments
// black-box pass of the forty-seventh stop).
func TestTransferTimedWhenItTakesEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
	bcsEnr := enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")
	hold, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer hold.Rollback() //nolint:errcheck
	_, err = hold.ExecContext(t.Context(), `SELECT 1 FROM enrollments WHERE id IN ($1, $2) FOR UPDATE`, hraEnr, bcsEnr)
	require.NoError(t, err)
	done := make(chan resp, 1)
	go func() {
		done <- e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_enrollment_id": bcsEnr, "reason": "client asked"})
	}()
	itAwaitLockWaiters(t, e, 1, "the transfer")
	var released time.Time
	require.NoError(t, hold.GetContext(t.Context(), &released, `SELECT clock_timestamp()`))
	require.NoError(t, hold.Commit())
	r := <-done
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var at time.Time
	require.NoError(t, e.db.Get(&at, `SELECT transferred_at FROM primary_case_manager_transfers WHERE id = $1`, itID(t, r)))
	assert.False(t, at.Before(released), "transferred at %s, before the enrollments were free at %s", at, released)
}

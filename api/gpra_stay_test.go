package api_test

import (
	"fmt"
	"net/http"
	"testing"

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

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Which roles may carry a program (its caseload caps) and which may deliver
// its services (the voucher rules, by role for RCM) are held together: a
// case manager added to RCM's caps was assigned clients every voucher of
// which was then denied STAFF_NOT_QUALIFIED, and recovery specialists
// taken out of them left the clients they carried granted under no cap (an
// operations pass).
func TestCaseloadCapsListOnlyRolesThatMayDeliver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caps := func(body map[string]any) resp {
		return e.patch(keyAdmin, "/v1/reference/programs/RCM", map[string]any{"caseload_caps": body, "reason": "pilot"})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, caps(map[string]any{"lead_recovery_specialist": 10, "recovery_specialist": 15, "case_manager": 3}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, p["errors"].([]any)[0].(map[string]any)["field"], "caseload_caps.case_manager", "%v", p)
	})
	rcmClient(t, e, day(-5)) // carried by a recovery specialist
	itNothingWritten(t, e, func() {
		p := requireProblem(t, caps(map[string]any{"lead_recovery_specialist": 10}), http.StatusConflict, "caseload_role_in_use")
		assert.Contains(t, p["detail"], "recovery_specialist", "%v", p)
	})
	r := caps(map[string]any{"lead_recovery_specialist": 8, "recovery_specialist": 12})
	require.Equal(t, http.StatusOK, r.Status, "a cap changed, no role out: %s", r.Body)

	// A service a program's caps keep some role from delivering is
	// refused when added, as the caps would be after it.
	withField := func(b map[string]any, k string, v any) map[string]any { b[k] = v; return b }
	r = e.post(keyAdmin, "/v1/reference/programs", withField(newProgramBody("PEER"), "caseload_caps", map[string]int{"case_manager": 4}))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("PEER-RS", "PEER"), "qualification", "rcm_specialist")),
			http.StatusUnprocessableEntity, "validation_failed")
	})
	r = e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("PEER-RS", "PEER"), "qualification", "atr_case_manager"))
	require.Equal(t, http.StatusCreated, r.Status, "a credential's qualification, whatever the role: %s", r.Body)
}

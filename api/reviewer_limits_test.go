package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// johnsonOverLimits submits 200 units of ATR case management over 120 days
// for Johnson, whose overdue follow-up GPRA pends the request: the rules
// also cut it to the per-voucher maximum (96) and the voucher validity (90 days).
func johnsonOverLimits(t *testing.T, e *env) int64 {
	t.Helper()
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 200, 0, 119)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	for _, code := range []string{"GPRA_FOLLOWUP_OVERDUE", "UNITS_OVER_VOUCHER_MAX", "SPAN_OVER_VOUCHER_VALIDITY"} {
		require.Contains(t, v["reason_codes"], code)
	}
	assert.Equal(t, map[string]any{"units": float64(96), "start_date": day(0), "end_date": day(89)}, v["ceiling"],
		"the request says what the most a reviewer may grant is")
	return itNum(t, v, "id")
}

// A reviewer lifts what pends, never a reduce rule's limit (SPEC §5).
func TestReviewerApprovalKeepsReduceLimits(t *testing.T) {
	t.Parallel()

	t.Run("approve grants the request as the reduce rules cut it", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id := johnsonOverLimits(t, e)
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "approve", "note": "follow-up booked"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		got := r.JSON(t)
		assert.Equal(t, "partial", got["decision"])
		assert.Equal(t, float64(96), got["units_granted"])
		assert.Equal(t, day(0), got["granted_start"])
		assert.Equal(t, day(89), got["granted_end"])
		a := e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, got, "authorization_id"))).JSON(t)
		assert.Equal(t, float64(96), a["units_authorized"])
		assert.Equal(t, day(89), a["end_date"])
	})

	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{name: "more units than the per-voucher maximum", field: "units",
			body: map[string]any{"action": "approve_modified", "units": 150, "start_date": day(0), "end_date": day(89), "note": "x"}},
		{name: "a span past the voucher validity", field: "end_date",
			body: map[string]any{"action": "approve_modified", "units": 96, "start_date": day(0), "end_date": day(119), "note": "x"}},
	} {
		t.Run("approve_modified refuses "+tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := johnsonOverLimits(t, e)
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), tc.body),
					http.StatusUnprocessableEntity, "validation_failed")
				assert.Contains(t, itFieldErrors(t, p), tc.field)
			})
		})
	}

	t.Run("approve_modified within the limits is granted", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id := johnsonOverLimits(t, e)
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id),
			map[string]any{"action": "approve_modified", "units": 96, "start_date": day(0), "end_date": day(89), "note": "x"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		assert.Equal(t, "partial", r.JSON(t)["decision"])
	})

	t.Run("the schema holds a grant to the ceiling", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		id := johnsonOverLimits(t, e)
		_, err := e.db.Exec(`UPDATE voucher_requests SET decision = 'approved', units_granted = 200, granted_start = start_date,
			granted_end = end_date, decided_at = now() WHERE id = $1`, id)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "voucher_requests_granted_within_ceiling")
	})
}

// At decision time the deny rules run again on current facts: an approval
// they now refuse is refused with a problem naming the rule.
func TestReviewerApprovalRechecksDenyRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, e *env)
		code   string
	}{
		{name: "consent revoked", code: "PART2_CONSENT_MISSING", change: func(t *testing.T, e *env) {
			consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'msc'`, e.demo.Clients["Johnson"])
			r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "revoked in writing"})
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		}},
		// A discharge no longer leaves its enrollment's pended requests to
		// this re-check: it withdraws them (TestDischargeWithdrawsPendedRequests).
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
			require.Equal(t, "pended", v["decision"])
			id := itNum(t, v, "id")
			tc.change(t, e)
			for _, body := range []map[string]any{
				{"action": "approve", "note": "x"},
				{"action": "approve_modified", "units": 10, "start_date": day(0), "end_date": day(9), "note": "x"},
			} {
				itNothingWritten(t, e, func() {
					p := requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), body),
						http.StatusConflict, "denied_by_rules")
					assert.Contains(t, p["reasons"], tc.code)
					assert.Contains(t, p["detail"], tc.code)
				})
			}
			// Denying is still the reviewer's to do.
			r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "deny", "note": "no longer eligible"})
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			assert.Equal(t, "denied", r.JSON(t)["decision"])
		})
	}
}

package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two reviewers do not decide the same request: the first to take it
// holds it for 30 minutes; the other's take and decision are 409 taken
// until then, and the holder decides.
func TestTakeHoldsAPendedRequest(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	id, other, _ := takePended(t, e)
	take := itPath("/v1/voucher-requests/%d/take", id)
	decide := itPath("/v1/voucher-requests/%d/decision", id)

	r := e.post(keyReviewer, take, nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	taken := r.JSON(t)
	assert.NotNil(t, taken["taken_by"])
	assert.NotNil(t, taken["taken_at"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'take' AND entity_id = $1`, id))

	requireProblem(t, e.post(other, take, nil), http.StatusConflict, "taken")
	requireProblem(t, e.post(other, decide, map[string]any{"action": "deny", "note": "mine"}), http.StatusConflict, "taken")
	// Who holds it is the MSC's: the agency reads it pended, without the
	// reviewer's key (a black-box pass read taken_by).
	mine := e.get(keyHRA, itPath("/v1/voucher-requests/%d", id)).JSON(t)
	assert.Equal(t, "pended", mine["decision"])
	assert.NotContains(t, mine, "taken_by")
	assert.NotContains(t, mine, "taken_at")
	for _, key := range []string{keyHRA, keyFinance, keyAdmin} {
		requireProblem(t, e.post(key, take, nil), http.StatusForbidden, "forbidden")
	}
	requireProblem(t, e.post(keyReviewer, "/v1/voucher-requests/999999/take", nil), http.StatusNotFound, "not_found")

	// 29 minutes on the take still holds; at 30 it has lapsed and the
	// other reviewer may take it, after which the first may not decide.
	e.clock.Advance(29 * time.Minute)
	requireProblem(t, e.post(other, take, nil), http.StatusConflict, "taken")
	e.clock.Advance(time.Minute)
	r = e.post(other, take, nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	requireProblem(t, e.post(keyReviewer, decide, map[string]any{"action": "deny", "note": "mine"}), http.StatusConflict, "taken")

	r = e.post(other, decide, map[string]any{"action": "deny", "note": "no follow-up on file"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["decision"])
	requireProblem(t, e.post(other, take, nil), http.StatusConflict, "not_pended")
}

// A take by a reviewer key revoked since has lapsed: nobody can act on it,
// and it kept every other reviewer out for its half hour (black-box pass).
func TestTakeByARevokedKeyLapses(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	id, leaving, leavingID := takePended(t, e)
	r := e.post(leaving, itPath("/v1/voucher-requests/%d/take", id), nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/take", id), nil), http.StatusConflict, "taken")

	r = e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", leavingID), map[string]any{})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "deny", "note": "taking over"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["decision"])
	// The decision ends the take: the lapsed one no longer reads as held
	// (a black-box pass), in the answer or after.
	assert.NotContains(t, r.JSON(t), "taken_by")
	got := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id)).JSON(t)
	assert.NotContains(t, got, "taken_by")
	assert.NotContains(t, got, "taken_at")
}

// takePended is a pended request (its id) and a second reviewer key (the
// key and its id) beside the demo reviewer's.
func takePended(t *testing.T, e *itEnv) (id int64, key string, keyID int64) {
	t.Helper()
	v := itVoucher(t, e.env, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "pended", v["decision"])
	r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "reviewer", "label": "second reviewer"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	return itNum(t, v, "id"), r.JSON(t)["key"].(string), itID(t, r)
}

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo data stores its voucher requests without a fact snapshot; their
// replay ran every rule over an empty snapshot and answered "denied" with
// zero dates and five deny reasons, as if today's rules refused a request a
// reviewer must judge. Nothing can be replayed: a 409 that says so, and a
// request with its snapshot still replays.
func TestReplayWithoutFactSnapshot(t *testing.T) {
	e := newEnv(t)
	fixture := itFixtureID(t, e, `SELECT id FROM voucher_requests WHERE client_id = $1 AND rule_set_version = 'fixture'`,
		e.demo.Clients["Ramos"])
	for _, key := range []string{keyReviewer, keyHRA} {
		p := requireProblem(t, e.get(key, itPath("/v1/voucher-requests/%d/replay", fixture)), http.StatusConflict, "no_fact_snapshot")
		assert.Contains(t, p["detail"], "without a fact snapshot")
	}
	// Another agency still gets the 404 it gets for the request itself.
	requireProblem(t, e.get(keyBCS, itPath("/v1/voucher-requests/%d/replay", fixture)), http.StatusNotFound, "not_found")

	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 40, 0, 59)
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d/replay", itNum(t, v, "id")))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	out := r.JSON(t)
	assert.Equal(t, "approved", out["stored_decision"])
	assert.Equal(t, true, out["rules_decision_same"])
}

// A replay speaks in dates: the grant's and the ceiling's days are
// YYYY-MM-DD, and null where the rules grant nothing (they read
// "0001-01-01T00:00:00Z"; a black-box pass).
func TestReplayDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 0, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d/replay", itNum(t, v, "id")))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)["replayed"].(map[string]any)
	assert.Equal(t, day(0), got["start"])
	assert.Equal(t, day(20), got["end"])
	assert.Equal(t, day(0), got["ceiling"].(map[string]any)["start"])

	p := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Johnson"], "service_code": "ATR-CM",
		"units": 40, "start_date": day(0), "end_date": day(59)})
	require.Equal(t, http.StatusCreated, p.Status, "%s", p.Body)
	require.Equal(t, "pended", p.JSON(t)["decision"])
	r = e.get(keyReviewer, itPath("/v1/voucher-requests/%d/replay", itID(t, p)))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got = r.JSON(t)["replayed"].(map[string]any)
	assert.Nil(t, got["start"], "nothing granted: null, not year 1")
	assert.Nil(t, got["end"])
	assert.NotContains(t, string(r.Body), "0001-01-01")
}

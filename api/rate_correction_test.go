package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rate entered wrong for today is corrected the same day: the
// correction names the rate it replaces and prices what comes after it;
// the replaced rate stays in the history. A black-box pass's typo
// (1200.00 for 12.00) could not be corrected before tomorrow: the one rate
// per day refused the correction.
func TestRateCorrectedTheSameDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/v1/reference/services/ATR-TR/rates"
	r := e.post(keyAdmin, path, map[string]any{"rate": "1200.00", "effective_from": day(0), "reason": "annual update"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	typo := itID(t, r)
	kim := e.demo.Clients["Kim"]
	v := itVoucher(t, e, keyHRA, kim, "ATR-TR", 2, 0, 10)
	assert.Equal(t, "1200.00", v["rate"], "priced at the typo until corrected")

	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"rate": "12.00", "effective_from": day(0), "reason": "typo"}),
			http.StatusConflict, "rate_exists_for_day")
		p := requireProblem(t, e.post(keyAdmin, path, map[string]any{"rate": "12.00", "effective_from": day(1), "reason": "typo", "corrects": typo}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_value", itFieldCode(p, "effective_from"))
		p = requireProblem(t, e.post(keyAdmin, "/v1/reference/services/ATR-CM/rates", map[string]any{"rate": "12.00", "reason": "typo", "corrects": typo}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "unknown_id", itFieldCode(p, "corrects"), "another service's rate")
		requireProblem(t, e.post(keyHRA, path, map[string]any{"rate": "12.00", "reason": "typo", "corrects": typo}), http.StatusForbidden, "forbidden")
		// A correction to the amount on file changes nothing and would
		// spend the rate's one correction (it was taken: a new-user
		// black-box pass).
		p = requireProblem(t, e.post(keyAdmin, path, map[string]any{"rate": "1200.00", "reason": "typo", "corrects": typo}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "unchanged", itFieldCode(p, "rate"))
	})

	r = e.post(keyAdmin, path, map[string]any{"rate": "12.00", "reason": "typo: meant 12.00", "corrects": typo})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	fixed := r.JSON(t)
	assert.Equal(t, day(0), fixed["effective_from"])
	assert.Equal(t, float64(typo), fixed["corrects"])
	v = itVoucher(t, e, keyHRA, kim, "ATR-TR", 2, 11, 20)
	assert.Equal(t, "12.00", v["rate"], "priced at the correction")

	var hist struct {
		Items []map[string]any `json:"items"`
	}
	e.get(keyHRA, path).Into(t, &hist)
	var replaced, inForce int
	for _, x := range hist.Items {
		if x["effective_from"] != day(0) {
			continue
		}
		if x["corrected_by"] != nil {
			replaced++
			assert.Equal(t, "1200.00", x["rate"])
			assert.Equal(t, fixed["id"], x["corrected_by"])
		} else {
			inForce++
			assert.Equal(t, "12.00", x["rate"])
		}
	}
	assert.Equal(t, 1, replaced, "the typo stays in the history")
	assert.Equal(t, 1, inForce)

	// A rate is corrected once: the correction is corrected in its turn.
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"rate": "13.00", "reason": "again", "corrects": typo}),
			http.StatusConflict, "rate_already_corrected")
	})
	r = e.post(keyAdmin, path, map[string]any{"rate": "12.50", "reason": "12.50 after all", "corrects": fixed["id"]})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
}

// A request pended while its rate was wrong is granted at the corrected
// rate: the correction says the rate never held, and an approval made
// after it granted the typo, a claim then paying 14,800.00 for 148.00 of
// service (a black-box pass). A rate dated back over a pended request's
// start since is no correction: the grant keeps the request's price. The
// request says both: `rate` the price it was submitted at, `granted_rate`
// its authorization's (it read the typo alone beside "approved", a
// black-box re-check).
func TestPendedRequestGrantedAtTheCorrectedRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/v1/reference/services/ATR-TR/rates"
	a := itATRClient(t, e, day(-40))
	r := e.post(keyAdmin, path, map[string]any{"rate": "1200.00", "effective_from": day(-20), "reason": "uplift"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	typo := itID(t, r)
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, -20, 10)
	require.Equal(t, "pended", v["decision"], "retro: %v", v)
	assert.Equal(t, "1200.00", v["rate"])
	assert.Contains(t, v, "granted_rate")
	assert.Nil(t, v["granted_rate"], "nothing granted yet")
	r = e.post(keyAdmin, path, map[string]any{"rate": "12.00", "effective_from": day(-20), "reason": "typo", "corrects": typo})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)

	// Priced at the correction, then a rate dated back over its start.
	kept := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 2, -18, 10)
	require.Equal(t, "pended", kept["decision"], "retro: %v", kept)
	assert.Equal(t, "12.00", kept["rate"])
	r = e.post(keyAdmin, path, map[string]any{"rate": "14.00", "effective_from": day(-19), "reason": "late contract"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)

	for _, c := range []struct {
		id              int64
		submitted, rate string
	}{{itNum(t, v, "id"), "1200.00", "12.00"}, {itNum(t, kept, "id"), "12.00", "12.00"}} {
		r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", c.id), map[string]any{"action": "approve", "note": "retro ok"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		d := r.JSON(t)
		require.Equal(t, "approved", d["decision"], "%v", d)
		auth := e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, d, "authorization_id")))
		require.Equal(t, http.StatusOK, auth.Status, "body: %s", auth.Body)
		assert.Equal(t, c.rate, auth.JSON(t)["rate"], "request %d", c.id)
		assert.Equal(t, []any{c.submitted, c.rate}, []any{d["rate"], d["granted_rate"]}, "request %d as decided", c.id)
		for _, key := range []string{keyHRA, keyReviewer} {
			got := e.get(key, itPath("/v1/voucher-requests/%d", c.id)).JSON(t)
			assert.Equal(t, []any{c.submitted, c.rate}, []any{got["rate"], got["granted_rate"]}, "request %d read", c.id)
		}
	}
	// A request the rules grant at submission is granted at its price.
	g := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 1, 0, 5)
	require.Equal(t, "approved", g["decision"], "%v", g)
	assert.Equal(t, []any{"14.00", "14.00"}, []any{g["rate"], g["granted_rate"]})
}

// A pended request's rate is told corrected by the rate it was priced at,
// not by its amount (an operations black-box pass): a typo corrected and
// another rate then dated back over the request's start granted the typo,
// and a rate never corrected read as corrected because another rate of
// its amount, dated back beside it, had been.
func TestPendedRequestRateToldByItsID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/v1/reference/services/ATR-TR/rates"
	rate := func(body map[string]any) int64 {
		t.Helper()
		r := e.post(keyAdmin, path, body)
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		return itID(t, r)
	}
	approve := func(v map[string]any) string {
		t.Helper()
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve", "note": "retro ok"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		d := r.JSON(t)
		require.Equal(t, "approved", d["decision"], "%v", d)
		return d["granted_rate"].(string)
	}

	// The typo corrected, then a rate dated back over the start: the
	// grant takes the correction, not the rate dated back since (it took
	// the rate in force on the start now until an operations pass saw a
	// corrected typo granted at a rate dated back).
	typo := rate(map[string]any{"rate": "1200.00", "effective_from": day(-30), "reason": "uplift"})
	first := itVoucher(t, e, keyHRA, itATRClient(t, e, day(-40)).Client, "ATR-TR", 5, -28, 10)
	require.Equal(t, "pended", first["decision"], "retro: %v", first)
	require.Equal(t, "1200.00", first["rate"])
	rate(map[string]any{"rate": "12.00", "effective_from": day(-30), "reason": "typo", "corrects": typo})
	rate(map[string]any{"rate": "14.00", "effective_from": day(-29), "reason": "late contract"})

	// Priced at a rate never corrected; another of its amount dated back
	// beside it and that one corrected.
	rate(map[string]any{"rate": "13.00", "effective_from": day(-20), "reason": "uplift"})
	second := itVoucher(t, e, keyHRA, itATRClient(t, e, day(-40)).Client, "ATR-TR", 5, -15, 10)
	require.Equal(t, "pended", second["decision"], "retro: %v", second)
	require.Equal(t, "13.00", second["rate"])
	twin := rate(map[string]any{"rate": "13.00", "effective_from": day(-17), "reason": "same again"})
	rate(map[string]any{"rate": "17.00", "effective_from": day(-17), "reason": "typo", "corrects": twin})

	assert.Equal(t, "12.00", approve(first), "the typo it was priced at never held; its correction did")
	assert.Equal(t, "13.00", approve(second), "the rate it was priced at was never corrected")
}

// A pended request priced at a typo is granted at the typo's correction,
// not at a rate dated back over its start after it was sent (an
// operations black-box pass: a 15.00 typo corrected to 14.00 granted the
// 16.00 dated back since). The correction says what the typo should have
// been; the rate dated back was not in force when the request was priced,
// and reprices nothing sent before it, corrected typo or not. Whichever
// came first, the correction or the rate dated back, and whatever the
// amount of the rate dated back (the typo's own included), the grant is
// the last correction of the rate the request was priced at.
func TestPendedRequestGrantedAtTheCorrectionNotARateDatedBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/v1/reference/services/ATR-TR/rates"
	rate := func(body map[string]any) int64 {
		t.Helper()
		r := e.post(keyAdmin, path, body)
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		return itID(t, r)
	}
	pended := func(start int, price string) map[string]any {
		t.Helper()
		v := itVoucher(t, e, keyHRA, itATRClient(t, e, day(-60)).Client, "ATR-TR", 5, start, 10)
		require.Equal(t, "pended", v["decision"], "retro: %v", v)
		require.Equal(t, price, v["rate"])
		return v
	}
	decide := func(v map[string]any, body map[string]any) string {
		t.Helper()
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), body)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		d := r.JSON(t)
		require.Contains(t, []any{"approved", "partial"}, d["decision"], "%v", d)
		auth := e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, d, "authorization_id"))).JSON(t)
		assert.Equal(t, d["granted_rate"], auth["rate"], "the authorization carries the granted rate")
		return d["granted_rate"].(string)
	}
	approve := map[string]any{"action": "approve", "note": "retro ok"}

	// The report: the rate dated back, then the typo corrected.
	typo := rate(map[string]any{"rate": "15.00", "effective_from": day(-50), "reason": "uplift"})
	reported := pended(-48, "15.00")
	rate(map[string]any{"rate": "16.00", "effective_from": day(-49), "reason": "late contract"})
	rate(map[string]any{"rate": "14.00", "effective_from": day(-50), "reason": "typo", "corrects": typo})

	// The rate dated back of the typo's amount: the rate in force on the
	// start reads as the price, and the typo is corrected all the same.
	typo = rate(map[string]any{"rate": "25.00", "effective_from": day(-40), "reason": "uplift"})
	twin := pended(-38, "25.00")
	rate(map[string]any{"rate": "25.00", "effective_from": day(-39), "reason": "late contract"})
	rate(map[string]any{"rate": "24.00", "effective_from": day(-40), "reason": "typo", "corrects": typo})

	// The correction corrected in its turn, then a rate dated back; the
	// reviewer's approve_modified keeping the start prices it the same.
	typo = rate(map[string]any{"rate": "35.00", "effective_from": day(-30), "reason": "uplift"})
	chain := pended(-28, "35.00")
	fix := rate(map[string]any{"rate": "33.00", "effective_from": day(-30), "reason": "typo", "corrects": typo})
	rate(map[string]any{"rate": "34.00", "effective_from": day(-30), "reason": "typo again", "corrects": fix})
	rate(map[string]any{"rate": "36.00", "effective_from": day(-29), "reason": "late contract"})

	assert.Equal(t, "14.00", decide(reported, approve), "the correction, not the 16.00 dated back")
	assert.Equal(t, "24.00", decide(twin, approve), "the correction, not the typo's amount dated back")
	assert.Equal(t, "34.00", decide(chain, map[string]any{"action": "approve_modified", "note": "fewer",
		"units": 3, "start_date": day(-28), "end_date": day(10)}), "the last correction")
	got := e.get(keyHRA, itPath("/v1/voucher-requests/%d", itNum(t, reported, "id"))).JSON(t)
	assert.Equal(t, []any{"15.00", "14.00"}, []any{got["rate"], got["granted_rate"]}, "submitted at the typo, granted at its correction")
}

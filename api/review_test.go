package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReviewQueueOldestFirstWithAge(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	first := itVoucher(t, e.env, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	e.clock.Advance(3 * time.Hour)
	second := itVoucher(t, e.env, keyHRA, e.demo.Clients["Brown"], "ATR-CM", 40, 0, 29)
	e.clock.Advance(27 * time.Hour)
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Williams"], "service_code": "RCM-CM",
		"units": 40, "start_date": day(0), "end_date": day(59), "staff_id": e.demo.Staff["Castillo"]})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	third := r.JSON(t)
	e.clock.Advance(20 * time.Hour)
	for _, v := range []map[string]any{first, second, third} {
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	}

	for _, key := range []string{keyReviewer, keyAdmin} {
		items := itItems(t, e.get(key, "/v1/review-queue"))
		pos := map[int64]int{}
		for i, it := range items {
			assert.Equal(t, "pended", it["decision"])
			assert.Contains(t, it, "age_hours")
			assert.Contains(t, it, "age_days")
			if i > 0 {
				assert.Greater(t, itNum(t, it, "id"), itNum(t, items[i-1], "id"), "the queue is in submission order")
			}
			pos[itNum(t, it, "id")] = i
		}
		want := []struct {
			v           map[string]any
			hours, days int64
		}{{first, 50, 2}, {second, 47, 1}, {third, 20, 0}}
		last := -1
		for _, w := range want {
			i, ok := pos[itNum(t, w.v, "id")]
			require.True(t, ok, "request %v is queued", w.v["id"])
			assert.Greater(t, i, last, "oldest first")
			last = i
			assert.Equal(t, w.hours, itNum(t, items[i], "age_hours"))
			assert.Equal(t, w.days, itNum(t, items[i], "age_days"))
		}
		// Walking the queue a page at a time gives the same list.
		ids := itWalk(t, e.env, key, "/v1/review-queue", 1)
		require.Len(t, ids, len(items))
		for i, id := range ids {
			assert.Equal(t, itNum(t, items[i], "id"), id)
		}
	}
	for _, key := range []string{keyHRA, keyFinance} {
		requireProblem(t, e.get(key, "/v1/review-queue"), http.StatusForbidden, "forbidden")
	}

	// A decided request leaves the queue.
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, first, "id")),
		map[string]any{"action": "deny", "note": "no follow-up on file"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	for _, it := range itItems(t, e.get(keyReviewer, "/v1/review-queue")) {
		assert.NotEqual(t, first["id"], it["id"])
	}
}

// The queue's filters are the query's: a page of /v1/review-queue?program=RCM
// holds the oldest RCM requests however many of other programs wait before
// them, and the cursor pages on through the matches only.
func TestReviewQueueFilters(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	demo := map[int64]bool{} // the demo data's own pended requests
	for _, id := range itWalk(t, e.env, keyReviewer, "/v1/review-queue", 50) {
		demo[id] = true
	}
	var atr []int64
	for _, c := range []string{"Johnson", "Brown"} {
		atr = append(atr, itNum(t, itVoucher(t, e.env, keyHRA, e.demo.Clients[c], "ATR-CM", 40, 0, 29), "id"))
	}
	e.clock.Advance(50 * time.Hour)
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Williams"], "service_code": "RCM-CM",
		"units": 40, "start_date": day(0), "end_date": day(59), "staff_id": e.demo.Staff["Castillo"]})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	rcm := r.JSON(t)
	require.Equal(t, "pended", rcm["decision"], "%v", rcm["reason_codes"])
	reason := rcm["reason_codes"].([]any)[0].(string)

	ids := func(path string) []int64 {
		t.Helper()
		var out []int64
		for _, id := range itWalk(t, e.env, keyReviewer, path, 1) {
			if !demo[id] {
				out = append(out, id)
			}
		}
		return out
	}
	require.NotContains(t, demo, itNum(t, rcm, "id"))
	first := itItems(t, e.get(keyReviewer, itPath("/v1/review-queue?program=RCM&provider_id=%d&limit=1", e.demo.Providers["HRA"])))
	require.Len(t, first, 1)
	assert.Equal(t, itNum(t, rcm, "id"), itNum(t, first[0], "id"), "the first page of one holds the RCM request, not the older ATR ones")
	assert.Equal(t, []int64{itNum(t, rcm, "id")}, ids("/v1/review-queue?program=RCM"))
	assert.Equal(t, atr, ids("/v1/review-queue?program=ATR"))
	assert.Equal(t, atr, ids("/v1/review-queue?min_age_days=2"), "waiting 50 hours is two whole days")
	assert.Empty(t, ids("/v1/review-queue?min_age_days=3"))
	assert.Contains(t, ids("/v1/review-queue?reason="+reason), itNum(t, rcm, "id"))
	assert.Len(t, ids(itPath("/v1/review-queue?provider_id=%d", e.demo.Providers["HRA"])), 3)
	assert.Empty(t, ids(itPath("/v1/review-queue?provider_id=%d", e.demo.Providers["BCS"])))
	assert.Empty(t, ids("/v1/review-queue?program=RSVP"))

	for q, field := range map[string]string{
		"program=atr": "program", "program=ATR%00": "program", "program=BOGUS": "program", "reason=NOT_A_CODE": "reason", "reason=CLAIM_INVALID_UNITS": "reason",
		"min_age_days=-1": "min_age_days", "min_age_days=two": "min_age_days", "min_age_days=3661": "min_age_days",
		"provider_id=0": "provider_id", "provider_id=x": "provider_id",
	} {
		p := requireProblem(t, e.get(keyReviewer, "/v1/review-queue?"+q), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{field}, itFieldErrors(t, p), q)
	}
	// A number out of range is out_of_range, as for limit; a provider's
	// stand-in code, stored with no request, is no filter (a black-box
	// pass: both answered wrongly).
	for q, code := range map[string]string{"min_age_days=-1": "out_of_range", "min_age_days=99999999999": "out_of_range",
		"min_age_days=3661": "out_of_range", "min_age_days=two": "invalid_value", "min_age_days=1e3": "invalid_value"} {
		p := requireProblem(t, e.get(keyReviewer, "/v1/review-queue?"+q), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, code, itFieldCode(p, "min_age_days"), q)
	}
	for _, code := range []string{"CONFLICT_ON_FILE", "GRANTED", "STAFF_NOT_QUALIFIED"} { // no pended request carries one
		requireProblem(t, e.get(keyReviewer, "/v1/review-queue?reason="+code), http.StatusUnprocessableEntity, "validation_failed")
	}
}

func TestReviewerDecisions(t *testing.T) {
	t.Parallel()
	note := "reviewed against the GPRA follow-up plan"
	cases := []struct {
		name      string
		body      map[string]any
		decision  string
		authUnits int // 0 when no authorization is created
		authStart string
		authEnd   string
	}{
		{name: "approve as asked", body: map[string]any{"action": "approve", "note": note},
			decision: "approved", authUnits: 40, authStart: day(0), authEnd: day(59)},
		{name: "approve modified with fewer units is partial",
			body:     map[string]any{"action": "approve_modified", "units": 20, "start_date": day(0), "end_date": day(59), "note": note},
			decision: "partial", authUnits: 20, authStart: day(0), authEnd: day(59)},
		{name: "approve modified with a shorter span is partial",
			body:     map[string]any{"action": "approve_modified", "units": 40, "start_date": day(0), "end_date": day(29), "note": note},
			decision: "partial", authUnits: 40, authStart: day(0), authEnd: day(29)},
		{name: "approve modified with everything asked is approved",
			body:     map[string]any{"action": "approve_modified", "units": 40, "start_date": day(0), "end_date": day(59), "note": note},
			decision: "approved", authUnits: 40, authStart: day(0), authEnd: day(59)},
		{name: "deny", body: map[string]any{"action": "deny", "note": note}, decision: "denied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
			require.Equal(t, "pended", v["decision"])
			id := itNum(t, v, "id")
			auths := e.count(`SELECT count(*) FROM authorizations`)

			r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), tc.body)
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			got := r.JSON(t)
			assert.Equal(t, tc.decision, got["decision"])
			assert.Equal(t, "pended", got["rules_decision"], "the rules' own decision is kept beside the reviewer's")
			assert.NotNil(t, got["decided_at"])
			review, ok := got["review"].(map[string]any)
			require.True(t, ok, "the decision carries the review: %s", r.Body)
			assert.Equal(t, tc.body["action"], review["action"])
			assert.Equal(t, note, review["note"])
			assert.NotNil(t, review["reviewer_key_id"], "the MSC sees which key decided")
			// The agency reads the review without the MSC's key id, as an
			// authorization's history (a black-box pass saw it).
			mine := e.get(keyHRA, itPath("/v1/voucher-requests/%d", id)).JSON(t)["review"].(map[string]any)
			assert.Equal(t, note, mine["note"])
			assert.NotContains(t, mine, "reviewer_key_id")
			assert.Equal(t, 1, e.count(`SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, id))
			assert.Equal(t, 1, itAudit(e, "decide", "voucher_request", itStr(id)))

			if tc.authUnits == 0 {
				assert.Nil(t, got["authorization_id"])
				assert.Nil(t, got["units_granted"])
				assert.Equal(t, auths, e.count(`SELECT count(*) FROM authorizations`))
			} else {
				assert.Equal(t, auths+1, e.count(`SELECT count(*) FROM authorizations`))
				assert.Equal(t, float64(tc.authUnits), got["units_granted"])
				require.NotNil(t, got["authorization_id"], "body: %s", r.Body)
				ar := e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, got, "authorization_id")))
				require.Equal(t, http.StatusOK, ar.Status, "body: %s", ar.Body)
				a := ar.JSON(t)
				assert.Equal(t, float64(tc.authUnits), a["units_authorized"])
				assert.Equal(t, float64(tc.authUnits), a["units_remaining"])
				assert.Equal(t, tc.authStart, a["start_date"])
				assert.Equal(t, tc.authEnd, a["end_date"])
				assert.Equal(t, "15.00", a["rate"])
			}
			// The provider sees the outcome on its request.
			pr := e.get(keyHRA, itPath("/v1/voucher-requests/%d", id))
			require.Equal(t, http.StatusOK, pr.Status)
			assert.Equal(t, tc.decision, pr.JSON(t)["decision"])

			// A request is decided once.
			requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id),
				map[string]any{"action": "deny", "note": "second thoughts"}), http.StatusConflict, "not_pended")
			assert.Equal(t, 1, e.count(`SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, id))
		})
	}
}

func TestReviewerDecisionRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pended := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	approved := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 40, 0, 59)
	pid, aid := itNum(t, pended, "id"), itNum(t, approved, "id")
	ok := map[string]any{"action": "approve", "note": "fine"}
	cases := []struct {
		name   string
		key    string
		id     int64
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{name: "provider key", key: keyHRA, id: pid, body: ok, status: http.StatusForbidden, code: "forbidden"},
		{name: "finance key", key: keyFinance, id: pid, body: ok, status: http.StatusForbidden, code: "forbidden"},
		{name: "admin key", key: keyAdmin, id: pid, body: ok, status: http.StatusForbidden, code: "forbidden"},
		{name: "a request the rules approved", key: keyReviewer, id: aid, body: ok, status: http.StatusConflict, code: "not_pended"},
		{name: "unknown request", key: keyReviewer, id: 999999, body: ok, status: http.StatusNotFound, code: "not_found"},
		{name: "no note", key: keyReviewer, id: pid, body: map[string]any{"action": "approve"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "note"},
		{name: "unknown action", key: keyReviewer, id: pid, body: map[string]any{"action": "rubber_stamp", "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "action"},
		{name: "more units than asked", key: keyReviewer, id: pid,
			body:   map[string]any{"action": "approve_modified", "units": 41, "start_date": day(0), "end_date": day(59), "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "units"},
		{name: "zero units", key: keyReviewer, id: pid,
			body:   map[string]any{"action": "approve_modified", "units": 0, "start_date": day(0), "end_date": day(59), "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "units"},
		{name: "end before start", key: keyReviewer, id: pid,
			body:   map[string]any{"action": "approve_modified", "units": 10, "start_date": day(10), "end_date": day(5), "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "end_date"},
		{name: "a later end than asked", key: keyReviewer, id: pid,
			body:   map[string]any{"action": "approve_modified", "units": 40, "start_date": day(0), "end_date": day(300), "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "end_date"},
		{name: "an earlier start than asked", key: keyReviewer, id: pid,
			body:   map[string]any{"action": "approve_modified", "units": 40, "start_date": day(-30), "end_date": day(59), "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "start_date"},
		{name: "units with a plain approve", key: keyReviewer, id: pid, body: map[string]any{"action": "approve", "units": 10, "note": "x"},
			status: http.StatusUnprocessableEntity, code: "validation_failed", field: "action"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(tc.key, itPath("/v1/voucher-requests/%d/decision", tc.id), tc.body), tc.status, tc.code)
				if tc.field != "" {
					assert.Contains(t, itFieldErrors(t, p), tc.field)
				}
			})
		})
	}
}

// A reviewer's approval of a request pended over the episode dollar cap
// records the exception and lifts the cap to what is now authorized.
func TestReviewerApprovesDollarCapException(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Brown"], "ATR-CM", 40, 0, 29)
	require.Equal(t, "pended", v["decision"])
	require.Contains(t, v["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "exception granted: housing transition"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "approved", r.JSON(t)["decision"])
	assert.Equal(t, 1, itAudit(e, "cap_exception", "episode", ""))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes e JOIN enrollments n ON n.episode_id = e.id
		WHERE n.client_id = $1 AND e.program_code = 'ATR' AND e.dollar_cap > 4000`, e.demo.Clients["Brown"]))
}

// A retro request pended for the dollar cap ends before the reviewer
// decides: its authorization counts by the units it used (none), and the
// cap rose by nothing; the exception now covers the whole grant, so the
// claims billed on it within the filing limit are paid.
func TestReviewerCapExceptionCoversAnEndedGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	itApproved(t, e, c.Client, itGrant{"ATR-CM", 96, 0, 29}, itGrant{"ATR-CM", 96, 30, 59}, itGrant{"ATR-TR", 40, 0, 29}) // 3,360.00 of 4,000.00
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 96, -20, -14)                                                        // 1,440.00
	require.Equal(t, "pended", v["decision"])
	require.ElementsMatch(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED", "RETRO_AUTHORIZATION"}, v["reason_codes"])
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "exception: services delivered"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var cap string
	require.NoError(t, e.db.Get(&cap, `SELECT dollar_cap::text FROM episodes WHERE id = $1`, c.Episode))
	assert.Equal(t, "4800.00", cap)
	assert.Equal(t, 1, itAudit(e, "cap_exception", "episode", itStr(c.Episode)))
	// Audited under the client, with the cap it rose to: the client's audit
	// trail did not show it, nor by how much (a reviewer black-box pass).
	events := itItems(t, e.get(keyAdmin, itPath("/v1/audit-events?client_id=%d&action=cap_exception", c.Client)))
	require.Len(t, events, 1, "the client's audit trail lists the exception")
	assert.Equal(t, "dollar_cap 4800.00", events[0]["outcome"])
	assert.Equal(t, float64(c.Client), events[0]["client_id"])
}

// A limit lowered while a request waits applies to the reviewer's grant:
// approve grants within the per-voucher maximum in force at the decision,
// a partial naming the limit, and an approve_modified past it is a 422.
// The documents said approve grants the ceiling read at submission (a
// reviewer black-box pass found the grant cut below it, unsaid).
func TestReviewerGrantsWithinALimitLoweredSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-40))
	first := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 5, -20, -18)
	second := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 5, -17, -15)
	for _, v := range []map[string]any{first, second} {
		require.Equal(t, "pended", v["decision"], "%v", v)
		assert.Equal(t, float64(5), v["ceiling"].(map[string]any)["units"])
	}
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_voucher_max": 3, "reason": "tightened"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	p := requireProblem(t, e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, second, "id")),
		map[string]any{"action": "approve_modified", "units": 5, "start_date": day(-17), "end_date": day(-15), "note": "all five"}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "out_of_range", itFieldCode(p, "units"))

	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, first, "id")),
		map[string]any{"action": "approve", "note": "trips to the clinic"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, "partial", got["decision"], "%v", got)
	assert.Equal(t, float64(3), got["units_granted"])
	var codes []any
	for _, x := range got["review"].(map[string]any)["reasons"].([]any) {
		codes = append(codes, x.(map[string]any)["code"])
	}
	assert.Contains(t, codes, "UNITS_OVER_VOUCHER_MAX")
}

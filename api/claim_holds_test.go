package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// minorsLine submits at HRA a paid ATR-TR line Okafor rendered to Nguyen
// (a minor) on day dos, and returns the claim's id.
func (e *env) minorsLine(number string, dos int) int64 {
	e.t.Helper()
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": e.demo.Clients["Nguyen"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "99",
		"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(dos), "units": 1, "charge": "12.00"}}})
	require.Equal(e.t, "paid", itLine(e.t, r)["status"], "%s", r.Body)
	return itID(e.t, r)
}

// heldBy lists the batch holds the key reads, by claim id.
func (e *env) heldBy(key, query string) map[int64]map[string]any {
	e.t.Helper()
	out := map[int64]map[string]any{}
	for _, it := range itItems(e.t, e.get(key, "/v1/batch-holds"+query)) {
		out[itNum(e.t, it, "claim_id")] = it
	}
	return out
}

// closeBatch closes a batch of the route through today and returns its id
// (0 when nothing waits: 409 nothing_to_batch).
func (e *env) closeBatch(route string) int64 {
	e.t.Helper()
	r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": route, "through_date": day(0)})
	if r.Status == http.StatusConflict {
		requireProblem(e.t, r, http.StatusConflict, "nothing_to_batch")
		return 0
	}
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(e.t, r)
}

// The paid lines adverse news leaves unqualified are held from batches: a
// re-check recorded a failed check over 29 paid lines, and the next
// register batch paid 25 of them. A claim no batch took yet is held (its
// line listed `held`), one already batched is past holding (listed, not
// held); the preview and the close leave the held one out, the agency and
// the MSC read why, another agency reads nothing, and the MSC (finance)
// releases it, after which the next batch takes it.
func TestAdverseNewsHoldsUnbatchedPaidClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	okafor := e.demo.Staff["Okafor"]
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Nguyen"], "ATR-TR", 4, -5, 10)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	sent := e.minorsLine("HOLD-SENT", -2)
	require.NotZero(t, e.closeBatch("payment_register"))
	require.True(t, e.batchClaims(e.lastBatch())[sent])
	waiting := e.minorsLine("HOLD-WAIT", -1)

	r := e.post(keyHRA, itPath("/v1/staff/%d/background-checks", okafor), map[string]any{"checked_on": day(-3), "result": "failed",
		"agency": "CT State Police"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{
		map[string]any{"claim_id": float64(sent), "claim_number": "HOLD-SENT", "line_number": float64(1), "staff_id": float64(okafor),
			"service_code": "ATR-TR", "date_of_service": day(-2), "held": false},
		map[string]any{"claim_id": float64(waiting), "claim_number": "HOLD-WAIT", "line_number": float64(1), "staff_id": float64(okafor),
			"service_code": "ATR-TR", "date_of_service": day(-1), "held": true},
	}, r.JSON(t)["paid_lines_unqualified"])
	assert.Equal(t, 1, itAudit(e, "hold", "claim", itStr(waiting)), "the hold is audited on its claim")
	assert.Zero(t, itAudit(e, "hold", "claim", itStr(sent)), "a batched claim is past holding")

	// Who reads it: the agency and the MSC, with why and what to do.
	for _, key := range []string{keyHRA, keyFinance, keyAdmin} {
		h := e.heldBy(key, "")
		require.Contains(t, h, waiting, key)
		assert.NotContains(t, h, sent, key)
		hold := h[waiting]["hold"].(map[string]any)
		assert.Equal(t, "rendered_unqualified", hold["code"])
		assert.Contains(t, hold["text"], "background check")
		assert.Contains(t, hold["next_step"], "void")
		assert.Len(t, h[waiting]["holds"], 1)
		assert.Equal(t, float64(1), h[waiting]["lines_waiting"])
	}
	assert.Contains(t, e.heldBy(keyFinance, "?payer_route=payment_register"), waiting)
	assert.NotContains(t, e.heldBy(keyFinance, "?payer_route=medicaid_837p"), waiting)
	assert.Empty(t, e.heldBy(keyBCS, ""), "another agency reads none of HRA's holds")
	assert.Empty(t, e.heldBy(keyBCS, itPath("?claim_id=%d", waiting)))

	// The preview counts as the close takes: nothing.
	p := e.get(keyFinance, "/v1/batches/preview?payer_route=payment_register&through_date="+day(0))
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	assert.Equal(t, float64(0), p.JSON(t)["claim_count"], "%s", p.Body)
	assert.Zero(t, e.closeBatch("payment_register"), "the held claim waits")

	// The MSC releases it (finance or admin, with a reason); a provider may not.
	release := itPath("/v1/batch-holds/%d/release", waiting)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyHRA, release, map[string]any{"reason": "mine"}), http.StatusForbidden, "forbidden")
		p := requireProblem(t, e.post(keyFinance, release, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "reason"))
		requireProblem(t, e.post(keyFinance, itPath("/v1/batch-holds/%d/release", sent), map[string]any{"reason": "x"}),
			http.StatusConflict, "not_held")
		requireProblem(t, e.post(keyFinance, "/v1/batch-holds/999999/release", map[string]any{"reason": "x"}),
			http.StatusNotFound, "not_found")
	})
	r = e.post(keyFinance, release, map[string]any{"reason": "the police report named another person"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, float64(waiting), got["claim_id"])
	assert.Equal(t, "rendered_unqualified", got["code"])
	assert.Equal(t, "the police report named another person", got["release_reason"])
	assert.NotNil(t, got["released_at"])
	assert.Equal(t, 1, itAudit(e, "release_hold", "claim", itStr(waiting)))
	requireProblem(t, e.post(keyFinance, release, map[string]any{"reason": "again"}), http.StatusConflict, "not_held")
	assert.NotContains(t, e.heldBy(keyHRA, ""), waiting)
	batch := e.closeBatch("payment_register")
	require.NotZero(t, batch)
	assert.True(t, e.batchClaims(batch)[waiting], "released: the next batch takes it")
}

// lastBatch is the id of the newest batch.
func (e *env) lastBatch() int64 {
	e.t.Helper()
	return itFixtureID(e.t, e, `SELECT max(id) FROM batches`)
}

// A void or a replacement of a held claim releases its hold (recorded as
// such), and a held replacement voided goes out at once with the
// take-back of its original (a hold must not keep money being given back:
// what waits of it is the reversal of what the payer has). On the 837P a
// claim held for both reasons names the staff record first and lists
// both; released by the MSC, the consent's hold still keeps it.
func TestHoldReleasedByVoidReplacementOrTheMSC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kowalski := e.demo.Staff["Kowalski"]
	orig := e.mhwClaim("Dubois", "UQ-ORIG")
	require.True(t, e.batchClaims(e.closeBatch("medicaid_837p"))[itNum(t, orig, "id")])
	claim := func(body map[string]any) int64 {
		t.Helper()
		body["client_id"], body["rendering_staff_id"], body["place_of_service"] = e.demo.Clients["Dubois"], kowalski, "12"
		body["diagnoses"] = []string{"F33.1"}
		r := e.post(keyECRA, "/v1/claims", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		return itNum(t, r.JSON(t), "id")
	}
	repl := claim(map[string]any{"claim_number": "UQ-REPL", "frequency": "7", "original_claim_id": orig["id"],
		"lines": []any{raLine(day(-5), 2, "14.50")}})
	toVoid := claim(map[string]any{"claim_number": "UQ-VOID", "lines": []any{raLine(day(-4), 1, "7.25")}})
	toReplace := claim(map[string]any{"claim_number": "UQ-TOREPL", "lines": []any{raLine(day(-3), 1, "7.25")}})
	kept := claim(map[string]any{"claim_number": "UQ-KEPT", "lines": []any{raLine(day(-2), 1, "7.25")}})

	training := itFixtureID(t, e, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND type = 'DMHAS_RECOVERY_ASSISTANT_TRAINING'`, kowalski)
	r := e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/reject", training), map[string]any{"reason": "training certificate forged"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	listed := map[int64]bool{}
	for _, l := range r.JSON(t)["paid_lines_unqualified"].([]any) {
		l := l.(map[string]any)
		held, _ := l["held"].(bool)
		listed[itNum(t, l, "claim_id")] = held
	}
	assert.Equal(t, map[int64]bool{repl: true, toVoid: true, toReplace: true, kept: true}, listed)
	h := e.heldBy(keyECRA, "")
	for _, id := range []int64{repl, toVoid, toReplace, kept} {
		require.Contains(t, h, id)
		assert.Contains(t, h[id]["hold"].(map[string]any)["text"], "credential")
	}

	// The held replacement voided: its take-back of the original waits, not held.
	r = e.post(keyECRA, itPath("/v1/claims/%d/void", repl), map[string]any{"claim_number": "UQ-REPL-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyECRA, itPath("/v1/claims/%d/void", toVoid), map[string]any{"claim_number": "UQ-VOID-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": "UQ-TOREPL-R", "client_id": e.demo.Clients["Dubois"],
		"frequency": "7", "original_claim_id": toReplace, "rendering_staff_id": kowalski, "place_of_service": "12",
		"diagnoses": []string{"F33.1"}, "lines": []any{raLine(day(-3), 1, "7.25")}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	h = e.heldBy(keyFinance, "")
	assert.NotContains(t, h, repl)
	assert.NotContains(t, h, toVoid)
	assert.NotContains(t, h, toReplace)
	require.Contains(t, h, kept)
	for id, why := range map[int64]string{repl: "voided", toVoid: "voided", toReplace: "replaced"} {
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM claim_holds WHERE claim_id = $1 AND released_at IS NOT NULL AND release_reason = $2`,
			id, why), "claim %d", id)
	}

	// Held for both reasons: the staff record first, both listed.
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'payer'`, e.demo.Clients["Dubois"])
	r = e.post(keyECRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "revoked in writing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = e.heldBy(keyFinance, itPath("?claim_id=%d", kept))
	require.Contains(t, h, kept)
	assert.Equal(t, "rendered_unqualified", h[kept]["hold"].(map[string]any)["code"])
	holds := h[kept]["holds"].([]any)
	require.Len(t, holds, 2)
	assert.Equal(t, "rendered_unqualified", holds[0].(map[string]any)["code"])
	assert.Equal(t, "payer_consent_missing", holds[1].(map[string]any)["code"])

	p := e.get(keyFinance, "/v1/batches/preview?payer_route=medicaid_837p&through_date="+day(0))
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	batch := e.closeBatch("medicaid_837p")
	require.NotZero(t, batch)
	in := e.batchClaims(batch)
	assert.True(t, in[repl], "the voided replacement's take-back of the original goes out")
	assert.False(t, in[kept], "held")
	closed := e.get(keyFinance, itPath("/v1/batches/%d", batch)).JSON(t)
	for _, k := range []string{"claim_count", "line_count", "billed", "paid"} {
		assert.Equal(t, closed[k], p.JSON(t)[k], "the preview counted what the close took: %s", k)
	}

	r = e.post(keyAdmin, itPath("/v1/batch-holds/%d/release", kept), map[string]any{"reason": "training found valid"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = e.heldBy(keyFinance, itPath("?claim_id=%d", kept))
	require.Contains(t, h, kept, "the consent still holds it")
	assert.Equal(t, "payer_consent_missing", h[kept]["hold"].(map[string]any)["code"])
	assert.Len(t, h[kept]["holds"], 1)
}

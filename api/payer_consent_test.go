package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mhwClaim authorizes and bills one MHW client of ECRA through the API and
// returns the claim as answered.
func (e *env) mhwClaim(client, number string) map[string]any {
	e.t.Helper()
	r := e.post(keyECRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients[client], "service_code": "MHW-RA",
		"units": 40, "start_date": day(-10), "end_date": day(30), "staff_id": e.demo.Staff["Kowalski"]})
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(e.t, "approved", r.JSON(e.t)["decision"], "%s", r.Body)
	r = e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": e.demo.Clients[client],
		"rendering_staff_id": e.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []string{"F33.1"},
		"lines": []any{raLine(day(-5), 4, "29.00")}})
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	c := r.JSON(e.t)
	require.Equal(e.t, "paid", c["status"], "%s", r.Body)
	return c
}

// batchClaims lists the claim ids a batch's 837P carries (from its lines).
func (e *env) batchClaims(batch int64) map[int64]bool {
	e.t.Helper()
	var ids []int64
	require.NoError(e.t, e.db.Select(&ids, `SELECT claim_id FROM batch_claims WHERE batch_id = $1 AND lines > 0`, batch))
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// An 837P is a disclosure to Medicaid: a client without a current consent
// naming the payer is held out of 837P batches, with a reason finance and
// the provider see, and goes into a later batch once one is on file.
func TestMedicaidBatchesHoldClientsWithoutPayerConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cohen := e.mhwClaim("Cohen", "PC-COHEN-1") // never signed one
	dubois := e.mhwClaim("Dubois", "PC-DUBOIS-1")
	ortiz := e.mhwClaim("Ortiz", "PC-ORTIZ-1")
	// Ortiz's consent naming the payer is revoked after the claim was paid.
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'payer'`, e.demo.Clients["Ortiz"])
	r := e.post(keyECRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "revoked in writing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	held := func(key string) map[float64]map[string]any {
		out := map[float64]map[string]any{}
		for _, it := range itItems(t, e.get(key, "/v1/batch-holds")) {
			out[it["claim_id"].(float64)] = it
		}
		return out
	}
	for _, key := range []string{keyFinance, keyECRA} {
		h := held(key)
		require.Contains(t, h, cohen["id"], key)
		require.Contains(t, h, ortiz["id"], key)
		assert.NotContains(t, h, dubois["id"], key)
		assert.Equal(t, "payer_consent_missing", h[cohen["id"].(float64)]["hold"].(map[string]any)["code"])
	}
	assert.Empty(t, held(keyBCS), "another agency sees none of ECRA's holds")

	// The provider asks after one claim: held, with the reason and what to do.
	one := itItems(t, e.get(keyECRA, itPath("/v1/batch-holds?claim_id=%d", itNum(t, cohen, "id"))))
	require.Len(t, one, 1)
	hold := one[0]["hold"].(map[string]any)
	assert.Equal(t, "payer_consent_missing", hold["code"])
	assert.NotEmpty(t, hold["text"])
	assert.NotEmpty(t, hold["next_step"])
	assert.Empty(t, itItems(t, e.get(keyECRA, itPath("/v1/batch-holds?claim_id=%d", itNum(t, dubois, "id")))))
	assert.Empty(t, itItems(t, e.get(keyBCS, itPath("/v1/batch-holds?claim_id=%d", itNum(t, cohen, "id")))))

	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := itID(t, r)
	in := e.batchClaims(first)
	assert.True(t, in[itNum(t, dubois, "id")])
	assert.False(t, in[itNum(t, cohen, "id")], "no consent naming the payer: held out")
	assert.False(t, in[itNum(t, ortiz, "id")], "a revoked consent stops the disclosure at once")
	file := e.get(keyFinance, itPath("/v1/batches/%d/file", first))
	require.Equal(t, http.StatusOK, file.Status)
	assert.NotContains(t, string(file.Body), "PC-COHEN-1")
	assert.NotContains(t, string(file.Body), "CT10000004", "Cohen's Medicaid id")

	// The batch's disclosure to the payer is accounted per client sent.
	d := itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", e.demo.Clients["Dubois"])))
	require.Len(t, d, 1)
	assert.Equal(t, "payer:CTMCD", d[0]["recipient"])
	assert.Equal(t, "batch", d[0]["entity_type"])
	assert.Equal(t, itStr(first), d[0]["entity_id"])
	assert.Equal(t, "payment", d[0]["purpose"])
	assert.Empty(t, itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", e.demo.Clients["Cohen"]))))

	// A consent to a payer names which one: read as any payer, a consent
	// Cohen signed for a commercial plan released her claim into the
	// Medicaid 837P (a Part 2 black-box pass). One naming no payer, or one
	// rss does not send to, is refused and writes nothing.
	payerConsent := map[string]any{"client_id": e.demo.Clients["Cohen"], "recipient_type": "payer",
		"recipient_name": "Aetna Better Health (commercial)", "purposes": []string{"payment"}, "information": "claims",
		"signed_on": day(0), "expires_on": day(365)}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyECRA, "/v1/consents", payerConsent), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "payer_route"))
		p = requireProblem(t, e.post(keyECRA, "/v1/consents", itWith(payerConsent, "payer_route", "aetna")),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_value", itFieldCode(p, "payer_route"))
		p = requireProblem(t, e.post(keyECRA, "/v1/consents", itWith(itWith(payerConsent, "recipient_type", "msc"), "payer_route", "medicaid_837p")),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_allowed", itFieldCode(p, "payer_route"))
	})
	assert.Contains(t, held(keyFinance), cohen["id"], "still held")

	// Cohen signs a consent naming the payer: the next batch takes her claim.
	r = e.post(keyECRA, "/v1/consents", itWith(itWith(payerConsent, "recipient_name", "Connecticut Medicaid"), "payer_route", "medicaid_837p"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.NotContains(t, held(keyFinance), cohen["id"])
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	second := itID(t, r)
	assert.True(t, e.batchClaims(second)[itNum(t, cohen, "id")])
	assert.False(t, e.batchClaims(second)[itNum(t, ortiz, "id")], "still held")
	assert.Len(t, itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", e.demo.Clients["Cohen"]))), 1)
}

// A replacement held for want of a payer consent and then voided carries
// only the take-back of the original the payer was sent (its own lines
// were never sent, and the void unbilled them): it goes out at once, as
// a void does, and is not held until a consent is signed that may never
// come (a black-box pass found the payer keeping the money meanwhile).
func TestVoidedHeldReplacementTakesBackWhatThePayerHas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig := e.mhwClaim("Dubois", "PC-HELD-1")
	r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.True(t, e.batchClaims(itID(t, r))[itNum(t, orig, "id")])

	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'payer'`, e.demo.Clients["Dubois"])
	r = e.post(keyECRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "revoked in writing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// What the agency records after the revocation never goes out: the
	// replacement's place of service and diagnosis, the client's new address.
	r = e.do(req{Method: http.MethodPatch, Path: itPath("/v1/clients/%d", e.demo.Clients["Dubois"]), Key: keyECRA,
		Body: map[string]any{"address_line1": "77 Shelter Road", "city": "New London", "zip": "06320"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": "PC-HELD-1R", "client_id": e.demo.Clients["Dubois"],
		"frequency": "7", "original_claim_id": orig["id"], "rendering_staff_id": e.demo.Staff["Kowalski"], "place_of_service": "11",
		"diagnoses": []string{"F20.9"}, "lines": []any{raLine(day(-5), 2, "14.50")}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	repl := itNum(t, r.JSON(t), "id")
	holds := itItems(t, e.get(keyFinance, itPath("/v1/batch-holds?claim_id=%d", repl)))
	require.Len(t, holds, 1, "the replacement discloses new lines: held")

	r = e.post(keyECRA, itPath("/v1/claims/%d/void", repl), map[string]any{"claim_number": "PC-HELD-1V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Empty(t, itItems(t, e.get(keyFinance, itPath("/v1/batch-holds?claim_id=%d", repl))), "only a take-back waits: not held")

	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	second := itID(t, r)
	assert.True(t, e.batchClaims(second)[repl])
	file := string(e.get(keyFinance, itPath("/v1/batches/%d/file", second)).Body)
	assert.Contains(t, file, "CLM*PC-HELD-1R*29.00***12:B:8*", "the original's 29.00 taken back, as a void of it, at its place of service")
	assert.Contains(t, file, "REF*F8*PC-HELD-1~")
	assert.NotContains(t, file, "14.5", "the replacement's own line was never sent and is not now")
	assert.Contains(t, file, "HI*ABK:F331~", "the original's diagnosis, as sent")
	assert.NotContains(t, file, "F209", "the held replacement's diagnosis never goes out")
	assert.NotContains(t, file, "Shelter", "nor the address recorded after the revocation")
	assert.Contains(t, file, "N3*100 Main Street~")
}

// A void goes out without a current consent (it takes back what the payer
// has), and repeats the loop it voids as it was sent: an address recorded
// since the consent was revoked is not disclosed with it (a black-box pass).
func TestVoidRepeatsTheLoopAsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig := e.mhwClaim("Dubois", "PC-VOID-1")
	r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'payer'`, e.demo.Clients["Dubois"])
	r = e.post(keyECRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "revoked in writing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.do(req{Method: http.MethodPatch, Path: itPath("/v1/clients/%d", e.demo.Clients["Dubois"]), Key: keyECRA,
		Body: map[string]any{"address_line1": "77 Shelter Road", "city": "New London", "zip": "06320"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyECRA, itPath("/v1/claims/%d/void", itNum(t, orig, "id")), map[string]any{"claim_number": "PC-VOID-1V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	file := string(e.get(keyFinance, itPath("/v1/batches/%d/file", itID(t, r))).Body)
	assert.Contains(t, file, "CLM*PC-VOID-1V*29.00***12:B:8*")
	assert.Contains(t, file, "N3*100 Main Street~", "the address the voided loop carried")
	assert.NotContains(t, file, "Shelter")
}

// A void repeats its loop's service lines as the payer has them: the
// procedure code and modifiers its original's batch froze, though the MSC
// has changed the service's since; a new claim of the same batch bills
// the code as it stands (a known gap until the nineteenth stop: the void
// carried the new code, which the payer could not match to its claim).
func TestVoidBillsTheProcedureCodeItsOriginalWentOutWith(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig := e.mhwClaim("Dubois", "PC-CODE-1")
	r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := string(e.get(keyFinance, itPath("/v1/batches/%d/file", itID(t, r))).Body)
	require.Contains(t, first, "SV1*HC:S5125:U1*29.00*UN*4***1~")
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/MHW-RA", Key: keyAdmin,
		Body: map[string]any{"procedure_code": "H0038", "modifiers": []string{"HQ"}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyECRA, itPath("/v1/claims/%d/void", itNum(t, orig, "id")), map[string]any{"claim_number": "PC-CODE-1V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": "PC-CODE-2", "client_id": e.demo.Clients["Dubois"],
		"rendering_staff_id": e.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []string{"F33.1"},
		"lines": []any{raLine(day(-4), 2, "14.50")}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	second := itID(t, r)
	file := string(e.get(keyFinance, itPath("/v1/batches/%d/file", second)).Body)
	assert.Contains(t, file, "CLM*PC-CODE-1V*29.00***12:B:8*")
	assert.Contains(t, file, "SV1*HC:S5125:U1*29.00*UN*4***1~", "the void's line as the payer has it")
	assert.Contains(t, file, "SV1*HC:H0038:HQ*14.50*UN*2***1~", "the new claim's line under the code as it stands")
	assert.NotContains(t, file, "H0038:HQ*29.00", "the void does not take back a line the payer never had")
	r = e.get(keyFinance, itPath("/v1/batches/%d", second))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// The held list tells finance what a hold keeps back: a replacement of a
// claim never sent waits with its own lines' money (amount_waiting), not
// its net of the original it reverses (total_paid), which the payer is
// never sent. The list read 7.25 where 14.50 waited (a finance black-box
// pass). A preview counts the route's held claims, and a close that finds
// nothing else says they wait, where it said nothing was waiting.
func TestHeldClaimsReadWhatWaits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cohen := e.mhwClaim("Cohen", "PC-WAIT-1") // never signed a consent naming the payer
	r := e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": "PC-WAIT-1R", "client_id": e.demo.Clients["Cohen"],
		"frequency": "7", "original_claim_id": itNum(t, cohen, "id"),
		"rendering_staff_id": e.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []string{"F33.1"},
		"lines": []any{raLine(day(-5), 4, "29.00"), raLine(day(-4), 4, "29.00")}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	repl := r.JSON(t)
	require.Equal(t, "paid", repl["status"], "%s", r.Body)

	held := itItems(t, e.get(keyFinance, itPath("/v1/batch-holds?claim_id=%d", itNum(t, repl, "id"))))
	require.Len(t, held, 1)
	assert.Equal(t, "payer_consent_missing", held[0]["hold"].(map[string]any)["code"])
	assert.Equal(t, repl["total_paid"], held[0]["total_paid"], "the claim's net")
	assert.Equal(t, "29.00", repl["total_paid"], "two lines paid, the original's reversed")
	assert.Equal(t, "58.00", held[0]["amount_waiting"], "both its lines wait; the original's reversal is never sent")
	assert.Equal(t, float64(2), held[0]["lines_waiting"])

	p := e.get(keyFinance, "/v1/batches/preview?payer_route=medicaid_837p&through_date="+day(0))
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	assert.Equal(t, float64(0), p.JSON(t)["claim_count"])
	assert.Equal(t, float64(1), p.JSON(t)["held_claims"])
	itNothingWritten(t, e, func() {
		prob := requireProblem(t, e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)}),
			http.StatusConflict, "nothing_to_batch")
		assert.Contains(t, prob["detail"], "1 claim(s) of the route through that day are held")
		assert.Contains(t, prob["detail"], "/v1/batch-holds?payer_route=medicaid_837p")
	})
	p = e.get(keyFinance, "/v1/batches/preview?payer_route=medicaid_837p&through_date="+day(-5))
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	assert.Equal(t, float64(0), p.JSON(t)["held_claims"], "a line after the through-date: no close through it would take the claim")
	p = e.get(keyFinance, "/v1/batches/preview?payer_route=payment_register&through_date="+day(0))
	require.Equal(t, http.StatusOK, p.Status, "%s", p.Body)
	assert.Equal(t, float64(0), p.JSON(t)["held_claims"], "another route's holds are not its")
}

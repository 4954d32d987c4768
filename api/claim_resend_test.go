package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/x12/x12test"
)

// A void the payer turns away is sent again through
// POST /v1/claims/{id}/resend, by the agency that owns it: refused while
// the void waits for its batch, by finance (403) and by another agency
// (404); 201 for the resend, the same request replayed, the same number
// again 200, another resend 409; the next batch's 837P carries it as a
// frequency-8 loop with REF*F8 the payer's reference of the original.
// Every answer matches the OpenAPI document.
func TestResendRejectedVoidAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	check := func(c oaCall) resp {
		t.Helper()
		w := oaValidate(t, e, doc, router, c)
		return resp{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	}
	x12 := map[string]string{"Content-Type": "application/edi-x12"}
	importFile := func(f []byte) {
		t.Helper()
		if f == nil {
			return
		}
		r := e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: f, Header: x12})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	closeBatch := func() []byte {
		t.Helper()
		r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		f := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", itID(t, r)))
		require.Equal(t, http.StatusOK, f.Status)
		return f.Body
	}
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("RS-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claimID := itID(t, r)
	ans1, err := x12test.Answer(closeBatch(), x12test.Scenario{Control: 1010})
	require.NoError(t, err)
	importFile(ans1.Ack277CA)
	importFile(ans1.Remit835)
	pcn := ans1.PayerControls["RS-1"]
	require.NotEmpty(t, pcn)

	r = e.post(keyECRA, fmt.Sprintf("/v1/claims/%d/void", claimID), map[string]any{"claim_number": "RS-1-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	voidID := itID(t, r)
	path := fmt.Sprintf("/v1/claims/%d/resend", voidID)
	requireProblem(t, check(oaCall{name: "resend of a void not sent", method: http.MethodPost, path: path, key: keyECRA,
		body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusConflict}), http.StatusConflict, "void_not_sent")
	requireProblem(t, check(oaCall{name: "resend of a claim not a void", method: http.MethodPost, path: fmt.Sprintf("/v1/claims/%d/resend", claimID),
		key: keyECRA, body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusConflict}), http.StatusConflict, "not_a_void")

	file2 := closeBatch()
	ans2, err := x12test.Answer(file2, x12test.Scenario{Control: 1020, FirstPayerControl: 100,
		Outcomes: map[string]x12test.Outcome{"RS-1-V": {Reject: "A7:164:IL"}}})
	require.NoError(t, err)
	importFile(ans2.Ack999)
	importFile(ans2.Ack277CA)

	used := e.count(`SELECT units_used FROM authorizations WHERE client_id = $1 AND service_code = 'MHW-RA'`, e.demo.Clients["Dubois"])
	requireProblem(t, check(oaCall{name: "resend by finance", method: http.MethodPost, path: path, key: keyFinance,
		body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusForbidden}), http.StatusForbidden, "forbidden")
	requireProblem(t, check(oaCall{name: "resend by another agency", method: http.MethodPost, path: path, key: keyHRA,
		body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusNotFound}), http.StatusNotFound, "not_found")
	w := check(oaCall{name: "resend", method: http.MethodPost, path: path, key: keyECRA, idemKey: "resend-1",
		body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusCreated})
	got := w.JSON(t)
	resendID := itID(t, w)
	assert.Equal(t, "8", got["frequency"])
	assert.Equal(t, float64(voidID), got["original_claim_id"])
	assert.Equal(t, "-14.50", got["total_paid"])
	w = check(oaCall{name: "resend replayed", method: http.MethodPost, path: path, key: keyECRA, idemKey: "resend-1",
		body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusCreated})
	assert.Equal(t, "true", w.Header.Get("Idempotent-Replayed"))
	w = check(oaCall{name: "resend on file", method: http.MethodPost, path: path, key: keyECRA,
		body: map[string]any{"claim_number": "RS-1-V2"}, want: http.StatusOK})
	assert.Equal(t, float64(resendID), w.JSON(t)["id"])
	twice := requireProblem(t, check(oaCall{name: "resend twice", method: http.MethodPost, path: path, key: keyECRA,
		body: map[string]any{"claim_number": "RS-1-V3"}, want: http.StatusConflict}), http.StatusConflict, "already_superseded")
	assert.Equal(t, map[string]any{"type": "claim", "id": float64(resendID)}, twice["existing"], "the agency's own resend, named")
	assert.Equal(t, used, e.count(`SELECT units_used FROM authorizations WHERE client_id = $1 AND service_code = 'MHW-RA'`, e.demo.Clients["Dubois"]),
		"a resend releases nothing")
	v := e.get(keyECRA, fmt.Sprintf("/v1/claims/%d", voidID)).JSON(t)
	assert.Equal(t, "replaced", v["status"])
	assert.Equal(t, float64(resendID), v["superseded_by"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'resend' AND entity_type = 'claim' AND entity_id = $1`,
		fmt.Sprint(resendID)))

	file3 := string(closeBatch())
	assert.Contains(t, file3, "CLM*RS-1-V2*14.50***12:B:8*", "a frequency-8 loop")
	assert.Contains(t, file3, "REF*F8*"+pcn+"~", "voiding the original as the payer knows it")
	assert.NotContains(t, file3, "CLM*RS-1-V*")
	assert.Equal(t, 1, strings.Count(file3, "CLM*"))
}

// A void the payer answers with a payment (the 835 pays the void's loop as
// if it were a claim, kept aside as void_paid) reads that answer on the
// void, in its payer block and its remittance advice, with what the payer
// paid on it apart from `paid`, and is sent again. It read `payer` null
// and `payer_status` null, and the resend was refused void_not_rejected:
// a dead end, the original's payment standing at the payer (a payer
// black-box pass). Every answer matches the OpenAPI document.
func TestResendPaidVoidAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	check := func(c oaCall) resp {
		t.Helper()
		w := oaValidate(t, e, doc, router, c)
		return resp{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	}
	x12 := map[string]string{"Content-Type": "application/edi-x12"}
	importFile := func(f []byte) {
		t.Helper()
		if f == nil {
			return
		}
		r := e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: f, Header: x12})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	closeBatch := func() (int64, []byte) {
		t.Helper()
		r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		f := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", itID(t, r)))
		require.Equal(t, http.StatusOK, f.Status)
		return itID(t, r), f.Body
	}
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("RP-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claimID := itID(t, r)
	_, file1 := closeBatch()
	ans1, err := x12test.Answer(file1, x12test.Scenario{Control: 1110})
	require.NoError(t, err)
	importFile(ans1.Ack277CA)
	importFile(ans1.Remit835)
	pcn := ans1.PayerControls["RP-1"]
	require.NotEmpty(t, pcn)

	r = e.post(keyECRA, fmt.Sprintf("/v1/claims/%d/void", claimID), map[string]any{"claim_number": "RP-1-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	voidID := itID(t, r)
	batch2, file2 := closeBatch()
	require.Contains(t, string(file2), "CLM*RP-1-V*14.50***12:B:8*")
	// The payer pays the void's loop as a claim (its charge, CLP02 1)
	// instead of reversing the original.
	ans2, err := x12test.Answer(file2, x12test.Scenario{Control: 1120, FirstPayerControl: 100})
	require.NoError(t, err)
	require.Contains(t, string(ans2.Remit835), "CLP*RP-1-V*1*14.50*14.50*")
	importFile(ans2.Ack999)
	importFile(ans2.Ack277CA)
	importFile(ans2.Remit835)

	v := check(oaCall{name: "the paid void", method: http.MethodGet, path: fmt.Sprintf("/v1/claims/%d", voidID), key: keyECRA,
		want: http.StatusOK}).JSON(t)
	payer, ok := v["payer"].(map[string]any)
	require.True(t, ok, "the payer's answer shows on the void: %v", v["payer"])
	assert.Equal(t, "void_paid", payer["status"])
	assert.Equal(t, "0.00", payer["paid"], "nothing posted")
	assert.Equal(t, map[string]any{"charge": "14.50", "paid": "14.50"}, payer["void_paid"])
	assert.Equal(t, ans2.PayerControls["RP-1-V"], payer["payer_claim_control_number"])
	assert.Equal(t, []any{"CLP02:1"}, payer["status_codes"])
	o := check(oaCall{name: "the original", method: http.MethodGet, path: fmt.Sprintf("/v1/claims/%d", claimID), key: keyECRA,
		want: http.StatusOK}).JSON(t)
	assert.Nil(t, o["payer"].(map[string]any)["void_paid"], "null on a claim the payer did not pay as a void")
	advice := check(oaCall{name: "the advice", method: http.MethodGet, key: keyECRA, want: http.StatusOK,
		path: fmt.Sprintf("/v1/batches/%d/remittance/%d?format=json", batch2, e.demo.Providers["ECRA"])}).JSON(t)
	claims := advice["claims"].([]any)
	require.Len(t, claims, 1)
	for _, l := range claims[0].(map[string]any)["lines"].([]any) {
		assert.Equal(t, "void_paid", l.(map[string]any)["payer_status"])
	}
	assert.Equal(t, "0.00", advice["totals"].(map[string]any)["payer_paid"], "Medicaid's paid counts none of it")

	w := check(oaCall{name: "resend of the paid void", method: http.MethodPost, path: fmt.Sprintf("/v1/claims/%d/resend", voidID),
		key: keyECRA, body: map[string]any{"claim_number": "RP-1-V2"}, want: http.StatusCreated})
	assert.Equal(t, float64(voidID), w.JSON(t)["original_claim_id"])
	_, file3 := closeBatch()
	assert.Contains(t, string(file3), "CLM*RP-1-V2*14.50***12:B:8*", "a frequency-8 loop")
	assert.Contains(t, string(file3), "REF*F8*"+pcn+"~", "voiding the original as the payer knows it, not the payment of the void")
}

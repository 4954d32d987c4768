package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/x12"
	"rss/x12/x12test"
)

// TestAdvicePaymentsAPI: once Medicaid's 835 pays a batch, the agency's
// remittance advice lists the payment with the recoupment (PLB) it
// withheld, as the OpenAPI document describes it; another agency's key
// still gets a 404, and its own advice lists no payment of ECRA's.
func TestAdvicePaymentsAPI(t *testing.T) {
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
	x12h := map[string]string{"Content-Type": "application/edi-x12"}
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("AP-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	batchID := itID(t, r)
	file := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", batchID))
	require.Equal(t, http.StatusOK, file.Status)
	var npi string
	require.NoError(t, e.db.GetContext(t.Context(), &npi, `SELECT npi FROM providers WHERE id = $1`, e.demo.Providers["ECRA"]))
	ans, err := x12test.Answer(file.Body, x12test.Scenario{Control: 1210,
		PLB: []x12.ProviderAdjustment{{Provider: npi, Reason: "WO", Reference: "RECOUP1", Amount: decimal.RequireFromString("5.00")}}})
	require.NoError(t, err)
	for _, f := range [][]byte{ans.Ack277CA, ans.Remit835} {
		r := e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: f, Header: x12h})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}

	advice := fmt.Sprintf("/v1/batches/%d/remittance/%d?format=json", batchID, e.demo.Providers["ECRA"])
	w := check(oaCall{name: "advice with a payment", method: http.MethodGet, path: advice, key: keyECRA, want: http.StatusOK})
	a := w.JSON(t)
	pays := a["payments"].([]any)
	require.Len(t, pays, 1, "%s", w.Body)
	p := pays[0].(map[string]any)
	assert.Equal(t, "14.50", p["claims_paid"])
	assert.Equal(t, "14.50", p["claims_paid_total"])
	assert.Equal(t, "9.50", p["amount"], "14.50 paid less 5.00 withheld")
	plb := p["provider_adjustments"].([]any)
	require.Len(t, plb, 1)
	assert.Equal(t, "WO", plb[0].(map[string]any)["reason"])
	assert.Equal(t, "RECOUP1", plb[0].(map[string]any)["reference"])
	assert.Equal(t, "5.00", plb[0].(map[string]any)["amount"])
	assert.Equal(t, "5.00", a["totals"].(map[string]any)["provider_adjustments"])
	requireProblem(t, e.get(keyHRA, advice), http.StatusNotFound, "not_found")
}

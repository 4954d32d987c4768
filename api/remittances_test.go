package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An agency finds the batches that report its claims, a batch reporting
// only its denials too: a claim denied whole names no batch (none took its
// lines) and a provider may not list batches, so an agency whose claims in
// a batch were all denied had no way to the advice (a new-user pass).
// Another agency's list is not found, as an unknown agency's is.
func TestAnAgencyListsTheBatchesThatReportItsClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("RL-PAID", cmLine(day(-3), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	// No authorization: the rules deny BCS's claim whole (197).
	r = e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "RL-DENIED", "client_id": e.demo.Clients["Moreau/BCS"],
		"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1, "charge": "15.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	denied := r.JSON(t)
	require.Equal(t, "denied", denied["status"])
	bcs := e.demo.Providers["BCS"]
	path := itPath("/v1/providers/%d/remittances", bcs)
	assert.Empty(t, e.get(keyBCS, path).JSON(t)["items"], "no batch yet")

	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	batch := itID(t, r)
	assert.Nil(t, e.get(keyBCS, itPath("/v1/claims/%v", denied["id"])).JSON(t)["batch_id"], "a claim denied whole names no batch")

	got := e.get(keyBCS, path)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	list := got.JSON(t)["items"].([]any)
	require.Len(t, list, 1)
	row := list[0].(map[string]any)
	assert.EqualValues(t, batch, row["batch_id"])
	assert.EqualValues(t, bcs, row["provider_id"])
	assert.Equal(t, "payment_register", row["payer_route"])
	assert.EqualValues(t, 0, row["claim_count"], "a batch that reports only denials pays none of the agency's claims")
	// The advice it names reports the denied claim.
	adv := e.get(keyBCS, itPath("/v1/batches/%d/remittance/%d?format=json", batch, bcs))
	require.Equal(t, http.StatusOK, adv.Status, "%s", adv.Body)
	assert.Contains(t, string(adv.Body), "RL-DENIED")

	// A batch holding none of an agency's claims reads to it as one that
	// does not exist: "batch N" beside "remittance advice of batch N"
	// told it which batches others' claims went out in (a payer black-box
	// pass of the forty-fourth stop).
	ecra := e.demo.Providers["ECRA"]
	none := requireProblem(t, e.get(keyECRA, itPath("/v1/batches/%d/remittance/%d", batch, ecra)), http.StatusNotFound, "not_found")
	unknown := requireProblem(t, e.get(keyECRA, itPath("/v1/batches/%d/remittance/%d", batch+1000, ecra)), http.StatusNotFound, "not_found")
	assert.Equal(t, none["detail"], strings.ReplaceAll(unknown["detail"].(string), itStr(batch+1000), itStr(batch)))

	// Another agency's list reads as an unknown agency's; finance reads any.
	requireProblem(t, e.get(keyHRA, path), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyHRA, "/v1/providers/999999/remittances"), http.StatusNotFound, "not_found")
	assert.Len(t, e.get(keyFinance, path).JSON(t)["items"], 1)
	requireProblem(t, e.get(keyFinance, "/v1/providers/999999/remittances"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyReviewer, path), http.StatusForbidden, "forbidden")
	p := requireProblem(t, e.get(keyBCS, path+"?page=2"), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "unknown_parameter", itFieldCode(p, "page"))
}

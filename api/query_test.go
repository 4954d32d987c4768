package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The query and path ids every route reads: only the canonical spelling,
// only known parameters, each once, and a query Go cannot parse refused.

// A path id "+1" or "01" was read as 1: one record answered at several
// addresses. Only the canonical spelling names it now; the others are the
// 404 an id that does not exist gets (a query id, the 422 of a bad value).
func TestNonCanonicalIDsAreRefused(t *testing.T) {
	e := newEnv(t)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 40, 0, 59)
	id := itStr(itNum(t, v, "id"))
	client := itStr(e.demo.Clients["Rivera"])
	require.Equal(t, http.StatusOK, e.get(keyHRA, "/v1/voucher-requests/"+id).Status)
	require.Equal(t, http.StatusOK, e.get(keyHRA, "/v1/clients/"+client).Status)
	for _, p := range []string{"/v1/voucher-requests/+" + id, "/v1/voucher-requests/0" + id, "/v1/voucher-requests/00" + id,
		"/v1/clients/+" + client, "/v1/clients/0" + client, "/v1/voucher-requests/0" + id + "/replay"} {
		requireProblem(t, e.get(keyHRA, p), http.StatusNotFound, "not_found")
	}
	for _, q := range []string{"0" + client, "+" + client} {
		p := requireProblem(t, e.get(keyHRA, "/v1/voucher-requests?client_id="+url.QueryEscape(q)), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{"client_id"}, itFieldErrors(t, p))
	}
	requireProblem(t, e.get(keyReviewer, "/v1/reports/pended-queue?provider_id=0"+itStr(e.demo.Providers["HRA"])),
		http.StatusUnprocessableEntity, "validation_failed")
}

// The lists read their filters and ignored anything else, so a misspelt
// filter (?client=7 for ?client_id=7) answered the whole list as if it had
// narrowed it; the reports refused it. The lists refuse it now, as the
// reports do, and a filter given twice.
func TestListsRefuseUnknownQueryParameters(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ key, path, known string }{
		{keyHRA, "/v1/voucher-requests", "client_id=1&status=pended&limit=5"},
		{keyHRA, "/v1/authorizations", "client_id=1&service_code=ATR-CM&status=active"},
		{keyHRA, "/v1/claims", "client_id=1&status=denied&service_from=" + day(-30)},
		{keyHRA, "/v1/clients", "limit=2"},
		{keyReviewer, "/v1/review-queue", "limit=2"},
		{keyFinance, "/v1/batches", "payer_route=medicaid_837p"},
		{keyFinance, "/v1/batch-holds", "claim_id=1"},
		{keyFinance, "/v1/payer-files", "kind=835"},
		{keyAdmin, "/v1/verification-queue", "kind=credentials"},
		{keyHRA, "/v1/discharge-reasons", "program_code=ATR"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := e.get(tc.key, tc.path+"?"+tc.known)
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			p := requireProblem(t, e.get(tc.key, tc.path+"?"+tc.known+"&client=7"), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "unknown_parameter", itFieldCode(p, "client"))
			first := strings.SplitN(tc.known, "&", 2)[0]
			p = requireProblem(t, e.get(tc.key, tc.path+"?"+tc.known+"&"+first), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "repeated", itFieldCode(p, strings.SplitN(first, "=", 2)[0]))
			// Many unknown names are listed as a body's problems are: 100,
			// then one saying more were found, each name clipped (5,000
			// drew 5,000 entries: a reports black-box pass).
			var many strings.Builder
			for i := range 300 {
				fmt.Fprintf(&many, "&x%d%s=1", i, strings.Repeat("n", 200))
			}
			p = requireProblem(t, e.get(tc.key, tc.path+"?"+tc.known+many.String()), http.StatusUnprocessableEntity, "validation_failed")
			errs := p["errors"].([]any)
			require.Len(t, errs, 101)
			assert.Equal(t, "too_many_errors", errs[100].(map[string]any)["code"])
			assert.Less(t, len(errs[0].(map[string]any)["field"].(string)), 110, "a name is clipped")
			// Past the 10,000 pairs net/url reads, said as such (it read as a
			// malformed query: a re-check).
			p = requireProblem(t, e.get(tc.key, tc.path+"?"+tc.known+strings.Repeat("&x=1", 10000)), http.StatusUnprocessableEntity,
				"validation_failed")
			assert.Equal(t, "too_many", itFieldCode(p, "query"))
		})
	}
}

// A query pair Go's URL.Query cannot read (a semicolon, a bad escape) was
// dropped without a word: ?client_id=10;status=pended or ?%zzprovider_id=1
// answered the whole list or report as if nothing narrowed it. Such a
// query is a 422 now, on every route, before a handler reads it.
func TestMalformedQueryIsRefused(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/v1/voucher-requests?client_id=1;status=pended",
		"/v1/voucher-requests?%zzclient_id=1",
		"/v1/voucher-requests?client_id=%zz",
		"/v1/reports/utilization?from=" + day(-30) + "&to=" + day(0) + "&%zzprovider_id=1",
		"/v1/reports/caseload?as_of=" + day(0) + ";program=ATR",
	} {
		p := requireProblem(t, e.get(keyReviewer, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "malformed", itFieldCode(p, "query"), path)
	}
	r := e.get(keyReviewer, "/v1/voucher-requests?client_id=1&status=pended")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// The reconciliation and the remittance advice read their query by name
// and ignored the rest: ?provider=1&provider=2 reconciled provider 1 alone
// and ?batch=1&provder=2 the whole batch, answered as if filtered. Both
// refuse, as the lists and reports do, an unknown or repeated parameter.
func TestReconciliationAndAdviceRefuseUnknownQuery(t *testing.T) {
	e := newEnv(t)
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("RA-Q-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	batch, ecra := itID(t, r), e.demo.Providers["ECRA"]
	rec := itPath("/v1/reconciliation?batch=%d", batch)
	advice := itPath("/v1/batches/%d/remittance/%d", batch, ecra)
	for _, ok := range []string{rec, rec + "&format=csv", advice, advice + "?format=csv"} {
		r := e.get(keyFinance, ok)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", ok, r.Body)
	}
	for _, tc := range []struct{ path, field, code string }{
		{rec + "&provder=2", "provder", "unknown_parameter"},
		{itPath("/v1/reconciliation?from=%s&to=%s&provider=%d&provider=1", day(-30), day(0), ecra), "provider", "repeated"},
		{advice + "?format=csv&format=json", "format", "repeated"},
		{advice + "?fromat=csv", "fromat", "unknown_parameter"},
	} {
		p := requireProblem(t, e.get(keyFinance, tc.path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, tc.code, itFieldCode(p, tc.field), tc.path)
	}
}

// GET /v1/reports/gpra-follow-up took no parameter and ignored any:
// ?format=csv answered JSON and ?provider_id=1 every provider's rates.
// Like the other reports it refuses them now.
func TestFollowupRatesRefuseQuery(t *testing.T) {
	e := newEnv(t)
	r := e.get(keyReviewer, "/v1/reports/gpra-follow-up")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, q := range []string{"format", "provider_id"} {
		p := requireProblem(t, e.get(keyReviewer, "/v1/reports/gpra-follow-up?"+q+"=1"), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "unknown_parameter", itFieldCode(p, q))
	}
}

// The reference lists and every other GET without filters read no query
// and ignored any: /v1/reference/services?program_code=ATR answered every
// service and /v1/reason-codes?kind=claim the voucher codes first, as if
// filtered (a black-box pass). Every GET under /v1 in the document now
// refuses a parameter it does not take, the single-record reads included
// (/v1/batches/1/file?format=x answered the file).
func TestEveryGetRefusesUnknownQueryParameters(t *testing.T) {
	e := newEnv(t)
	doc := oaDoc(t)
	fill := strings.NewReplacer("{code}", "ATR", "/services/ATR", "/services/ATR-CM")
	for path, item := range doc.Paths.Map() {
		if item.Get == nil || !strings.HasPrefix(path, "/v1/") {
			continue
		}
		t.Run(path, func(t *testing.T) {
			// Ids are read for their spelling before the query, records
			// after it: 1 names one whether or not it exists.
			p := fill.Replace(path)
			for strings.Contains(p, "{") {
				i := strings.Index(p, "{")
				p = p[:i] + "1" + p[strings.Index(p, "}")+1:]
			}
			itNothingWritten(t, e, func() {
				pr := requireProblem(t, e.get(keyAdmin, p+"?zz_unknown=1"), http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, "unknown_parameter", itFieldCode(pr, "zz_unknown"), "%v", pr)
			})
		})
	}
}

package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// Defects found by the black-box campaign of a new user, each held by a
// test that failed before its fix.

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

// A rate may be as large as the ledger's amounts (9,999,999,999.99); a few
// units of it pend on the dollar cap, and a reviewer's approval raised the
// episode's cap past what NUMERIC(12,2) holds: a 500 from the database.
// The approval is now a 409 that writes nothing, and the request stays
// pended for a smaller approval.
func TestApprovalPastLargestEpisodeCap(t *testing.T) {
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/services/ATR-CM/rates",
		map[string]any{"rate": "9999999999.99", "effective_from": day(1), "reason": "typo of an admin"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 2, 1, 30)
	require.Equal(t, "pended", v["decision"])
	require.Contains(t, v["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "exception"}),
			http.StatusConflict, "cap_out_of_range")
		assert.Contains(t, p["detail"], "19999999999.98")
	})
	// One unit fits the largest cap: approved, the cap raised to it.
	r = e.post(keyReviewer, path, map[string]any{"action": "approve_modified", "units": 1, "start_date": day(1), "end_date": day(30), "note": "one unit"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "partial", r.JSON(t)["decision"])
}

// Each line's charge may be up to 99,999,999.99 and a claim may carry 200
// lines, but claims.total_charge holds at most 9,999,999,999.99: 101 lines
// at the largest charge were a 500 from the database. The total is now
// checked with the lines (422, nothing written), alone and in a bulk.
func TestClaimTotalPastLargestAmount(t *testing.T) {
	e := newEnv(t)
	lines := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = cmLine(day(-1), 1, "99999999.99")
		}
		return out
	}
	itNothingWritten(t, e, func() {
		r := e.post(keyHRA, "/v1/claims", e.riveraClaim("BIG-101", lines(101)...))
		p := requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{"lines"}, itFieldErrors(t, p))
		assert.Equal(t, "out_of_range", itFieldCode(p, "lines"))
		assert.Contains(t, string(r.Body), "10099999998.99") // 101 × 99,999,999.99
	})

	r := e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{e.riveraClaim("BIG-B", lines(101)...)}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var out struct {
		Results []struct {
			Status  int            `json:"status"`
			Problem map[string]any `json:"problem"`
		} `json:"results"`
	}
	r.Into(t, &out)
	require.Len(t, out.Results, 1)
	assert.Equal(t, http.StatusUnprocessableEntity, out.Results[0].Status)
	assert.Equal(t, "out_of_range", itFieldCode(out.Results[0].Problem, "lines"))
	assert.Zero(t, e.count(`SELECT count(*) FROM claims WHERE claim_number LIKE 'BIG-%'`))

	// 100 lines at the largest charge total 9,999,999,999.00: taken.
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("BIG-100", lines(100)...))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.Equal(t, "9999999999.00", r.JSON(t)["total_charge"])
}

// A report chose CSV whenever Accept named text/csv, weights ignored:
// "text/csv;q=0" (CSV refused) and a JSON weighed above CSV both got CSV.
func TestReportAcceptWeights(t *testing.T) {
	e := newEnv(t)
	path := "/v1/reports/gpra?from=" + day(-60) + "&to=" + day(0)
	for _, tc := range []struct {
		name, accept, want string
	}{
		{name: "csv", accept: "text/csv", want: "text/csv; charset=utf-8"},
		{name: "csv refused", accept: "text/csv;q=0", want: "application/json; charset=utf-8"},
		{name: "csv refused, json taken", accept: "text/csv;q=0, application/json", want: "application/json; charset=utf-8"},
		{name: "json weighed above csv", accept: "text/csv;q=0.1, application/json;q=0.9", want: "application/json; charset=utf-8"},
		{name: "anything weighed above csv", accept: "text/csv;q=0.5, */*", want: "application/json; charset=utf-8"},
		{name: "csv weighed above json", accept: "application/json;q=0.5, text/csv", want: "text/csv; charset=utf-8"},
		{name: "a tie goes to the csv named", accept: "application/json, text/csv", want: "text/csv; charset=utf-8"},
		{name: "a weight that is no number is ignored", accept: "text/csv;q=NaN", want: "application/json; charset=utf-8"},
		{name: "no accept", accept: "", want: "application/json; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{Method: http.MethodGet, Path: path, Key: keyReviewer, Header: map[string]string{"Accept": tc.accept}})
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			assert.Equal(t, tc.want, r.Header.Get("Content-Type"))
		})
	}
}

// A program without a dollar cap still adds every payment to
// episodes.dollars_paid, NUMERIC(12,2). With a rate at the largest amount,
// 100 lines at the largest charge filled it to 9,999,999,999.00 and the
// next paid line was a 500 from the database. That line now meets the
// column's limit as the episode's cap: CLAIM_CAP_REACHED, the rest stored.
func TestUncappedEpisodePastLargestAmount(t *testing.T) {
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/services/EMP-SED/rates",
		map[string]any{"rate": "9999999999.99", "effective_from": day(0), "reason": "typo of an admin"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/EMP-SED", Key: keyAdmin, Body: map[string]any{"per_voucher_max": 10000}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	ramos := e.demo.Clients["Ramos"]
	v := itVoucher(t, e, keyHRA, ramos, "EMP-SED", 10000, 0, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)

	claim := func(number string, units ...int) map[string]any {
		lines := make([]map[string]any, len(units))
		for i, u := range units {
			lines[i] = map[string]any{"service_code": "EMP-SED", "date_of_service": day(0), "units": u, "charge": "99999999.99"}
		}
		return map[string]any{"claim_number": number, "client_id": ramos, "rendering_staff_id": e.demo.Staff["Adeyemi"],
			"place_of_service": "11", "lines": lines}
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1 // distinct units: no line repeats another
	}
	r = e.post(keyHRA, "/v1/claims", claim("BIG-1", hundred...))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	require.Equal(t, "9999999999.00", r.JSON(t)["total_paid"]) // 100 × 99,999,999.99

	r = e.post(keyHRA, "/v1/claims", claim("BIG-2", 101))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	var c struct {
		Status    string `json:"status"`
		TotalPaid string `json:"total_paid"`
		Lines     []struct {
			Adjustments []struct {
				Code string `json:"code"`
			} `json:"adjustments"`
		} `json:"lines"`
	}
	r.Into(t, &c)
	assert.Equal(t, "denied", c.Status)
	assert.Equal(t, "0.00", c.TotalPaid)
	require.Len(t, c.Lines, 1)
	require.NotEmpty(t, c.Lines[0].Adjustments)
	assert.Equal(t, "CLAIM_CAP_REACHED", c.Lines[0].Adjustments[0].Code)
	assert.Equal(t, 9999999999, e.count(`SELECT max(dollars_paid)::bigint FROM episodes WHERE dollar_cap IS NULL`))
}

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
		})
	}
}

// The remittance advice answered JSON to "Accept: text/csv"; only
// ?format=csv gave the CSV. Accept now decides when format is absent,
// weighed as the reports weigh it, and format still wins.
func TestRemittanceAdviceHonoursAccept(t *testing.T) {
	e := newEnv(t)
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("RA-CSV-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := itPath("/v1/batches/%d/remittance/%d", itID(t, r), e.demo.Providers["ECRA"])
	for _, tc := range []struct{ name, query, accept, want string }{
		{"csv asked", "", "text/csv", "text/csv; charset=utf-8"},
		{"csv refused", "", "text/csv;q=0, application/json", "application/json"},
		{"json weighed above csv", "", "text/csv;q=0.1, application/json", "application/json"},
		{"no accept", "", "", "application/json"},
		{"format wins over accept", "?format=json", "text/csv", "application/json"},
		{"format csv", "?format=csv", "application/json", "text/csv; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{Method: http.MethodGet, Path: path + tc.query, Key: keyFinance, Header: map[string]string{"Accept": tc.accept}})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			assert.Equal(t, tc.want, r.Header.Get("Content-Type"))
			if strings.HasPrefix(tc.want, "text/csv") {
				assert.Contains(t, r.Header.Get("Content-Disposition"), ".csv")
			}
		})
	}
	requireProblem(t, e.get(keyFinance, path+"?format=xml"), http.StatusUnprocessableEntity, "validation_failed")
}

// Ten POSTs of one consent at once (each its own Idempotency-Key, as two
// staff or a retrying client send them) recorded ten consents. One is
// recorded now, the others are 409 consent_exists, and none is a 5xx; the
// purposes in another order are the same form; once it is revoked the
// form may be recorded again.
func TestSameConsentAtOnce(t *testing.T) {
	e := newEnv(t)
	client := e.demo.Clients["Rivera"]
	body := map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "MSC",
		"purposes": []string{"payment", "care_coordination"}, "information": "voucher requests and claims", "signed_on": day(-1),
		"expires_on": day(300)}
	before := e.count(`SELECT count(*) FROM consents WHERE client_id = $1`, client)
	const n = 10
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(req{Method: http.MethodPost, Path: "/v1/consents", Key: keyHRA, Body: body}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		assert.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s)
		if s == http.StatusCreated {
			created++
		}
	}
	assert.Equal(t, 1, created, "%v", statuses)
	assert.Equal(t, before+1, e.count(`SELECT count(*) FROM consents WHERE client_id = $1`, client))

	reordered := itWith(body, "purposes", []string{"care_coordination", "payment", "payment"})
	p := requireProblem(t, e.post(keyHRA, "/v1/consents", reordered), http.StatusConflict, "consent_exists")
	assert.NotContains(t, p["detail"], "pq")
	id := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, client)
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", id), map[string]any{"reason": "recorded in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/consents", reordered)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"care_coordination", "payment"}, r.JSON(t)["purposes"], "stored sorted, once each")
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

// A client-level report whose Write failed before its first byte (here a
// pool of one connection, which cannot give the audit its second; the same
// path serves a failed snapshot, query or audit) was cut short as if the
// answer had begun: the client got an empty reply, and no line was logged.
// Nothing had gone out, so it is a problem answer now, logged.
func TestReportFailingBeforeFirstByteIsAProblem(t *testing.T) {
	db := pgtest.NewDB(t)
	db.SetMaxOpenConns(1)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	var logged bytes.Buffer
	srv := api.Open(db, api.Options{Now: func() time.Time { return now }, Location: loc,
		Logger: slog.New(slog.NewJSONHandler(&logged, nil))})
	e := &env{t: t, db: db, srv: srv, now: now}
	for _, format := range []string{"json", "csv"} {
		r := e.get(keyReviewer, "/v1/reports/state-extract?from="+day(-90)+"&to="+day(0)+"&format="+format)
		require.Equal(t, http.StatusInternalServerError, r.Status, "%s", r.Body)
		assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		assert.Empty(t, r.Header.Get("Content-Disposition"))
		assert.Equal(t, "internal_error", r.JSON(t)["code"])
	}
	assert.Contains(t, logged.String(), "client-level reports need a pool of at least two connections")
	// A report without an audit needs one connection and still answers.
	r := e.get(keyReviewer, "/v1/reports/caseload")
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

// Every /v1 answer, a problem included, is kept by no cache and sniffed by
// no browser; an answer negotiated on Accept says it varies by it.
func TestAnswersAreNotStored(t *testing.T) {
	e := newEnv(t)
	for _, r := range []resp{
		e.get(keyHRA, "/v1/clients"),
		e.get("", "/v1/clients"),
		e.get(keyHRA, "/v1/clients/+1"),
		e.get(keyReviewer, "/v1/reports/caseload"),
	} {
		assert.Equal(t, "no-store", r.Header.Get("Cache-Control"), "status %d", r.Status)
		assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), "status %d", r.Status)
	}
	rep := e.do(req{Method: http.MethodGet, Path: "/v1/reports/caseload", Key: keyReviewer, Header: map[string]string{"Accept": "text/csv"}})
	require.Equal(t, http.StatusOK, rep.Status, "%s", rep.Body)
	assert.Contains(t, rep.Header.Values("Vary"), "Accept")
	assert.True(t, strings.HasPrefix(rep.Header.Get("Content-Type"), "text/csv"))
}

package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// What an answer is sent as: JSON or CSV by format and Accept's weights,
// never stored by a cache, and a problem (not an empty reply) when a
// report fails before its first byte.

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
		// text/* takes CSV and not JSON (a black-box pass got JSON); text/csv, named, weighs more.
		{name: "any text", accept: "text/*", want: "text/csv; charset=utf-8"},
		{name: "any text but csv", accept: "text/csv;q=0, text/*", want: "application/json; charset=utf-8"},
		{name: "any text weighed below json", accept: "text/*;q=0.2, application/json", want: "application/json; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{Method: http.MethodGet, Path: path, Key: keyReviewer, Header: map[string]string{"Accept": tc.accept}})
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			assert.Equal(t, tc.want, r.Header.Get("Content-Type"))
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

// Every /v1 answer, a problem included, is kept by no cache and sniffed by
// no browser; an answer negotiated on Accept says it varies by it.
func TestAnswersAreNotStored(t *testing.T) {
	e := newEnv(t)
	for _, r := range []resp{
		e.get(keyHRA, "/v1/clients"),
		e.get("", "/v1/clients"),
		e.get(keyHRA, "/v1/clients/+1"),
		e.get(keyReviewer, "/v1/reports/caseload"),
		// No route and no method: they carried neither (a black-box pass).
		e.get(keyHRA, "/v1/no-such-route"),
		e.do(req{Method: http.MethodDelete, Path: "/v1/clients", Key: keyHRA}),
	} {
		assert.Equal(t, "no-store", r.Header.Get("Cache-Control"), "status %d", r.Status)
		assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), "status %d", r.Status)
	}
	rep := e.do(req{Method: http.MethodGet, Path: "/v1/reports/caseload", Key: keyReviewer, Header: map[string]string{"Accept": "text/csv"}})
	require.Equal(t, http.StatusOK, rep.Status, "%s", rep.Body)
	assert.Contains(t, rep.Header.Values("Vary"), "Accept")
	assert.True(t, strings.HasPrefix(rep.Header.Get("Content-Type"), "text/csv"))
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

// JSON is UTF-8: a body declared so (in any spelling) is taken, one
// declared latin1 is refused whole (TestBadInput) rather than read as
// UTF-8 and its free text stored mangled (a black-box pass).
func TestJSONBodyDeclaredUTF8IsTaken(t *testing.T) {
	e := newEnv(t)
	for i, ct := range []string{"application/json; charset=utf-8", "application/json; charset=UTF-8", "application/json;charset=\"utf8\""} {
		r := e.do(req{Method: http.MethodPost, Path: "/v1/clients", Key: keyHRA, Header: map[string]string{"Content-Type": ct},
			Body: map[string]any{"first_name": "Zoe", "last_name": "Charset" + strings.Repeat("x", i), "date_of_birth": "1990-01-01", "catchment_area": "hartford"}})
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", ct, r.Body)
		assert.Contains(t, string(r.Body), `"first_name":"Zoe"`)
	}
}

// Every GET route answers HEAD with the GET's status and headers and no
// body (RFC 9110 §9.3.2); each was a 405 (a black-box pass).
func TestHeadAnswersAsGet(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	head := func(path, key string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodHead, ts.URL+path, nil)
		require.NoError(t, err)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := ts.Client().Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		assert.Empty(t, body, path)
		return res
	}
	assert.Equal(t, http.StatusOK, head("/healthz", "").StatusCode)
	res := head("/v1/clients", keyHRA)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), res.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Equal(t, http.StatusUnauthorized, head("/v1/clients", "").StatusCode)
	assert.Equal(t, e.get(keyHRA, "/v1/claims/bulk").Status, head("/v1/claims/bulk", keyHRA).StatusCode, "what GET answers")
}

// A HEAD is logged as a HEAD, though served as the GET it asks about:
// logged as a GET, a HEAD of the state extract read as a pull with no
// disclosure behind it (a re-check).
func TestHeadIsLoggedAsHead(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	ie := itNewEnv(t, itOpts{log: &log})
	r := ie.do(req{Method: http.MethodHead, Path: "/v1/clients", Key: keyHRA})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, log.String(), `"method":"HEAD","route":"/v1/clients"`)
	assert.NotContains(t, log.String(), `"method":"GET"`)
}

package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/billing"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// TestErrorLogWithholdsDatabaseText provokes internal errors whose
// PostgreSQL message and detail quote the request's values (a cast of the
// name, a trigger that names the claim number and the date of birth, a
// CHECK whose detail is the failing row) on the ordinary path and on the
// grouped claims path. The log line of each carries the request id, the
// route, the SQLSTATE and the constraint, and none of the values.
func TestErrorLogWithholdsDatabaseText(t *testing.T) {
	t.Parallel()
	log := &itSyncWriter{w: &bytes.Buffer{}}
	e := itNewEnv(t, itOpts{log: log})
	const first, last, dob, claimNo = "Wilhelmina", "Quarterfield", "1961-03-14", "SECRET-CLAIM-77"

	exec := func(q string) {
		t.Helper()
		_, err := e.db.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	// 22P02 quoting the name: invalid input syntax for type integer: "Quarterfield".
	exec(`CREATE FUNCTION it_cast_name() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM NEW.last_name::int; RETURN NEW; END $$`)
	exec(`CREATE TRIGGER it_cast_name BEFORE INSERT ON clients FOR EACH ROW WHEN (NEW.first_name = 'Wilhelmina') EXECUTE FUNCTION it_cast_name()`)
	r := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": dob, "catchment_area": "hartford"})
	requireProblem(t, r, http.StatusInternalServerError, "internal_error")
	castID := r.Header.Get("X-Request-Id")
	exec(`DROP TRIGGER it_cast_name ON clients`)

	// P0001 whose message and detail carry the claim number and a date of birth.
	exec(`CREATE FUNCTION it_raise_claim() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'refusing claim %', NEW.claim_number USING DETAIL = 'born 1961-03-14', ERRCODE = 'P0001'; END $$`)
	exec(`CREATE TRIGGER it_raise_claim BEFORE INSERT ON claims FOR EACH ROW EXECUTE FUNCTION it_raise_claim()`)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": claimNo, "client_id": e.demo.Clients["Kim"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
	requireProblem(t, r, http.StatusInternalServerError, "internal_error")
	claimID := r.Header.Get("X-Request-Id")
	assert.NotContains(t, string(r.Body), claimNo)

	// 23514 on a named constraint; its detail ("Failing row contains ...")
	// would hold the note.
	exec(`ALTER TABLE voucher_requests ADD CONSTRAINT it_refuse_notes CHECK (note IS NULL) NOT VALID`)
	r = e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM", "units": 10,
		"start_date": day(0), "end_date": day(9), "note": first + " " + last + " " + dob})
	requireProblem(t, r, http.StatusInternalServerError, "internal_error")
	checkID := r.Header.Get("X-Request-Id")

	out := log.String()
	// The log's own values (random request ids, times, durations) may hold
	// any run of digits, "1961" among them: they are left out of the search.
	own := regexp.MustCompile(`"(request_id|time|duration_ms)":("[^"]*"|[0-9.]+)`)
	for _, secret := range []string{first, last, dob, claimNo, "1961"} {
		assert.NotContains(t, own.ReplaceAllString(out, ""), secret, "input quoted by the database reached the log")
	}
	failed := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line %q", sc.Text())
		if rec["msg"] == "request failed" {
			failed[rec["request_id"].(string)] = rec
		}
	}
	require.Len(t, failed, 3, "one line per internal error: %s", out)
	for _, c := range []struct {
		id, route string
		want      []string
	}{
		{castID, "/v1/clients", []string{"22P02", "invalid_text_representation"}},
		{claimID, "/v1/claims", []string{"P0001", "raise_exception"}},
		{checkID, "/v1/voucher-requests", []string{"23514", "check_violation", "constraint=it_refuse_notes", "table=voucher_requests"}},
	} {
		rec := failed[c.id]
		require.NotNil(t, rec, "no log line for %s: %s", c.route, out)
		assert.Equal(t, c.route, rec["route"])
		assert.Equal(t, float64(500), rec["status"])
		msg, _ := rec["error"].(string)
		for _, w := range c.want {
			assert.Contains(t, msg, w, "%s", c.route)
		}
		assert.NotContains(t, msg, "pq: ", "the driver's message is withheld")
	}
}

// TestX12ErrorIsNotInternal: data the 837P cannot carry (here a
// submitter name holding the segment terminator, from the configuration)
// reaches the API as x12's ErrInvalid. It is a 409 x12_invalid
// problem through the one error table, at batch creation or at download,
// never a 500.
func TestX12ErrorIsNotInternal(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	parties := billing.DefaultParties()
	parties.SubmitterName = "MSC~CLAIMS*DESK"
	srv := api.Open(db, api.Options{Now: func() time.Time { return now }, Location: loc, Parties: &parties,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	e := &env{t: t, db: db, srv: srv, demo: demo, now: now}

	dubois := e.demo.Clients["Dubois"]
	r := e.post(keyECRA, "/v1/voucher-requests", map[string]any{"client_id": dubois, "service_code": "MHW-RA", "units": 20,
		"start_date": day(-1), "end_date": day(29)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	require.Equal(t, "approved", r.JSON(t)["decision"], "body: %s", r.Body)
	r = e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": "X12-BAD-1", "client_id": dubois,
		"rendering_staff_id": e.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []any{"F33.1"},
		"lines": []any{map[string]any{"service_code": "MHW-RA", "date_of_service": day(-1), "units": 2, "charge": "14.50"}}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)

	// The batch is written when it closes: a file that cannot be written
	// is refused then, as a conflict naming the element, and nothing closes.
	itNothingWritten(t, e, func() {
		r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
		p := requireProblem(t, r, http.StatusConflict, "batch_file_invalid")
		assert.Contains(t, p["detail"], "NM103")
	})
}

// A request whose client hangs up before the answer is rolled back and
// answered 499, logged as an info line and not as a failed request: a
// client's timeout was an ERROR and a 500 in the log and the metrics
// (black-box pass, a large payer file imported with curl --max-time).
func TestClientGoneIsNotAServerFailure(t *testing.T) {
	t.Parallel()
	log := &itSyncWriter{w: &bytes.Buffer{}}
	e := itNewEnv(t, itOpts{log: log})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	itNothingWritten(t, e.env, func() {
		r := e.do(req{Method: http.MethodPost, Path: "/v1/clients", Key: keyHRA, Ctx: ctx,
			Body: map[string]any{"first_name": "Gone", "last_name": "Away", "date_of_birth": "1990-01-01", "catchment_area": "hartford"}})
		assert.Equal(t, api.StatusClientClosedRequest, r.Status, "%s", r.Body)
	})
	out := log.String()
	assert.Contains(t, out, "request abandoned by the client")
	assert.NotContains(t, out, `"level":"ERROR"`)
	assert.NotContains(t, out, "request failed")
}

// A request a timed-out shutdown cuts off is the server's doing, logged
// as cut off and answered 503, not as abandoned by its client, 499 (an
// on-call pass).
func TestShutdownCutOffIsTheServers(t *testing.T) {
	t.Parallel()
	log := &itSyncWriter{w: &bytes.Buffer{}}
	e := itNewEnv(t, itOpts{log: log})
	e.srv.CutOff()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	itNothingWritten(t, e.env, func() {
		r := e.do(req{Method: http.MethodPost, Path: "/v1/clients", Key: keyHRA, Ctx: ctx,
			Body: map[string]any{"first_name": "Cut", "last_name": "Off", "date_of_birth": "1990-01-01", "catchment_area": "hartford"}})
		assert.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	})
	out := log.String()
	assert.Contains(t, out, "request cut off by the shutdown")
	assert.NotContains(t, out, "request abandoned by the client")
}

// A refused request's log line names the problem's code, never its detail
// (which may quote input): it read a 422 with nothing of why, where the
// README promises ids and codes (an on-call black-box pass of the
// forty-seventh stop).
func TestRequestLogNamesTheProblemCode(t *testing.T) {
	t.Parallel()
	log := &itSyncWriter{w: &bytes.Buffer{}}
	e := itNewEnv(t, itOpts{log: log})
	client := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Quillon", "last_name": "Marchbanks", "date_of_birth": day(1),
		"catchment_area": "hartford"})
	// And an answer made in the domain's transaction, a claim's.
	claim := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "LOG-1", "client_id": e.demo.Clients["Rivera"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-CM", "date_of_service": day(1), "units": 4, "charge": "60.00"}}})
	for _, r := range []resp{client, claim} {
		requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		id := r.Header.Get("X-Request-Id")
		var line string
		for _, l := range strings.Split(log.String(), "\n") {
			if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, id) {
				line = l
			}
		}
		require.NotEmpty(t, line, "the request's line: %s", log.String())
		assert.Contains(t, line, `"code":"validation_failed"`)
		for _, phi := range []string{"Quillon", "Marchbanks", day(1)} {
			assert.NotContains(t, line, phi)
		}
	}
}

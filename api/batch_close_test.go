package api_test

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mhwReady lets MHW authorize back-dated spans without review and gets
// ECRA an authorization for Dubois through the API.
func (e *env) mhwReady(units int) {
	e.t.Helper()
	_, err := e.db.ExecContext(e.t.Context(), `UPDATE programs SET retro_limit_days = 400 WHERE code = 'MHW'`)
	require.NoError(e.t, err)
	r := e.post(keyECRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Dubois"], "service_code": "MHW-RA",
		"units": units, "start_date": day(-30), "end_date": day(30)})
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(e.t, "approved", r.JSON(e.t)["decision"])
}

func (e *env) duboisClaim(number string, lines ...map[string]any) map[string]any {
	return map[string]any{"claim_number": number, "client_id": e.demo.Clients["Dubois"], "rendering_staff_id": e.demo.Staff["Kowalski"],
		"place_of_service": "12", "diagnoses": []string{"F33.1"}, "lines": lines}
}

func raLine(dos string, units int, charge string) map[string]any {
	return map[string]any{"service_code": "MHW-RA", "date_of_service": dos, "units": units, "charge": charge}
}

// Issue 7 item 13: a batch whose file cannot be written is refused with a
// clear 409 and writes nothing; what the file cannot carry is refused at
// claim intake.
func TestBatchCloseRefusesAFileThatCannotBeWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("NW-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"])

	bad := raLine(day(-2), 1, "7.25")
	bad["authorization_number"] = "PA*1"
	p := requireProblem(t, e.post(keyECRA, "/v1/claims", e.duboisClaim("NW-2", bad)), 422, "validation_failed")
	assert.Equal(t, []string{"lines[0].authorization_number"}, itFieldErrors(t, p))
	p = requireProblem(t, e.post(keyECRA, "/v1/claims", e.duboisClaim(strings.Repeat("N", 37), raLine(day(-2), 1, "7.25"))), 422, "validation_failed")
	assert.Equal(t, []string{"claim_number"}, itFieldErrors(t, p))

	// A name the 837P cannot carry, reached the database by another road.
	_, err := e.db.ExecContext(t.Context(), `UPDATE clients SET first_name = 'No~or' WHERE id = $1`, e.demo.Clients["Dubois"])
	require.NoError(t, err)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)}),
			http.StatusConflict, "batch_file_invalid")
		assert.Contains(t, p["detail"], "NW-1", "the problem names the claim")
		assert.NotContains(t, p["detail"], "No~or", "and not the data")
	})
}

// Issue 7 item 14: an admin's change of a service's modifiers (or any other
// reference or client change) never changes an earlier batch's download.
func TestBatchDownloadSurvivesReferenceChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("FR-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := fmt.Sprintf("/v1/batches/%d/file", itID(t, r))
	first := e.get(keyFinance, path)
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	require.Contains(t, string(first.Body), "SV1*HC:S5125:U1*")

	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/MHW-RA", Key: keyAdmin, Body: map[string]any{"modifiers": []string{"U2", "HQ"}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	_, err := e.db.ExecContext(t.Context(), `UPDATE clients SET last_name = 'Renamed', address_line1 = '9 Elm Street' WHERE id = $1`, e.demo.Clients["Dubois"])
	require.NoError(t, err)
	_, err = e.db.ExecContext(t.Context(), `UPDATE providers SET name = 'Renamed Agency', address_line1 = '1 New Road'`)
	require.NoError(t, err)

	again := e.get(keyFinance, path)
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, first.Header.Get("X-Content-SHA256"), again.Header.Get("X-Content-SHA256"))
	assert.Equal(t, string(first.Body), string(again.Body))
}

// Issue 7 item 15: batches closed while providers void and replace claims
// answer a batch or a clear 409, never a 500, and every line the batches
// took is one the ledger still pays (or a reversal of one it paid). Half
// the originals are voided, half replaced.
func TestBatchCloseRacesVoids(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(96)
	const rounds, perRound = 6, 6
	var statuses sync.Map
	seen := func(what string, status int) {
		n, _ := statuses.LoadOrStore(fmt.Sprintf("%s %d", what, status), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
	}
	for round := range rounds {
		ids := make([]int64, perRound)
		for k := range perRound {
			r := e.post(keyHRA, "/v1/claims", e.riveraClaim(fmt.Sprintf("RACE-%d-%d", round, k),
				cmLine(day(-10+k), 1+round, fmt.Sprintf("%d.00", 15*(1+round)))))
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
			ids[k] = itID(t, r)
		}
		var wg sync.WaitGroup
		var voiding atomic.Int64
		voiding.Store(perRound)
		for k, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer voiding.Add(-1)
				if k%2 == 0 {
					r := e.post(keyHRA, fmt.Sprintf("/v1/claims/%d/void", id), map[string]any{"claim_number": fmt.Sprintf("RACE-%d-%d-V", round, k)})
					seen("void", r.Status)
					return
				}
				repl := e.riveraClaim(fmt.Sprintf("RACE-%d-%d-R", round, k), cmLine(day(-10+k), 1+round, fmt.Sprintf("%d.00", 15*(1+round))))
				repl["frequency"], repl["original_claim_id"] = "7", id
				r := e.post(keyHRA, "/v1/claims", repl)
				seen("void", r.Status)
			}()
		}
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for voiding.Load() > 0 {
					r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
					seen("batch", r.Status)
					if r.Status == http.StatusConflict {
						code, _ := r.JSON(t)["code"].(string)
						seen("batch "+code, r.Status)
					}
				}
			}()
		}
		wg.Wait()
	}
	got := map[string]int64{}
	statuses.Range(func(k, v any) bool {
		got[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	for k := range got {
		assert.Regexp(t, `^(void 201|batch 201|batch 409|batch \w+ 409)$`, k, "every answer is a claim, a batch or a clear 409: %v", got)
	}
	assert.Equal(t, int64(rounds*perRound), got["void 201"], "%v", got)
	t.Logf("answers: %v", got)

	// Close what is left, then every billable line is in exactly one batch
	// and every batch's register equals its frozen totals.
	r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, r.Status, "%s", r.Body)
	// A batch takes a claim's billable lines whole (batch_claims.lines).
	assert.Zero(t, e.count(`SELECT count(*) FROM claim_lines l WHERE l.billable
		AND NOT EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = l.claim_id AND b.lines > 0)`))
	assert.Zero(t, e.count(`SELECT count(*) FROM batch_claims b WHERE b.lines <> (SELECT count(*) FROM claim_lines l
		WHERE l.claim_id = b.claim_id AND l.billable)`))
	assert.Zero(t, e.count(`SELECT count(*) FROM (SELECT claim_id FROM batch_claims WHERE lines > 0 GROUP BY claim_id HAVING count(*) > 1) x`))
	// A reversal is billable exactly when the line it reverses was batched.
	assert.Zero(t, e.count(`SELECT count(*) FROM claim_lines r WHERE r.status = 'reversal'
		AND r.billable <> EXISTS (SELECT 1 FROM claim_lines o JOIN batch_claims b ON b.claim_id = o.claim_id AND b.lines > 0
			WHERE o.id = r.reverses_line_id AND o.billable)`))
	assert.Zero(t, e.count(`SELECT count(*) FROM batches b WHERE b.line_count <> (SELECT sum(x.lines) FROM batch_claims x WHERE x.batch_id = b.id)
		OR b.paid <> (SELECT COALESCE(sum(l.paid), 0) FROM batch_claims x JOIN claim_lines l ON l.claim_id = x.claim_id AND l.billable
			WHERE x.batch_id = b.id AND x.lines > 0)`))
	var ids []int64
	require.NoError(t, e.db.SelectContext(t.Context(), &ids, `SELECT id FROM batches ORDER BY id`))
	for _, id := range ids {
		f := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", id))
		require.Equal(t, http.StatusOK, f.Status, "%s", f.Body)
	}
}

// A close may name what a preview showed (expect): a claim that arrived
// in between makes it a 409 preview_changed with nothing written, where
// the batch took it unseen (a console black-box pass: 70.00 previewed,
// 245.00 closed). The preview's own totals close it.
func TestBatchCloseExpectsThePreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("EX-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := "/v1/batches/preview?payer_route=medicaid_837p&through_date=" + day(0)
	r = e.get(keyFinance, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	preview := r.JSON(t)
	assert.Equal(t, 1.0, preview["claim_count"])
	assert.Equal(t, "14.50", preview["billed"])
	expect := map[string]any{}
	for _, k := range []string{"claim_count", "line_count", "units", "billed", "paid"} {
		expect[k] = preview[k]
	}
	requireProblem(t, e.get(keyECRA, path), http.StatusForbidden, "forbidden")
	requireProblem(t, e.get(keyFinance, path+"&x=1"), http.StatusUnprocessableEntity, "validation_failed")

	r = e.post(keyECRA, "/v1/claims", e.duboisClaim("EX-2", raLine(day(-2), 1, "7.25")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0),
			"expect": expect}), http.StatusConflict, "preview_changed")
		assert.Contains(t, p["detail"], "2 claims")
	})
	r = e.get(keyFinance, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	preview = r.JSON(t)
	for k := range expect {
		expect[k] = preview[k]
	}
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0), "expect": expect})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, 2.0, r.JSON(t)["claim_count"])
}

// A batch that takes money back (the reversal of a batched claim outweighs
// its replacement) previews negative units and amounts, and closes with
// those very totals as expect: they were refused as "expected counts cannot
// be negative", so it could only close blind (a black-box pass). Totals
// other than the batch's are still a 409.
func TestBatchCloseExpectsANegativePreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("NG-1", cmLine(day(-3), 4, "60.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	orig := itID(t, r)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	replacement := e.riveraClaim("NG-1R", cmLine(day(-3), 2, "30.00"))
	replacement["frequency"], replacement["original_claim_id"] = "7", orig
	r = e.post(keyHRA, "/v1/claims", replacement)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	r = e.get(keyFinance, "/v1/batches/preview?payer_route=payment_register&through_date="+day(0))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	preview := r.JSON(t)
	assert.Equal(t, -2.0, preview["units"], "%s", r.Body)
	assert.Equal(t, "-30.00", preview["billed"], "%s", r.Body)
	assert.Equal(t, "-30.00", preview["paid"], "%s", r.Body)
	expect := map[string]any{}
	for _, k := range []string{"claim_count", "line_count", "units", "billed", "paid"} {
		expect[k] = preview[k]
	}
	closeWith := func(expect map[string]any) resp {
		return e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0), "expect": expect})
	}
	itNothingWritten(t, e, func() {
		other := maps.Clone(expect)
		other["paid"] = "-29.00"
		requireProblem(t, closeWith(other), http.StatusConflict, "preview_changed")
		other = maps.Clone(expect)
		other["units"] = -3
		requireProblem(t, closeWith(other), http.StatusConflict, "preview_changed")
		// A total as large as a preview can show, a trillion dollars or
		// more, is read and compared (it was refused as a malformed
		// amount: a payer black-box pass).
		other = maps.Clone(expect)
		other["billed"] = "-1000000000000.00"
		requireProblem(t, closeWith(other), http.StatusConflict, "preview_changed")
	})
	r = closeWith(expect)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	b := r.JSON(t)
	assert.Equal(t, -2.0, b["units"])
	assert.Equal(t, "-30.00", b["paid"])
}

// A close's expect names every total a preview shows: one left out is a
// 422 naming it, nothing written, where it was read as zero and answered
// 409 preview_changed, "preview it again", which could never help (a
// black-box pass). Counts cannot be negative, and expect itself is no null.
func TestBatchCloseExpectNamesEveryTotal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("EQ-1", cmLine(day(-3), 1, "15.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	all := []string{"expect.claim_count", "expect.line_count", "expect.units", "expect.billed", "expect.paid"}
	for _, tc := range []struct {
		name   string
		expect map[string]any
		fields []string
		code   string
	}{
		{"empty", map[string]any{}, all, "required"},
		// null is no expect left out: read as one, it closed unchecked (a
		// finance black-box pass).
		{"null", nil, []string{"expect"}, "required"},
		{"billed left out", map[string]any{"claim_count": 1, "line_count": 1, "units": 1, "paid": "15.00"}, []string{"expect.billed"}, "required"},
		{"nulls", map[string]any{"claim_count": nil, "line_count": 1, "units": 1, "billed": "15.00", "paid": nil},
			[]string{"expect.claim_count", "expect.paid"}, "required"},
		{"negative counts", map[string]any{"claim_count": -1, "line_count": -1, "units": 1, "billed": "15.00", "paid": "15.00"},
			[]string{"expect.claim_count", "expect.line_count"}, "out_of_range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register",
					"through_date": day(0), "expect": tc.expect}), http.StatusUnprocessableEntity, "validation_failed")
				got := map[string]string{}
				for _, fe := range p["errors"].([]any) {
					got[fe.(map[string]any)["field"].(string)] = fe.(map[string]any)["code"].(string)
				}
				want := map[string]string{}
				for _, f := range tc.fields {
					want[f] = tc.code
				}
				assert.Equal(t, want, got)
			})
		})
	}
	// null named in any case, as the decoder matches it (a re-check closed
	// a batch with "Expect": null).
	for _, name := range []string{"Expect", "EXPECT"} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register",
				"through_date": day(0), name: nil}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "required", itFieldCode(p, "expect"), name)
		})
	}
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0),
		"expect": map[string]any{"claim_count": 1, "line_count": 1, "units": 1, "billed": "15.00", "paid": "15.00"}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

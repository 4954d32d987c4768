package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A claim of more than 50 lines goes to Medicaid in CLM loops numbered
// <number>-1, -2...; the payer answers by CLM01 per billing provider, and
// a black-box pass had an 835 reversal of one loop posted to a claim
// numbered as it. A claim numbered as another's part is now a 409
// claim_number_conflict, on its own, in a bulk (the others go on) and as
// a void's number, with nothing written, the claim on file named.
func TestClaimNumberThatIsAPartIsAConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mhwReady(480)
	long := make([]map[string]any, 60)
	for i := range long {
		units := 1 + i%2
		long[i] = raLine(day(-29+i/2), units, fmt.Sprintf("%.2f", 7.25*float64(units)))
	}
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("P3-S1", long...))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	big := itID(t, r)
	r = e.post(keyECRA, "/v1/claims", e.duboisClaim("SMALL", raLine(day(-1), 3, "21.75")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	small := itID(t, r)

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyECRA, "/v1/claims", e.duboisClaim("P3-S1-1", raLine(day(-2), 3, "21.75"))),
			http.StatusConflict, "claim_number_conflict")
		assert.Contains(t, p["detail"], fmt.Sprintf("claim %d (P3-S1)", big))
		assert.Contains(t, p["detail"], "P3-S1-1 to P3-S1-2")
		// Named in existing too, as claim_number_reused names it (a
		// finance black-box pass found it in the detail only).
		assert.Equal(t, map[string]any{"type": "claim", "id": float64(big)}, p["existing"])
	})
	claims := e.count(`SELECT count(*) FROM claims`)
	p := requireProblem(t, e.post(keyECRA, fmt.Sprintf("/v1/claims/%d/void", small), map[string]any{"claim_number": "P3-S1-2"}),
		http.StatusConflict, "claim_number_conflict")
	assert.Contains(t, p["detail"], "part 2")
	assert.Equal(t, map[string]any{"type": "claim", "id": float64(big)}, p["existing"])

	r = e.post(keyECRA, "/v1/claims/bulk", map[string]any{"claims": []any{
		e.duboisClaim("P3-S1-2", raLine(day(-2), 3, "21.75")), e.duboisClaim("P3-S2", raLine(day(-3), 3, "21.75"))}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var out struct {
		Results []struct {
			Status  int            `json:"status"`
			Problem map[string]any `json:"problem"`
		} `json:"results"`
	}
	r.Into(t, &out)
	require.Len(t, out.Results, 2)
	assert.Equal(t, http.StatusConflict, out.Results[0].Status)
	assert.Equal(t, "claim_number_conflict", out.Results[0].Problem["code"])
	assert.Equal(t, http.StatusCreated, out.Results[1].Status)
	assert.Equal(t, claims+1, e.count(`SELECT count(*) FROM claims`), "only P3-S2 was written")
}

// A CLM01 its agency already sent never goes out again: a claim numbered
// as another's part before intake refused it (its number set here behind
// the API's back) stops the 837P close with a 409 clm01_conflict naming
// the claim to void, and nothing is written.
func TestBatchCloseRefusesACLM01SentBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mhwReady(480)
	long := make([]map[string]any, 51)
	for i := range long {
		units := 1 + i%2
		long[i] = raLine(day(-29+i/2), units, fmt.Sprintf("%.2f", 7.25*float64(units)))
	}
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("SENT", long...))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	closeBatch := func() resp {
		return e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	}
	r = closeBatch()
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := itID(t, r)

	r = e.post(keyECRA, "/v1/claims", e.duboisClaim("LATER", raLine(day(-1), 3, "21.75")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	later := itID(t, r)
	tx, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck // committed below
	_, err = tx.ExecContext(t.Context(), `SET LOCAL session_replication_role = replica`)
	require.NoError(t, err)
	_, err = tx.ExecContext(t.Context(), `UPDATE claims SET claim_number = 'SENT-2' WHERE id = $1`, later)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())

	itNothingWritten(t, e, func() {
		p := requireProblem(t, closeBatch(), http.StatusConflict, "clm01_conflict")
		assert.Contains(t, p["detail"], fmt.Sprintf("claim %d (SENT-2)", later))
		assert.Contains(t, p["detail"], fmt.Sprintf("batch %d", first))
	})
}

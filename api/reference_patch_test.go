package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A service PATCH that breaks a rule of the catalogue names the request's
// field and says what is wrong (it named the database's constraint, with
// a code documented nowhere), and the procedure qualifier is the one the
// 837P bills with (a black-box pass stored "H*", an X12 delimiter).
func TestServicePatchNamesTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	patch := func(code string, body map[string]any) map[string]any {
		t.Helper()
		return requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/" + code, Key: keyAdmin, Body: body}),
			http.StatusUnprocessableEntity, "validation_failed")
	}
	itNothingWritten(t, e, func() {
		assert.Equal(t, "out_of_range", itFieldCode(patch("ATR-CM", map[string]any{"per_episode_max": 1}), "per_episode_max"))
		assert.Equal(t, "pair_required", itFieldCode(patch("MHW-RA", map[string]any{"procedure_qualifier": nil}), "procedure_code"))
		for _, q := range []string{"H*", "ZZ", "hc"} {
			assert.Equal(t, "invalid_value", itFieldCode(patch("MHW-RA", map[string]any{"procedure_qualifier": q}), "procedure_qualifier"), q)
		}
		// A field sent null is refused on its own: the body was not empty
		// (it read "nothing to change" beside it: a black-box pass).
		for _, f := range []string{"per_voucher_max", "active"} {
			p := patch("ATR-TR", map[string]any{f: nil, "reason": "x"})
			assert.Equal(t, "required", itFieldCode(p, f), "%v", p)
			assert.Len(t, p["errors"], 1, "%s: %v", f, p)
		}
	})
	// A program's rule is said whole (it was clipped at 100 bytes, as
	// quoted input is: a re-check), with the days it would take (checked
	// before the schema's constraint since the twenty-ninth stop, GPRA or
	// not).
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
			Body: map[string]any{"gpra_followup_open_days": 300, "reason": "x"}}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "gpra_followup_close_days"))
		assert.Contains(t, itMustJSON(p), "(gpra_followup_close_days more than gpra_followup_open_days): it would open on day 300 and close on day 240")
	})
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/MHW-RA", Key: keyAdmin, Body: map[string]any{"procedure_qualifier": "HC"}})
	assert.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}

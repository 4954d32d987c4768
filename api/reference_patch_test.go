package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// A program's episode_dollar_cap change applies to episodes opened after
// it: an open episode keeps the cap it opened with (a design choice), so
// a request for a client in one is still judged by it. The contract said
// changes "apply to requests and claims received after the change", and
// an admin who lifted a cap read it lifted while requests pended against
// the old one (an operations black-box pass): the answer now says how
// many open episodes keep another cap.
func TestProgramCapChangeKeepsOpenEpisodesCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := newProgramBody("PEER")
	body["episode_dollar_cap"] = "1000.00"
	r := e.post(keyAdmin, "/v1/reference/programs", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	svc := newServiceBody("PEER-NAV", "PEER")
	svc["unit"], svc["rate"], svc["per_voucher_max"] = "15min", "20.00", 40
	r = e.post(keyAdmin, "/v1/reference/services", svc)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	hra := e.demo.Providers["HRA"]
	p := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"programs": append(p["programs"].([]any), "PEER"),
		"services": append(p["services"].([]any), "PEER-NAV")})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	opened := e.programClient(keyHRA, "PEER", day(-10))
	require.Equal(t, "approved", itVoucher(t, e, keyHRA, opened, "PEER-NAV", 40, 0, 29)["decision"])

	r = e.patch(keyAdmin, "/v1/reference/programs/PEER", map[string]any{"episode_dollar_cap": nil, "reason": "the state lifted the cap"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["episode_dollar_cap"])
	assert.Equal(t, float64(1), r.JSON(t)["open_episodes_keeping_cap"], "%s", r.Body)

	v := itVoucher(t, e, keyHRA, opened, "PEER-NAV", 20, 30, 59)
	assert.Equal(t, "pended", v["decision"], "the open episode keeps its 1000.00")
	assert.Contains(t, staffRuleDetail(v, "EPISODE_DOLLAR_CAP_EXCEEDED"), "400.00 asked, 200.00 left of 1000.00")
	later := e.programClient(keyHRA, "PEER", day(-1))
	assert.Equal(t, "approved", itVoucher(t, e, keyHRA, later, "PEER-NAV", 40, 0, 29)["decision"])
	assert.Equal(t, "approved", itVoucher(t, e, keyHRA, later, "PEER-NAV", 20, 30, 59)["decision"], "an episode opened after: no cap")

	// A change that leaves the cap alone says nothing of episodes.
	r = e.patch(keyAdmin, "/v1/reference/programs/PEER", map[string]any{"name": "Peer navigation", "reason": "renamed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotContains(t, r.JSON(t), "open_episodes_keeping_cap")
	assert.Nil(t, e.get(keyAdmin, "/v1/reference/programs/PEER").JSON(t)["open_episodes_keeping_cap"])
}

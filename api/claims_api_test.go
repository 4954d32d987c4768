package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// authorizeRivera gets HRA an ATR case-management authorization for Rivera.
func (e *env) authorizeRivera(units int) {
	e.t.Helper()
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM",
		"units": units, "start_date": day(-10), "end_date": day(30)})
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(e.t, "approved", r.JSON(e.t)["decision"])
}

func (e *env) riveraClaim(number string, lines ...map[string]any) map[string]any {
	return map[string]any{"claim_number": number, "client_id": e.demo.Clients["Rivera"], "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": lines}
}

func cmLine(dos string, units int, charge string) map[string]any {
	return map[string]any{"service_code": "ATR-CM", "date_of_service": dos, "units": units, "charge": charge}
}

// ledgerRows counts what a claim submission could have written.
func (e *env) ledgerRows() string {
	var s string
	require.NoError(e.t, e.db.GetContext(e.t.Context(), &s, `SELECT concat_ws('/',
		(SELECT count(*) FROM claims), (SELECT count(*) FROM claim_lines), (SELECT sum(units_used) FROM authorizations),
		(SELECT sum(dollars_paid) FROM episodes), (SELECT count(*) FROM audit_events), (SELECT count(*) FROM idempotency_keys))`))
	return s
}

func TestClaimsBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	good := e.riveraClaim("OK-1", cmLine(day(-2), 2, "30.00"))
	big := `{"claims":[` + strings.Repeat(`{"claim_number":"X","client_id":1,"lines":[]},`, 800000) + `{}]}`
	var tooMany []map[string]any
	for i := range 1001 {
		tooMany = append(tooMany, e.riveraClaim(fmt.Sprintf("TM-%d", i), cmLine(day(-2), 1, "15.00")))
	}
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
		field  string
	}{
		{"malformed JSON", "/v1/claims", `{"claim_number": "A"`, 400, "malformed_json", ""},
		{"unknown field", "/v1/claims", `{"claim_number":"A","colour":"red"}`, 400, "unknown_field", "colour"},
		{"units as a string", "/v1/claims", strings.Replace(mustJSON(good), `"units":2`, `"units":"two"`, 1), 400, "wrong_type", "lines.units"},
		{"charge as a number", "/v1/claims", strings.Replace(mustJSON(good), `"charge":"30.00"`, `"charge":30`, 1), 400, "wrong_type", ""},
		{"charge with three decimals", "/v1/claims", strings.Replace(mustJSON(good), `"charge":"30.00"`, `"charge":"30.001"`, 1), 400, "wrong_type", ""},
		{"date in another format", "/v1/claims", strings.Replace(mustJSON(good), day(-2), "06/13/2026", 1), 400, "wrong_type", ""},
		{"zero units", "/v1/claims", e.riveraClaim("Z-1", cmLine(day(-2), 0, "30.00")), 422, "validation_failed", "lines[0].units"},
		{"negative units", "/v1/claims", e.riveraClaim("Z-2", cmLine(day(-2), -3, "30.00")), 422, "validation_failed", "lines[0].units"},
		{"negative charge", "/v1/claims", e.riveraClaim("Z-3", cmLine(day(-2), 2, "-30.00")), 422, "validation_failed", "lines[0].charge"},
		{"service in the future", "/v1/claims", e.riveraClaim("Z-4", cmLine(day(3), 2, "30.00")), 422, "validation_failed", "lines[0].date_of_service"},
		{"no lines", "/v1/claims", e.riveraClaim("Z-5"), 422, "validation_failed", "lines"},
		{"unknown client", "/v1/claims", map[string]any{"claim_number": "Z-6", "client_id": 999999, "rendering_staff_id": e.demo.Staff["Okafor"],
			"place_of_service": "11", "lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "client_id"},
		{"another agency's client", "/v1/claims", map[string]any{"claim_number": "Z-7", "client_id": e.demo.Clients["Reyes"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "client_id"},
		{"unknown service", "/v1/claims", e.riveraClaim("Z-8", map[string]any{"service_code": "NOPE-1", "date_of_service": day(-2),
			"units": 1, "charge": "1.00"}), 422, "validation_failed", "lines[0].service_code"},
		{"another agency's staff", "/v1/claims", map[string]any{"claim_number": "Z-9", "client_id": e.demo.Clients["Rivera"],
			"rendering_staff_id": e.demo.Staff["Baptiste"], "place_of_service": "11", "lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "rendering_staff_id"},
		{"unknown original", "/v1/claims", map[string]any{"claim_number": "Z-10", "client_id": e.demo.Clients["Rivera"], "frequency": "8",
			"original_claim_id": 999999}, 422, "validation_failed", "original_claim_id"},
		{"bad frequency", "/v1/claims", map[string]any{"claim_number": "Z-11", "client_id": e.demo.Clients["Rivera"], "frequency": "3",
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "frequency"},
		{"bulk of more than 1,000 claims", "/v1/claims/bulk", map[string]any{"claims": tooMany}, 422, "validation_failed", "claims"},
		{"bulk body over the limit", "/v1/claims/bulk", big, 413, "body_too_large", ""},
		{"empty bulk", "/v1/claims/bulk", `{"claims":[]}`, 422, "validation_failed", "claims"},
	}
	before := e.ledgerRows()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{Method: http.MethodPost, Path: tc.path, Key: keyHRA, Body: tc.body})
			p := requireProblem(t, r, tc.status, tc.code)
			if tc.field != "" {
				errs, ok := p["errors"].([]any)
				require.True(t, ok && len(errs) > 0, "field errors: %s", r.Body)
				fields := []string{}
				for _, fe := range errs {
					fields = append(fields, fe.(map[string]any)["field"].(string))
				}
				assert.Contains(t, fields, tc.field)
			}
			assert.Equal(t, before, e.ledgerRows(), "a refused request writes nothing")
		})
	}

	// The same claim number with another body is refused with 409; the same
	// Idempotency-Key with another body is refused with 422.
	r := e.do(req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, Body: good, IdemKey: "claim-key-1"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	first := r.Body
	r = e.do(req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, Body: good, IdemKey: "claim-key-1"})
	assert.Equal(t, http.StatusCreated, r.Status)
	assert.Equal(t, "true", r.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first), string(r.Body), "a retry returns the first response")
	after := e.ledgerRows()
	r = e.do(req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, Body: e.riveraClaim("OK-1", cmLine(day(-3), 2, "30.00")), IdemKey: "claim-key-1"})
	requireProblem(t, r, 422, "idempotency_key_reused")
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("OK-1", cmLine(day(-3), 2, "30.00")))
	requireProblem(t, r, 409, "claim_number_reused")
	r = e.post(keyHRA, "/v1/claims", good)
	assert.Equal(t, http.StatusOK, r.Status, "the same claim again under a new key is the claim on file")
	assert.Equal(t, strings.Count(after, "/"), strings.Count(e.ledgerRows(), "/"))
	var claims, units int
	require.NoError(t, e.db.QueryRowxContext(t.Context(), `SELECT (SELECT count(*) FROM claims), (SELECT sum(units_used) FROM authorizations)`).Scan(&claims, &units))
	assert.Equal(t, 1, claims)
	assert.Equal(t, 2, units)
}

func TestClaimsRolesAndVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("V-1", cmLine(day(-2), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := int64(r.JSON(t)["id"].(float64))
	path := fmt.Sprintf("/v1/claims/%d", id)

	for _, key := range []string{keyReviewer, keyFinance, keyAdmin, keyHRA} {
		assert.Equal(t, http.StatusOK, e.get(key, path).Status)
		assert.Equal(t, http.StatusOK, e.get(key, path+"/remittance").Status)
	}
	p404 := requireProblem(t, e.get(keyBCS, path), 404, "not_found")
	m404 := requireProblem(t, e.get(keyBCS, "/v1/claims/999999"), 404, "not_found")
	assert.Equal(t, m404["title"], p404["title"], "another agency's claim looks exactly like a missing one")
	requireProblem(t, e.get(keyBCS, path+"/remittance"), 404, "not_found")
	requireProblem(t, e.post(keyBCS, path+"/void", map[string]any{"claim_number": "X-1"}), 404, "not_found")
	list := e.get(keyBCS, "/v1/claims")
	require.Equal(t, http.StatusOK, list.Status)
	assert.Empty(t, list.JSON(t)["items"], "lists never show another agency's claims")
	for _, key := range []string{keyReviewer, keyFinance, keyAdmin} {
		requireProblem(t, e.post(key, "/v1/claims", e.riveraClaim("R-1", cmLine(day(-3), 2, "30.00"))), 403, "forbidden")
	}
	requireProblem(t, e.post(keyHRA, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)}), 403, "forbidden")

	// The claim's own void through its route gives the units back.
	r = e.post(keyHRA, path+"/void", map[string]any{"claim_number": "V-1-VOID"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "void", r.JSON(t)["status"])
	var used int
	require.NoError(t, e.db.GetContext(t.Context(), &used, `SELECT sum(units_used) FROM authorizations`))
	assert.Equal(t, 0, used)
	// Filters.
	for _, q := range []string{"?status=voided", "?client_id=" + fmt.Sprint(e.demo.Clients["Rivera"]), "?service_from=" + day(-5) + "&service_to=" + day(0)} {
		r := e.get(keyFinance, "/v1/claims"+q)
		require.Equal(t, http.StatusOK, r.Status, q)
		assert.NotEmpty(t, r.JSON(t)["items"], q)
	}
	requireProblem(t, e.get(keyFinance, "/v1/claims?status=lost"), 422, "validation_failed")
	requireProblem(t, e.get(keyFinance, "/v1/claims?service_from=yesterday"), 422, "validation_failed")
}

func mustJSON(v any) string {
	b, err := jsonMarshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var jsonMarshal = func(v any) ([]byte, error) { return json.Marshal(v) }

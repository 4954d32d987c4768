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
	// 101 claims of 200 lines: past the 20,000 lines of one bulk (a
	// black-box pass held a server at 2.2 GB with 200,000).
	wide := make([]map[string]any, 200)
	for i := range wide {
		wide[i] = cmLine(day(-2), 1, "15.00")
	}
	var tooManyLines []map[string]any
	for i := range 101 {
		tooManyLines = append(tooManyLines, e.riveraClaim(fmt.Sprintf("TL-%d", i), wide...))
	}
	// The same with the last claim's first line undecodable: its lines
	// count too (the re-check of a black-box pass).
	badWide := append([]map[string]any{{"service_code": "ATR-CM", "date_of_service": "2026-02-30", "units": 1, "charge": "15.00"}}, wide[1:]...)
	tooManyWithOneBad := append(append([]map[string]any{}, tooManyLines[:100]...), e.riveraClaim("TL-BAD", badWide...))
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
		// Inside a line: the path names the line, as a wrong type's does.
		{"unknown field in the second line", "/v1/claims", e.riveraClaim("UF-1", cmLine(day(-2), 2, "30.00"),
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1, "charge": "15.00", "colour": "red"}),
			400, "unknown_field", "lines[1].colour"},
		{"units as a string", "/v1/claims", strings.Replace(mustJSON(good), `"units":2`, `"units":"two"`, 1), 400, "wrong_type", "lines[0].units"},
		// The second line's: the path names the line, as a value error's does.
		{"second line's units as a string", "/v1/claims", e.riveraClaim("TS-1", cmLine(day(-2), 2, "30.00"),
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": "two", "charge": "30.00"}), 400, "wrong_type", "lines[1].units"},
		{"second line's units a fraction", "/v1/claims", e.riveraClaim("TS-2", cmLine(day(-2), 2, "30.00"),
			map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1.5, "charge": "30.00"}), 400, "wrong_type", "lines[1].units"},
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
		// A place of service CMS assigns, each diagnosis once (a black-box
		// pass billed "00" and a repeated code).
		{"place of service 00", "/v1/claims", map[string]any{"claim_number": "Z-12", "client_id": e.demo.Clients["Rivera"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "00", "lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "place_of_service"},
		{"place of service unassigned", "/v1/claims", map[string]any{"claim_number": "Z-13", "client_id": e.demo.Clients["Rivera"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "30", "lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "place_of_service"},
		{"diagnosis twice", "/v1/claims", map[string]any{"claim_number": "Z-14", "client_id": e.demo.Clients["Rivera"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "diagnoses": []string{"F10.20", "F1020"},
			"lines": []any{cmLine(day(-2), 2, "30.00")}}, 422, "validation_failed", "diagnoses[1]"},
		{"bulk of more than 1,000 claims", "/v1/claims/bulk", map[string]any{"claims": tooMany}, 422, "validation_failed", "claims"},
		{"bulk of more than 20,000 lines", "/v1/claims/bulk", map[string]any{"claims": tooManyLines}, 422, "validation_failed", "claims"},
		{"bulk of more than 20,000 lines, one claim undecodable", "/v1/claims/bulk", map[string]any{"claims": tooManyWithOneBad}, 422,
			"validation_failed", "claims"},
		// A bulk none of whose claims decode is refused whole (one that
		// decodes goes in: TestBulkClaimThatDoesNotDecodeIsRefusedAlone).
		{"bulk: its claims' lines' units as strings", "/v1/claims/bulk", map[string]any{"claims": []any{
			e.riveraClaim("TS-3", map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": "2", "charge": "30.00"}),
			e.riveraClaim("TS-4", map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": "2", "charge": "30.00"})}},
			400, "wrong_type", "claims[0].lines[0].units"},
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
	p := requireProblem(t, r, 409, "claim_number_reused")
	onFile := e.get(keyHRA, "/v1/claims?claim_number=OK-1").JSON(t)["items"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"type": "claim", "id": onFile["id"]}, p["existing"], "the conflict names the claim on file")
	r = e.post(keyHRA, "/v1/claims", good)
	assert.Equal(t, http.StatusOK, r.Status, "the same claim again under a new key is the claim on file")
	// In a bulk, the exact copy is the claim on file wherever it stands:
	// after a different copy of the number it read "sent at the same
	// time" (a claims black-box pass).
	other := e.riveraClaim("OK-1", cmLine(day(-3), 2, "30.00"))
	for exact, order := range [][]any{{good, other}, {other, good}} {
		r = e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": order})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		for i, res := range r.JSON(t)["results"].([]any) {
			res := res.(map[string]any)
			if i != exact {
				assert.Equal(t, float64(http.StatusConflict), res["status"], "the different copy: %v", res)
				p, _ := res["problem"].(map[string]any)
				existing, _ := p["existing"].(map[string]any)
				assert.Equal(t, onFile["id"], existing["id"], "naming the claim on file: %v", res)
				continue
			}
			assert.Equal(t, float64(http.StatusOK), res["status"], "the exact copy is the claim on file: %v", res)
			claim, _ := res["claim"].(map[string]any)
			assert.Equal(t, onFile["id"], claim["id"])
		}
	}
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
		// A role that submits no claims is refused before the claim is
		// looked up: an unknown id answered 404 and a known one 403 (a
		// black-box pass).
		for _, p := range []string{path, "/v1/claims/999999"} {
			for _, verb := range []string{"/void", "/resend"} {
				itNothingWritten(t, e, func() {
					requireProblem(t, e.post(key, p+verb, map[string]any{"claim_number": "R-1-V"}), 403, "forbidden")
				})
			}
		}
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

	// A claim is found by the number its agency gave it, as sent.
	for _, key := range []string{keyHRA, keyFinance} {
		r = e.get(key, "/v1/claims?claim_number=V-1-VOID")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		items := r.JSON(t)["items"].([]any)
		require.Len(t, items, 1)
		assert.Equal(t, "V-1-VOID", items[0].(map[string]any)["claim_number"])
	}
	assert.Empty(t, e.get(keyHRA, "/v1/claims?claim_number=v-1-void").JSON(t)["items"], "case counts, as in CLM01")
	assert.Empty(t, e.get(keyBCS, "/v1/claims?claim_number=V-1").JSON(t)["items"], "another agency's number finds nothing")
	requireProblem(t, e.get(keyHRA, "/v1/claims?claim_number=V%201"), 422, "validation_failed")
	requireProblem(t, e.get(keyHRA, "/v1/claims?claim_number="+strings.Repeat("A", 39)), 422, "validation_failed")
}

func mustJSON(v any) string {
	b, err := jsonMarshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var jsonMarshal = func(v any) ([]byte, error) { return json.Marshal(v) }

// A Medicaid waiver claim is checked at intake for what its 837P must
// carry: a client registered without an address, or an agency whose address
// has no ZIP+4, gets its lines denied 16 with the remark that names what is
// missing, and nothing of the claim can reach a Medicaid batch.
func TestMedicaidClaimNeedsWhatThe837PCarries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kowalski := e.demo.Staff["Kowalski"]
	r := e.post(keyECRA, "/v1/clients", map[string]any{"first_name": "Noaddress", "last_name": "Waiver", "date_of_birth": "1975-03-04",
		"gender": "M", "medicaid_id": "CT77000001", "catchment_area": "waterbury"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	client := int64(r.JSON(t)["id"].(float64))
	for _, step := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/enrollments", map[string]any{"client_id": client, "program_code": "MHW", "assigned_staff_id": kowalski, "start_date": day(-20)}},
		{"/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-20), "expires_on": day(300)}},
		{"/v1/care-plans", map[string]any{"client_id": client, "program_code": "MHW", "kind": "waiver_recovery_plan",
			"start_date": day(-20), "end_date": day(300), "services": []map[string]any{{"service_code": "MHW-RA"}}}},
	} {
		r := e.post(keyECRA, step.path, step.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", step.path, r.Body)
	}
	for _, c := range []int64{client, e.demo.Clients["Dubois"]} {
		r := e.post(keyECRA, "/v1/voucher-requests", map[string]any{"client_id": c, "service_code": "MHW-RA", "units": 40,
			"start_date": day(-5), "end_date": day(25)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "approved", r.JSON(t)["decision"], "%s", r.Body)
	}
	waiverClaim := func(number string, client int64, dos string) map[string]any {
		return map[string]any{"claim_number": number, "client_id": client, "rendering_staff_id": kowalski, "place_of_service": "12",
			"diagnoses": []string{"F33.1"}, "lines": []any{map[string]any{"service_code": "MHW-RA", "date_of_service": dos, "units": 2, "charge": "14.50"}}}
	}
	deniedFor := func(r resp, code, rarc string) int64 {
		t.Helper()
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		c := r.JSON(t)
		assert.Equal(t, "denied", c["status"], "%s", r.Body)
		l := c["lines"].([]any)[0].(map[string]any)
		assert.Equal(t, "0.00", l["paid"])
		adj := l["adjustments"].([]any)
		require.Len(t, adj, 1, "%s", r.Body)
		a := adj[0].(map[string]any)
		assert.Equal(t, code, a["code"])
		assert.Equal(t, "16", a["carc"])
		assert.Equal(t, rarc, a["rarc"])
		assert.NotEmpty(t, a["text"])
		id := int64(c["id"].(float64))
		assert.Zero(t, e.count(`SELECT count(*) FROM claim_lines WHERE claim_id = $1 AND (billable OR counted)`, id),
			"a denied line is neither on the ledger nor billable")
		return id
	}

	// The client without an address: denied 16/MA37; the trace says what is missing, not where the client lives.
	id := deniedFor(e.post(keyECRA, "/v1/claims", waiverClaim("NA-1", client, day(-2))), "CLAIM_CLIENT_ADDRESS_MISSING", "MA37")
	g := e.get(keyECRA, fmt.Sprintf("/v1/claims/%d", id))
	require.Equal(t, http.StatusOK, g.Status)
	assert.Contains(t, string(g.Body), `"detail":"client address: no street address"`)

	// A client with an address is paid and goes to the 837P; the other one never does.
	r = e.post(keyECRA, "/v1/claims", waiverClaim("NA-2", e.demo.Clients["Dubois"], day(-2)))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	b := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, b.Status, "%s", b.Body)
	file := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", int64(b.JSON(t)["id"].(float64))))
	require.Equal(t, http.StatusOK, file.Status, "%s", file.Body)
	assert.Contains(t, string(file.Body), "CT10000001", "Dubois is billed")
	assert.NotContains(t, string(file.Body), "CT77000001", "the client without an address is not")

	// The agency's ZIP without its +4 cannot be the billing provider's: denied 16/N258.
	_, err := e.db.ExecContext(t.Context(), `UPDATE providers SET zip = '06360' WHERE code = 'ECRA'`)
	require.NoError(t, err)
	deniedFor(e.post(keyECRA, "/v1/claims", waiverClaim("NA-3", e.demo.Clients["Dubois"], day(-1))), "CLAIM_BILLING_PROVIDER_ADDRESS_INVALID", "N258")

	// Programs paid through the register need neither: an ATR client without an address is paid.
	e.authorizeRivera(40)
	_, err = e.db.ExecContext(t.Context(), `UPDATE clients SET address_line1 = NULL, city = NULL, state = NULL, zip = NULL WHERE id = $1`,
		e.demo.Clients["Rivera"])
	require.NoError(t, err)
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("NA-4", cmLine(day(-2), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
}

// One claim of a bulk that does not decode (an impossible date, a wrong
// type, an unknown field) is refused on its own, in its place, and the
// others go in, as with a claim the rules refuse; a retry replays the
// answer. A black-box pass found a thousand-claim file refused whole for
// one 2026-02-30.
func TestBulkClaimThatDoesNotDecodeIsRefusedAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	bad := func(number string, line map[string]any) map[string]any { return e.riveraClaim(number, line) }
	body := map[string]any{"claims": []any{
		bad("BD-0", map[string]any{"service_code": "ATR-CM", "date_of_service": "2026-02-30", "units": 1, "charge": "15.00"}),
		e.riveraClaim("BD-1", cmLine(day(-2), 2, "30.00")),
		bad("BD-2", map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1.5, "charge": "15.00"}),
		e.riveraClaim("BD-3", cmLine(day(-3), 1, "15.00")),
		bad("BD-4", map[string]any{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1, "charge": "15.00", "colour": "red"}),
	}}
	r := e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA, Body: body, IdemKey: "bulk-undecoded"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var got bulkAnswerBody
	r.Into(t, &got)
	require.Len(t, got.Results, 5)
	assert.Equal(t, map[string]int{"claims": 5, "created": 2, "existing": 0, "refused": 3, "lines": 2}, got.Summary)
	for i, want := range []struct {
		status      int
		code, field string
	}{{400, "wrong_type", "lines[0].date_of_service"}, {201, "", ""}, {400, "wrong_type", "lines[0].units"}, {201, "", ""},
		{400, "unknown_field", "lines[0].colour"}} {
		res := got.Results[i]
		assert.Equal(t, i, res.Index)
		assert.Equal(t, want.status, res.Status, "claim %d", i)
		if want.code == "" {
			assert.Equal(t, fmt.Sprintf("BD-%d", i), res.Claim["claim_number"])
			continue
		}
		require.NotNil(t, res.Problem, "claim %d", i)
		assert.Equal(t, want.code, res.Problem["code"], "claim %d", i)
		assert.Equal(t, "https://rss.invalid/problems/"+want.code, res.Problem["type"])
		assert.Contains(t, itMustJSON(res.Problem["errors"]), want.field, "claim %d", i)
	}
	var n int
	require.NoError(t, e.db.Get(&n, `SELECT count(*) FROM claims`))
	assert.Equal(t, 2, n)
	again := e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA, Body: body, IdemKey: "bulk-undecoded"})
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r.Body), string(again.Body))
}

// A key given twice inside one claim of a bulk is that claim's own 400
// duplicate_field, named within it, and the others go in, as with a claim
// that does not decode: it refused the whole bulk (a black-box pass). A key
// given twice outside the claims, or claims all of which give one twice,
// still refuse the body, nothing written.
func TestBulkClaimWithAKeyTwiceIsRefusedAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	claim := func(number string, dos string) string {
		return itMustJSON(e.riveraClaim(number, cmLine(dos, 1, "15.00")))
	}
	clientTwice := func(number, dos string) string {
		return fmt.Sprintf(`{"client_id":%d,`, e.demo.Clients["Rivera"]) + strings.TrimPrefix(claim(number, dos), "{")
	}
	unitsTwice := strings.Replace(claim("DK-2", day(-4)), `"units":1`, `"units":1,"Units":2`, 1)
	require.Contains(t, unitsTwice, `"Units":2`)
	body := `{"claims":[` + strings.Join([]string{claim("DK-0", day(-2)), clientTwice("DK-1", day(-3)), unitsTwice, claim("DK-3", day(-5))}, ",") + `]}`
	r := e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA, Body: body})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var got bulkAnswerBody
	r.Into(t, &got)
	require.Len(t, got.Results, 4)
	assert.Equal(t, map[string]int{"claims": 4, "created": 2, "existing": 0, "refused": 2, "lines": 2}, got.Summary)
	for i, field := range []string{"", "client_id", "lines[0].Units", ""} {
		res := got.Results[i]
		if field == "" {
			assert.Equal(t, http.StatusCreated, res.Status, "claim %d", i)
			assert.Equal(t, fmt.Sprintf("DK-%d", i), res.Claim["claim_number"])
			continue
		}
		assert.Equal(t, http.StatusBadRequest, res.Status, "claim %d", i)
		require.NotNil(t, res.Problem, "claim %d", i)
		assert.Equal(t, "duplicate_field", res.Problem["code"])
		assert.Equal(t, "https://rss.invalid/problems/duplicate_field", res.Problem["type"])
		assert.Equal(t, []any{map[string]any{"field": field, "code": "duplicate_field", "message": field + " is given more than once"}},
			res.Problem["errors"], "claim %d", i)
	}
	// Beside a claim that does not decode, too.
	r = e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA,
		Body: `{"claims":[` + clientTwice("DK-4", day(-6)) + `,` + strings.Replace(claim("DK-5", day(-6)), `"units":1`, `"units":"1"`, 1) + `,` +
			claim("DK-6", day(-6)) + `]}`})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r.Into(t, &got)
	assert.Equal(t, []int{400, 400, 201}, []int{got.Results[0].Status, got.Results[1].Status, got.Results[2].Status}, "%s", r.Body)
	assert.Equal(t, "duplicate_field", got.Results[0].Problem["code"])
	assert.Equal(t, "wrong_type", got.Results[1].Problem["code"])

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA,
			Body: `{"claims":[` + claim("DK-7", day(-7)) + `],"claims":[` + claim("DK-8", day(-7)) + `]}`}), 400, "duplicate_field")
		assert.Equal(t, "claims", p["errors"].([]any)[0].(map[string]any)["field"])
		p = requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA,
			Body: `{"claims":[` + clientTwice("DK-7", day(-7)) + `,` + clientTwice("DK-8", day(-8)) + `]}`}), 400, "duplicate_field")
		assert.Equal(t, "claims[0].client_id", p["errors"].([]any)[0].(map[string]any)["field"])
	})
}

// A string refused inside one claim of a bulk (a NUL, a lone surrogate,
// bytes not UTF-8, one too long) is that claim's own 422, named within it,
// and the others go in, as with a claim that does not decode: it refused
// the whole bulk (a black-box pass). Claims all of which hold one refuse
// the body, nothing written, naming the first in the body.
func TestBulkClaimWithARefusedStringIsRefusedAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	claim := func(number string, dos string) string {
		return itMustJSON(e.riveraClaim(number, cmLine(dos, 1, "15.00")))
	}
	numbered := func(raw, dos string) string {
		return strings.Replace(claim("PLACEHOLDER", dos), `"PLACEHOLDER"`, `"`+raw+`"`, 1)
	}
	long := numbered(strings.Repeat("x", 4001), day(-6))
	body := `{"claims":[` + strings.Join([]string{claim("TS-0", day(-2)), numbered(`TS-\u0000`, day(-3)), numbered(`TS-\ud800`, day(-4)),
		numbered("TS-\xff", day(-5)), long, claim("TS-5", day(-7))}, ",") + `]}`
	r := e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA, Body: body})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var got bulkAnswerBody
	r.Into(t, &got)
	require.Len(t, got.Results, 6)
	assert.Equal(t, map[string]int{"claims": 6, "created": 2, "existing": 0, "refused": 4, "lines": 2}, got.Summary)
	for i, want := range []struct{ field, code string }{{}, {"claim_number", "invalid_character"}, {"claim_number", "invalid_encoding"},
		{"claim_number", "invalid_encoding"}, {"claim_number", "too_long"}, {}} {
		res := got.Results[i]
		if want.field == "" {
			assert.Equal(t, http.StatusCreated, res.Status, "claim %d", i)
			continue
		}
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "claim %d", i)
		require.NotNil(t, res.Problem, "claim %d", i)
		assert.Equal(t, "validation_failed", res.Problem["code"])
		errs := res.Problem["errors"].([]any)
		require.Len(t, errs, 1, "claim %d", i)
		assert.Equal(t, want.field, errs[0].(map[string]any)["field"], "claim %d", i)
		assert.Equal(t, want.code, errs[0].(map[string]any)["code"], "claim %d", i)
	}
	assert.Equal(t, []any{"TS-0", "TS-5"}, []any{got.Results[0].Claim["claim_number"], got.Results[5].Claim["claim_number"]})

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA,
			Body: `{"claims":[` + numbered(`TS-\u0000`, day(-8)) + `,` + numbered("TS-\xff", day(-9)) + `]}`}), 422, "validation_failed")
		assert.Equal(t, "claims[0].claim_number", p["errors"].([]any)[0].(map[string]any)["field"])
	})
}

// A bulk of no claim objects at all (numbers, strings, nulls, arrays) is
// refused whole, as one whose claims all fail to decode is: null decoded
// into an empty claim and the bulk was taken, four refusals inside a 200
// (a black-box pass). A null beside a claim is refused in its place.
func TestBulkOfNoClaimObjectsIsRefusedWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{1, "x", nil, []any{}}}), 400, "wrong_type")
		assert.NotEmpty(t, p["detail"])
		for _, nulls := range [][]any{{nil}, {nil, nil}} {
			p := requireProblem(t, e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": nulls}), 400, "wrong_type")
			// Named where it is in the body (it said body).
			assert.Equal(t, "claims[0]", p["errors"].([]any)[0].(map[string]any)["field"], "%v", p)
		}
	})
	// A null beside good claims only, where the body decodes whole.
	r0 := e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{nil, e.riveraClaim("NO-0", cmLine(day(-3), 1, "15.00"))}})
	require.Equal(t, http.StatusOK, r0.Status, "%s", r0.Body)
	assert.Contains(t, string(r0.Body), `"index":0,"status":400`)
	assert.Contains(t, string(r0.Body), `"code":"wrong_type"`)
	assert.Contains(t, string(r0.Body), `"index":1,"status":201`)
	r := e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{"x", nil, e.riveraClaim("NO-1", cmLine(day(-2), 1, "15.00"))}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var got bulkAnswerBody
	r.Into(t, &got)
	require.Len(t, got.Results, 3)
	assert.Equal(t, []int{400, 400, 201}, []int{got.Results[0].Status, got.Results[1].Status, got.Results[2].Status})
	assert.Equal(t, "wrong_type", got.Results[1].Problem["code"], "null is not a claim")
}

// A void's remittance bills what its lines bill: each line takes its
// original's charge back, and so does the claim (a black-box pass read
// 120.00 billed above a line of -120.00).
func TestVoidRemittanceBillsItsLinesNegative(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("RV-1", cmLine(day(-3), 2, "30.00"), cmLine(day(-2), 4, "60.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "RV-1V", "client_id": e.demo.Clients["Rivera"], "frequency": "8",
		"original_claim_id": itID(t, r)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	rem := e.get(keyHRA, itPath("/v1/claims/%d/remittance", itID(t, r))).JSON(t)
	assert.Equal(t, "-90.00", rem["billed"])
	assert.Equal(t, "-90.00", rem["paid"])
	for _, l := range rem["lines"].([]any) {
		assert.True(t, strings.HasPrefix(l.(map[string]any)["billed"].(string), "-"), "%v", l)
	}
}

// A void carries only what identifies the original: it takes the rendering
// staff, place of service and diagnoses from the claim it voids, so sent
// with its own (an unknown staff member, place of service 00, a diagnosis
// twice, or values as good as the original's) it is refused, nothing
// written, where it was taken and they were dropped unseen (a black-box
// pass). A void on file sent again, in any form that names the same
// original (lines [] for none, or through .../void), is the void on file,
// 200 as openapi promises: it read 409 claim_number_reused, as if another
// claim held its number.
func TestVoidCarriesOnlyWhatNamesTheOriginal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", itWith(e.riveraClaim("VO-1", cmLine(day(-3), 2, "30.00")), "diagnoses", []string{"F11.20", "Z59.00"}))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	orig := itID(t, r)
	void := map[string]any{"claim_number": "VO-1V", "client_id": e.demo.Clients["Rivera"], "frequency": "8", "original_claim_id": orig}
	// What a void repeats of its original may be left out or sent as the
	// original has it, never otherwise (an unknown staff member, place of
	// service 00, a diagnosis twice were taken and dropped unseen).
	itNothingWritten(t, e, func() {
		for _, c := range []struct {
			field string
			value any
		}{
			{"rendering_staff_id", 999999},
			{"rendering_staff_id", e.demo.Staff["Petrov"]},
			{"place_of_service", "00"},
			{"place_of_service", "12"},
			{"diagnoses", []string{"F10.20", "F1020"}},
			{"diagnoses", []string{"Z59.00", "F11.20"}},
			{"diagnoses", []string{"not a code"}},
		} {
			p := requireProblem(t, e.post(keyHRA, "/v1/claims", itWith(void, c.field, c.value)), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "not_the_original", itFieldCode(p, c.field), "%s %v: %v", c.field, c.value, p)
		}
	})
	// A system that voids by sending the claim again, frequency 8, sends
	// the original's own: taken.
	// Its diagnoses are read as any claim's are, dots optional and case
	// aside ("F11.20" read as another code: a re-check).
	r = e.post(keyHRA, "/v1/claims", itWith(itWith(itWith(itWith(void, "lines", []any{}), "rendering_staff_id", e.demo.Staff["Okafor"]),
		"place_of_service", "11"), "diagnoses", []string{"f11.20", "Z5900"}))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	// Sent again, it is still held to its original: another staff member
	// on the retry was answered 200 (a re-check).
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/claims", itWith(void, "rendering_staff_id", e.demo.Staff["Petrov"])),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_the_original", itFieldCode(p, "rendering_staff_id"))
	})
	for _, again := range []resp{
		e.post(keyHRA, "/v1/claims", void),
		e.post(keyHRA, "/v1/claims", itWith(void, "diagnoses", []any{})),
		e.post(keyHRA, "/v1/claims", itWith(void, "lines", []any{})),
		e.post(keyHRA, itPath("/v1/claims/%d/void", orig), map[string]any{"claim_number": "VO-1V"}),
	} {
		require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
		assert.Equal(t, id, itID(t, again))
	}
	// Twice in one bulk, in two forms: the second is the first (it read
	// 409 "sent at the same time"); after a copy refused, the good one is
	// judged on its own (a re-check).
	bulk := func(claims ...map[string]any) []map[string]any {
		t.Helper()
		r := e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": claims})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var out []map[string]any
		for _, res := range r.JSON(t)["results"].([]any) {
			out = append(out, res.(map[string]any))
		}
		return out
	}
	for k, pair := range [][2]map[string]any{
		{itWith(void, "diagnoses", []string{"F11.20", "Z59.00"}), void},
		{itWith(void, "rendering_staff_id", e.demo.Staff["Petrov"]), void},
	} {
		r := e.post(keyHRA, "/v1/claims", itWith(e.riveraClaim(fmt.Sprintf("VO-B%d", k), cmLine(day(-4-k), 1, "15.00")), "diagnoses", []string{"F11.20", "Z59.00"}))
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		first, second := itWith(pair[0], "original_claim_id", itID(t, r)), itWith(pair[1], "original_claim_id", itID(t, r))
		first, second = itWith(first, "claim_number", fmt.Sprintf("VO-B%dV", k)), itWith(second, "claim_number", fmt.Sprintf("VO-B%dV", k))
		res := bulk(first, second)
		require.Len(t, res, 2)
		if k == 0 {
			assert.Equal(t, float64(http.StatusCreated), res[0]["status"], "%v", res)
			assert.Equal(t, float64(http.StatusOK), res[1]["status"], "%v", res)
			assert.Equal(t, res[0]["claim"].(map[string]any)["id"], res[1]["claim"].(map[string]any)["id"])
		} else {
			assert.Equal(t, float64(http.StatusUnprocessableEntity), res[0]["status"], "%v", res)
			assert.Equal(t, float64(http.StatusCreated), res[1]["status"], "%v", res)
		}
	}
	// Another claim's number is still another claim's.
	p := requireProblem(t, e.post(keyHRA, "/v1/claims", itWith(void, "claim_number", "VO-1")), http.StatusConflict, "claim_number_reused")
	assert.Contains(t, p["detail"], "is claim")
}

// A claims list filtered by days of service lists the claims with a
// service in the range, not those whose first and last days span it with
// none inside; a void's days are those of the lines it takes back (its
// original's denied line is not among them). Both read the first to last
// span (a black-box pass).
func TestClaimsListedByAServiceInTheRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	denied := cmLine(day(-6), 2, "30.00")
	denied["authorization_number"] = "PA99999999" // no such authorization: denied 197
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("SR-1", denied, cmLine(day(-2), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	c := r.JSON(t)
	require.Equal(t, "partial", c["status"], "%s", r.Body)
	v := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "SR-1V", "client_id": e.demo.Clients["Rivera"], "frequency": "8",
		"original_claim_id": itID(t, r)})
	require.Equal(t, http.StatusCreated, v.Status, "%s", v.Body)
	assert.Equal(t, day(-2), v.JSON(t)["first_service_date"], "the day it takes back")
	assert.Equal(t, day(-2), v.JSON(t)["last_service_date"])

	numbers := func(query string) []string {
		r := e.get(keyHRA, "/v1/claims?client_id="+itStr(e.demo.Clients["Rivera"])+"&"+query)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var out []string
		for _, x := range r.JSON(t)["items"].([]any) {
			out = append(out, x.(map[string]any)["claim_number"].(string))
		}
		return out
	}
	assert.Empty(t, numbers("service_from="+day(-5)+"&service_to="+day(-3)), "no service of either in the range")
	assert.Equal(t, []string{"SR-1"}, numbers("service_from="+day(-6)+"&service_to="+day(-6)))
	assert.Equal(t, []string{"SR-1", "SR-1V"}, numbers("service_from="+day(-2)))
	assert.Equal(t, []string{"SR-1"}, numbers("service_to="+day(-3)))
}

// An authorization number sent padded or in lower case names the
// authorization rss issued in capitals, and is stored as issued (it was
// denied 197/N54 as unknown).
func TestAuthorizationNumberAsIssued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-CM'`, e.demo.Clients["Rivera"]))
	line := cmLine(day(-2), 2, "30.00")
	line["authorization_number"] = "  " + strings.ToLower(number) + " "
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("AN-1", line))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	var stored string
	require.NoError(t, e.db.Get(&stored, `SELECT l.authorization_number FROM claim_lines l JOIN claims c ON c.id = l.claim_id WHERE c.claim_number = 'AN-1'`))
	assert.Equal(t, number, stored)
}

// A refused string that is a key of a claim object itself (NUL, a lone
// surrogate, bytes not UTF-8) is that claim's own answer, as an unknown
// key there is and as one a level down is: it refused the whole bulk (a
// review).
func TestBulkClaimWithARefusedKeyIsRefusedAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	claim := func(number string, dos string) string {
		return itMustJSON(e.riveraClaim(number, cmLine(dos, 1, "15.00")))
	}
	for _, bad := range []string{`"note\u0000":1,`, `"note\ud800":1,`, "\"note\xff\":1,", `"notAField":1,`} {
		keyed := strings.Replace(claim("WK-1", day(-3)), `{`, `{`+bad, 1)
		body := `{"claims":[` + claim("WK-0-"+itMustJSON(len(bad)), day(-2)) + `,` + keyed + `]}`
		r := e.do(req{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA, Body: body})
		require.Equal(t, http.StatusOK, r.Status, "key %q: %s", bad, r.Body)
		var got bulkAnswerBody
		r.Into(t, &got)
		require.Len(t, got.Results, 2)
		assert.Less(t, got.Results[0].Status, 300, "key %q: the good claim goes in (or is on file)", bad)
		assert.GreaterOrEqual(t, got.Results[1].Status, 400, "key %q", bad)
	}
}

// bulkAnswerBody is a bulk claims answer as the tests read it: each
// claim's result in order, and the summary.
type bulkAnswerBody struct {
	Results []struct {
		Index   int            `json:"index"`
		Status  int            `json:"status"`
		Claim   map[string]any `json:"claim"`
		Problem map[string]any `json:"problem"`
	} `json:"results"`
	Summary map[string]int `json:"summary"`
}

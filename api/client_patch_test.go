package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client's address can be recorded after registration (PATCH): a
// Medicaid claim without it is denied 16/MA37, whose next step is to record
// it, and there was no way to (a black-box pass). Only the agency's own
// record, only the address, corrected but never cleared, audited; bad
// input writes nothing.
func TestClientAddressCorrected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Address", "last_name": "Later", "date_of_birth": "1981-03-03",
		"catchment_area": "meriden"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	require.Nil(t, r.JSON(t)["address_line1"])
	path := itPath("/v1/clients/%d", id)

	r = e.patch(keyHRA, path, map[string]any{"address_line1": " 22 Main St ", "city": "Meriden", "state": "CT", "zip": "06450"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := e.get(keyHRA, path).JSON(t)
	assert.Equal(t, "22 Main St", got["address_line1"])
	assert.Equal(t, "Meriden", got["city"])
	assert.Equal(t, "CT", got["state"])
	assert.Equal(t, "06450", got["zip"])
	assert.Equal(t, "Address", got["first_name"], "the rest stays")
	assert.Equal(t, 1, itAudit(e, "update", "client", itStr(id)))

	r = e.patch(keyHRA, path, map[string]any{"zip": "064501234"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "064501234", r.JSON(t)["zip"])
	assert.Equal(t, "22 Main St", r.JSON(t)["address_line1"], "a field left out stays")

	itNothingWritten(t, e, func() {
		for body, field := range map[string]string{`{"zip":"6450"}`: "zip", `{"state":"ct"}`: "state", `{"city":""}`: "city",
			`{}`: "body", `{"address_line1":"x\u0007y"}`: "address_line1",
			// Corrected, never cleared: a Medicaid claim paid on it goes out with it.
			`{"address_line1":null}`: "address_line1", `{"zip":null}`: "zip"} {
			p := requireProblem(t, e.patch(keyHRA, path, body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, []string{field}, itFieldErrors(t, p), body)
		}
		requireProblem(t, e.patch(keyHRA, path, map[string]any{"first_name": "Other"}), http.StatusBadRequest, "unknown_field")
		requireProblem(t, e.patch(keyBCS, path, map[string]any{"zip": "06450"}), http.StatusNotFound, "not_found")
		requireProblem(t, e.patch(keyReviewer, path, map[string]any{"zip": "06450"}), http.StatusForbidden, "forbidden")
	})
	r = e.patch(keyAdmin, path, map[string]any{"city": "Middletown"})
	require.Equal(t, http.StatusOK, r.Status, "the MSC corrects any record: %s", r.Body)
}

// A claim names the batch that took it, so its agency finds its remittance
// advice: a provider key may not list batches, and a claim said nothing of
// its batch (a black-box pass found the advice only by trying ids).
func TestClaimNamesItsBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "BATCHED-1", "client_id": e.demo.Clients["Kim"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claim := itID(t, r)
	assert.Nil(t, r.JSON(t)["batch_id"], "not batched yet")
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	batch := itID(t, r)
	got := e.get(keyHRA, itPath("/v1/claims/%d", claim)).JSON(t)
	assert.Equal(t, float64(batch), got["batch_id"])
	r = e.get(keyHRA, itPath("/v1/batches/%d/remittance/%d", batch, e.demo.Providers["HRA"]))
	assert.Equal(t, http.StatusOK, r.Status, "the advice it names: %s", r.Body)
	found := false
	for _, c := range itItems(t, e.get(keyHRA, "/v1/claims?limit=500")) {
		if int64(c["id"].(float64)) == claim {
			found = true
			assert.Equal(t, float64(batch), c["batch_id"], "in lists too")
		}
	}
	assert.True(t, found)
}

// Registering a person the agency already holds answers its record: a
// read of the client's record, audited as every read is (a black-box pass
// found none recorded).
func TestReRegistrationIsAnAuditedRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"first_name": "Twice", "last_name": "Registered", "date_of_birth": "1982-04-04", "catchment_area": "meriden"}
	r := e.post(keyHRA, "/v1/clients", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	before := itAudit(e, "read", "client", itStr(id))
	r = e.post(keyHRA, "/v1/clients", body)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, id, itID(t, r))
	assert.Equal(t, before+1, itAudit(e, "read", "client", itStr(id)))
}

// A re-registration carrying a Medicaid ID the agency's record lacks
// writes nothing: it is a 409 naming the eligibility endpoint, where the ID
// goes on from the day it applies (a black-box pass found the ID quietly
// written, with a span from three months back, though another person held
// it).
func TestReRegistrationWithAMedicaidIDWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"first_name": "Later", "last_name": "Insured", "date_of_birth": "1981-03-03", "catchment_area": "meriden"}
	r := e.post(keyHRA, "/v1/clients", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	body["medicaid_id"] = "CT55500077"
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/clients", body), http.StatusConflict, "medicaid_id_not_on_file")
		assert.Contains(t, p["detail"], itPath("/v1/clients/%d/eligibility", id))
	})
	got := e.get(keyHRA, itPath("/v1/clients/%d", id)).JSON(t)
	assert.Nil(t, got["medicaid_id"])
	assert.Empty(t, itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/eligibility", id))))
}

// A client's catchment area, gender and substance use status are
// corrected by PATCH as the address is (a black-box pass: the denial
// CATCHMENT_AREA_NOT_SERVED_BY_AGENCY tells the agency to correct the area,
// and PATCH refused it, for the admin too). Each is checked as at
// registration; the audit event names the fields changed, never their
// values; a value sent unchanged changes nothing. A move is a fact going
// forward: the next request is judged on the new area, a decision made
// keeps the area it stored and replays from it.
func TestClientAreaGenderAndSubstanceUseCorrected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-10))
	path := itPath("/v1/clients/%d", c.Client)
	hra := itPath("/v1/reference/providers/%d", e.demo.Providers["HRA"])
	var areas []string
	for _, a := range e.get(keyAdmin, hra).JSON(t)["catchment_areas"].([]any) {
		if a != "hartford" {
			areas = append(areas, a.(string))
		}
	}
	r := e.patch(keyAdmin, hra, map[string]any{"catchment_areas": areas, "reason": "Hartford moves to another agency"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	denied := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 4, 0, 20)
	require.Equal(t, "denied", denied["decision"], "%v", denied)
	require.Contains(t, denied["reason_codes"], "CATCHMENT_AREA_NOT_SERVED_BY_AGENCY")

	r = e.patch(keyHRA, path, map[string]any{"catchment_area": "meriden", "gender": "M", "substance_use_status": "in_recovery"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := e.get(keyHRA, path).JSON(t)
	assert.Equal(t, "meriden", got["catchment_area"])
	assert.Equal(t, "M", got["gender"])
	assert.Equal(t, "in_recovery", got["substance_use_status"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'update' AND entity_type = 'client'
		AND entity_id = $1 AND outcome = 'catchment_area,gender,substance_use_status'`, itStr(c.Client)),
		"the event names what changed, and no value")

	approved := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 4, 0, 20)
	assert.Equal(t, "approved", approved["decision"], "judged on the area on file now: %v", approved)
	r = e.get(keyReviewer, itPath("/v1/voucher-requests/%d/replay", itNum(t, denied, "id")))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["replayed"].(map[string]any)["decision"], "replayed from the area it stored: %s", r.Body)
	assert.Equal(t, true, r.JSON(t)["rules_decision_same"])
	assert.Equal(t, "hartford", itText(e, `SELECT facts -> 'client' ->> 'catchment_area' FROM voucher_requests WHERE id = $1`,
		itNum(t, denied, "id")))

	// The same values again, a field at a time or all at once, change
	// nothing and name no change.
	updates := itAudit(e, "update", "client", itStr(c.Client))
	row := itText(e, `SELECT c::text FROM clients c WHERE id = $1`, c.Client)
	for _, body := range []map[string]any{{"catchment_area": "meriden"}, {"gender": "M", "substance_use_status": "in_recovery"}} {
		r = e.patch(keyHRA, path, body)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, "meriden", r.JSON(t)["catchment_area"])
	}
	assert.Equal(t, updates, itAudit(e, "update", "client", itStr(c.Client)), "an unchanged value is no change")
	assert.Equal(t, row, itText(e, `SELECT c::text FROM clients c WHERE id = $1`, c.Client))
	// One changed beside one unchanged: only the one is named.
	r = e.patch(keyHRA, path, map[string]any{"gender": "M", "substance_use_status": "active"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'update' AND entity_type = 'client'
		AND entity_id = $1 AND outcome = 'substance_use_status'`, itStr(c.Client)))

	itNothingWritten(t, e, func() {
		for body, want := range map[string][2]string{
			`{"catchment_area":"atlantis"}`:            {"catchment_area", "unknown_id"},
			`{"catchment_area":"Meriden"}`:             {"catchment_area", "unknown_id"},
			`{"catchment_area":" meriden"}`:            {"catchment_area", "unknown_id"},
			`{"catchment_area":""}`:                    {"catchment_area", "required"},
			`{"catchment_area":null}`:                  {"catchment_area", "not_allowed"},
			`{"gender":"X"}`:                           {"gender", "invalid_value"},
			`{"gender":""}`:                            {"gender", "required"},
			`{"gender":null}`:                          {"gender", "not_allowed"},
			`{"substance_use_status":"sober"}`:         {"substance_use_status", "invalid_value"},
			`{"substance_use_status":null}`:            {"substance_use_status", "not_allowed"},
			`{"catchment_area":"meriden","zip":"123"}`: {"zip", "invalid_format"},
		} {
			p := requireProblem(t, e.patch(keyHRA, path, body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, []string{want[0]}, itFieldErrors(t, p), body)
			assert.Equal(t, want[1], itFieldCode(p, want[0]), body)
		}
		requireProblem(t, e.patch(keyBCS, path, map[string]any{"catchment_area": "bridgeport"}), http.StatusNotFound, "not_found")
		requireProblem(t, e.patch(keyBCS, itPath("/v1/clients/%d", 999999), map[string]any{"catchment_area": "bridgeport"}),
			http.StatusNotFound, "not_found")
		requireProblem(t, e.patch(keyReviewer, path, map[string]any{"gender": "F"}), http.StatusForbidden, "forbidden")
	})

	r = e.patch(keyAdmin, path, map[string]any{"catchment_area": "bridgeport"})
	require.Equal(t, http.StatusOK, r.Status, "the MSC corrects any record: %s", r.Body)
	assert.Equal(t, "bridgeport", r.JSON(t)["catchment_area"])
}

// itText returns a single text value from the database.
func itText(e *env, q string, args ...any) string {
	e.t.Helper()
	var s string
	require.NoError(e.t, e.db.GetContext(e.t.Context(), &s, q, args...))
	return s
}

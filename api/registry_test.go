package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/fixtures"
)

// Issue 9: providers, agreements and the catalog kept current through the
// API (package registry).

func (e *env) patch(key, path string, body any) resp {
	return e.do(req{Method: http.MethodPatch, Path: path, Key: key, Body: body})
}

func newProviderBody(code, npi string) map[string]any {
	return map[string]any{"code": code, "name": "New Haven Recovery Network", "npi": npi, "tax_id": "069876543",
		"address_line1": "200 Orange Street", "city": "New Haven", "state": "CT", "zip": "06510",
		"contact_name": "Avery Quinn", "contact_phone": "2035550199", "contact_email": "intake@nhrn.example.org"}
}

// 1245319599 has a valid NPI check digit (the CMS example); 1245319598 does not.
const (
	goodNPI = "1245319599"
	badNPI  = "1245319598"
)

func TestRegistryCreateAndUpdateProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := newProviderBody("NHRN", goodNPI)
	body["agreement"] = map[string]any{"start_date": day(-10), "end_date": day(355), "note": "signed at go-live"}
	body["programs"] = []string{"ATR"}
	body["services"] = []string{"ATR-TR", "ATR-DT"}
	body["catchment_areas"] = []string{"new_haven"}
	r := e.post(keyAdmin, "/v1/reference/providers", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	p := r.JSON(t)
	id := itID(t, r)
	assert.Equal(t, goodNPI, p["npi"])
	assert.Equal(t, "Avery Quinn", p["contact_name"])
	assert.Equal(t, day(-10), p["agreement_start"], "the columns follow the history")
	assert.Equal(t, []any{"ATR-DT", "ATR-TR"}, p["services"])
	assert.Len(t, p["agreements"], 1)
	assert.Equal(t, 1, itAudit(e, "create", "provider", itStr(id)))
	assert.Equal(t, 1, itAudit(e, "create", "provider_agreement", ""))

	// Enrollment sets: the list replaces the provider's.
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", id), map[string]any{"contact_phone": "2035550100",
		"programs": []string{"ATR", "EMP"}, "services": []string{"ATR-TR", "EMP-IPS"}, "catchment_areas": []string{"new_haven", "stamford"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	p = r.JSON(t)
	assert.Equal(t, "2035550100", p["contact_phone"])
	assert.Equal(t, []any{"ATR", "EMP"}, p["programs"])
	assert.Equal(t, []any{"ATR-TR", "EMP-IPS"}, p["services"])
	assert.Equal(t, []any{"new_haven", "stamford"}, p["catchment_areas"])
	assert.Equal(t, 1, itAudit(e, "update", "provider", itStr(id)))

	// Every role reads it as before; a provider key of another agency does not.
	assert.Equal(t, http.StatusOK, e.get(keyReviewer, itPath("/v1/reference/providers/%d", id)).Status)
	requireProblem(t, e.get(keyHRA, itPath("/v1/reference/providers/%d/agreements", id)), http.StatusNotFound, "not_found")
	assert.Len(t, itItems(t, e.get(keyFinance, itPath("/v1/reference/providers/%d/agreements", id))), 1)
}

func TestRegistryProviderBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"bad NPI check digit", http.MethodPost, "/v1/reference/providers", newProviderBody("NHRN", badNPI), 422, "validation_failed", "npi"},
		// A good check digit but a first digit NPPES never issues.
		{"NPI first digit 9", http.MethodPost, "/v1/reference/providers", newProviderBody("NHRN", "9123456789"), 422, "validation_failed", "npi"},
		{"NPI not ten digits", http.MethodPost, "/v1/reference/providers", newProviderBody("NHRN", "12345"), 422, "validation_failed", "npi"},
		{"bad code", http.MethodPost, "/v1/reference/providers", newProviderBody("nh rn", goodNPI), 422, "validation_failed", "code"},
		{"NPI taken", http.MethodPost, "/v1/reference/providers", newProviderBody("NHRN", "1234567893"), 409, "provider_npi_taken", ""},
		{"code taken", http.MethodPost, "/v1/reference/providers", newProviderBody("HRA", goodNPI), 409, "provider_code_taken", ""},
		{"code read alike", http.MethodPost, "/v1/reference/providers", newProviderBody("H-R-A", goodNPI), 409, "provider_code_taken", ""},
		{"code of another's with a corporate form run on", http.MethodPost, "/v1/reference/providers", newProviderBody("HRAINC", goodNPI), 409,
			"provider_code_taken", ""},
		{"another's code with the run on before it", http.MethodPost, "/v1/reference/providers", newProviderBody("THE-BCS", goodNPI), 409,
			"provider_code_taken", ""},
		{"name of dots", http.MethodPost, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "name", "..."), 422,
			"validation_failed", "name"},
		{"code of dashes", http.MethodPost, "/v1/reference/providers", newProviderBody("--", goodNPI), 422, "validation_failed", "code"},
		// A name a consent form would read as another agency's (its name,
		// case, punctuation and a corporate suffix aside, or its code):
		// a form was taken for either agency (an operations black-box pass).
		{"name taken", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "name", "Hartford Recovery Alliance"), 409, "provider_name_taken", ""},
		{"name taken but for a suffix", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "name", "the HARTFORD recovery alliance, Inc."), 409, "provider_name_taken", ""},
		{"named by another's code", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "name", "H.R.A."), 409, "provider_name_taken", ""},
		// Read as the registry reads names: a leading "the", "and", a
		// corporate form however punctuated, spaces run together, another's
		// code with a suffix (a re-check took each).
		{"another's code with a suffix", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "name", "The HRA"), 409, "provider_name_taken", ""},
		{"a suffix punctuated", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "name", "Hartford Recovery Alliance, L.L.C."), 409, "provider_name_taken", ""},
		{"run together", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "name", "HartfordRecoveryAlliance"), 409, "provider_name_taken", ""},
		{"patch to another's name", http.MethodPatch, itPath("/v1/reference/providers/%d", hra),
			map[string]any{"name": "Bridgeport Community Supports, LLC", "reason": "renamed"}, 409, "provider_name_taken", ""},
		{"unknown service", http.MethodPost, "/v1/reference/providers", func() map[string]any {
			b := newProviderBody("NHRN", goodNPI)
			b["programs"], b["services"] = []string{"ATR"}, []string{"ATR-XX"}
			return b
		}(), 422, "validation_failed", "services"},
		{"service outside the programs", http.MethodPost, "/v1/reference/providers", func() map[string]any {
			b := newProviderBody("NHRN", goodNPI)
			b["programs"], b["services"] = []string{"ATR"}, []string{"EMP-IPS"}
			return b
		}(), 422, "validation_failed", "services"},
		{"agreement ends before it starts", http.MethodPost, "/v1/reference/providers", func() map[string]any {
			b := newProviderBody("NHRN", goodNPI)
			b["agreement"] = map[string]any{"start_date": day(10), "end_date": day(1)}
			return b
		}(), 422, "validation_failed", "agreement.end_date"},
		// The identity the 837P carries is a real one (a black-box pass
		// registered ZZ, 00000 and 000000000, and an agreement in 2999).
		{"unknown state", http.MethodPost, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "state", "ZZ"), 422, "validation_failed", "state"},
		{"zip of zeros", http.MethodPost, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "zip", "00000"), 422, "validation_failed", "zip"},
		{"tax id of zeros", http.MethodPost, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "tax_id", "000000000"), 422, "validation_failed", "tax_id"},
		{"tax id of an unassigned prefix", http.MethodPost, "/v1/reference/providers", itWith(newProviderBody("NHRN", goodNPI), "tax_id", "071234567"), 422, "validation_failed", "tax_id"},
		{"patch unknown state", http.MethodPatch, itPath("/v1/reference/providers/%d", hra), map[string]any{"state": "ZZ"}, 422, "validation_failed", "state"},
		// Bounded as what they are (a black-box pass stored a 3,006-character
		// address and a 3,999-character name).
		{"patch email past 254", http.MethodPatch, itPath("/v1/reference/providers/%d", hra),
			map[string]any{"contact_email": strings.Repeat("e", 250) + "@x.org"}, 422, "validation_failed", "contact_email"},
		{"patch contact name past 200", http.MethodPatch, itPath("/v1/reference/providers/%d", hra),
			map[string]any{"contact_name": strings.Repeat("N", 201)}, 422, "validation_failed", "contact_name"},
		// The contact stays, as at registration (a black-box pass cleared it).
		{"patch the contact away", http.MethodPatch, itPath("/v1/reference/providers/%d", hra),
			map[string]any{"contact_name": nil, "contact_phone": nil, "contact_email": nil}, 422, "validation_failed", "contact_phone"},
		{"agreement ending before it starts", http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra),
			map[string]any{"start_date": day(400), "end_date": day(399)}, 422, "validation_failed", "end_date"},
		{"agreement in 2999", http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra),
			map[string]any{"start_date": "2999-12-31"}, 422, "validation_failed", "start_date"},
		// Its end too, at most ten years ahead; one with no set end is null
		// (a black-box pass took an end in 2999 on all three).
		{"agreement ending in 2999", http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra),
			map[string]any{"start_date": day(400), "end_date": "2999-12-31"}, 422, "validation_failed", "end_date"},
		{"first agreement ending in 2999", http.MethodPost, "/v1/reference/providers",
			itWith(newProviderBody("NHRN", goodNPI), "agreement", map[string]any{"start_date": day(0), "end_date": "2999-12-31"}),
			422, "validation_failed", "agreement.end_date"},
		// A note that shows nothing is none (a black-box pass stored one).
		{"agreement note of spaces", http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra),
			map[string]any{"start_date": day(400), "note": "   ​"}, 422, "validation_failed", "note"},
		{"patch bad NPI", http.MethodPatch, itPath("/v1/reference/providers/%d", hra), map[string]any{"npi": badNPI}, 422, "validation_failed", "npi"},
		{"patch unknown program", http.MethodPatch, itPath("/v1/reference/providers/%d", hra), map[string]any{"programs": []string{"NOPE"}}, 422, "validation_failed", "programs"},
		// A wrong element of a PATCH's set is named by its place (it was the set).
		{"patch a service as a number", http.MethodPatch, itPath("/v1/reference/providers/%d", hra), map[string]any{"services": []any{"ATR-CC", 5}},
			400, "wrong_type", "services[1]"},
		{"patch empty", http.MethodPatch, itPath("/v1/reference/providers/%d", hra), map[string]any{}, 422, "validation_failed", "body"},
		{"patch unknown provider", http.MethodPatch, "/v1/reference/providers/999999", map[string]any{"name": "X"}, 404, "not_found", ""},
		{"overlapping agreement", http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra),
			map[string]any{"start_date": day(-30), "end_date": day(300)}, 409, "agreement_overlap", ""},
		{"agreement without start", http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra),
			map[string]any{"end_date": day(300)}, 422, "validation_failed", "start_date"},
		{"deactivate without reason", http.MethodPost, itPath("/v1/reference/providers/%d/deactivate", hra),
			map[string]any{"reason": " "}, 422, "validation_failed", "reason"},
		{"deactivate a century back", http.MethodPost, itPath("/v1/reference/providers/%d/deactivate", hra),
			map[string]any{"reason": "closing", "effective_on": "1900-01-01"}, 422, "validation_failed", "effective_on"},
		{"reactivate an active provider", http.MethodPost, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"}, 409, "provider_active", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.do(req{Method: c.method, Path: c.path, Key: keyAdmin, Body: c.body}), c.status, c.code)
				if c.field != "" {
					assert.Contains(t, itFieldErrors(t, p), c.field)
				}
			})
		})
	}
	// An agency's own name, spelt anew, is its own.
	r := e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"name": "Hartford Recovery Alliance, Inc.", "reason": "incorporated"})
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// Every registry write is the admin's: provider, reviewer and finance keys
// get 403 and write nothing.
func TestRegistryWritesAreAdminOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	writes := []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/v1/reference/providers", newProviderBody("NHRN", goodNPI)},
		{http.MethodPatch, itPath("/v1/reference/providers/%d", hra), map[string]any{"name": "Renamed"}},
		{http.MethodPost, itPath("/v1/reference/providers/%d/agreements", hra), map[string]any{"start_date": day(4000)}},
		{http.MethodPost, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "closing"}},
		{http.MethodPost, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"}},
		{http.MethodPost, "/v1/reference/programs", newProgramBody("PEER")},
		{http.MethodPost, "/v1/reference/services", newServiceBody("EMP-WFD", "EMP")},
		{http.MethodPost, "/v1/reference/services/ATR-CM/rates", map[string]any{"rate": "16.00", "effective_from": day(30), "reason": "x"}},
		{http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "Danbury"}},
		{http.MethodPatch, "/v1/reference/catchment-areas/hartford", map[string]any{"name": "Hartford County"}},
	}
	for _, w := range writes {
		for _, key := range []string{keyHRA, keyBCS, keyReviewer, keyFinance} {
			itNothingWritten(t, e, func() {
				requireProblem(t, e.do(req{Method: w.method, Path: w.path, Key: key, Body: w.body}), http.StatusForbidden, "forbidden")
			})
		}
	}
	// Reads stay open: the rate history and the rule list to every role, an
	// agency's agreements to itself.
	assert.NotEmpty(t, itItems(t, e.get(keyHRA, "/v1/reference/services/ATR-CM/rates")))
	assert.NotEmpty(t, itItems(t, e.get(keyHRA, "/v1/reference/voucher-rules")))
	assert.NotEmpty(t, itItems(t, e.get(keyHRA, itPath("/v1/reference/providers/%d/agreements", hra))))
}

// Renew a lapsed agreement: LAS's agreement ended 30 days ago, so its
// vouchers are denied PROVIDER_AGREEMENT_INACTIVE; the admin records the
// renewal and the same request is approved. The history keeps both.
func TestRegistryRenewLapsedAgreement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	las := e.demo.Providers["LAS"]
	lasKey := lasProviderKey()
	client := itNewClient(t, e, lasKey, "hartford")
	// Taken in on a day its agreement covered: none starts in the lapse,
	// and it takes no primary case manager designation while lapsed.
	r := e.post(lasKey, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "primary_case_manager": false,
		"start_date": day(-40)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(lasKey, "/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": day(0), "expires_on": day(365)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(lasKey, "/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(lasKey, "/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(0), "end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	v := itVoucher(t, e, lasKey, client, "ATR-TR", 10, 1, 30)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "PROVIDER_AGREEMENT_INACTIVE", "%v", v)

	before := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/agreements", las)))
	require.Len(t, before, 1)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/agreements", las), map[string]any{"start_date": day(-29), "end_date": day(700),
		"note": "renewal signed"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, 1, itAudit(e, "create", "provider_agreement", itStr(itID(t, r))))

	v = itVoucher(t, e, lasKey, client, "ATR-TR", 10, 1, 30)
	assert.Equal(t, "approved", v["decision"], "%v", v)

	hist := itItems(t, e.get(lasKey, itPath("/v1/reference/providers/%d/agreements", las)))
	require.Len(t, hist, 2, "the history keeps the lapsed period")
	assert.Equal(t, day(-30), hist[0]["end_date"])
	assert.Equal(t, day(-29), hist[1]["start_date"])
	p := e.get(keyAdmin, itPath("/v1/reference/providers/%d", las)).JSON(t)
	assert.Equal(t, day(-29), p["agreement_start"], "the provider shows the newest period")
	assert.Equal(t, day(700), p["agreement_end"])
}

// A deactivated provider gets no new voucher (PROVIDER_DEACTIVATED), its
// claims for days before the deactivation still pay, and its key still works.
func TestRegistryDeactivateProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, -2, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)

	hra := e.demo.Providers["HRA"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "agency closing its RSS line"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(0), r.JSON(t)["deactivated_on"])
	assert.Equal(t, 1, itAudit(e, "deactivate", "provider", itStr(hra)))
	requireProblem(t, e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "again"}),
		http.StatusConflict, "provider_deactivated")

	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 1, 20)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "PROVIDER_DEACTIVATED")

	claim := func(number, dos string) map[string]any {
		return map[string]any{"claim_number": number, "client_id": a.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
			"place_of_service": "99", "lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": dos, "units": 1, "charge": "12.00"}}}
	}
	r = e.post(keyHRA, "/v1/claims", claim("DEACT-1", day(-1)))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "paid", r.JSON(t)["status"], "a day before the deactivation pays: %s", r.Body)
	r = e.post(keyHRA, "/v1/claims", claim("DEACT-2", day(0)))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["status"], "a day from the deactivation does not: %s", r.Body)

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["deactivated_on"])
	// The deactivation undone stays on record, in the reactivation's event
	// (a black-box pass found its day and reason gone).
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'reactivate' AND entity_id = $1 AND outcome = $2`,
		itStr(hra), "deactivated from "+day(0)+": agency closing its RSS line; reactivated: reinstated"))
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 1, 20)
	assert.NotEqual(t, "denied", v["decision"], "%v", v)
}

// A deactivation a reactivation ends is kept as a suspension: its days stay
// out of service, for claims and vouchers alike (a black-box pass found a
// line for such a day, denied while the deactivation lasted, paid once it
// was lifted). A deactivation made in error is undone as if never made.
func TestReactivationKeepsTheSuspension(t *testing.T) {
	t.Parallel()
	for _, inError := range []bool{false, true} {
		e := newEnv(t)
		hra := e.demo.Providers["HRA"]
		a := itATRClient(t, e, day(-10))
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 20, -8, 20)
		require.Equal(t, "approved", v["decision"], "%v", v)
		claim := func(number, dos string) any {
			t.Helper()
			r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": a.Client,
				"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "99",
				"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": dos, "units": 1, "charge": "12.00"}}})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			return r.JSON(t)["status"]
		}
		// An authorization whose days all fall in the suspension.
		b := itATRClient(t, e, day(-10))
		short := itVoucher(t, e, keyHRA, b.Client, "ATR-TR", 2, -2, -1)
		require.Equal(t, "approved", short["decision"], "%v", short)
		r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold",
			"effective_on": day(-2)})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, "denied", claim("SUSP-1", day(-1)), "deactivated")
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra),
				map[string]any{"reason": "hold lifted", "in_error": nil}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "required", itFieldCode(p, "in_error"), "null is no answer (a black-box pass read it as false)")
		})
		r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "hold lifted",
			"in_error": inError})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var endedIDs []float64
		for _, x := range r.JSON(t)["authorizations_ended"].([]any) {
			endedIDs = append(endedIDs, x.(map[string]any)["id"].(float64))
			// An array, empty beside the note, as openapi has it: it was
			// null (a black-box pass).
			assert.NotNil(t, x.(map[string]any)["reason_codes"], "%v", x)
		}
		shortAuth := e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, short, "authorization_id"))).JSON(t)
		if inError {
			assert.NotContains(t, endedIDs, short["authorization_id"], "given back: no day was out of service")
			assert.Nil(t, shortAuth["voided_at"], "%v", shortAuth)
			assert.Equal(t, day(-1), shortAuth["end_date"], "its span back")
		} else {
			assert.Contains(t, endedIDs, short["authorization_id"], "its days lie in the suspension: not given back (a black-box pass)")
			assert.Equal(t, "void", shortAuth["status"], "%v", shortAuth)
			// Its days, from its start, were out of service: it read "its
			// days from D were out of service, before the authorization
			// started", D its start (a black-box pass).
			assert.Equal(t, fmt.Sprintf("not given back at the agency's reactivation on %s: its days, from its start on %s, were out of service",
				day(0), day(-2)), shortAuth["void_reason"])
		}
		p := e.get(keyHRA, itPath("/v1/reference/providers/%d", hra)).JSON(t)
		assert.Equal(t, "paid", claim("SUSP-3", day(-3)), "a day before the deactivation")
		assert.Equal(t, "paid", claim("SUSP-4", day(0)), "the day of the reactivation")
		later := itVoucher(t, e, keyHRA, a.Client, "ATR-DT", 2, 1, 10)
		assert.NotContains(t, later["reason_codes"], "PROVIDER_DEACTIVATED")
		if inError {
			assert.Equal(t, []any{}, p["suspensions"], "undone as if never made")
			assert.Equal(t, "paid", claim("SUSP-2", day(-1)))
			assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'reactivate' AND entity_id = $1
				AND outcome LIKE '%made in error%'`, itStr(hra)))
			continue
		}
		require.Len(t, p["suspensions"], 1, "%v", p)
		// A day of the suspension kept is named as such, not as a
		// deactivation still in force (a black-box pass).
		enr := requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": itNewClient(t, e, keyHRA, "hartford"),
			"program_code": "ATR", "start_date": day(-1)}), http.StatusConflict, "provider_deactivated")
		assert.Contains(t, enr["detail"], fmt.Sprintf("from %s to %s (a suspension kept at its reactivation)", day(-2), day(-1)))
		x := p["suspensions"].([]any)[0].(map[string]any)
		assert.Equal(t, day(-2), x["first_day"])
		assert.Equal(t, day(-1), x["last_day"])
		assert.Equal(t, "audit hold", x["reason"])
		assert.Equal(t, "hold lifted", x["reactivation_reason"])
		assert.Equal(t, "denied", claim("SUSP-2", day(-1)), "a day of the suspension stays out of service")
		v = itVoucher(t, e, keyHRA, a.Client, "ATR-DT", 2, -1, 10)
		assert.Equal(t, "denied", v["decision"])
		assert.Contains(t, v["reason_codes"], "PROVIDER_DEACTIVATED", "a voucher over a day of it")
		// Kept as written, and never over a paid line.
		_, err := e.db.ExecContext(t.Context(), `DELETE FROM provider_suspensions`)
		assert.ErrorContains(t, err, "kept as written")
		_, err = e.db.ExecContext(t.Context(), `INSERT INTO provider_suspensions (provider_id, first_day, last_day, reason,
			reactivation_reason, reactivated_at) VALUES ($1, $2, $2, 'x', 'y', now())`, hra, day(0))
		assert.ErrorContains(t, err, "paid claim lines")
	}
}

// An agency out of service takes no one in: an enrollment starting on or
// after its deactivation's day, or on a day of a suspension, is refused (a
// black-box pass enrolled a client from after the deactivation, swelling
// the caseload and the state's reports); before it, or after the
// reactivation, it is taken.
func TestOutOfServiceAgencyEnrollsNoOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	enroll := func(start string) resp {
		t.Helper()
		client := itNewClient(t, e, keyHRA, "hartford")
		return e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": start})
	}
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold", "effective_on": day(-3)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	client := itNewClient(t, e, keyHRA, "hartford")
	for _, start := range []string{day(-3), day(0), day(20)} {
		itNothingWritten(t, e, func() {
			requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": start}),
				http.StatusConflict, "provider_deactivated")
		})
	}
	r = enroll(day(-4))
	assert.Equal(t, http.StatusCreated, r.Status, "before the deactivation: %s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "hold lifted"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	requireProblem(t, enroll(day(-1)), http.StatusConflict, "provider_deactivated")
	r = enroll(day(0))
	assert.Equal(t, http.StatusCreated, r.Status, "from the reactivation: %s", r.Body)
}

func lasProviderKey() string { return fixtures.Key(access.RoleProvider, "LAS") }

// A registry POST retried with its key gets the stored answer and writes
// once; two renewals racing for the same days leave one period.
func TestRegistryRetriesAndRacingRenewals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := newProviderBody("NHRN", goodNPI)
	first := e.do(req{Method: http.MethodPost, Path: "/v1/reference/providers", Key: keyAdmin, Body: body, IdemKey: "reg-retry"})
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	again := e.do(req{Method: http.MethodPost, Path: "/v1/reference/providers", Key: keyAdmin, Body: body, IdemKey: "reg-retry"})
	require.Equal(t, http.StatusCreated, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM providers WHERE code = 'NHRN'`))

	las := e.demo.Providers["LAS"]
	statuses := make(chan int, 4)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/agreements", las), map[string]any{"start_date": day(-29), "end_date": day(700)})
			statuses <- r.Status
		}()
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: 3}, got)
	assert.Equal(t, 2, e.count(`SELECT count(*) FROM provider_agreements WHERE provider_id = $1`, las))
}

// An agreement is terminated by ending its period: from the day after the
// end, requests are denied PROVIDER_AGREEMENT_INACTIVE; reopening it (end
// null) lets them through again. The start is never changed.
func TestRegistryEndAnAgreement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a := itATRClient(t, e, day(-5))
	hist := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/agreements", hra)))
	require.Len(t, hist, 1)
	agreement := int64(hist[0]["id"].(float64))
	path := itPath("/v1/reference/providers/%d/agreements/%d", hra, agreement)

	r := e.patch(keyAdmin, path, map[string]any{"end_date": day(10), "note": "terminated by the department", "reason": "breach of contract"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(10), r.JSON(t)["end_date"])
	assert.Equal(t, 1, itAudit(e, "update", "provider_agreement", itStr(agreement)))
	// The provider's history keeps the periods before and after, and why:
	// an end moved or a note overwritten left neither (a black-box pass).
	hist = itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", hra)))
	last := hist[len(hist)-1]
	assert.Equal(t, "breach of contract", last["reason"], "%v", last)
	before := last["before"].(map[string]any)["agreements"].([]any)[0].(map[string]any)
	after := last["after"].(map[string]any)["agreements"].([]any)[0].(map[string]any)
	assert.Nil(t, before["end_date"])
	assert.NotEqual(t, "terminated by the department", before["note"])
	assert.Equal(t, day(10), after["end_date"])
	assert.Equal(t, "terminated by the department", after["note"])
	assert.Equal(t, day(10), e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)["agreement_end"])
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 0, 20)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "PROVIDER_AGREEMENT_INACTIVE")
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 0, 10)
	assert.Equal(t, "approved", v["decision"], "%v", v)

	// A renewal after the end; the first period may not grow into it.
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/agreements", hra), map[string]any{"start_date": day(11)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.patch(keyAdmin, path, map[string]any{"end_date": nil}), http.StatusConflict, "agreement_overlap")
		p := requireProblem(t, e.patch(keyAdmin, path, map[string]any{"end_date": "2000-01-01"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, []string{"end_date"}, itFieldErrors(t, p))
		requireProblem(t, e.patch(keyAdmin, path, map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		// At most ten years ahead, as a new period's end (a black-box pass
		// moved one to 2999).
		p = requireProblem(t, e.patch(keyAdmin, itPath("/v1/reference/providers/%d/agreements/%d", hra, itID(t, r)),
			map[string]any{"end_date": "2999-12-31"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "end_date"), "%v", p)
		requireProblem(t, e.patch(keyAdmin, itPath("/v1/reference/providers/%d/agreements/%d", e.demo.Providers["BCS"], agreement),
			map[string]any{"note": "x"}), http.StatusNotFound, "not_found")
		requireProblem(t, e.patch(keyAdmin, itPath("/v1/reference/providers/%d/agreements/999999", hra),
			map[string]any{"note": "x"}), http.StatusNotFound, "not_found")
		for _, key := range []string{keyHRA, keyReviewer, keyFinance} {
			requireProblem(t, e.patch(key, path, map[string]any{"note": "x"}), http.StatusForbidden, "forbidden")
		}
	})
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, 5, 20)
	assert.Equal(t, "approved", v["decision"], "the renewal covers the span across the end: %v", v)
}

// A deactivated agency's authorizations end the day before its
// deactivation: they read expired and no longer hold the person's caps or
// pend another agency's request as a duplicate (they read active with all
// their units, a black-box pass). A reactivation gives each its span back
// where a request for its unused units would be granted today, and holds
// it for a reviewer, kept cut, where it would not: here another agency was
// granted the same service over the same days meanwhile, and both used to
// come back active.
func TestDeactivatedAgencysAuthorizationsEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	kimTR := itFixtureID(t, e, `SELECT id FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, e.demo.Clients["Kim/HRA"])
	before := itAuth(t, e, keyReviewer, kimTR)
	require.Equal(t, "active", before["status"])
	pends := func() bool {
		v := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-TR", 5, 0, 20)
		return slices.Contains(v["reason_codes"].([]any), any("DUPLICATE_SERVICE_OTHER_PROVIDER"))
	}
	require.True(t, pends(), "HRA's authorization overlaps")

	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "contract ended", "effective_on": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	after := itAuth(t, e, keyReviewer, kimTR)
	assert.Equal(t, "expired", after["status"])
	assert.Equal(t, day(-1), after["end_date"])
	assert.False(t, pends(), "no longer a duplicate")
	// pends() left BCS's request pended (not in Kim's care plan there); a
	// reviewer grants BCS the days HRA no longer holds.
	bcs := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-TR", 5, 0, 20)
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, bcs, "id")),
		map[string]any{"action": "approve", "note": "care plan update on its way"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "approved", r.JSON(t)["decision"], "%s", r.Body)

	// Another of HRA's authorizations, which nothing was granted against.
	other := itFixtureID(t, e, `SELECT id FROM authorizations WHERE provider_id = $1 AND id <> $2 AND voided_at IS NULL
		AND end_date >= $3::date AND units_used < units_authorized ORDER BY id LIMIT 1`, hra, kimTR, day(0))
	otherBefore := itAuth(t, e, keyReviewer, other)
	require.Equal(t, "expired", otherBefore["status"])

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, r.JSON(t)["authorizations_ended"], "%s", r.Body)
	held := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, held, 1, "%s", r.Body)
	got := held[0].(map[string]any)
	assert.Equal(t, float64(kimTR), got["id"])
	assert.Equal(t, "pending_review", got["status"])
	assert.Equal(t, day(-1), got["end_date"])
	assert.Contains(t, got["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	kim := itAuth(t, e, keyReviewer, kimTR)
	assert.Equal(t, day(-1), kim["end_date"], "not given back: BCS holds those days now; kept cut for a reviewer")
	assert.Equal(t, "pending_review", kim["status"])
	assert.False(t, pends(), "HRA's held authorization pends nothing")

	// HRA reads the hold in its history, and nothing in it names BCS or
	// the rule that said another agency serves the person.
	r = e.get(keyHRA, itPath("/v1/authorizations/%d", kimTR))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "held for review at the agency's reactivation")
	assert.NotContains(t, string(r.Body), "DUPLICATE")
	assert.NotContains(t, string(r.Body), "BCS")

	back := itAuth(t, e, keyReviewer, other)
	assert.Equal(t, otherBefore["units_authorized"], back["units_authorized"])
	assert.NotEqual(t, "expired", back["status"], "its span back: %v", back)
	assert.NotEqual(t, day(-1), back["end_date"])
}

// A service taken out of an agency's enrollment ends that day: the claims
// for days it was offered are still paid (they were denied the moment it
// was taken out), the days after are not, a voucher for them is denied, and
// a service added again is offered from the next day, the provider's record
// showing the periods.
func TestServiceTakenOutEndsThatDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	e.authorizeRivera(40)
	path := itPath("/v1/reference/providers/%d", hra)
	r := e.get(keyAdmin, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var offered []string
	for _, s := range r.JSON(t)["services"].([]any) {
		if s != "ATR-CM" {
			offered = append(offered, s.(string))
		}
	}
	require.NotEmpty(t, offered)
	st, _ := e.riveraClaimStatus("SVC-END-0", day(0))
	require.Equal(t, "paid", st, "today, before it is taken out")
	r = e.patch(keyAdmin, path, map[string]any{"services": offered})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	p := r.JSON(t)
	assert.NotContains(t, p["services"], "ATR-CM")
	ended := map[string]any{"service_code": "ATR-CM", "offered_from": nil, "offered_to": day(0)}
	assert.Equal(t, []any{ended}, p["service_periods"])

	st, _ = e.riveraClaimStatus("SVC-END-1", day(-2))
	assert.Equal(t, "paid", st, "a day the service was offered")
	st, _ = e.riveraClaimStatus("SVC-END-2", day(-1))
	assert.Equal(t, "paid", st, "a day the service was offered")
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 5, 1, 10)
	assert.Equal(t, "denied", v["decision"], "a span after it was taken out")
	assert.Contains(t, v["reason_codes"], "PROVIDER_NOT_ENROLLED_FOR_SERVICE")
	v = itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 5, -1, 0)
	assert.NotContains(t, v["reason_codes"], "PROVIDER_NOT_ENROLLED_FOR_SERVICE", "a span it covers")

	// Put back the same day: offered again from tomorrow, the periods one
	// after the other, so a span across the two is covered.
	r = e.patch(keyAdmin, path, map[string]any{"services": append(offered, "ATR-CM")})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	p = r.JSON(t)
	assert.Contains(t, p["services"], "ATR-CM")
	assert.Equal(t, []any{ended, map[string]any{"service_code": "ATR-CM", "offered_from": day(1), "offered_to": nil}}, p["service_periods"])
	v = itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 5, -1, 10)
	assert.NotContains(t, v["reason_codes"], "PROVIDER_NOT_ENROLLED_FOR_SERVICE", "a span across both periods")
	// Taken out again before it came back: that period never was in force.
	r = e.patch(keyAdmin, path, map[string]any{"services": offered})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, []any{ended}, r.JSON(t)["service_periods"])
}

// riveraClaimStatus submits one ATR-CM line of Rivera's on dos and returns
// the claim's status and the line's adjustments.
func (e *env) riveraClaimStatus(number, dos string) (string, []any) {
	e.t.Helper()
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim(number, cmLine(dos, 2, "30.00")))
	require.Equal(e.t, http.StatusCreated, r.Status, "%s", r.Body)
	c := r.JSON(e.t)
	return c["status"].(string), c["lines"].([]any)[0].(map[string]any)["adjustments"].([]any)
}

// An authorization a deactivation cuts to nothing (it would start on or
// after the day) reads expired, in one and in the status-filtered list
// alike, not active with all its units; a reactivation gives it back
// (a black-box pass found it active with its end before its start).
func TestRegistryDeactivationBeforeAnAuthorizationStarts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, 10, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	auth := itNum(t, v, "authorization_id")
	hra := e.demo.Providers["HRA"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "contract ends", "effective_on": day(5)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := e.get(keyHRA, itPath("/v1/authorizations/%d", auth)).JSON(t)
	assert.Equal(t, "expired", got["status"], "%v", got)
	inList := func(status string) bool {
		for _, it := range itWalk(t, e, keyHRA, "/v1/authorizations?status="+status, 200) {
			if it == auth {
				return true
			}
		}
		return false
	}
	assert.True(t, inList("expired"))
	assert.False(t, inList("active"))
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "active", e.get(keyHRA, itPath("/v1/authorizations/%d", auth)).JSON(t)["status"])
}

// A deactivation set for a later day, undone before it takes effect, gives
// back every authorization: until that day they run, holding all their
// units, and the one judged must not count its own units twice (once as
// held, once as asked for again).
func TestReactivationBeforeTheDeactivationTakesEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"HRA", "BCS"} {
		id := e.demo.Providers[p]
		r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", id), map[string]any{"reason": "notice given", "effective_on": day(10)})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", id), map[string]any{"reason": "reinstated"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Empty(t, r.JSON(t)["authorizations_ended"], "%s: %s", p, r.Body)
	}
}

// The authorizations a reactivation gives back are judged one after the
// other, each on the person's authorizations as the ones before it left
// them: two that each fit the episode's room alone, and not together, come
// back one. HRA holds two ATR-DT authorizations of Kim's (8 units each, of
// the service's 40 an episode); while HRA is out BCS is granted 32; at
// HRA's reactivation the first comes back, the second does not.
func TestReactivationJudgesTheAuthorizationsInTurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	grant := func(key string, client int64, from, to int) int64 {
		t.Helper()
		v := itVoucher(t, e, key, client, "ATR-DT", 8, from, to)
		if v["decision"] == "pended" {
			r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
				map[string]any{"action": "approve", "note": "care plan update on its way"})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			v = r.JSON(t)
		}
		require.Equal(t, "approved", v["decision"], "%v", v)
		return itNum(t, v, "authorization_id")
	}
	hraKim, bcsKim := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	first, second := grant(keyHRA, hraKim, 2, 20), grant(keyHRA, hraKim, 21, 40)
	hra := e.demo.Providers["HRA"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit", "effective_on": day(1)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for from := 41; from < 81; from += 10 {
		grant(keyBCS, bcsKim, from, from+9)
	}

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	held := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, held, 1, "%s", r.Body)
	got := held[0].(map[string]any)
	assert.Equal(t, float64(second), got["id"])
	assert.Equal(t, "pending_review", got["status"], "held for a reviewer, not voided by the rules")
	assert.Equal(t, day(0), got["end_date"], "kept cut as the deactivation cut it")
	assert.Contains(t, got["reason_codes"], "EPISODE_UNITS_EXCEEDED")
	assert.Equal(t, day(20), itAuth(t, e, keyReviewer, first)["end_date"], "the first comes back whole")
	assert.Equal(t, "pending_review", itAuth(t, e, keyReviewer, second)["status"])
}

// A provider's and a staff member's records keep what each change replaced
// (migration 00061): an NPI, an address, a departure date moved or
// cleared were overwritten with only "update" in the audit log (a black-box
// pass). The history names the columns changed, before and after, and who
// changed them; another agency reads neither.
func TestProviderAndStaffHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, okafor := e.demo.Providers["HRA"], e.demo.Staff["Okafor"]
	r := e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"address_line1": "9 Other St", "city": "Hartford"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	hist := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", hra)))
	require.GreaterOrEqual(t, len(hist), 2, "%v", hist)
	// The demo's loading (its agreement's period, outside the API) names no one.
	for _, h := range hist[:len(hist)-2] {
		assert.Nil(t, h["action"], "%v", h)
	}
	hist = hist[len(hist)-2:]
	assert.Equal(t, map[string]any{"address_line1": "9 Other St"}, hist[0]["after"], "only what changed (the city was the same)")
	assert.NotEqual(t, "9 Other St", hist[0]["before"].(map[string]any)["address_line1"])
	assert.Equal(t, "update", hist[0]["action"])
	assert.Equal(t, "admin", hist[0]["actor_role"])
	assert.NotNil(t, hist[0]["actor_key_id"])
	assert.Equal(t, "deactivate", hist[1]["action"])
	assert.Equal(t, day(0), hist[1]["after"].(map[string]any)["deactivated_on"])
	assert.Nil(t, hist[1]["before"].(map[string]any)["deactivated_on"])
	own := itItems(t, e.get(keyHRA, itPath("/v1/reference/providers/%d/history", hra)))
	require.NotEmpty(t, own)
	assert.NotContains(t, own[len(own)-1], "actor_key_id", "the MSC's key is the MSC's")
	requireProblem(t, e.get(keyBCS, itPath("/v1/reference/providers/%d/history", hra)), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyAdmin, "/v1/reference/providers/999999/history"), http.StatusNotFound, "not_found")

	r = e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"employment_end": day(30)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"employment_end": nil, "reason": "  stayed on after all "})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	sh := itItems(t, e.get(keyHRA, itPath("/v1/staff/%d/history", okafor)))
	require.Len(t, sh, 3, "%v", sh)
	// Her record as the demo's loading created it (outside the API: no one named).
	assert.Equal(t, map[string]any{}, sh[0]["before"])
	assert.Equal(t, "Okafor", sh[0]["after"].(map[string]any)["last_name"])
	assert.Nil(t, sh[0]["action"])
	sh = sh[1:]
	assert.Nil(t, sh[0]["reason"], "none given")
	assert.Equal(t, "stayed on after all", sh[1]["reason"], "a staff change keeps its why")
	// A reason alone changes nothing; a blank one is refused.
	p := requireProblem(t, e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"reason": "why"}), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "empty_patch", itFieldCode(p, "body"))
	p = requireProblem(t, e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"first_name": "Jo", "reason": " "}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "required", itFieldCode(p, "reason"))
	assert.Equal(t, day(30), sh[0]["after"].(map[string]any)["employment_end"])
	assert.Equal(t, day(30), sh[1]["before"].(map[string]any)["employment_end"], "the departure date cleared is kept")
	assert.Nil(t, sh[1]["after"].(map[string]any)["employment_end"])
	assert.Equal(t, "provider", sh[0]["actor_role"])
	requireProblem(t, e.get(keyBCS, itPath("/v1/staff/%d/history", okafor)), http.StatusNotFound, "not_found")
	assert.Len(t, itItems(t, e.get(keyAdmin, itPath("/v1/staff/%d/history", okafor))), 3)

	// A PATCH that changes nothing keeps nothing; an agreement's new end,
	// which the provider's row shows, names who set it (a re-check read it
	// with no one named).
	r = e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"employment_end": nil})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Len(t, itItems(t, e.get(keyHRA, itPath("/v1/staff/%d/history", okafor))), 3, "nothing changed")
	agreements := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/agreements", hra)))
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d/agreements/%d", hra, int64(agreements[len(agreements)-1]["id"].(float64))),
		map[string]any{"end_date": day(400)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	hist = itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", hra)))
	require.GreaterOrEqual(t, len(hist), 2)
	// The provider's row, then the periods before and after.
	row, periods := hist[len(hist)-2], hist[len(hist)-1]
	assert.Equal(t, day(400), row["after"].(map[string]any)["agreement_end"], "%v", row)
	assert.Contains(t, periods["after"], "agreements", "%v", periods)
	for _, h := range []map[string]any{row, periods} {
		assert.Equal(t, "admin", h["actor_role"], "%v", h)
		assert.Equal(t, "update", h["action"], "%v", h)
	}

	// Kept as written.
	_, err := e.db.ExecContext(t.Context(), `DELETE FROM record_changes`)
	assert.ErrorContains(t, err, "append-only")
}

// A provider's reactivation racing the agency's claims: the reactivation
// took each authorization's episode and then the authorization, one at a
// time, while a claim takes its client's authorizations with their
// episodes by authorization id; the two deadlocked and the loser answered
// 500 (a black-box pass: six in fourteen rounds). The reactivation now
// takes them all first, in the claims' order.
func TestReactivationRacingClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	const clients = 3
	var ids [clients]int64
	for i := range ids {
		a := itATRClient(t, e, day(-20))
		ids[i] = a.Client
		v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 40, -10, 25)
		require.Equal(t, "approved", v["decision"], "%v", v)
	}
	for round := range 6 {
		r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit hold"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		statuses := make([]int, clients+1)
		var wg sync.WaitGroup
		wg.Add(clients + 1)
		go func() {
			defer wg.Done()
			statuses[clients] = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "lifted"}).Status
		}()
		for i := range clients {
			go func() {
				defer wg.Done()
				statuses[i] = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("RACE-%d-%d", round, i),
					"client_id": ids[i], "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "99",
					"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1 - round), "units": 1, "charge": "12.00"}}}).Status
			}()
		}
		wg.Wait()
		assert.Equal(t, http.StatusOK, statuses[clients], "round %d: the reactivation", round)
		for i := range clients {
			assert.Equal(t, http.StatusCreated, statuses[i], "round %d: claim %d", round, i)
		}
	}
}

// A reviewer's exception stands at the agency's reactivation (SPEC §5:
// re-running the rules never overrides a reviewer's decision). BCS's
// ATR-DT authorization of Kim's overlaps HRA's, approved with the
// duplicate acknowledged; BCS is deactivated by mistake and reactivated:
// in error, it is undone as if never made (nothing judged); otherwise the
// duplicate the reviewer lifted is not judged again. A black-box pass found
// it ended, the agency told to request its 17 days again.
func TestReactivationKeepsAReviewersException(t *testing.T) {
	t.Parallel()
	for _, inError := range []bool{true, false} {
		e := newEnv(t)
		bcs := e.demo.Providers["BCS"]
		retro := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 4, -20, 27)
		require.Equal(t, "pended", retro["decision"], "%v", retro)
		hra := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
		require.Equal(t, "approved", hra["decision"], "%v", hra)
		decide := itPath("/v1/voucher-requests/%d/decision", itNum(t, retro, "id"))
		requireProblem(t, e.post(keyReviewer, decide, map[string]any{"action": "approve", "note": "ok"}), http.StatusConflict, "pended_since")
		r := e.post(keyReviewer, decide, map[string]any{"action": "approve", "note": "ok", "acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		auth := itNum(t, r.JSON(t), "authorization_id")

		undoDeactivation(t, e, bcs, 11, "closing", "mistake", inError)
		got := itAuth(t, e, keyReviewer, auth)
		assert.Equal(t, day(27), got["end_date"], "in_error %v: %v", inError, got)
		assert.Equal(t, "active", got["status"], "in_error %v", inError)
	}
}

// The overlap a reviewer lifted stays lifted on both sides: HRA was granted
// Kim's drug tests by the rules, BCS's request for the same days pended as
// a duplicate and a reviewer approved it; HRA's reactivation ended HRA's
// own authorization DUPLICATE_SERVICE_OTHER_PROVIDER over BCS's (a
// black-box pass: re-running the rules never overrides a reviewer's
// decision, SPEC §5).
func TestReactivationKeepsTheOverlapAReviewerLiftedOverIt(t *testing.T) {
	t.Parallel()
	for _, inError := range []bool{true, false} {
		e := newEnv(t)
		hra := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
		require.Equal(t, "approved", hra["decision"], "%v", hra)
		auth := itNum(t, hra, "authorization_id")
		bcs := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 4, 0, 27)
		require.Equal(t, "pended", bcs["decision"], "%v", bcs)
		r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, bcs, "id")),
			map[string]any{"action": "approve", "note": "both agencies test this month"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

		agency := e.demo.Providers["HRA"]
		undoDeactivation(t, e, agency, 11, "audit", "reinstated", inError)
		got := itAuth(t, e, keyReviewer, auth)
		assert.Equal(t, day(27), got["end_date"], "in_error %v: %v", inError, got)
	}
}

// A reviewer's modified grant lifts only what its own days met: BCS holds
// Kim's drug tests, cut by its deactivation from day 3; HRA's request for
// the month pends for BCS's first days, and the reviewer grants HRA from
// day 3, past them. BCS's reactivation then finds HRA over its days 3-27,
// which no reviewer saw together: it is held for review, where it was
// given back, both agencies holding the days (a re-check).
func TestReactivationHoldsWhatAModifiedGrantLeftOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	held := itNum(t, kimOnDTAtBCS(t, e, 0, 27), "authorization_id")
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "contract paused", "effective_on": day(3)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
	require.Equal(t, "pended", v["decision"], "%v", v)
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve_modified",
		"units": 4, "start_date": day(3), "end_date": day(27), "note": "granted from day three"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "contract restored", "in_error": false})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, got, 1, "%s", r.Body)
	assert.Equal(t, float64(held), got[0].(map[string]any)["id"])
	assert.Contains(t, got[0].(map[string]any)["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
}

// kimOnDTAtBCS gives BCS's Kim a care plan listing ATR-DT from day -5 and a
// voucher of 4 units from day from to day to, approved.
func kimOnDTAtBCS(t *testing.T, e *env, from, to int) map[string]any {
	t.Helper()
	r := e.post(keyBCS, "/v1/care-plans", map[string]any{"client_id": e.demo.Clients["Kim/BCS"], "program_code": "ATR",
		"kind": "rss_care_plan", "start_date": day(-5), "services": []map[string]any{{"service_code": "ATR-DT"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 4, from, to)
	require.Equal(t, "approved", v["decision"], "%v", v)
	return v
}

// A reactivation in error still judges the agency's authorizations against
// what was granted while it was out: another agency was given the same
// days by the rules alone, and given back unjudged both stood with no
// reviewer (a re-check). What a reviewer lifted stays lifted
// (TestReactivationKeepsAReviewersException).
func TestInErrorReactivationJudgesWhatWasGrantedMeanwhile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	kimOnDTAtBCS(t, e, 0, 27)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "closing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ended, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, ended, 1, "%s", r.Body)
	assert.Contains(t, ended[0].(map[string]any)["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	// The agency's history says the deactivation was undone as made in
	// error: it read as an ordinary reactivation (an operations pass).
	hist := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", bcs)))
	assert.Equal(t, "mistake (the deactivation was made in error: undone)", hist[len(hist)-1]["reason"], "%v", hist[len(hist)-1])
}

// The days an in_error reactivation gives back are judged from the
// deactivation's own day: another agency granted days of them wholly past
// was not seen, judged from today only, and both agencies were paid for
// the same day (a black-box pass).
func TestInErrorReactivationJudgesThePastDaysItGivesBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	r := e.post(keyBCS, "/v1/care-plans", map[string]any{"client_id": e.demo.Clients["Kim/BCS"], "program_code": "ATR",
		"kind": "rss_care_plan", "start_date": day(-10), "services": []map[string]any{{"service_code": "ATR-DT"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	held := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, -6, 10)
	require.Equal(t, "approved", held["decision"], "%v", held)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "mistaken", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 3, -4, -1)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ended, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, ended, 1, "%s", r.Body)
	got := ended[0].(map[string]any)
	assert.Equal(t, float64(itNum(t, held, "authorization_id")), got["id"])
	assert.Contains(t, got["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.Equal(t, day(-5), itAuth(t, e, keyReviewer, itNum(t, held, "authorization_id"))["end_date"], "kept cut the day before the deactivation")
}

// So are days another agency was granted and billed in full while the
// agency was out: its authorization used up still holds the days it
// billed (V34). Left out, an in_error reactivation gave the days back
// unjudged and both agencies were paid for one day (a black-box pass).
func TestInErrorReactivationJudgesDaysAnotherAgencyBilledInFull(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	held := kimDayTreatmentAtHRA(t, e, 10)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "mistaken", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 1, -3, -3)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r = e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "INERR-USED-1", "client_id": e.demo.Clients["Kim/BCS"],
		"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-DT", "date_of_service": day(-3), "units": 1, "charge": "10.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	require.Equal(t, "exhausted", itAuth(t, e, keyReviewer, itNum(t, meanwhile, "authorization_id"))["status"])

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, got, 1, "%s", r.Body)
	assert.Equal(t, float64(held), got[0].(map[string]any)["id"])
	assert.Contains(t, got[0].(map[string]any)["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
}

// A used-up authorization comes back with its days, and with them those a
// void of one of its claims lets it bill again: judged for the overlap
// alone, held for review when another agency was granted days of them
// while its agency was out. Given back unjudged (it has no unused units to
// judge), its agency voided a claim and billed a day the other agency had
// billed, both paid (a black-box pass). The reviewer gives it back only
// acknowledging the overlap.
func TestInErrorReactivationJudgesAUsedUpAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	kimOnDTAtBCS(t, e, -5, 27) // 4 units
	var used int64
	require.NoError(t, e.db.Get(&used, `SELECT id FROM authorizations WHERE provider_id = $1 AND service_code = 'ATR-DT' ORDER BY id DESC LIMIT 1`, bcs))
	var lines []any
	for d := -5; d <= -2; d++ {
		lines = append(lines, map[string]any{"service_code": "ATR-DT", "date_of_service": day(d), "units": 1, "charge": "10.00"})
	}
	r := e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "USED-UP-1", "client_id": e.demo.Clients["Kim/BCS"],
		"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": lines})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	require.Equal(t, "exhausted", itAuth(t, e, keyReviewer, used)["status"])
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "audit hold", "effective_on": day(-1)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 1, 0, 0)
	require.Equal(t, "approved", meanwhile["decision"], "BCS's days from day -1 are cut: %v", meanwhile)

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "hold in error", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	held, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, held, 1, "%s", r.Body)
	assert.Equal(t, float64(used), held[0].(map[string]any)["id"])
	assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, held[0].(map[string]any)["reason_codes"])
	assert.Equal(t, "pending_review", itAuth(t, e, keyReviewer, used)["status"])

	path := itPath("/v1/authorizations/%d/reactivate", used)
	var p map[string]any
	number := itAuth(t, e, keyReviewer, itNum(t, meanwhile, "authorization_id"))["number"]
	itNothingWritten(t, e, func() {
		p = requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": "give back"}), http.StatusConflict, "limits_exceeded")
		assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, p["reasons"], "%v", p)
		assert.Contains(t, p["detail"], "used up")
		assert.Equal(t, []any{number}, p["overlaps"])
	})
	r = e.post(keyReviewer, path, map[string]any{"reason": "both served", "acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"},
		"acknowledge_overlaps": p["overlaps"]})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "exhausted", r.JSON(t)["status"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM authorization_overlap_exceptions WHERE authorization_id = $1 AND other_id = $2`,
		used, itNum(t, meanwhile, "authorization_id")), "the overlap acknowledged is kept")
}

// A reviewer's lifted overlap covers the authorizations the reviewer saw,
// not one granted to the named agency while the excepted one's agency was
// out: that one was given back beside it unreviewed (a re-check).
func TestReactivationExceptionCoversWhatTheReviewerSaw(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	retro := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-DT", 4, -20, 27)
	require.Equal(t, "pended", retro["decision"], "%v", retro)
	hra := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 0, 27)
	require.Equal(t, "approved", hra["decision"], "%v", hra)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, retro, "id")),
		map[string]any{"action": "approve", "note": "ok", "acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "closing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 2, 1, 5)
	require.Equal(t, "approved", meanwhile["decision"], "granted while BCS is out: %v", meanwhile)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ended, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, ended, 1, "%s", r.Body)
	assert.Contains(t, ended[0].(map[string]any)["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
}

// An agency billed to Medicaid on an 837P needs a billing address the file
// can carry (a street address with a ZIP+4): its every claim was denied
// 16/N258 for the MSC's own registry data, which the registry had taken
// with no word (an operations black-box pass). Refused at registration, at
// a patch of the address and at a patch adding the Medicaid program;
// nothing written. An agency of other programs keeps a five-digit ZIP.
func TestMedicaidAgencyNeedsABillableAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	medicaid := newProviderBody("NHRN", goodNPI)
	medicaid["programs"] = []string{"MHW"}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, "/v1/reference/providers", medicaid), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "zip"), "%v", p)
	})
	other := newProviderBody("NHRN", goodNPI)
	other["programs"] = []string{"ATR"}
	r := e.post(keyAdmin, "/v1/reference/providers", other)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := itPath("/v1/reference/providers/%d", itID(t, r))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, path, map[string]any{"programs": []string{"ATR", "MHW"}, "reason": "MHW contract"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "zip"), "%v", p)
	})
	r = e.patch(keyAdmin, path, map[string]any{"programs": []string{"ATR", "MHW"}, "services": []string{"MHW-RA"}, "zip": "065101234",
		"reason": "MHW contract"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, path, map[string]any{"zip": "06510", "reason": "typo"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "zip"))
		p = requireProblem(t, e.patch(keyAdmin, path, map[string]any{"address_line1": "PO Box 12", "reason": "mail"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "address_line1"))
		p = requireProblem(t, e.patch(keyAdmin, path, map[string]any{"address_line2": "PO Box 12", "reason": "mail"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "address_line2"), "the line at fault is named")
		// General Delivery is mail held at a post office, and a ZIP+4's
		// add-on of 0000 names no delivery point: both passed.
		p = requireProblem(t, e.patch(keyAdmin, path, map[string]any{"address_line1": "General Delivery", "reason": "mail"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "address_line1"))
		p = requireProblem(t, e.patch(keyAdmin, path, map[string]any{"zip": "065100000", "reason": "typo"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "zip"), "%v", p)
		// Both at once are both named (the street's came only after the
		// ZIP was mended: a re-check).
		p = requireProblem(t, e.patch(keyAdmin, path, map[string]any{"address_line1": "General Delivery", "zip": "065100000", "reason": "mail"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "zip"), "%v", p)
		assert.Equal(t, "not_billable", itFieldCode(p, "address_line1"), "%v", p)
		assert.Contains(t, itMustJSON(p), "General Delivery, not a street address")
	})
	// Once it has delivered the program, the address stays billable after
	// the program is taken out: its claims' voids, replacements and late
	// claims go out under it (a mailbox there failed every agency's next
	// 837P close: an operations black-box pass).
	r = e.patch(keyAdmin, path, map[string]any{"programs": []string{"ATR"}, "services": []string{}, "reason": "MHW contract ended"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, path, map[string]any{"address_line1": "PO Box 12", "reason": "mail"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_billable", itFieldCode(p, "address_line1"))
		assert.Contains(t, p["errors"].([]any)[0].(map[string]any)["message"],
			"has offered services billed to Medicaid on an 837P (their claims, voids and replacements go out under its address): its")
	})
}

// A reactivation ends what was granted into an authorization's room while
// its agency was out, not what a deny rule reads today: an authorization
// stands when its client's area is taken out of the agency's list, and a
// deactivation undone in error (or reactivated before it took effect)
// ended it CATCHMENT_AREA_NOT_SERVED_BY_AGENCY, voiding one not begun, so
// the agency could not even request the units again (an operations pass).
func TestReactivationEndsNothingADenyRuleAloneReads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		inError bool
		from    int // the deactivation's first day
	}{{true, 10}, {false, 10}, {false, -2}, {true, -2}} {
		inError := tc.inError
		e := newEnv(t)
		hra := e.demo.Providers["HRA"]
		c := itATRClient(t, e, day(-10))
		running := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 10, 0, 20)
		require.Equal(t, "approved", running["decision"], "%v", running)
		ahead := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 8, 12, 30)
		require.Equal(t, "approved", ahead["decision"], "%v", ahead)
		r := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var areas []string
		for _, a := range r.JSON(t)["catchment_areas"].([]any) {
			if a != "hartford" {
				areas = append(areas, a.(string))
			}
		}
		r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"catchment_areas": areas, "reason": "Hartford moves"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "wrong agency", "effective_on": day(tc.from)})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "undo", "in_error": inError})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Empty(t, r.JSON(t)["authorizations_ended"], "in_error %v: %s", inError, r.Body)
		for _, v := range []map[string]any{running, ahead} {
			got := itAuth(t, e, keyHRA, itNum(t, v, "authorization_id"))
			assert.Equal(t, v["granted_end"], got["end_date"], "in_error %v: %v", inError, got)
			assert.Equal(t, "active", got["status"], "in_error %v: %v", inError, got)
		}
	}
}

// What an agency's reactivation gives back whole is judged whole: a
// reduction (the voucher's staff member leaving on day 5) cut the span the
// guards read, so another agency's authorization granted meanwhile over
// days after the cut was never seen, and both agencies held them with no
// reviewer (a review).
func TestReactivationJudgesTheWholeSpanItGivesBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	first := kimOnDTAtBCS(t, e, 0, 27)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "closing"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.patch(keyBCS, itPath("/v1/staff/%d", e.demo.Staff["Ibrahim"]), map[string]any{"employment_end": day(5)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, 10, 27)
	require.Equal(t, "approved", meanwhile["decision"], "%v", meanwhile)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "mistake", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	ended, _ := r.JSON(t)["authorizations_held"].([]any)
	require.Len(t, ended, 1, "%s", r.Body)
	assert.Contains(t, ended[0].(map[string]any)["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER", "%s", r.Body)
	got := itAuth(t, e, keyAdmin, itNum(t, first, "authorization_id"))
	assert.NotEqual(t, "active", got["status"], "%v", got)
}

// Days of an agency's suspension are no days it can bill, so another
// agency's authorization over them duplicates nothing: the other agency's
// reactivation in error voided the authorization it was granted for them
// while the first was out, with no reviewer, and the first's suspension
// could then be lifted over them (a black-box pass).
func TestSuspendedDaysAreNoDuplicate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := e.demo.Providers["HRA"], e.demo.Providers["BCS"]
	held := itVoucher(t, e, keyHRA, e.demo.Clients["Kim/HRA"], "ATR-DT", 4, -6, 20)
	require.Equal(t, "approved", held["decision"], "%v", held)
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "audit", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	meanwhile := kimOnDTAtBCS(t, e, -4, -1)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "audit closed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Empty(t, r.JSON(t)["authorizations_ended"], "%s", r.Body)
	require.Len(t, r.JSON(t)["suspensions"], 1, "%s", r.Body)

	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "mistaken", "effective_on": day(-4)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "undo", "in_error": true})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, r.JSON(t)["authorizations_ended"], "HRA's days from %s are its suspension's: %s", day(-4), r.Body)
	got := itAuth(t, e, keyAdmin, itNum(t, meanwhile, "authorization_id"))
	assert.NotEqual(t, "void", got["status"], "%v", got)
	assert.Equal(t, day(-1), got["end_date"], "%v", got)
	// The days stay BCS's: HRA's suspension is not lifted over them.
	p := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)
	sid := itNum(t, p["suspensions"].([]any)[0].(map[string]any), "id")
	requireProblem(t, e.post(keyAdmin, itPath("/v1/reference/providers/%d/suspensions/%d/lift", hra, sid), map[string]any{"reason": "x"}),
		http.StatusConflict, "suspension_days_served")
}

// A reactivation judges an authorization's unused units against the
// service's episode unit maximum it was granted under when the MSC has
// lowered it since, as claims intake does: judged by today's, a
// deactivation undone in error, and one that never began, ended the
// agency's authorizations nobody else touched, their units lost (an
// operations pass).
func TestReactivationJudgesTheEpisodeMaximumTheGrantWasMadeUnder(t *testing.T) {
	t.Parallel()
	for _, inError := range []bool{true, false} {
		e := newEnv(t)
		hra := e.demo.Providers["HRA"]
		c := itATRClient(t, e, day(-20))
		v := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 30, 0, 20)
		require.Equal(t, "approved", v["decision"], "%v", v)
		auth := itNum(t, v, "authorization_id")
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-TR", Key: keyAdmin,
			Body: map[string]any{"per_voucher_max": 5, "per_episode_max": 10, "reason": "policy cut"}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		undoDeactivation(t, e, hra, 1, "wrong agency", "undone", inError)
		got := itAuth(t, e, keyHRA, auth)
		assert.Equal(t, day(20), got["end_date"], "in_error %v: %v", inError, got)
		assert.Equal(t, "active", got["status"], "in_error %v", inError)
	}
}

// undoDeactivation deactivates provider from day on (reason why) and
// reactivates it (reason undo, in_error as given), and requires the
// reactivation to have ended none of its authorizations.
func undoDeactivation(t *testing.T, e *env, provider int64, on int, why, undo string, inError bool) {
	t.Helper()
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", provider), map[string]any{"reason": why, "effective_on": day(on)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", provider), map[string]any{"reason": undo, "in_error": inError})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Empty(t, r.JSON(t)["authorizations_ended"], "in_error %v: %s", inError, r.Body)
}

// Free text is stored trimmed wherever it is written: an agreement's note
// (at registration, added, patched) and an API key's label kept their
// blanks where every other field trimmed them (a new-user black-box pass).
func TestAgreementNotesAndKeyLabelsAreTrimmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := newProviderBody("NHRN", goodNPI)
	body["agreement"] = map[string]any{"start_date": day(-10), "end_date": day(355), "note": "  signed at go-live  "}
	r := e.post(keyAdmin, "/v1/reference/providers", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	agreements := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/agreements", itID(t, r))))
	require.Len(t, agreements, 1)
	assert.Equal(t, "signed at go-live", agreements[0]["note"])
	path := itPath("/v1/reference/providers/%d/agreements/%d", itID(t, r), int64(agreements[0]["id"].(float64)))
	r = e.patch(keyAdmin, path, map[string]any{"note": "  amended  "})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "amended", r.JSON(t)["note"])

	r = e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "  month-end  "})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "month-end", r.JSON(t)["label"])
}

// A service's modifiers go on each of its 837P lines (SV101): one given
// twice is refused, nothing written, where U8 four times was taken (an
// operations black-box pass).
func TestServiceModifierGivenTwiceRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/MHW-RA", Key: keyAdmin,
			Body: map[string]any{"modifiers": []string{"U8", "HQ", "U8"}}}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "repeated", itFieldCode(p, "modifiers"))
	})
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/MHW-RA", Key: keyAdmin, Body: map[string]any{"modifiers": []string{"U8", "HQ"}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// An agency's second address line is N302 of the 837P, and its refusal
// says so: it named N301 (a finance black-box pass of the forty-seventh
// stop).
func TestAgencyAddressLinesNamedByTheirElements(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for field, element := range map[string]string{"address_line1": "N301", "address_line2": "N302"} {
		body := newProviderBody("ADDR", goodNPI)
		body[field] = strings.Repeat("E", 56)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyAdmin, "/v1/reference/providers", body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Contains(t, itFieldMessage(p, field), element, "%v", p)
		})
	}
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
)

// The registry's requests and responses hold to the document, successes
// and refusals alike.
func TestOpenAPIRegistryResponsesMatch(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	check := func(c oaCall) { t.Helper(); oaValidate(t, e, doc, router, c) }
	las := e.demo.Providers["LAS"]

	prov := newProviderBody("OAPR", goodNPI)
	prov["agreement"] = map[string]any{"start_date": day(0), "end_date": nil, "note": "first"}
	prov["programs"], prov["services"], prov["catchment_areas"] = []string{"EMP"}, []string{"EMP-IPS"}, []string{"hartford"}
	check(oaCall{name: "create provider", method: http.MethodPost, path: "/v1/reference/providers", key: keyAdmin, body: prov, want: http.StatusCreated})
	check(oaCall{name: "create provider again", method: http.MethodPost, path: "/v1/reference/providers", key: keyAdmin, body: prov, want: http.StatusConflict})
	check(oaCall{name: "create provider, bad NPI", method: http.MethodPost, path: "/v1/reference/providers", key: keyAdmin,
		body: newProviderBody("OAPQ", badNPI), want: http.StatusUnprocessableEntity})
	check(oaCall{name: "create provider as a provider", method: http.MethodPost, path: "/v1/reference/providers", key: keyHRA,
		body: newProviderBody("OAPQ", goodNPI), want: http.StatusForbidden})
	check(oaCall{name: "patch provider", method: http.MethodPatch, path: fmt.Sprintf("/v1/reference/providers/%d", las), key: keyAdmin,
		body: map[string]any{"contact_email": "office@las.example.org", "address_line2": nil}, want: http.StatusOK})
	check(oaCall{name: "patch unknown provider", method: http.MethodPatch, path: "/v1/reference/providers/999999", key: keyAdmin,
		body: map[string]any{"name": "X"}, want: http.StatusNotFound})
	check(oaCall{name: "agreements", method: http.MethodGet, path: fmt.Sprintf("/v1/reference/providers/%d/agreements", las), key: keyReviewer, want: http.StatusOK})
	check(oaCall{name: "agreements of another agency", method: http.MethodGet, path: fmt.Sprintf("/v1/reference/providers/%d/agreements", las),
		key: keyHRA, want: http.StatusNotFound})
	check(oaCall{name: "renew agreement", method: http.MethodPost, path: fmt.Sprintf("/v1/reference/providers/%d/agreements", las), key: keyAdmin,
		body: map[string]any{"start_date": day(-29), "end_date": day(700), "note": "renewal"}, want: http.StatusCreated})
	check(oaCall{name: "end agreement", method: http.MethodPatch, path: fmt.Sprintf("/v1/reference/providers/%d/agreements/%d", las,
		e.count(`SELECT max(id) FROM provider_agreements WHERE provider_id = $1`, las)), key: keyAdmin,
		body: map[string]any{"end_date": day(600), "note": "shortened"}, want: http.StatusOK})
	check(oaCall{name: "overlapping agreement", method: http.MethodPost, path: fmt.Sprintf("/v1/reference/providers/%d/agreements", las), key: keyAdmin,
		body: map[string]any{"start_date": day(0)}, want: http.StatusConflict})
	check(oaCall{name: "deactivate", method: http.MethodPost, path: fmt.Sprintf("/v1/reference/providers/%d/deactivate", las), key: keyAdmin,
		body: map[string]any{"reason": "closing", "effective_on": day(5)}, want: http.StatusOK})
	check(oaCall{name: "deactivate again", method: http.MethodPost, path: fmt.Sprintf("/v1/reference/providers/%d/deactivate", las), key: keyAdmin,
		body: map[string]any{"reason": "closing"}, want: http.StatusConflict})
	check(oaCall{name: "reactivate without a reason", method: http.MethodPost, path: fmt.Sprintf("/v1/reference/providers/%d/reactivate", las),
		key: keyAdmin, body: map[string]any{}, badRequest: true, want: http.StatusUnprocessableEntity})
	check(oaCall{name: "reactivate", method: http.MethodPost, path: fmt.Sprintf("/v1/reference/providers/%d/reactivate", las), key: keyAdmin,
		body: map[string]any{"reason": "reinstated"}, want: http.StatusOK})
	check(oaCall{name: "provider read", method: http.MethodGet, path: fmt.Sprintf("/v1/reference/providers/%d", las), key: keyAdmin, want: http.StatusOK})

	check(oaCall{name: "voucher rules", method: http.MethodGet, path: "/v1/reference/voucher-rules", key: keyHRA, want: http.StatusOK})
	prog := newProgramBody("OAP")
	prog["disabled_rules"], prog["caseload_caps"], prog["episode_dollar_cap"] = []string{"V37"}, map[string]int{"recovery_specialist": 12}, "2500.00"
	check(oaCall{name: "create program", method: http.MethodPost, path: "/v1/reference/programs", key: keyAdmin, body: prog, want: http.StatusCreated})
	check(oaCall{name: "create program again", method: http.MethodPost, path: "/v1/reference/programs", key: keyAdmin, body: prog, want: http.StatusConflict})
	check(oaCall{name: "patch program rules", method: http.MethodPatch, path: "/v1/reference/programs/OAP", key: keyAdmin,
		body: map[string]any{"disabled_rules": []string{}, "catchment_areas": []string{"hartford"}}, want: http.StatusOK})
	check(oaCall{name: "patch program cap", method: http.MethodPatch, path: "/v1/reference/programs/OAP", key: keyAdmin,
		body: map[string]any{"episode_dollar_cap": "3000.00"}, want: http.StatusOK})
	check(oaCall{name: "lift program cap", method: http.MethodPatch, path: "/v1/reference/programs/OAP", key: keyAdmin,
		body: map[string]any{"episode_dollar_cap": nil}, want: http.StatusOK})
	svc := newServiceBody("OAP-X", "OAP")
	svc["modifiers"], svc["per_episode_max"] = []string{"U1"}, 40
	check(oaCall{name: "create service", method: http.MethodPost, path: "/v1/reference/services", key: keyAdmin, body: svc, want: http.StatusCreated})
	check(oaCall{name: "create service again", method: http.MethodPost, path: "/v1/reference/services", key: keyAdmin, body: svc, want: http.StatusConflict})
	check(oaCall{name: "add rate", method: http.MethodPost, path: "/v1/reference/services/OAP-X/rates", key: keyAdmin,
		body: map[string]any{"rate": "42.00", "effective_from": day(30), "reason": "increase"}, want: http.StatusCreated})
	check(oaCall{name: "add rate again", method: http.MethodPost, path: "/v1/reference/services/OAP-X/rates", key: keyAdmin,
		body: map[string]any{"rate": "43.00", "effective_from": day(30), "reason": "again"}, want: http.StatusConflict})
	check(oaCall{name: "rate of unknown service", method: http.MethodPost, path: "/v1/reference/services/OAP-Y/rates", key: keyAdmin,
		body: map[string]any{"rate": "43.00", "effective_from": day(30), "reason": "x"}, want: http.StatusNotFound})
	check(oaCall{name: "rates", method: http.MethodGet, path: "/v1/reference/services/OAP-X/rates", key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "service with rates", method: http.MethodGet, path: "/v1/reference/services/OAP-X", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "patch rate refused", method: http.MethodPatch, path: "/v1/reference/services/OAP-X", key: keyAdmin,
		body: map[string]any{"rate": "50.00"}, want: http.StatusUnprocessableEntity})

	check(oaCall{name: "create area", method: http.MethodPost, path: "/v1/reference/catchment-areas", key: keyAdmin,
		body: map[string]any{"code": "danbury", "name": "Danbury", "programs": []string{"OAP"}}, want: http.StatusCreated})
	check(oaCall{name: "create area again", method: http.MethodPost, path: "/v1/reference/catchment-areas", key: keyAdmin,
		body: map[string]any{"code": "danbury", "name": "Danbury"}, want: http.StatusConflict})
	check(oaCall{name: "patch area", method: http.MethodPatch, path: "/v1/reference/catchment-areas/danbury", key: keyAdmin,
		body: map[string]any{"name": "Greater Danbury"}, want: http.StatusOK})
	check(oaCall{name: "patch unknown area", method: http.MethodPatch, path: "/v1/reference/catchment-areas/atlantis", key: keyAdmin,
		body: map[string]any{"name": "Atlantis"}, want: http.StatusNotFound})
}

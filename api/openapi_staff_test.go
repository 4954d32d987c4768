package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
)

// The staff endpoints answer as api/openapi.yaml says.
func TestOpenAPIStaffResponsesMatch(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	check := func(c oaCall) map[string]any {
		t.Helper()
		w := oaValidate(t, e, doc, router, c)
		var m map[string]any
		if w.Code < 300 {
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m))
		}
		return m
	}
	hra := e.demo.Providers["HRA"]
	st := check(oaCall{name: "hire", method: http.MethodPost, path: fmt.Sprintf("/v1/providers/%d/staff", hra), key: keyHRA,
		body: map[string]any{"first_name": "Open", "last_name": "Api", "role": "case_manager", "date_of_birth": "1991-03-04",
			"employment_start": day(-3), "supervisor_id": e.demo.Staff["Okafor"]}, want: http.StatusCreated})
	id := int64(st["id"].(float64))
	check(oaCall{name: "staff member", method: http.MethodGet, path: fmt.Sprintf("/v1/staff/%d", id), key: keyReviewer, want: http.StatusOK})
	check(oaCall{name: "staff change", method: http.MethodPatch, path: fmt.Sprintf("/v1/staff/%d", id), key: keyHRA,
		body: map[string]any{"employment_end": day(200), "npi": nil}, want: http.StatusOK})
	cred := check(oaCall{name: "credential", method: http.MethodPost, path: fmt.Sprintf("/v1/staff/%d/credentials", id), key: keyHRA,
		body: map[string]any{"type": "CADC", "issuer": "IBADCC", "number": "C-1", "valid_from": day(-100), "valid_to": day(600)},
		want: http.StatusCreated})
	check(oaCall{name: "background check", method: http.MethodPost, path: fmt.Sprintf("/v1/staff/%d/background-checks", id), key: keyAdmin,
		body: map[string]any{"checked_on": day(-10), "result": "passed", "agency": "DCF", "document_reference": "DOC-9"}, want: http.StatusCreated})
	exp := check(oaCall{name: "experience", method: http.MethodPost, path: fmt.Sprintf("/v1/staff/%d/experience", id), key: keyHRA,
		body: map[string]any{"kind": "service_delivery", "service_code": "ATR-CM", "started_on": day(-800), "ended_on": day(-30)},
		want: http.StatusCreated})
	check(oaCall{name: "verification queue", method: http.MethodGet, path: "/v1/verification-queue?limit=2", key: keyAdmin, want: http.StatusOK})
	check(oaCall{name: "verify", method: http.MethodPost, path: fmt.Sprintf("/v1/staff-records/credentials/%d/verify", int64(cred["id"].(float64))),
		key: keyAdmin, body: map[string]any{"document_reference": "IBADCC register"}, want: http.StatusOK})
	check(oaCall{name: "reject", method: http.MethodPost, path: fmt.Sprintf("/v1/staff-records/experience/%d/reject", int64(exp["id"].(float64))),
		key: keyAdmin, body: map[string]any{"reason": "no employer letter"}, want: http.StatusOK})
	check(oaCall{name: "verify again", method: http.MethodPost, path: fmt.Sprintf("/v1/staff-records/credentials/%d/verify", int64(cred["id"].(float64))),
		key: keyAdmin, body: map[string]any{"document_reference": "again"}, want: http.StatusConflict})
	check(oaCall{name: "staff of another agency", method: http.MethodGet, path: fmt.Sprintf("/v1/staff/%d", id), key: keyBCS, want: http.StatusNotFound})
	check(oaCall{name: "queue for a provider", method: http.MethodGet, path: "/v1/verification-queue", key: keyHRA, want: http.StatusForbidden})
	check(oaCall{name: "staff with everything", method: http.MethodGet, path: fmt.Sprintf("/v1/staff/%d", id), key: keyHRA, want: http.StatusOK})
}

package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/billing"
)

// oaDoc loads the embedded document and checks it is valid OpenAPI 3.
func oaDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	require.NoError(t, err, "api/openapi.yaml does not load")
	require.NoError(t, doc.Validate(t.Context()), "api/openapi.yaml is not valid OpenAPI 3")
	return doc
}

// oaPath turns a gin route template into an OpenAPI path template.
func oaPath(ginPath string) string {
	parts := strings.Split(ginPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	assert.Equal(t, "rss — recovery support services vouchers and claims", doc.Info.Title)
	require.Len(t, doc.Servers, 1)
	assert.Equal(t, "/", doc.Servers[0].URL, "the document describes the server it is served from")
	require.Contains(t, doc.Components.SecuritySchemes, "bearerAuth")
	assert.Equal(t, openapi3.SecurityRequirements{{"bearerAuth": []string{}}}, doc.Security)
}

// TestOpenAPIMatchesRoutes keeps the document and the router in step both
// ways: every route is documented, and every documented operation is routed.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	// No route needs a database at construction, so an empty config will do.
	srv := api.New(api.Config{})

	routed := map[string]bool{}
	for _, r := range srv.Routes() {
		path := oaPath(r.Path)
		routed[r.Method+" "+path] = true
		item := doc.Paths.Value(path)
		if !assert.NotNil(t, item, "route %s %s is not in api/openapi.yaml (as %s)", r.Method, r.Path, path) {
			continue
		}
		assert.NotNil(t, item.GetOperation(r.Method), "route %s %s is in api/openapi.yaml without its %s operation", r.Method, r.Path, r.Method)
	}
	documented := 0
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented++
			assert.True(t, routed[method+" "+path], "api/openapi.yaml documents %s %s, which no route serves", method, path)
		}
	}
	assert.Equal(t, len(routed), documented, "routes and documented operations differ in number")
}

// TestOpenAPIConventions checks SPEC §11 as the document states it.
func TestOpenAPIConventions(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	problem := doc.Components.Schemas["Problem"]
	require.NotNil(t, problem, "components/schemas/Problem")
	idem := doc.Components.Parameters["IdempotencyKey"]
	require.NotNil(t, idem, "components/parameters/IdempotencyKey")
	assert.Equal(t, "Idempotency-Key", idem.Value.Name)
	assert.Equal(t, "header", idem.Value.In)
	assert.True(t, idem.Value.Required)
	public := map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/openapi.yaml": true}
	badRequest := doc.Components.Responses["BadRequest"]
	require.NotNil(t, badRequest, "components/responses/BadRequest")

	for path, item := range doc.Paths.Map() {
		v1 := strings.HasPrefix(path, "/v1/")
		assert.True(t, v1 || public[path], "%s is neither under /v1 nor a known public path", path)
		for method, op := range item.Operations() {
			name := method + " " + path
			params := append(slices.Clone(item.Parameters), op.Parameters...)

			assert.NotEmpty(t, op.Summary, "%s has no summary", name)
			assert.NotEmpty(t, op.Description, "%s has no description", name)
			assert.NotEmpty(t, op.OperationID, "%s has no operationId", name)

			if public[path] {
				assert.True(t, op.Security != nil && len(*op.Security) == 0, "%s needs no key: it must say security: []", name)
			} else {
				assert.Nil(t, op.Security, "%s must use the global bearerAuth", name)
			}

			hasIdem := slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool { return p.Value == idem.Value })
			if v1 && method == http.MethodPost {
				assert.True(t, hasIdem, "%s must declare the Idempotency-Key parameter", name)
			} else {
				assert.False(t, hasIdem, "%s is not a POST and must not ask for an Idempotency-Key", name)
			}

			// Path ids are positive integers.
			for _, p := range params {
				if p.Value.In == "path" && strings.HasSuffix(p.Value.Name, "_id") {
					s := p.Value.Schema.Value
					assert.True(t, s.Type.Is(openapi3.TypeInteger) && s.Min != nil && *s.Min == 1,
						"%s: path parameter %s must be an integer >= 1", name, p.Value.Name)
				}
			}

			// Every problem the operation documents is a Problem, and /v1
			// operations document at least one 4xx and the 401 and 500.
			problems4xx := 0
			for code, r := range op.Responses.Map() {
				ct := r.Value.Content.Get("application/problem+json")
				if strings.HasPrefix(code, "4") || strings.HasPrefix(code, "5") {
					if assert.NotNil(t, ct, "%s %s must be application/problem+json", name, code) {
						assert.Same(t, problem.Value, ct.Schema.Value, "%s %s must use the Problem schema", name, code)
					}
					if strings.HasPrefix(code, "4") && ct != nil && ct.Schema.Value == problem.Value {
						problems4xx++
					}
				}
			}
			if v1 {
				assert.Positive(t, problems4xx, "%s declares no 4xx problem", name)
				// 503: the database may be briefly unreachable under any of them.
				for _, code := range []string{"401", "500", "503"} {
					assert.NotNil(t, op.Responses.Status(mustAtoi(code)), "%s must document %s", name, code)
				}
				// A bad X-Purpose-Of-Use or a repeated Authorization is a 400
				// before the handler runs, on every method.
				if r := op.Responses.Status(http.StatusBadRequest); assert.NotNil(t, r, "%s must document 400", name) {
					assert.Same(t, badRequest.Value, r.Value, "%s 400 must be components/responses/BadRequest", name)
				}
			}
			// Every read refuses a query parameter it does not take.
			if v1 && method == http.MethodGet {
				assert.NotNil(t, op.Responses.Status(http.StatusUnprocessableEntity), "%s refuses unknown query parameters and must document 422", name)
			}
			if slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool { return p.Value.In == "path" }) {
				assert.NotNil(t, op.Responses.Status(http.StatusNotFound), "%s has a path id and must document 404", name)
			}

			// Bodies are read strictly.
			// An X12 file is uploaded as it is (application/edi-x12), not as JSON.
			if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/edi-x12") == nil {
				mt := op.RequestBody.Value.Content.Get("application/json")
				if assert.NotNil(t, mt, "%s: request body must be application/json", name) {
					s := mt.Schema.Value
					has := s.AdditionalProperties.Has
					assert.True(t, has != nil && !*has, "%s: request body schema must say additionalProperties: false", name)
				}
			}
			if op.RequestBody != nil {
				for _, code := range []int{400, 413, 415, 422} {
					assert.NotNil(t, op.Responses.Status(code), "%s takes a body and must document %d", name, code)
				}
			}

			// Paginated lists take limit and cursor and answer next_cursor.
			hasLimit := slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool { return p.Value.Name == "limit" })
			hasCursor := slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool { return p.Value.Name == "cursor" })
			assert.Equal(t, hasLimit, hasCursor, "%s: limit and cursor go together", name)
			if hasLimit {
				ok := op.Responses.Status(http.StatusOK)
				require.NotNil(t, ok, "%s", name)
				s := ok.Value.Content.Get("application/json").Schema.Value
				assert.Contains(t, s.Properties, "items", "%s: a list answers items", name)
				assert.Contains(t, s.Properties, "next_cursor", "%s: a paginated list answers next_cursor", name)
				assert.NotNil(t, op.Responses.Status(http.StatusUnprocessableEntity), "%s: a bad limit or cursor is a 422", name)
			}
		}
	}
}

// oaCSV reads a downloaded CSV, whose records differ in length (the
// Part 2 notice is one field).
func oaCSV(t *testing.T, body string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(body))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	require.NoError(t, err, "%.2000s", body)
	return rows
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// oaCall is one real request through the harness whose response (and,
// for a valid request, the request too) is checked against the document.
type oaCall struct {
	name         string
	method, path string
	key          string
	body         any
	raw          []byte // a body sent as it is (application/edi-x12), instead of body as JSON
	idemKey      string // POSTs get a fresh key unless set
	want         int
	badRequest   bool // the request itself breaks the document (so skip validating it)
	file         bool // a download: status, headers and content type are checked, not the (non-JSON) body
}

func (c oaCall) request(t *testing.T) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != nil {
		raw, err := json.Marshal(c.body)
		require.NoError(t, err)
		body = bytes.NewReader(raw)
	}
	if c.raw != nil {
		body = bytes.NewReader(c.raw)
	}
	r := httptest.NewRequest(c.method, "http://localhost:8080"+c.path, body)
	if c.raw != nil {
		r.Header.Set("Content-Type", "application/edi-x12")
	}
	if c.key != "" {
		r.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.method == http.MethodPost {
		r.Header.Set("Idempotency-Key", c.idemKey)
	}
	return r
}

// oaValidate serves c and checks request and response against the
// document: status documented, headers and body matching their schemas
// (formats included), and no field in the body that the document lacks.
func oaValidate(t *testing.T, e *env, doc *openapi3.T, router routers.Router, c oaCall) *httptest.ResponseRecorder {
	t.Helper()
	if c.method == http.MethodPost && c.idemKey == "" {
		c.idemKey = "oa-" + strconv.FormatInt(idemSeq.Add(1), 10)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, c.request(t))
	require.Equal(t, c.want, w.Code, "%s: body %s", c.name, w.Body)

	req := c.request(t)
	route, params, err := router.FindRoute(req)
	require.NoError(t, err, "%s: %s %s is not in the document", c.name, c.method, c.path)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()}}}
	if !c.badRequest {
		assert.NoError(t, openapi3filter.ValidateRequest(t.Context(), in), "%s: the request breaks the document", c.name)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: w.Code, Header: w.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: c.file,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()}}}
	out.SetBodyBytes(w.Body.Bytes())
	assert.NoError(t, openapi3filter.ValidateResponse(t.Context(), out), "%s: the response breaks the document: %.2000s", c.name, w.Body)
	if c.file {
		// The validator skips the body, and with it the content type.
		resp := route.Operation.Responses.Status(w.Code)
		require.NotNil(t, resp, "%s: status %d is not documented", c.name, w.Code)
		ct := w.Header().Get("Content-Type")
		assert.NotNil(t, resp.Value.Content.Get(ct), "%s: %q is not documented for %d", c.name, ct, w.Code)
		return w
	}

	if ct := w.Header().Get("Content-Type"); strings.Contains(ct, "json") {
		resp := route.Operation.Responses.Status(w.Code)
		require.NotNil(t, resp, "%s: status %d is not documented", c.name, w.Code)
		mt := resp.Value.Content.Get(ct)
		require.NotNil(t, mt, "%s: %s is not documented for %d", c.name, ct, w.Code)
		var v any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v))
		assert.Empty(t, oaUndocumented("body", mt.Schema.Value, v), "%s: the response has fields the document does not describe", c.name)
	}
	return w
}

// oaUndocumented lists the object members in v that schema s does not
// describe. Response schemas stay open (additionalProperties is not false,
// so clients tolerate new fields), which the validator would let through;
// this catches a struct field that was added without documenting it.
func oaUndocumented(at string, s *openapi3.Schema, v any) []string {
	if s == nil {
		return nil
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		props := map[string]*openapi3.Schema{}
		var additional *openapi3.Schema
		var collect func(*openapi3.Schema)
		collect = func(s *openapi3.Schema) {
			for name, p := range s.Properties {
				props[name] = p.Value
			}
			if s.AdditionalProperties.Schema != nil {
				additional = s.AdditionalProperties.Schema.Value
			}
			// An object that may be null is anyOf its schema and NullValue.
			for _, sub := range slices.Concat(s.AllOf, s.AnyOf) {
				collect(sub.Value)
			}
		}
		collect(s)
		for k, val := range v {
			switch p, ok := props[k]; {
			case ok:
				out = append(out, oaUndocumented(at+"."+k, p, val)...)
			case additional != nil:
				out = append(out, oaUndocumented(at+"."+k, additional, val)...)
			default:
				out = append(out, at+"."+k)
			}
		}
	case []any:
		if s.Items != nil {
			for i, item := range v {
				out = append(out, oaUndocumented(fmt.Sprintf("%s[%d]", at, i), s.Items.Value, item)...)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIResponsesMatch sends real requests through the router and the
// demo database and validates what comes back against the document, so a
// struct or handler that drifts from it fails here.
func TestOpenAPIResponsesMatch(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	rivera, kim := e.demo.Clients["Rivera"], e.demo.Clients["Kim"]
	hra := e.demo.Providers["HRA"]
	check := func(c oaCall) *httptest.ResponseRecorder {
		t.Helper()
		return oaValidate(t, e, doc, router, c)
	}
	jsonOf := func(w *httptest.ResponseRecorder) map[string]any {
		t.Helper()
		var m map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m))
		return m
	}

	// System.
	check(oaCall{name: "healthz", method: http.MethodGet, path: "/healthz", want: http.StatusOK})
	check(oaCall{name: "readyz", method: http.MethodGet, path: "/readyz", want: http.StatusOK})

	// Reference data, every role reads.
	w := check(oaCall{name: "reason codes", method: http.MethodGet, path: "/v1/reason-codes", key: keyAdmin, want: http.StatusOK})
	assert.NotEmpty(t, jsonOf(w)["items"])
	check(oaCall{name: "services", method: http.MethodGet, path: "/v1/reference/services", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "service", method: http.MethodGet, path: "/v1/reference/services/ATR-CM", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "programs", method: http.MethodGet, path: "/v1/reference/programs", key: keyReviewer, want: http.StatusOK})
	check(oaCall{name: "providers", method: http.MethodGet, path: "/v1/reference/providers", key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "staff", method: http.MethodGet, path: fmt.Sprintf("/v1/reference/providers/%d/staff", hra), key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "settings", method: http.MethodGet, path: "/v1/reference/settings", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "catchment areas", method: http.MethodGet, path: "/v1/reference/catchment-areas", key: keyHRA, want: http.StatusOK})
	w = check(oaCall{name: "gpra instruments", method: http.MethodGet, path: "/v1/reference/gpra-instruments", key: keyECRA, want: http.StatusOK})
	assert.NotEmpty(t, jsonOf(w)["items"])
	// The codes a hire's role and a credential's type take: openapi named
	// a staff-roles route the server did not have (a black-box pass).
	w = check(oaCall{name: "staff roles", method: http.MethodGet, path: "/v1/reference/staff-roles", key: keyHRA, want: http.StatusOK})
	assert.Contains(t, fmt.Sprint(jsonOf(w)["items"]), "lead_recovery_specialist")
	w = check(oaCall{name: "credential types", method: http.MethodGet, path: "/v1/reference/credential-types", key: keyHRA, want: http.StatusOK})
	assert.Contains(t, fmt.Sprint(jsonOf(w)["items"]), "BACHELOR_HUMAN_SERVICES")

	// Clients and what hangs off them.
	check(oaCall{name: "clients", method: http.MethodGet, path: "/v1/clients?limit=2", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "client", method: http.MethodGet, path: fmt.Sprintf("/v1/clients/%d", rivera), key: keyHRA, want: http.StatusOK})
	for _, sub := range []string{"enrollments", "consents", "care-plans", "gpra-schedule"} {
		check(oaCall{name: "client " + sub, method: http.MethodGet, path: fmt.Sprintf("/v1/clients/%d/%s", rivera, sub), key: keyHRA, want: http.StatusOK})
	}
	newPerson := map[string]any{"first_name": "Jordan", "last_name": "Openapi", "date_of_birth": "1990-04-01", "catchment_area": "hartford"}
	check(oaCall{name: "client created", method: http.MethodPost, path: "/v1/clients", key: keyHRA, body: newPerson, want: http.StatusCreated})
	check(oaCall{name: "client known elsewhere", method: http.MethodPost, path: "/v1/clients", key: keyBCS, body: newPerson, want: http.StatusCreated})
	check(oaCall{name: "client already registered", method: http.MethodPost, path: "/v1/clients", key: keyHRA, body: newPerson, want: http.StatusOK})
	check(oaCall{name: "client as the MSC sees it", method: http.MethodGet, path: fmt.Sprintf("/v1/clients/%d", rivera), key: keyReviewer, want: http.StatusOK})
	check(oaCall{name: "batch holds", method: http.MethodGet, path: "/v1/batch-holds", key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "client disclosures", method: http.MethodGet, path: fmt.Sprintf("/v1/clients/%d/disclosures", kim), key: keyAdmin,
		want: http.StatusOK})
	check(oaCall{name: "client schedule as the MSC sees it", method: http.MethodGet, path: fmt.Sprintf("/v1/clients/%d/gpra-schedule", rivera),
		key: keyReviewer, want: http.StatusOK})

	// A voucher request, approved, with its trace and replay.
	voucher := map[string]any{"client_id": rivera, "service_code": "ATR-CM", "units": 40, "start_date": day(-1), "end_date": day(59)}
	w = check(oaCall{name: "voucher request", method: http.MethodPost, path: "/v1/voucher-requests", key: keyHRA, body: voucher,
		idemKey: "oa-voucher", want: http.StatusCreated})
	v := jsonOf(w)
	assert.Equal(t, "approved", v["decision"])
	assert.NotEmpty(t, v["trace"])
	id := int64(v["id"].(float64))
	w = check(oaCall{name: "voucher replayed", method: http.MethodPost, path: "/v1/voucher-requests", key: keyHRA, body: voucher,
		idemKey: "oa-voucher", want: http.StatusCreated})
	assert.Equal(t, "true", w.Header().Get("Idempotent-Replayed"))
	voucher["units"] = 41
	check(oaCall{name: "idempotency key reused", method: http.MethodPost, path: "/v1/voucher-requests", key: keyHRA, body: voucher,
		idemKey: "oa-voucher", want: http.StatusUnprocessableEntity})
	check(oaCall{name: "voucher", method: http.MethodGet, path: fmt.Sprintf("/v1/voucher-requests/%d", id), key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "replay", method: http.MethodGet, path: fmt.Sprintf("/v1/voucher-requests/%d/replay", id), key: keyReviewer, want: http.StatusOK})
	check(oaCall{name: "vouchers", method: http.MethodGet, path: "/v1/voucher-requests?status=approved", key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "review queue", method: http.MethodGet, path: "/v1/review-queue", key: keyReviewer, want: http.StatusOK})
	check(oaCall{name: "authorizations", method: http.MethodGet, path: "/v1/authorizations", key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "authorization", method: http.MethodGet, path: fmt.Sprintf("/v1/authorizations/%d", int64(v["authorization_id"].(float64))),
		key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "follow-up rates", method: http.MethodGet, path: "/v1/reports/gpra-follow-up", key: keyReviewer, want: http.StatusOK})

	// A claim, its remittance and its void.
	claim := map[string]any{"claim_number": "OA-1", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 2, "charge": "24.00"}}}
	w = check(oaCall{name: "claim", method: http.MethodPost, path: "/v1/claims", key: keyHRA, body: claim, want: http.StatusCreated})
	claimID := int64(jsonOf(w)["id"].(float64))
	check(oaCall{name: "claim again", method: http.MethodPost, path: "/v1/claims", key: keyHRA, body: claim, want: http.StatusOK})
	check(oaCall{name: "claim read", method: http.MethodGet, path: fmt.Sprintf("/v1/claims/%d", claimID), key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "claims", method: http.MethodGet, path: "/v1/claims?status=paid", key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "remittance", method: http.MethodGet, path: fmt.Sprintf("/v1/claims/%d/remittance", claimID), key: keyHRA, want: http.StatusOK})
	check(oaCall{name: "bulk", method: http.MethodPost, path: "/v1/claims/bulk", key: keyHRA, want: http.StatusOK,
		body: map[string]any{"claims": []any{claim, map[string]any{"claim_number": "OA-1", "client_id": kim,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "12",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 2, "charge": "24.00"}}}}}})
	w = check(oaCall{name: "void", method: http.MethodPost, path: fmt.Sprintf("/v1/claims/%d/void", claimID), key: keyHRA,
		body: map[string]any{"claim_number": "OA-1-V"}, want: http.StatusCreated})
	check(oaCall{name: "remittance of a void", method: http.MethodGet, path: fmt.Sprintf("/v1/claims/%d/remittance", int64(jsonOf(w)["id"].(float64))),
		key: keyFinance, want: http.StatusOK})
	if lines, ok := jsonOf(w)["lines"].([]any); assert.True(t, ok, "a void's lines are an array") && assert.Len(t, lines, 1) {
		reversal := lines[0].(map[string]any)
		assert.Equal(t, "reversal", reversal["status"])
		assert.Equal(t, "-24.00", reversal["paid"])
		assert.Empty(t, reversal["adjustments"], "the original line was paid in full, so there is nothing to negate")
	}

	// A claim the rules deny (Kim has no case management authorization), and
	// its void: nothing was paid, so the void's lines are [], never null.
	w = check(oaCall{name: "denied claim", method: http.MethodPost, path: "/v1/claims", key: keyHRA, want: http.StatusCreated,
		body: map[string]any{"claim_number": "OA-2", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-CM", "date_of_service": day(-1), "units": 1, "charge": "15.00"}}}})
	assert.Equal(t, "denied", jsonOf(w)["status"])
	w = check(oaCall{name: "void of a denied claim", method: http.MethodPost, path: fmt.Sprintf("/v1/claims/%d/void", int64(jsonOf(w)["id"].(float64))),
		key: keyHRA, body: map[string]any{"claim_number": "OA-2-V"}, want: http.StatusCreated})
	assert.Equal(t, []any{}, jsonOf(w)["lines"])

	// An authorization's lifecycle: voided by a reviewer with its history,
	// a second void and a reactivation of what is not inactive refused.
	var brownTH int64
	require.NoError(t, e.db.Get(&brownTH, `SELECT id FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TH'`, e.demo.Clients["Brown"]))
	voidPath := fmt.Sprintf("/v1/authorizations/%d/void", brownTH)
	w = check(oaCall{name: "authorization void", method: http.MethodPost, path: voidPath, key: keyReviewer,
		body: map[string]any{"reason": "placement fell through"}, want: http.StatusOK})
	assert.Equal(t, "void", jsonOf(w)["status"])
	check(oaCall{name: "authorization void again", method: http.MethodPost, path: voidPath, key: keyReviewer,
		body: map[string]any{"reason": "again"}, want: http.StatusConflict})
	check(oaCall{name: "authorization void by a provider", method: http.MethodPost, path: voidPath, key: keyHRA,
		body: map[string]any{"reason": "x"}, want: http.StatusForbidden})
	check(oaCall{name: "authorization reactivate, not inactive", method: http.MethodPost, path: fmt.Sprintf("/v1/authorizations/%d/reactivate", brownTH),
		key: keyReviewer, body: map[string]any{"reason": "x"}, want: http.StatusConflict})
	check(oaCall{name: "authorization with its history", method: http.MethodGet, path: fmt.Sprintf("/v1/authorizations/%d", brownTH), key: keyHRA,
		want: http.StatusOK})
	check(oaCall{name: "inactive authorizations", method: http.MethodGet, path: "/v1/authorizations?status=inactive", key: keyReviewer,
		want: http.StatusOK})

	// A paid claim for Rivera, batched into a payment register.
	w = check(oaCall{name: "billable claim", method: http.MethodPost, path: "/v1/claims", key: keyHRA, want: http.StatusCreated,
		body: map[string]any{"claim_number": "OA-R1", "client_id": rivera, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-CM", "date_of_service": day(-1), "units": 2, "charge": "30.00"}}}})
	require.Equal(t, "paid", jsonOf(w)["status"], "body: %s", w.Body)
	rivClaim := jsonOf(w)["id"].(float64)
	newBatch := map[string]any{"payer_route": "payment_register", "through_date": day(0)}
	check(oaCall{name: "batch by a provider", method: http.MethodPost, path: "/v1/batches", key: keyHRA, body: newBatch, want: http.StatusForbidden})
	w = check(oaCall{name: "batch through tomorrow", method: http.MethodPost, path: "/v1/batches", key: keyFinance,
		body: map[string]any{"payer_route": "payment_register", "through_date": day(1)}, want: http.StatusUnprocessableEntity})
	// Today named in the MSC's zone (a UTC host's evening is a day ahead).
	assert.Contains(t, w.Body.String(), "through_date cannot be in the future: today is "+day(0)+" in the MSC's time zone")
	w = check(oaCall{name: "batch", method: http.MethodPost, path: "/v1/batches", key: keyFinance, body: newBatch, idemKey: "oa-batch",
		want: http.StatusCreated})
	b := jsonOf(w)
	batchID := int64(b["id"].(float64))
	assert.Equal(t, "payment_register", b["payer_route"])
	assert.Equal(t, float64(1), b["line_count"])
	assert.Equal(t, "30.00", b["paid"])
	assert.Nil(t, b["st_controls"], "a payment register has no X12 control numbers")
	assert.Nil(t, b["isa_control"])
	closedFiles, _ := b["files"].([]any)
	require.Len(t, closedFiles, 1, "the file is written and its digest recorded when the batch closes")
	assert.Equal(t, "payment_register", closedFiles[0].(map[string]any)["kind"])
	if provs, ok := b["providers"].([]any); assert.True(t, ok) && assert.Len(t, provs, 1) {
		assert.Equal(t, float64(hra), provs[0].(map[string]any)["provider_id"])
	}
	w = check(oaCall{name: "batch replayed", method: http.MethodPost, path: "/v1/batches", key: keyFinance, body: newBatch, idemKey: "oa-batch",
		want: http.StatusCreated})
	assert.Equal(t, "true", w.Header().Get("Idempotent-Replayed"))
	assert.Equal(t, float64(batchID), jsonOf(w)["id"])
	w = check(oaCall{name: "nothing to batch", method: http.MethodPost, path: "/v1/batches", key: keyFinance, body: newBatch,
		want: http.StatusConflict})
	assert.Equal(t, "nothing_to_batch", jsonOf(w)["code"])
	check(oaCall{name: "batch read", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d", batchID), key: keyAdmin, want: http.StatusOK})
	w = check(oaCall{name: "batches", method: http.MethodGet, path: "/v1/batches?payer_route=payment_register&limit=1", key: keyFinance,
		want: http.StatusOK})
	assert.Len(t, jsonOf(w)["items"], 1)
	check(oaCall{name: "batches, another route", method: http.MethodGet, path: "/v1/batches?payer_route=medicaid_837p", key: keyAdmin,
		want: http.StatusOK})
	w = check(oaCall{name: "batches with limit 0", method: http.MethodGet, path: "/v1/batches?limit=0", key: keyFinance, badRequest: true,
		want: http.StatusUnprocessableEntity})
	assert.Equal(t, "out_of_range", jsonOf(w)["errors"].([]any)[0].(map[string]any)["code"])
	check(oaCall{name: "batches for a provider", method: http.MethodGet, path: "/v1/batches", key: keyHRA, want: http.StatusForbidden})
	check(oaCall{name: "no such batch", method: http.MethodGet, path: "/v1/batches/999999", key: keyFinance, want: http.StatusNotFound})

	// The register: notice first, the digest in a header, the same bytes every time.
	filePath := fmt.Sprintf("/v1/batches/%d/file", batchID)
	w = check(oaCall{name: "batch file", method: http.MethodGet, path: filePath, key: keyFinance, file: true, want: http.StatusOK})
	register := w.Body.String()
	rows := oaCSV(t, register)
	require.GreaterOrEqual(t, len(rows), 5, "notice, header, a line, its provider's total and the batch total: %s", register)
	assert.Equal(t, []string{billing.Part2Notice}, rows[0], "the register starts with the Part 2 notice")
	assert.Equal(t, "record_type", rows[1][0])
	assert.Equal(t, []string{"line", "provider_total", "batch_total"}, []string{rows[2][0], rows[3][0], rows[4][0]})
	sum := sha256.Sum256(w.Body.Bytes())
	digest := w.Header().Get("X-Content-SHA256")
	assert.Equal(t, hex.EncodeToString(sum[:]), digest)
	assert.Equal(t, closedFiles[0].(map[string]any)["sha256"], digest, "the download is the file the batch closed with")
	assert.Equal(t, fmt.Sprintf(`attachment; filename="batch-%d-payment_register.csv"`, batchID), w.Header().Get("Content-Disposition"))
	w = check(oaCall{name: "batch file again", method: http.MethodGet, path: filePath, key: keyAdmin, file: true, want: http.StatusOK})
	assert.Equal(t, register, w.Body.String(), "every download is byte-identical")
	assert.Equal(t, digest, w.Header().Get("X-Content-SHA256"))
	w = check(oaCall{name: "batch with its file", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d", batchID), key: keyFinance,
		want: http.StatusOK})
	if files, ok := jsonOf(w)["files"].([]any); assert.True(t, ok) && assert.Len(t, files, 1) {
		assert.Equal(t, digest, files[0].(map[string]any)["sha256"])
		assert.Equal(t, "payment_register", files[0].(map[string]any)["kind"])
	}
	check(oaCall{name: "batch file for a provider", method: http.MethodGet, path: filePath, key: keyHRA, want: http.StatusForbidden})
	check(oaCall{name: "no such batch file", method: http.MethodGet, path: "/v1/batches/999999/file", key: keyFinance, want: http.StatusNotFound})

	// HRA's remittance advice: finance reads any provider's, HRA its own only.
	advice := fmt.Sprintf("/v1/batches/%d/remittance/%d", batchID, hra)
	w = check(oaCall{name: "advice", method: http.MethodGet, path: advice + "?format=json", key: keyFinance, want: http.StatusOK})
	a := jsonOf(w)
	assert.Equal(t, billing.Part2Notice, a["notice"])
	assert.Equal(t, float64(hra), a["provider"].(map[string]any)["id"])
	assert.Equal(t, "30.00", a["totals"].(map[string]any)["paid"])
	var claimIDs []float64
	var lineIDs []string
	for _, c := range a["claims"].([]any) {
		c := c.(map[string]any)
		claimIDs = append(claimIDs, c["claim_id"].(float64))
		for _, l := range c["lines"].([]any) {
			lineIDs = append(lineIDs, fmt.Sprint(c["claim_id"], "/", l.(map[string]any)["line_number"]))
		}
	}
	assert.Contains(t, claimIDs, rivClaim)
	assert.Equal(t, fmt.Sprintf(`attachment; filename="remittance-%d-%d.json"`, batchID, hra), w.Header().Get("Content-Disposition"))
	w = check(oaCall{name: "advice, own agency", method: http.MethodGet, path: advice + "?format=json", key: keyHRA, want: http.StatusOK})
	assert.Equal(t, a, jsonOf(w))
	check(oaCall{name: "advice, default format", method: http.MethodGet, path: advice, key: keyHRA, want: http.StatusOK})
	w = check(oaCall{name: "advice as csv", method: http.MethodGet, path: advice + "?format=csv", key: keyFinance, file: true, want: http.StatusOK})
	rows = oaCSV(t, w.Body.String())
	require.GreaterOrEqual(t, len(rows), 3, "notice, header, lines and the total: %s", w.Body)
	assert.Equal(t, []string{billing.Part2Notice}, rows[0], "the advice starts with the Part 2 notice")
	assert.Equal(t, "batch_id", rows[1][0])
	// The header is the one the document shows (the example lacked the
	// payer columns), and each of its rows is as wide.
	example := oaCSV(t, doc.Paths.Find("/v1/batches/{batch_id}/remittance/{provider_id}").Get.Responses.Status(http.StatusOK).Value.
		Content.Get("text/csv").Example.(string))
	assert.Equal(t, rows[1], example[1], "the advice's CSV header is the documented one")
	for _, r := range example[1:] {
		assert.Len(t, r, len(rows[1]), "the example row %q", r)
	}
	assert.Equal(t, "TOTAL", rows[len(rows)-1][4])
	assert.Len(t, rows, 2+len(lineIDs)+2, "one row per line of the JSON advice, and the two totals")
	assert.Equal(t, "TOTAL IN FILE", rows[len(rows)-2][4])
	check(oaCall{name: "another agency's advice", method: http.MethodGet, path: advice + "?format=json", key: keyECRA, want: http.StatusNotFound})
	check(oaCall{name: "advice for a reviewer", method: http.MethodGet, path: advice, key: keyReviewer, want: http.StatusForbidden})
	check(oaCall{name: "advice in xml", method: http.MethodGet, path: advice + "?format=xml", key: keyFinance, badRequest: true,
		want: http.StatusUnprocessableEntity})
	check(oaCall{name: "advice of a provider not in the batch", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d/remittance/%d", batchID,
		e.demo.Providers["ECRA"]), key: keyFinance, want: http.StatusNotFound})

	// Voided once batched, the claim's reversal goes back in the next batch,
	// negative.
	w = check(oaCall{name: "void of a batched claim", method: http.MethodPost, path: fmt.Sprintf("/v1/claims/%d/void", int64(rivClaim)),
		key: keyHRA, body: map[string]any{"claim_number": "OA-R1-V"}, want: http.StatusCreated})
	require.Len(t, jsonOf(w)["lines"], 1)
	w = check(oaCall{name: "batch of a reversal", method: http.MethodPost, path: "/v1/batches", key: keyFinance, body: newBatch,
		want: http.StatusCreated})
	b = jsonOf(w)
	assert.Equal(t, "-30.00", b["paid"])
	assert.Equal(t, float64(-2), b["units"])
	w = check(oaCall{name: "advice of a reversal", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d/remittance/%d", int64(b["id"].(float64)), hra),
		key: keyHRA, want: http.StatusOK})
	assert.Equal(t, "-30.00", jsonOf(w)["totals"].(map[string]any)["paid"])
	check(oaCall{name: "file of a reversal", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d/file", int64(b["id"].(float64))),
		key: keyFinance, file: true, want: http.StatusOK})

	// A Medicaid waiver claim, batched into an 837P.
	dubois := e.demo.Clients["Dubois"]
	w = check(oaCall{name: "waiver voucher", method: http.MethodPost, path: "/v1/voucher-requests", key: keyECRA, want: http.StatusCreated,
		body: map[string]any{"client_id": dubois, "service_code": "MHW-RA", "units": 20, "start_date": day(-1), "end_date": day(29)}})
	require.Equal(t, "approved", jsonOf(w)["decision"], "body: %s", w.Body)
	w = check(oaCall{name: "waiver claim", method: http.MethodPost, path: "/v1/claims", key: keyECRA, want: http.StatusCreated,
		body: map[string]any{"claim_number": "OA-M1", "client_id": dubois, "rendering_staff_id": e.demo.Staff["Kowalski"], "place_of_service": "12",
			"diagnoses": []any{"F33.1"}, "lines": []any{map[string]any{"service_code": "MHW-RA", "date_of_service": day(-1), "units": 2, "charge": "14.50"}}}})
	require.Equal(t, "paid", jsonOf(w)["status"], "body: %s", w.Body)
	w = check(oaCall{name: "837P batch", method: http.MethodPost, path: "/v1/batches", key: keyFinance, want: http.StatusCreated,
		body: map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)}})
	b = jsonOf(w)
	assert.NotNil(t, b["isa_control"])
	assert.NotNil(t, b["gs_control"])
	assert.Len(t, b["st_controls"], 1)
	w = check(oaCall{name: "837P file", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d/file", int64(b["id"].(float64))),
		key: keyFinance, file: true, want: http.StatusOK})
	assert.Equal(t, "application/edi-x12", w.Header().Get("Content-Type"))
	assert.True(t, strings.HasPrefix(w.Body.String(), "ISA*"), "%.200s", w.Body)
	sum = sha256.Sum256(w.Body.Bytes())
	assert.Equal(t, hex.EncodeToString(sum[:]), w.Header().Get("X-Content-SHA256"))
	check(oaCall{name: "837P advice", method: http.MethodGet, path: fmt.Sprintf("/v1/batches/%d/remittance/%d", int64(b["id"].(float64)),
		e.demo.Providers["ECRA"]), key: keyECRA, want: http.StatusOK})

	// Problems.
	w = check(oaCall{name: "validation failed", method: http.MethodPost, path: "/v1/voucher-requests", key: keyHRA, badRequest: true,
		body: map[string]any{"client_id": rivera, "service_code": "ATR-CM", "units": 0, "start_date": day(10), "end_date": day(0)},
		want: http.StatusUnprocessableEntity})
	assert.Equal(t, "validation_failed", jsonOf(w)["code"])
	assert.Len(t, jsonOf(w)["errors"], 2)
	check(oaCall{name: "unknown field", method: http.MethodPost, path: "/v1/voucher-requests", key: keyHRA, badRequest: true,
		body: map[string]any{"client_id": rivera, "service_code": "ATR-CM", "units": 1, "start_date": day(0), "end_date": day(0), "unit": 1},
		want: http.StatusBadRequest})
	check(oaCall{name: "no such client", method: http.MethodGet, path: "/v1/clients/999999", key: keyHRA, want: http.StatusNotFound})
	check(oaCall{name: "another agency's request", method: http.MethodGet, path: fmt.Sprintf("/v1/voucher-requests/%d", id), key: keyBCS,
		want: http.StatusNotFound})
	check(oaCall{name: "no key", method: http.MethodGet, path: "/v1/reason-codes", badRequest: true, want: http.StatusUnauthorized})
	check(oaCall{name: "wrong role", method: http.MethodPost, path: "/v1/voucher-requests", key: keyFinance, body: voucher, want: http.StatusForbidden})
	check(oaCall{name: "bad limit", method: http.MethodGet, path: "/v1/clients?limit=501", key: keyHRA, badRequest: true,
		want: http.StatusUnprocessableEntity})
}

// The document's list of specific conflict codes holds every code a
// domain package answers a 409 with: a client that builds its enum from
// the list missed fourteen (an OpenAPI black-box pass of the
// forty-seventh stop). The console's own codes are not the API's.
func TestOpenAPIListsEveryConflictCode(t *testing.T) {
	doc := oaDoc(t)
	desc := doc.Info.Description
	start := strings.Index(desc, "Specific conflict codes (409):")
	end := strings.Index(desc, "Each operation's description says which")
	require.True(t, start >= 0 && end > start, "the list is where it was")
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z_0-9]+)`").FindAllStringSubmatch(desc[start:end], -1) {
		listed[m[1]] = true
	}
	coded := regexp.MustCompile(`rss\.Coded\(\s*rss\.ErrConflict,\s*"([a-z_0-9]+)"`)
	found := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "console"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range coded.FindAllSubmatch(src, -1) {
			found++
			assert.True(t, listed[string(m[1])], "%s answers 409 %s, which the document's list lacks", path, m[1])
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, found, 100, "the scan found the domain packages' conflicts")
}

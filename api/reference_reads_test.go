package api_test

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reference code is read where it is written (a new-user black-box pass
// read 405s: a GPRA instrument and a catchment area are patched at
// /v1/reference/{kind}/{code} and could not be read there, as a program,
// service or provider can; discharge reasons were written under
// /v1/reference and listed only at /v1/discharge-reasons). Every role that
// reads the list reads one, as the list shows it; an unknown code is a 404.
func TestReferenceCodesReadWhereWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, key := range []string{keyAdmin, keyReviewer, keyFinance, keyHRA, keyBCS} {
		for _, k := range []struct{ list, code string }{
			{"/v1/reference/gpra-instruments", "SUPRT-2025"},
			{"/v1/reference/catchment-areas", "hartford"},
		} {
			var want map[string]any
			for _, x := range itItems(t, e.get(key, k.list)) {
				if x["code"] == k.code {
					want = x
				}
			}
			require.NotNil(t, want, "%s lists %s", k.list, k.code)
			r := e.get(key, k.list+"/"+k.code)
			require.Equal(t, http.StatusOK, r.Status, "%s/%s: %s", k.list, k.code, r.Body)
			assert.Equal(t, want, r.JSON(t), "%s/%s reads as listed", k.list, k.code)
		}
		for _, q := range []string{"", "?program_code=RSVP", "?include_retired=true", "?program_code=ATR&include_retired=false"} {
			listed := e.get(key, "/v1/discharge-reasons"+q)
			require.Equal(t, http.StatusOK, listed.Status, "%s", listed.Body)
			r := e.get(key, "/v1/reference/discharge-reasons"+q)
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			assert.JSONEq(t, string(listed.Body), string(r.Body), "the list at its write path%s", q)
		}
	}
	requireProblem(t, e.get(keyHRA, "/v1/reference/gpra-instruments/GPRA-1999"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyHRA, "/v1/reference/catchment-areas/atlantis"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyHRA, "/v1/reference/discharge-reasons?include_retired=maybe"), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.get(keyHRA, "/v1/reference/discharge-reasons?program_code=NOPE"), http.StatusUnprocessableEntity, "validation_failed")
	for _, path := range []string{"/v1/reference/discharge-reasons?sort=code", "/v1/reference/gpra-instruments/SUPRT-2025?x=1",
		"/v1/reference/catchment-areas/hartford?x=1"} {
		p := requireProblem(t, e.get(keyHRA, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, []string{itFieldCode(p, "sort"), itFieldCode(p, "x")}, "unknown_parameter", "%s: %v", path, p)
	}

	// As the document says.
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	check := func(c oaCall) { t.Helper(); oaValidate(t, e, doc, router, c) }
	check(oaCall{name: "one instrument", method: http.MethodGet, path: "/v1/reference/gpra-instruments/SUPRT-2025", key: keyECRA, want: http.StatusOK})
	check(oaCall{name: "unknown instrument", method: http.MethodGet, path: "/v1/reference/gpra-instruments/GPRA-1999", key: keyECRA, want: http.StatusNotFound})
	check(oaCall{name: "one area", method: http.MethodGet, path: "/v1/reference/catchment-areas/hartford", key: keyFinance, want: http.StatusOK})
	check(oaCall{name: "unknown area", method: http.MethodGet, path: "/v1/reference/catchment-areas/atlantis", key: keyFinance, want: http.StatusNotFound})
	check(oaCall{name: "reasons at the write path", method: http.MethodGet, path: "/v1/reference/discharge-reasons?program_code=RSVP&include_retired=true",
		key: keyBCS, want: http.StatusOK})
	check(oaCall{name: "reasons at the write path, bad flag", method: http.MethodGet, path: "/v1/reference/discharge-reasons?include_retired=maybe",
		key: keyBCS, badRequest: true, want: http.StatusUnprocessableEntity})
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
)

// The GPRA, RCM monthly, state extract and RSVP outcomes reports answer as
// the document says: JSON and CSV, and their problems.
func TestOpenAPIReportsGPRARCMExtract(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	// A recorded month and a missing one, so goals and nulls both show.
	r := e.post(keyAdmin, itPath("/v1/enrollments/%d/monthly-progress", rcmEnrollment(t, e, "Murphy")), map[string]any{"month": testMonth(-3),
		"contacts": []map[string]any{{"kind": "telephone", "count": 2}}, "treatment_status": "referred",
		"goals": []map[string]any{{"goal": "Enter treatment", "status": "in_progress"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	rng := fmt.Sprintf("from=%s&to=%s", day(-300), day(0))
	for _, rep := range []string{"gpra", "rcm-monthly", "state-extract", "rsvp-outcomes"} {
		path := "/v1/reports/" + rep + "?" + rng
		oaValidate(t, e, doc, router, oaCall{name: rep, method: http.MethodGet, path: path, key: keyReviewer, want: http.StatusOK})
		oaValidate(t, e, doc, router, oaCall{name: rep + " for a provider", method: http.MethodGet, path: path, key: keyHRA, want: http.StatusOK})
		oaValidate(t, e, doc, router, oaCall{name: rep + " csv", method: http.MethodGet, path: path + "&format=csv", key: keyFinance,
			want: http.StatusOK, file: true})
		oaValidate(t, e, doc, router, oaCall{name: rep + " without a range", method: http.MethodGet, path: "/v1/reports/" + rep,
			key: keyAdmin, want: http.StatusUnprocessableEntity, badRequest: true})
		oaValidate(t, e, doc, router, oaCall{name: rep + " of another agency", method: http.MethodGet,
			path: fmt.Sprintf("%s&provider_id=%d", path, e.demo.Providers["HRA"]), key: keyBCS, want: http.StatusNotFound})
	}
}

package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// payer277 is a 277CA (005010X214) as a payer writes it, answering one
// claim: rejected with the STC composite given, or accepted with the
// payer's claim control number.
func payer277(control int, clm01, npi, charge, dos, reject string) []byte {
	body := []string{"BHT*0085*08*277CA1*20260602*1200*TH", "HL*1**20*1", "NM1*PR*2*CT MEDICAID*****PI*CTMCD", "TRN*1*CA1",
		"DTP*050*D8*20260602", "DTP*009*D8*20260602", "HL*2*1*21*1", "NM1*41*2*RSS MSC*****46*RSSMSC01", "TRN*2*B1",
		"STC*A1:19:PR*20260602*WQ*" + charge, "HL*3*2*19*1", "NM1*85*2*AGENCY*****XX*" + npi, "TRN*1*0", "STC*A1:19:PR**WQ*" + charge,
		"HL*4*3*PT", "NM1*QC*1*DOE*JO****MI*M1", "TRN*2*" + clm01}
	if reject != "" {
		body = append(body, "STC*"+reject+"*20260602*U*"+charge)
	} else {
		body = append(body, "STC*A2:20:PR*20260602*WQ*"+charge, "REF*1K*ICN"+clm01)
	}
	body = append(body, "DTP*472*D8*"+dos)
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*          *00*          *ZZ*CTMEDICAID     *ZZ*RSSMSC         *260602*1200*^*00501*%09d*0*T*:~", control)
	fmt.Fprintf(&b, "GS*HN*CTMEDICAID*RSSMSC*20260602*1200*%d*X*005010X214~ST*277*0001*005010X214~", control)
	for _, s := range body {
		b.WriteString(s + "~")
	}
	fmt.Fprintf(&b, "SE*%d*0001~GE*1*%d~IEA*1*%09d~", len(body)+2, control, control)
	return []byte(b.String())
}

// TestPayerFilesAPI: only finance imports; the same file again is the
// earlier import; a bad file is a 422 naming the segment and writes
// nothing; the provider sees its own claim's rejection and no other
// agency's; the reconciliation answers JSON and CSV; every answer matches
// the OpenAPI document.
func init() {
	// The validator reads an uploaded X12 file as the bytes it is.
	openapi3filter.RegisterBodyDecoder("application/edi-x12", openapi3filter.FileBodyDecoder)
}

func TestPayerFilesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	check := func(c oaCall) resp {
		t.Helper()
		w := oaValidate(t, e, doc, router, c)
		return resp{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	}
	e.mhwReady(100)
	r := e.post(keyECRA, "/v1/claims", e.duboisClaim("PF-1", raLine(day(-3), 2, "14.50")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claimID := itID(t, r)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	batchID := itID(t, r)
	var npi string
	require.NoError(t, e.db.GetContext(t.Context(), &npi, `SELECT npi FROM providers WHERE id = $1`, e.demo.Providers["ECRA"]))
	dos := strings.ReplaceAll(day(-3), "-", "")
	file := payer277(801, "PF-1", npi, "14.50", dos, "A7:21:85")

	x12 := map[string]string{"Content-Type": "application/edi-x12"}
	for _, key := range []string{keyECRA, keyReviewer, keyAdmin} {
		requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: key, Body: file, Header: x12}),
			http.StatusForbidden, "forbidden")
	}
	w := check(oaCall{name: "import 277CA", method: http.MethodPost, path: "/v1/payer-files", key: keyFinance, raw: file, want: http.StatusCreated})
	f := w.JSON(t)
	assert.Equal(t, "277CA", f["kind"])
	assert.Equal(t, false, f["already_imported"])
	fileID := int64(f["id"].(float64))
	w = check(oaCall{name: "import again", method: http.MethodPost, path: "/v1/payer-files", key: keyFinance, raw: file, want: http.StatusOK})
	assert.Equal(t, true, w.JSON(t)["already_imported"])
	assert.Equal(t, float64(fileID), w.JSON(t)["id"])

	// A bad file: 422 naming the segment, nothing written.
	bad := []byte(strings.Replace(string(payer277(802, "PF-1", npi, "14.50", dos, "")), "SE*22*", "SE*21*", 1))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, check(oaCall{name: "bad file", method: http.MethodPost, path: "/v1/payer-files", key: keyFinance, raw: bad,
			want: http.StatusUnprocessableEntity}), http.StatusUnprocessableEntity, "validation_failed")
		errs := p["errors"].([]any)
		require.Len(t, errs, 1)
		assert.Equal(t, "body", errs[0].(map[string]any)["field"])
		assert.Equal(t, "invalid_x12", errs[0].(map[string]any)["code"])
		assert.Contains(t, errs[0].(map[string]any)["message"], "segment 24 (SE)")
		requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: "not an x12 file",
			Header: map[string]string{"Content-Type": "text/plain"}}), http.StatusUnprocessableEntity, "validation_failed")
		p = requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: map[string]any{"x": 1}}),
			http.StatusUnsupportedMediaType, "unsupported_media_type")
		// It names every type taken, not one (a payer pass).
		assert.Contains(t, p["detail"], "text/plain")
		// Declared in a charset X12 is not written in, refused before it
		// is read (a payer pass: read, and refused as no ISA segment);
		// US-ASCII and UTF-8 are read.
		for _, cs := range []string{"utf-16", "latin1", "ISO-8859-1"} {
			requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: "not an x12 file",
				Header: map[string]string{"Content-Type": "application/edi-x12; charset=" + cs}}), http.StatusUnsupportedMediaType, "unsupported_media_type")
		}
		for _, cs := range []string{"US-ASCII", "utf-8"} {
			requireProblem(t, e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: "not an x12 file",
				Header: map[string]string{"Content-Type": "application/edi-x12; charset=" + cs}}), http.StatusUnprocessableEntity, "validation_failed")
		}
	})

	// The provider sees its claim's rejection and why; another agency gets a 404.
	w = check(oaCall{name: "claim with payer", method: http.MethodGet, path: fmt.Sprintf("/v1/claims/%d", claimID), key: keyECRA, want: http.StatusOK})
	payer := w.JSON(t)["payer"].(map[string]any)
	assert.Equal(t, "rejected", payer["status"])
	assert.Equal(t, []any{"A7:21:85"}, payer["status_codes"])
	assert.Equal(t, "0.00", payer["paid"])
	requireProblem(t, e.get(keyHRA, fmt.Sprintf("/v1/claims/%d", claimID)), http.StatusNotFound, "not_found")
	// And in its claim list, as the list's schema says (it was left out: a
	// finance black-box pass).
	w = check(oaCall{name: "claims with payer", method: http.MethodGet, path: "/v1/claims", key: keyECRA, want: http.StatusOK})
	listed := false
	for _, c := range itItems(t, w) {
		if int64(c["id"].(float64)) == claimID {
			listed = true
			require.NotNil(t, c["payer"], "%v", c)
			assert.Equal(t, payer, c["payer"])
		}
	}
	assert.True(t, listed)

	// Reading the files: finance and admin.
	w = check(oaCall{name: "payer files", method: http.MethodGet, path: "/v1/payer-files", key: keyFinance, want: http.StatusOK})
	assert.Len(t, itItems(t, w), 1)
	check(oaCall{name: "payer files by kind", method: http.MethodGet, path: "/v1/payer-files?kind=835", key: keyAdmin, want: http.StatusOK})
	check(oaCall{name: "payer files bad kind", method: http.MethodGet, path: "/v1/payer-files?kind=837", key: keyAdmin,
		want: http.StatusUnprocessableEntity, badRequest: true})
	claimReads := func() int {
		return e.count(`SELECT count(*) FROM audit_client_records($1) WHERE action = 'read' AND entity_type = 'claim'
			AND entity_id = $2`, e.demo.Clients["Dubois"], itStr(claimID))
	}
	readsBefore := claimReads()
	w = check(oaCall{name: "payer file", method: http.MethodGet, path: fmt.Sprintf("/v1/payer-files/%d", fileID), key: keyFinance, want: http.StatusOK})
	sts := w.JSON(t)["claim_statuses"].([]any)
	require.Len(t, sts, 1)
	assert.Equal(t, float64(claimID), sts[0].(map[string]any)["claim_id"])
	// The read is listed under the client of each claim the file answered
	// (it named none: a reports black-box pass).
	assert.Equal(t, readsBefore+1, claimReads())
	check(oaCall{name: "payer file missing", method: http.MethodGet, path: "/v1/payer-files/99999", key: keyFinance, want: http.StatusNotFound})
	requireProblem(t, e.get(keyECRA, "/v1/payer-files"), http.StatusForbidden, "forbidden")
	requireProblem(t, e.get(keyECRA, fmt.Sprintf("/v1/payer-files/%d", fileID)), http.StatusForbidden, "forbidden")

	// Reconciliation: the batch billed 14.50, all of it rejected.
	w = check(oaCall{name: "reconciliation", method: http.MethodGet, path: fmt.Sprintf("/v1/reconciliation?batch=%d", batchID), key: keyFinance,
		want: http.StatusOK})
	tot := w.JSON(t)["totals"].(map[string]any)
	assert.Equal(t, "14.50", tot["billed"])
	assert.Equal(t, "14.50", tot["rejected"])
	assert.Equal(t, "14.50", tot["difference"])
	assert.Equal(t, "0.00", tot["unexplained"])
	check(oaCall{name: "reconciliation by dates", method: http.MethodGet, path: fmt.Sprintf("/v1/reconciliation?from=%s&to=%s&provider=%d",
		day(-1), day(0), e.demo.Providers["ECRA"]), key: keyAdmin, want: http.StatusOK})
	w = check(oaCall{name: "reconciliation csv", method: http.MethodGet, path: fmt.Sprintf("/v1/reconciliation?batch=%d&format=csv", batchID),
		key: keyFinance, want: http.StatusOK, file: true})
	cr := csv.NewReader(strings.NewReader(string(w.Body)))
	cr.FieldsPerRecord = -1 // the notice is one field
	recs, err := cr.ReadAll()
	require.NoError(t, err)
	assert.Contains(t, recs[0][0], "42 CFR part 2", "the notice leads the CSV")
	assert.Equal(t, "record", recs[1][0])
	assert.Equal(t, []string{"row", "total"}, []string{recs[2][0], recs[3][0]})
	for _, path := range []string{"/v1/reconciliation", "/v1/reconciliation?from=" + day(0), "/v1/reconciliation?batch=0",
		fmt.Sprintf("/v1/reconciliation?batch=%d&from=%s&to=%s", batchID, day(-1), day(0)), "/v1/reconciliation?from=2026-13-01&to=2026-12-01"} {
		requireProblem(t, e.get(keyFinance, path), http.StatusUnprocessableEntity, "validation_failed")
	}
	// The missing date is named (from alone was told from was required).
	for path, field := range map[string]string{"/v1/reconciliation?from=" + day(0): "to", "/v1/reconciliation?to=" + day(0): "from"} {
		p := requireProblem(t, e.get(keyFinance, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, field), "%s: %v", path, p)
	}
	requireProblem(t, e.get(keyFinance, "/v1/reconciliation?batch=99999"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyECRA, fmt.Sprintf("/v1/reconciliation?batch=%d", batchID)), http.StatusForbidden, "forbidden")
}

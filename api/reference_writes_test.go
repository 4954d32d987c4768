package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// itCodes is the codes of a list's items.
func itCodes(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, x := range items {
		out = append(out, x["code"].(string))
	}
	return out
}

// A discharge reason is data the MSC's admin adds and retires through the
// API: a new one was a software release (a known gap). One added is
// listed and taken by a discharge; retired, it is no longer listed for
// choosing nor taken by a new discharge, while the discharge that carries
// it keeps it; restored, it is taken again; each change is in its history.
func TestDischargeReasonWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/discharge-reasons", map[string]any{"code": "stepped_down",
		"name": "Stepped down to a lower level of support", "outcome": "positive"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, map[string]any{"code": "stepped_down", "name": "Stepped down to a lower level of support", "program_code": nil,
		"outcome": "positive", "active": true}, r.JSON(t))
	assert.Equal(t, 1, itAudit(e, "create", "discharge_reason", "stepped_down"))
	kin := req{Method: http.MethodPost, Path: "/v1/reference/discharge-reasons", Key: keyAdmin, IdemKey: "kinship-1",
		Body: map[string]any{"code": "rsvp_kinship_care", "name": "Children placed with kin", "program_code": "RSVP", "outcome": "neutral"}}
	r = e.do(kin)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "RSVP", r.JSON(t)["program_code"])
	again := e.do(kin)
	require.Equal(t, http.StatusCreated, again.Status, "a POST sent twice is answered as the first: %s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, 1, itAudit(e, "create", "discharge_reason", "rsvp_kinship_care"))
	assert.Contains(t, itCodes(itItems(t, e.get(keyBCS, "/v1/discharge-reasons?program_code=RSVP"))), "rsvp_kinship_care")
	assert.NotContains(t, itCodes(itItems(t, e.get(keyHRA, "/v1/discharge-reasons?program_code=ATR"))), "rsvp_kinship_care")
	assert.Contains(t, itCodes(itItems(t, e.get(keyHRA, "/v1/discharge-reasons?program_code=ATR"))), "stepped_down")

	first := itATRClient(t, e, day(-30))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first.Enrollment), map[string]any{"discharge_date": day(0),
		"reason_code": "stepped_down"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "stepped_down", r.JSON(t)["discharge_reason_code"])

	r = e.patch(keyAdmin, "/v1/reference/discharge-reasons/stepped_down", map[string]any{"active": false,
		"reason": "dropped from the state's code set"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, false, r.JSON(t)["active"])
	assert.Equal(t, 1, itAudit(e, "update", "discharge_reason", "stepped_down"))
	assert.NotContains(t, itCodes(itItems(t, e.get(keyHRA, "/v1/discharge-reasons"))), "stepped_down", "a retired reason is not offered")
	assert.NotContains(t, itCodes(itItems(t, e.get(keyHRA, "/v1/discharge-reasons?program_code=ATR"))), "stepped_down")
	assert.Contains(t, itCodes(itItems(t, e.get(keyReviewer, "/v1/discharge-reasons?include_retired=true"))), "stepped_down")
	requireProblem(t, e.get(keyHRA, "/v1/discharge-reasons?include_retired=maybe"), http.StatusUnprocessableEntity, "validation_failed")

	second := itATRClient(t, e, day(-30))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", second.Enrollment), map[string]any{
			"discharge_date": day(0), "reason_code": "stepped_down"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "inactive", itFieldCode(p, "reason_code"))
	})
	g := e.get(keyHRA, itPath("/v1/enrollments/%d", first.Enrollment))
	require.Equal(t, http.StatusOK, g.Status, "%s", g.Body)
	assert.Equal(t, "stepped_down", g.JSON(t)["discharge_reason_code"], "the discharge made keeps its reason")

	r = e.patch(keyAdmin, "/v1/reference/discharge-reasons/stepped_down", map[string]any{"active": true, "name": "Stepped down"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", second.Enrollment), map[string]any{"discharge_date": day(0),
		"reason_code": "stepped_down"})
	require.Equal(t, http.StatusOK, r.Status, "restored, it is taken again: %s", r.Body)

	h := itItems(t, e.get(keyHRA, "/v1/reference/discharge-reasons/stepped_down/history"))
	require.Len(t, h, 3, "%v", h)
	assert.Equal(t, "create", h[0]["action"])
	assert.Equal(t, "positive", h[0]["after"].(map[string]any)["outcome"])
	assert.Equal(t, map[string]any{"active": true}, h[1]["before"])
	assert.Equal(t, map[string]any{"active": false}, h[1]["after"])
	assert.Equal(t, "dropped from the state's code set", h[1]["reason"])
	assert.Equal(t, map[string]any{"active": true, "name": "Stepped down"}, h[2]["after"])
	assert.NotContains(t, h[1], "actor_key_id", "a provider reader is not shown the MSC's key")
	requireProblem(t, e.get(keyAdmin, "/v1/reference/discharge-reasons/graduated/history"), http.StatusNotFound, "not_found")
}

// The admin alone writes discharge reasons; bad input is a 4xx naming the
// field and writes nothing.
func TestDischargeReasonWritesRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := map[string]any{"code": "stepped_down", "name": "Stepped down", "outcome": "positive"}
	cases := []refusal{
		{"provider creates", keyHRA, http.MethodPost, "/v1/reference/discharge-reasons", good, 403, "forbidden", ""},
		{"reviewer creates", keyReviewer, http.MethodPost, "/v1/reference/discharge-reasons", good, 403, "forbidden", ""},
		{"finance creates", keyFinance, http.MethodPost, "/v1/reference/discharge-reasons", good, 403, "forbidden", ""},
		{"provider retires", keyHRA, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"active": false}, 403, "forbidden", ""},
		{"reviewer retires", keyReviewer, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"active": false}, 403, "forbidden", ""},
		{"finance retires", keyFinance, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"active": false}, 403, "forbidden", ""},
		{"code exists", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "code", "completed"), 409, "discharge_reason_exists", ""},
		{"bad code", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "code", "Stepped-Down"), 422, "validation_failed", "code"},
		{"code too long", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "code", "a23456789012345678901234567890123456789012"), 422, "validation_failed", "code"},
		{"no name", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "name", " "), 422, "validation_failed", "name"},
		{"name of two lines", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "name", "Stepped\ndown"), 422, "validation_failed", "name"},
		{"bad outcome", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "outcome", "great"), 422, "validation_failed", "outcome"},
		{"no outcome", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "outcome", ""), 422, "validation_failed", "outcome"},
		{"unknown program", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "program_code", "NOPE"), 422, "validation_failed", "program_code"},
		{"no program's code", keyAdmin, http.MethodPost, "/v1/reference/discharge-reasons", itWith(good, "program_code", "rsvp"), 422, "validation_failed", "program_code"},
		{"patch unknown", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/graduated", map[string]any{"active": false}, 404, "not_found", ""},
		{"patch nothing", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"reason": "x"}, 422, "validation_failed", "body"},
		{"patch blank name", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"name": ""}, 422, "validation_failed", "name"},
		{"patch name with a tab", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"name": "Moved\taway"}, 422, "validation_failed", "name"},
		{"patch active null", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"active": nil}, 422, "validation_failed", "active"},
		{"patch outcome without a reason", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"outcome": "negative"}, 422, "validation_failed", "reason"},
		{"patch program", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/moved", map[string]any{"program_code": "ATR"}, 400, "unknown_field", ""},
		// other codes a discharge sent with a note alone: retired, every
		// such discharge would be refused.
		{"retire other", keyAdmin, http.MethodPatch, "/v1/reference/discharge-reasons/other", map[string]any{"active": false}, 409, "discharge_reason_required", ""},
	}
	itRefusals(t, e, cases)
}

// A GPRA instrument version is data the admin adds and dates through the
// API. An interview names its instrument and is taken on a day within its
// span (vouchers.RecordInterview): one added is taken from its first day;
// a retirement date is refused where an interview already recorded on it
// would fall outside (409), and taken where none does, after which a later
// interview on it is refused.
func TestGPRAInstrumentWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/gpra-instruments", map[string]any{"code": "SUPRT-2026", "name": "SAMHSA SUPRT-C (2026)",
		"active_from": day(-10)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, map[string]any{"code": "SUPRT-2026", "name": "SAMHSA SUPRT-C (2026)", "active_from": day(-10), "active_to": nil}, r.JSON(t))
	assert.Equal(t, 1, itAudit(e, "create", "gpra_instrument", "SUPRT-2026"))
	assert.Contains(t, itCodes(itItems(t, e.get(keyECRA, "/v1/reference/gpra-instruments"))), "SUPRT-2026")

	client := itNewClient(t, e, keyHRA, "hartford")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-20)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	enr := itID(t, r)
	intake := map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2026", "status": "completed", "interview_date": day(-11)}
	p := requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", intake), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "unknown_id", itFieldCode(p, "instrument"), "not in use before its first day")
	r = e.post(keyHRA, "/v1/gpra-interviews", itWith(intake, "interview_date", day(-8)))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, "/v1/reference/gpra-instruments/SUPRT-2026", map[string]any{"active_to": day(-9)}),
			http.StatusConflict, "instrument_in_use")
		assert.Contains(t, p["detail"], day(-8), "names the interview it would leave outside")
		// The demo's interviews were on SUPRT-2025 from its start.
		requireProblem(t, e.patch(keyAdmin, "/v1/reference/gpra-instruments/SUPRT-2025", map[string]any{"active_to": "2025-12-31"}),
			http.StatusConflict, "instrument_in_use")
	})
	r = e.patch(keyAdmin, "/v1/reference/gpra-instruments/SUPRT-2026", map[string]any{"active_to": day(-5), "reason": "replaced by the 2026b revision"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(-5), r.JSON(t)["active_to"])
	assert.Equal(t, 1, itAudit(e, "update", "gpra_instrument", "SUPRT-2026"))

	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(-2), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	discharge := map[string]any{"client_id": client, "enrollment_id": enr, "kind": "discharge", "instrument": "SUPRT-2026",
		"status": "completed", "interview_date": day(-1)}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", discharge), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "unknown_id", itFieldCode(p, "instrument"), "retired, it takes no interview after its last day")
	})
	r = e.post(keyHRA, "/v1/gpra-interviews", itWith(discharge, "instrument", "SUPRT-2025"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	h := itItems(t, e.get(keyHRA, "/v1/reference/gpra-instruments/SUPRT-2026/history"))
	require.Len(t, h, 2, "%v", h)
	assert.Equal(t, "create", h[0]["action"])
	assert.Equal(t, day(-10), h[0]["after"].(map[string]any)["active_from"])
	assert.Equal(t, map[string]any{"active_to": nil}, h[1]["before"])
	assert.Equal(t, map[string]any{"active_to": day(-5)}, h[1]["after"])
	assert.Equal(t, "replaced by the 2026b revision", h[1]["reason"])
	requireProblem(t, e.get(keyAdmin, "/v1/reference/gpra-instruments/GPRA-1999/history"), http.StatusNotFound, "not_found")

	// Un-retired (null), it is in use again.
	r = e.patch(keyAdmin, "/v1/reference/gpra-instruments/SUPRT-2026", map[string]any{"active_to": nil, "name": "SAMHSA SUPRT-C (2026a)"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["active_to"])
	assert.Equal(t, "SAMHSA SUPRT-C (2026a)", r.JSON(t)["name"])
}

// The admin alone writes instruments; bad input is a 4xx naming the field
// and writes nothing.
func TestGPRAInstrumentWritesRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := map[string]any{"code": "SUPRT-2026", "name": "SAMHSA SUPRT-C (2026)", "active_from": day(10)}
	const path = "/v1/reference/gpra-instruments"
	cases := []refusal{
		{"provider creates", keyHRA, http.MethodPost, path, good, 403, "forbidden", ""},
		{"reviewer creates", keyReviewer, http.MethodPost, path, good, 403, "forbidden", ""},
		{"finance creates", keyFinance, http.MethodPost, path, good, 403, "forbidden", ""},
		{"provider retires", keyHRA, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"active_to": day(30)}, 403, "forbidden", ""},
		{"reviewer retires", keyReviewer, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"active_to": day(30)}, 403, "forbidden", ""},
		{"finance retires", keyFinance, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"active_to": day(30)}, 403, "forbidden", ""},
		{"code exists", keyAdmin, http.MethodPost, path, itWith(good, "code", "SUPRT-2025"), 409, "instrument_exists", ""},
		{"bad code", keyAdmin, http.MethodPost, path, itWith(good, "code", "suprt 2026"), 422, "validation_failed", "code"},
		{"no name", keyAdmin, http.MethodPost, path, itWith(good, "name", ""), 422, "validation_failed", "name"},
		{"name of two lines", keyAdmin, http.MethodPost, path, itWith(good, "name", "SUPRT\n2026"), 422, "validation_failed", "name"},
		{"no first day", keyAdmin, http.MethodPost, path, map[string]any{"code": "SUPRT-2026", "name": "S"}, 422, "validation_failed", "active_from"},
		{"first day a century back", keyAdmin, http.MethodPost, path, itWith(good, "active_from", "1900-01-01"), 422, "validation_failed", "active_from"},
		{"ends before it starts", keyAdmin, http.MethodPost, path, itWith(good, "active_to", day(9)), 422, "validation_failed", "active_to"},
		{"patch ends before it starts", keyAdmin, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"active_to": "2025-09-30"}, 422, "validation_failed", "active_to"},
		{"patch unknown", keyAdmin, http.MethodPatch, path + "/GPRA-1999", map[string]any{"active_to": day(30)}, 404, "not_found", ""},
		{"patch nothing", keyAdmin, http.MethodPatch, path + "/SUPRT-2025", map[string]any{}, 422, "validation_failed", "body"},
		{"patch blank name", keyAdmin, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"name": " "}, 422, "validation_failed", "name"},
		// The demo's interviews were on SUPRT-2025 from its start.
		{"patch first day past an interview", keyAdmin, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"active_from": day(0)}, 409, "instrument_in_use", ""},
		{"patch first day null", keyAdmin, http.MethodPatch, path + "/SUPRT-2025", map[string]any{"active_from": nil}, 422, "validation_failed", "active_from"},
	}
	itRefusals(t, e, cases)
}

// The discharge-reason and instrument writes hold to the document,
// successes and refusals alike. (Their histories are the shared
// RecordChangeList, whose before and after are open objects the
// undocumented-field check cannot read; TestDischargeReasonWrites and
// TestGPRAInstrumentWrites read them.)
func TestOpenAPIReferenceCodesMatch(t *testing.T) {
	t.Parallel()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	e := newEnv(t)
	check := func(c oaCall) { t.Helper(); oaValidate(t, e, doc, router, c) }
	reason := map[string]any{"code": "stepped_down", "name": "Stepped down", "program_code": nil, "outcome": "positive"}
	check(oaCall{name: "create reason", method: http.MethodPost, path: "/v1/reference/discharge-reasons", key: keyAdmin, body: reason, want: http.StatusCreated})
	check(oaCall{name: "create reason again", method: http.MethodPost, path: "/v1/reference/discharge-reasons", key: keyAdmin, body: reason, want: http.StatusConflict})
	check(oaCall{name: "create reason as a provider", method: http.MethodPost, path: "/v1/reference/discharge-reasons", key: keyHRA, body: reason, want: http.StatusForbidden})
	check(oaCall{name: "retire reason", method: http.MethodPatch, path: "/v1/reference/discharge-reasons/stepped_down", key: keyAdmin,
		body: map[string]any{"active": false, "reason": "dropped"}, want: http.StatusOK})
	check(oaCall{name: "retire other", method: http.MethodPatch, path: "/v1/reference/discharge-reasons/other", key: keyAdmin,
		body: map[string]any{"active": false}, want: http.StatusConflict})
	check(oaCall{name: "retire unknown", method: http.MethodPatch, path: "/v1/reference/discharge-reasons/graduated", key: keyAdmin,
		body: map[string]any{"active": false}, want: http.StatusNotFound})
	check(oaCall{name: "reasons with the retired", method: http.MethodGet, path: "/v1/discharge-reasons?include_retired=true", key: keyBCS, want: http.StatusOK})

	inst := map[string]any{"code": "SUPRT-2026", "name": "SAMHSA SUPRT-C (2026)", "active_from": day(10), "active_to": nil}
	check(oaCall{name: "create instrument", method: http.MethodPost, path: "/v1/reference/gpra-instruments", key: keyAdmin, body: inst, want: http.StatusCreated})
	check(oaCall{name: "create instrument again", method: http.MethodPost, path: "/v1/reference/gpra-instruments", key: keyAdmin, body: inst, want: http.StatusConflict})
	check(oaCall{name: "create instrument as finance", method: http.MethodPost, path: "/v1/reference/gpra-instruments", key: keyFinance, body: inst, want: http.StatusForbidden})
	check(oaCall{name: "create instrument, no first day", method: http.MethodPost, path: "/v1/reference/gpra-instruments", key: keyAdmin,
		body: map[string]any{"code": "SUPRT-2027", "name": "S"}, badRequest: true, want: http.StatusUnprocessableEntity})
	check(oaCall{name: "date instrument", method: http.MethodPatch, path: "/v1/reference/gpra-instruments/SUPRT-2026", key: keyAdmin,
		body: map[string]any{"active_to": day(400)}, want: http.StatusOK})
	check(oaCall{name: "retire instrument in use", method: http.MethodPatch, path: "/v1/reference/gpra-instruments/SUPRT-2025", key: keyAdmin,
		body: map[string]any{"active_to": "2025-12-31"}, want: http.StatusConflict})
}

// Two admins naming two new reasons (or instruments) alike at the same
// moment get one of them: each checked the other's name before either
// had committed, and both stood, a provider's list offering one name
// twice under two outcomes (a black-box pass: 4 rounds in 6).
func TestReferenceNamesTakenOnceUnderARace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for round := range 6 {
		for _, w := range []struct{ path, code string }{
			{"/v1/reference/discharge-reasons", "raced_%d_%d"},
			{"/v1/reference/gpra-instruments", "RACED-%d-%d"},
			{"/v1/reference/catchment-areas", "raced_%c_%c"},
		} {
			// Look-alike, not equal: the unique index on the lower-cased
			// name (areas) holds only equal ones.
			name := fmt.Sprintf("Raced  name %d", round)
			status := make([]int, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					body := map[string]any{"code": fmt.Sprintf(w.code, round, i), "name": name}
					switch w.code {
					case "raced_%d_%d":
						body["outcome"] = "neutral"
					case "RACED-%d-%d":
						body["active_from"] = day(0)
					default:
						body["code"] = fmt.Sprintf(w.code, 'a'+round, 'a'+i)
					}
					if i == 1 {
						body["name"] = strings.ToUpper(name[:1]) + strings.ToLower(strings.Join(strings.Fields(name[1:]), " "))
					}
					status[i] = e.post(keyAdmin, w.path, body).Status
				})
			}
			wg.Wait()
			slices.Sort(status)
			assert.Equal(t, []int{http.StatusCreated, http.StatusConflict}, status, "%s round %d", w.path, round)
		}
	}
}

// A new reason named as a retired one reads is refused with the way back:
// restore the retired one ("offered beside it" misread: a retired reason
// is offered nowhere, a black-box pass).
func TestDischargeReasonNamedAsARetiredOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/discharge-reasons", map[string]any{"code": "moved_away", "name": "Moved away", "outcome": "neutral"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/discharge-reasons/moved_away", Key: keyAdmin, Body: map[string]any{"active": false}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	p := requireProblem(t, e.post(keyAdmin, "/v1/reference/discharge-reasons", map[string]any{"code": "relocated", "name": "moved  AWAY",
		"outcome": "neutral"}), http.StatusConflict, "discharge_reason_name_taken")
	assert.Contains(t, p["detail"], "a retired discharge reason (moved_away)")
	assert.Contains(t, p["detail"], "restore it instead")
}

// Labels that differ by punctuation alone read alike: "Stepped-down to
// outpatient care." stood beside "Stepped down to outpatient care" (a
// black-box pass).
func TestReferenceLabelsAlikeButForPunctuation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/discharge-reasons", map[string]any{"code": "stepped_down", "name": "Stepped down to outpatient care",
		"outcome": "positive"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	requireProblem(t, e.post(keyAdmin, "/v1/reference/discharge-reasons", map[string]any{"code": "stepped_down_2",
		"name": "Stepped-down to outpatient care.", "outcome": "positive"}), http.StatusConflict, "discharge_reason_name_taken")
	r = e.post(keyAdmin, "/v1/reference/gpra-instruments", map[string]any{"code": "SUPRT-2027", "name": "SAMHSA SUPRT-C (2027)", "active_from": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	requireProblem(t, e.post(keyAdmin, "/v1/reference/gpra-instruments", map[string]any{"code": "SUPRT-2027B", "name": "SAMHSA SUPRT C 2027",
		"active_from": day(0)}), http.StatusConflict, "instrument_name_taken")
}

// A reference row's name (a program, service, catchment area, discharge
// reason or GPRA instrument) is a label read in lists and pickers: at most
// 200 characters, as a contact's name is. The 4,000 characters of free
// text let a 4,000-character reason's name in (a black-box pass of the
// reference writes). The bound holds on a rename too; nothing is written.
func TestReferenceNamesAreLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long, most := strings.Repeat("n", 201), strings.Repeat("m", 200)
	creates := []struct {
		path, code, table string
		body              map[string]any
	}{
		{"/v1/reference/programs", "LONGP", "programs", newProgramBody("LONGP")},
		{"/v1/reference/services", "ATR-LONG", "services", newServiceBody("ATR-LONG", "ATR")},
		{"/v1/reference/catchment-areas", "longarea", "catchment_areas", map[string]any{"code": "longarea"}},
		{"/v1/reference/discharge-reasons", "long_reason", "discharge_reasons", map[string]any{"code": "long_reason", "outcome": "neutral"}},
		{"/v1/reference/gpra-instruments", "LONG-2026", "gpra_instruments", map[string]any{"code": "LONG-2026", "active_from": day(-10)}},
	}
	for _, c := range creates {
		p := requireProblem(t, e.post(keyAdmin, c.path, withField(c.body, "name", long)), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "too_long", itFieldCode(p, "name"), "%s: %v", c.path, p)
		var n int
		require.NoError(t, e.db.GetContext(t.Context(), &n, `SELECT count(*) FROM `+c.table+` WHERE code = $1`, c.code))
		assert.Zero(t, n, "%s: nothing written", c.path)
		r := e.post(keyAdmin, c.path, withField(c.body, "name", most))
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", c.path, r.Body)
		p = requireProblem(t, e.patch(keyAdmin, c.path+"/"+c.code, map[string]any{"name": long, "reason": "renamed"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "too_long", itFieldCode(p, "name"), "%s rename: %v", c.path, p)
	}
}

// A catchment area's and a service's code is at most 40 characters, the
// bound every request naming one holds it to (a client's area, a voucher
// request's service): an area of 41 was created and held no client ever,
// one of 300 could not be read or renamed by its path (a new-user
// black-box pass). Nothing is written.
func TestReferenceCodesFitWhereTheyAreNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	area, service := strings.Repeat("a", 41), "ATR-"+strings.Repeat("X", 37)
	p := requireProblem(t, e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": area, "name": "Forty One"}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "too_long", itFieldCode(p, "code"), "%v", p)
	b := newServiceBody(service, "ATR")
	p = requireProblem(t, e.post(keyAdmin, "/v1/reference/services", b), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "too_long", itFieldCode(p, "code"), "%v", p)
	var n int
	require.NoError(t, e.db.GetContext(t.Context(), &n, `SELECT (SELECT count(*) FROM catchment_areas WHERE code = $1) +
		(SELECT count(*) FROM services WHERE code = $2)`, area, service))
	assert.Zero(t, n, "nothing written")
	r := e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": area[:40], "name": "Forty"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, "/v1/reference/services", newServiceBody(service[:40], "ATR"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// refusal is a write refused: its answer's status and code, and the field
// the code names, if any.
type refusal struct {
	name, key, method, path string
	body                    map[string]any
	status                  int
	code, field             string
}

// itRefusals sends each refused write and checks its problem and that it
// wrote nothing.
func itRefusals(t *testing.T, e *env, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.do(req{Method: c.method, Path: c.path, Key: c.key, Body: c.body}), c.status, c.code)
				if c.field != "" {
					assert.Contains(t, itFieldErrors(t, p), c.field)
				}
			})
		})
	}
}

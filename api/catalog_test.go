package api_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 9: reference data is data. Programs, services, rates and catchment
// areas are added through the API, and a new program works end to end.

func newProgramBody(code string) map[string]any {
	return map[string]any{"code": code, "name": "Peer recovery support " + code, "funding": "state", "payer_route": "payment_register",
		"voucher_validity_days": 90, "filing_limit_days": 120, "care_plan_required": false, "catchment_areas": []string{}}
}

func newServiceBody(code, program string) map[string]any {
	return map[string]any{"code": code, "program_code": program, "name": "Work for a day " + code, "unit": "day", "rate": "40.00",
		"effective_from": day(-60), "per_voucher_max": 20}
}

// withField is body b with field k set to v (b itself is left alone).
func withField(b map[string]any, k string, v any) map[string]any {
	c := maps.Clone(b)
	c[k] = v
	return c
}

// client enrolls a new client of the agency of key in program from start,
// with the payment consent to the MSC.
func (e *env) programClient(key, program, start string) int64 {
	e.t.Helper()
	client := itNewClient(e.t, e, key, "hartford")
	r := e.post(key, "/v1/enrollments", map[string]any{"client_id": client, "program_code": program, "start_date": start})
	require.Equal(e.t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	r = e.post(key, "/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": start, "expires_on": day(365)})
	require.Equal(e.t, http.StatusCreated, r.Status, "consent: %s", r.Body)
	return client
}

// claimAndBatch submits a one-line claim for client, requires it paid at
// want, closes a payment-register batch and requires the claim in it.
func (e *env) claimAndBatch(key, number string, client, staff int64, service, dos string, units int, charge, want string) {
	e.t.Helper()
	r := e.post(key, "/v1/claims", map[string]any{"claim_number": number, "client_id": client, "rendering_staff_id": staff,
		"place_of_service": "11", "lines": []map[string]any{{"service_code": service, "date_of_service": dos, "units": units, "charge": charge}}})
	require.Equal(e.t, http.StatusCreated, r.Status, "claim: %s", r.Body)
	c := r.JSON(e.t)
	require.Equal(e.t, "paid", c["status"], "claim: %s", r.Body)
	lines, _ := c["lines"].([]any)
	require.Len(e.t, lines, 1)
	assert.Equal(e.t, want, lines[0].(map[string]any)["paid"])
	claimID := itID(e.t, r)

	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	require.Equal(e.t, http.StatusCreated, r.Status, "batch: %s", r.Body)
	batch := itID(e.t, r)
	assert.Equal(e.t, 1, e.count(`SELECT count(*) FROM batch_claims WHERE batch_id = $1 AND claim_id = $2`, batch, claimID),
		"the batch carries the claim")
	file := e.get(keyFinance, itPath("/v1/batches/%d/file", batch))
	require.Equal(e.t, http.StatusOK, file.Status, "%s", file.Body)
	assert.Contains(e.t, string(file.Body), number)
}

// A program added through the API works end to end with no code change:
// program and service created, a provider enrolled for them, a client
// enrolled, the voucher approved by the same rules, the claim paid and the
// batch closed on the program's payer route.
func TestCatalogNewProgramEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := newProgramBody("PEER")
	body["inactivate_after_days"] = 45 // taken at creation as a PATCH takes it (a black-box pass)
	r := e.post(keyAdmin, "/v1/reference/programs", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{}, r.JSON(t)["disabled_rules"])
	assert.Equal(t, float64(45), r.JSON(t)["inactivate_after_days"])
	assert.Equal(t, 1, itAudit(e, "create", "program", "PEER"))
	svc := newServiceBody("PEER-SUP", "PEER")
	svc["name"], svc["unit"], svc["rate"], svc["per_voucher_max"] = "Peer support", "15min", "13.00", 96
	r = e.post(keyAdmin, "/v1/reference/services", svc)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "13.00", r.JSON(t)["rate"])
	assert.Equal(t, 1, itAudit(e, "create", "service", "PEER-SUP"))

	hra := e.demo.Providers["HRA"]
	p := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)
	programs := append(p["programs"].([]any), "PEER")
	services := append(p["services"].([]any), "PEER-SUP")
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"programs": programs, "services": services})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	client := e.programClient(keyHRA, "PEER", day(-10))
	v := itVoucher(t, e, keyHRA, client, "PEER-SUP", 40, -3, 30)
	require.Equal(t, "approved", v["decision"], "%v", v)
	assert.Equal(t, "13.00", v["rate"])
	require.NotNil(t, v["authorization_number"])

	e.claimAndBatch(keyHRA, "PEER-1", client, e.demo.Staff["Okafor"], "PEER-SUP", day(-1), 4, "52.00", "52.00")
}

// The EMP service array of seed 004 is added as data: work for a day,
// seasonal or temporary employment, transitional employment (supported
// employment and supported education are in the fixtures), and a new one
// is authorized, claimed and batched.
func TestCatalogEMPServiceArray(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, s := range []struct{ code, name, unit, rate string }{
		{"EMP-WFD", "Work for a day", "day", "40.00"},
		{"EMP-STE", "Seasonal or temporary employment", "15min", "17.00"},
		{"EMP-TE", "Transitional employment", "15min", "17.50"},
	} {
		b := newServiceBody(s.code, "EMP")
		b["name"], b["unit"], b["rate"] = s.name, s.unit, s.rate
		r := e.post(keyAdmin, "/v1/reference/services", b)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	pwe := e.demo.Providers["PWE"]
	r := e.patch(keyAdmin, itPath("/v1/reference/providers/%d", pwe), map[string]any{
		"services": []string{"EMP-IPS", "EMP-SED", "EMP-WFD", "EMP-STE", "EMP-TE"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	client := e.programClient(keyPWE, "EMP", day(-10))
	v := itVoucher(t, e, keyPWE, client, "EMP-WFD", 5, -2, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	assert.Equal(t, "40.00", v["rate"])

	var staff int64
	require.NoError(t, e.db.GetContext(t.Context(), &staff, `SELECT min(id) FROM staff WHERE provider_id = $1`, pwe))
	e.claimAndBatch(keyPWE, "WFD-1", client, staff, "EMP-WFD", day(-1), 1, "40.00", "40.00")
}

// Rates have effective dates: a request is priced at the rate in force on
// its start date, the authorization keeps it and the claim pays at it.
func TestCatalogRateEffectiveDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "13.50", "effective_from": day(30),
		"reason": "state fiscal year rate increase"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	rate := r.JSON(t)
	assert.Equal(t, "13.50", rate["rate"])
	assert.Equal(t, "admin key", rate["set_by"].(string)[:9])
	assert.Equal(t, 1, itAudit(e, "create", "service_rate", itStr(itID(t, r))))

	hist := itItems(t, e.get(keyHRA, "/v1/reference/services/ATR-TR/rates"))
	require.Len(t, hist, 2)
	assert.Equal(t, "12.00", hist[0]["rate"])
	assert.Equal(t, day(30), hist[1]["effective_from"])
	// An agency reads who set a rate by role only: the MSC's key ids are
	// shown to agencies nowhere (a black-box pass found them here).
	assert.Equal(t, "admin", hist[1]["set_by"])
	svc := e.get(keyHRA, "/v1/reference/services/ATR-TR").JSON(t)
	assert.Equal(t, "12.00", svc["rate"], "the rate in force today")
	assert.NotContains(t, string(e.get(keyHRA, "/v1/reference/services/ATR-TR").Body), " key ")
	assert.NotContains(t, string(e.get(keyHRA, "/v1/reference/services").Body), " key ")
	assert.Equal(t, rate["set_by"], itItems(t, e.get(keyAdmin, "/v1/reference/services/ATR-TR/rates"))[1]["set_by"], "the MSC reads the key")

	a := itATRClient(t, e, day(-5))
	before := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, -2, 29)
	after := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, 30, 60)
	require.Equal(t, "approved", before["decision"], "%v", before)
	require.Equal(t, "approved", after["decision"], "%v", after)
	assert.Equal(t, "12.00", before["rate"], "starts before the change")
	assert.Equal(t, "13.50", after["rate"], "starts on the change")

	auth := e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, before, "authorization_id"))).JSON(t)
	assert.Equal(t, "12.00", auth["rate"])

	// A rate set after the grant changes neither the authorization nor what
	// its claim lines pay.
	r = e.post(keyAdmin, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "20.00", "effective_from": day(-30),
		"reason": "retroactive correction"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "RATE-1", "client_id": a.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 2, "charge": "40.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	line := r.JSON(t)["lines"].([]any)[0].(map[string]any)
	assert.Equal(t, "12.00", line["rate"])
	assert.Equal(t, "24.00", line["paid"])
	assert.Equal(t, "12.00", e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, before, "authorization_id"))).JSON(t)["rate"])
}

func TestCatalogBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"rate zero", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "0.00", "effective_from": day(1), "reason": "x"}, 422, "validation_failed", "rate"},
		{"rate negative", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "-1.00", "effective_from": day(1), "reason": "x"}, 422, "validation_failed", "rate"},
		// Required: left out it read as zero (out_of_range), null as a
		// wrong type on the body (an operations pass).
		{"rate left out", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"effective_from": day(1), "reason": "x"}, 422, "validation_failed", "rate"},
		{"rate null", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": nil, "effective_from": day(1), "reason": "x"}, 422, "validation_failed", "rate"},
		{"rate without reason", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "1.00", "effective_from": day(1)}, 422, "validation_failed", "reason"},
		{"rate without date", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "1.00", "reason": "x"}, 422, "validation_failed", "effective_from"},
		{"rate dated a century back", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "1.00", "effective_from": "1900-01-01", "reason": "x"}, 422, "validation_failed", "effective_from"},
		{"rate dated far ahead", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "1.00", "effective_from": "9999-12-31", "reason": "x"}, 422, "validation_failed", "effective_from"},
		{"two rates one day", http.MethodPost, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "1.00", "effective_from": "2020-01-01", "reason": "x"}, 409, "rate_exists_for_day", ""},
		{"rate of an unknown service", http.MethodPost, "/v1/reference/services/ATR-XX/rates", map[string]any{"rate": "1.00", "effective_from": day(1), "reason": "x"}, 404, "not_found", ""},
		{"patch a rate in place", http.MethodPatch, "/v1/reference/services/ATR-TR", map[string]any{"rate": "13.00"}, 422, "validation_failed", "rate"},
		{"service of an unknown program", http.MethodPost, "/v1/reference/services", newServiceBody("NOPE-X", "NOPE"), 422, "validation_failed", "program_code"},
		{"service rate zero", http.MethodPost, "/v1/reference/services", withField(newServiceBody("EMP-WFD", "EMP"), "rate", "0.00"), 422, "validation_failed", "rate"},
		{"service bad unit", http.MethodPost, "/v1/reference/services", withField(newServiceBody("EMP-WFD", "EMP"), "unit", "week"), 422, "validation_failed", "unit"},
		// The first rate is dated as a later one is, and the code names its program (a black-box pass).
		{"service's first rate a century back", http.MethodPost, "/v1/reference/services",
			withField(newServiceBody("EMP-WFD", "EMP"), "effective_from", "1990-01-01"), 422, "validation_failed", "effective_from"},
		{"service's first rate far ahead", http.MethodPost, "/v1/reference/services",
			withField(newServiceBody("EMP-WFD", "EMP"), "effective_from", "2040-01-01"), 422, "validation_failed", "effective_from"},
		{"service coded for another program", http.MethodPost, "/v1/reference/services", newServiceBody("ATR-X3", "EMP"), 422, "validation_failed", "code"},
		// A program there is none of is said so, not that the code should name it (a re-check).
		{"service under no program", http.MethodPost, "/v1/reference/services", newServiceBody("TPX-B", "ZZZ"), 422, "validation_failed", "program_code"},
		// Said of program_code, not quoted back under code (a strange-input pass).
		{"service's program no program's code", http.MethodPost, "/v1/reference/services", newServiceBody("EMP-WFD", "EMP‮XYZ[31m"), 422, "validation_failed", "program_code"},
		{"service exists", http.MethodPost, "/v1/reference/services", newServiceBody("EMP-IPS", "EMP"), 409, "service_exists", ""},
		{"program exists", http.MethodPost, "/v1/reference/programs", newProgramBody("ATR"), 409, "program_exists", ""},
		{"program unknown rule", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "disabled_rules", []string{"V99"}), 422, "validation_failed", "disabled_rules"},
		{"program switches off consent", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "disabled_rules", []string{"V06"}), 422, "validation_failed", "disabled_rules"},
		{"program medicaid on the register", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "funding", "medicaid"), 422, "validation_failed", "payer_route"},
		// The 837P carries a Medicaid ID and diagnoses; a program billed on
		// it that asks for neither paid claims no batch could close (an
		// operations black-box pass).
		{"program on the 837P without a Medicaid ID", http.MethodPost, "/v1/reference/programs",
			withField(withField(withField(withField(newProgramBody("PEER"), "funding", "medicaid"), "payer_route", "medicaid_837p"),
				"diagnosis_required", true), "requires_medicaid_id", false), 422, "validation_failed", "requires_medicaid_id"},
		{"program on the 837P without a diagnosis", http.MethodPost, "/v1/reference/programs",
			withField(withField(withField(newProgramBody("PEER"), "funding", "medicaid"), "payer_route", "medicaid_837p"),
				"requires_medicaid_id", true), 422, "validation_failed", "diagnosis_required"},
		{"program unknown area", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "catchment_areas", []string{"atlantis"}), 422, "validation_failed", "catchment_areas"},
		{"program unknown role cap", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "caseload_caps", map[string]int{"wizard": 3}), 422, "validation_failed", "caseload_caps.wizard"},
		// A window that opens after it closes, GPRA required or not yet; a
		// PATCH breaking the rule names the field, not the constraint (a
		// black-box pass).
		{"program window inverted", http.MethodPost, "/v1/reference/programs",
			withField(withField(newProgramBody("PEER"), "gpra_followup_open_days", 240), "gpra_followup_close_days", 150), 422, "validation_failed", "gpra_followup_close_days"},
		{"patch program window inverted", http.MethodPatch, "/v1/reference/programs/ATR", map[string]any{"gpra_followup_open_days": 300}, 422, "validation_failed", "gpra_followup_close_days"},
		// A program without GPRA too, as its creation is held (an
		// operations pass: the schema holds GPRA programs only).
		{"patch window inverted without GPRA", http.MethodPatch, "/v1/reference/programs/EMP",
			map[string]any{"gpra_followup_open_days": 300, "gpra_followup_close_days": 100}, 422, "validation_failed", "gpra_followup_close_days"},
		{"patch program required rule", http.MethodPatch, "/v1/reference/programs/ATR", map[string]any{"disabled_rules": []string{"V02"}}, 422, "validation_failed", "disabled_rules"},
		// The staff rules the claims judge every line by (C06): switched
		// off, they granted authorizations no claim could be paid on (an
		// operations black-box pass).
		{"patch program staff qualification", http.MethodPatch, "/v1/reference/programs/ATR", map[string]any{"disabled_rules": []string{"V11"}, "reason": "pilot"}, 422, "validation_failed", "disabled_rules"},
		{"patch program background check", http.MethodPatch, "/v1/reference/programs/ATR", map[string]any{"disabled_rules": []string{"V12"}, "reason": "pilot"}, 422, "validation_failed", "disabled_rules"},
		{"patch program span past employment", http.MethodPatch, "/v1/reference/programs/ATR", map[string]any{"disabled_rules": []string{"V25"}, "reason": "pilot"}, 422, "validation_failed", "disabled_rules"},
		{"program span past qualification", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "disabled_rules", []string{"V28"}), 422, "validation_failed", "disabled_rules"},
		// A name is one line: "Hart\nford" showed as two words in the
		// console's lists (an operations black-box pass).
		{"area name of two lines", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "Dan\nbury"}, 422, "validation_failed", "name"},
		{"patch area name with a tab", http.MethodPatch, "/v1/reference/catchment-areas/hartford", map[string]any{"name": "Hart\tford"}, 422, "validation_failed", "name"},
		{"program name of two lines", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "name", "Peer\r\nsupport"), 422, "validation_failed", "name"},
		{"patch program name of two lines", http.MethodPatch, "/v1/reference/programs/ATR", map[string]any{"name": "Access\nto Recovery"}, 422, "validation_failed", "name"},
		{"service name with a tab", http.MethodPost, "/v1/reference/services", withField(newServiceBody("EMP-WFD", "EMP"), "name", "Work\tforce"), 422, "validation_failed", "name"},
		{"patch service name of two lines", http.MethodPatch, "/v1/reference/services/ATR-TR", map[string]any{"name": "Trans\nportation"}, 422, "validation_failed", "name"},
		// Names are told apart with punctuation aside: one of punctuation
		// alone reads as none (a black-box pass).
		{"program name of punctuation", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("PEER"), "name", "..."), 422, "validation_failed", "name"},
		{"patch service name of punctuation", http.MethodPatch, "/v1/reference/services/ATR-TR", map[string]any{"name": "!!!"}, 422, "validation_failed", "name"},
		{"area name of punctuation", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "—"}, 422, "validation_failed", "name"},
		{"area bad code", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "Danbury", "name": "Danbury"}, 422, "validation_failed", "code"},
		{"area exists", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "hartford", "name": "Hartford again"}, 409, "catchment_area_exists", ""},
		// Names are unique whatever their case, and a service's stage is a
		// rung of the ladder (an operations black-box pass).
		{"area name in other capitals", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "hartford_two", "name": "HARTFORD"}, 409, "catchment_area_name_taken", ""},
		{"area name with a zero-width space", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "hartford_two", "name": "Hartford\u200b"}, 409, "catchment_area_name_taken", ""},
		{"area name in full-width letters", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "hartford_two", "name": "\uff28artford"}, 409, "catchment_area_name_taken", ""},
		{"area name with two spaces", http.MethodPatch, "/v1/reference/catchment-areas/hartford", map[string]any{"name": "new  haven"}, 409, "catchment_area_name_taken", ""},
		{"patch area name in other capitals", http.MethodPatch, "/v1/reference/catchment-areas/new_haven", map[string]any{"name": " hartford "}, 409, "catchment_area_name_taken", ""},
		{"service stage past the ladder", http.MethodPost, "/v1/reference/services", withField(newServiceBody("EMP-WFD", "EMP"), "employment_stage", 99), 422, "validation_failed", "employment_stage"},
		{"area unknown program", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "Danbury", "programs": []string{"NOPE"}}, 422, "validation_failed", "programs"},
		{"patch unknown area", http.MethodPatch, "/v1/reference/catchment-areas/atlantis", map[string]any{"name": "Atlantis"}, 404, "not_found", ""},
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
	p := requireProblem(t, e.post(keyAdmin, "/v1/reference/services/ATR-TR/rates", map[string]any{"effective_from": day(1), "reason": "x"}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "required", itFieldCode(p, "rate"))
	r := e.post(keyAdmin, "/v1/reference/services", newServiceBody("EMP-WFD", "EMP\u202eXYZ\u001b[31m"))
	assert.NotContains(t, string(r.Body), "\u202e", "a program code that is none is not quoted back")
	assert.NotContains(t, string(r.Body), `\u001b`)
	assert.NotContains(t, itFieldErrors(t, requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")), "code")
}

// Which rules apply to a program is data: switching the retro rule off for
// ATR lets a back-dated request through; switching the granting rule off
// makes every request wait for a reviewer.
func TestCatalogProgramRuleSet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-40))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, -20, 10)
	require.Equal(t, "pended", v["decision"])
	assert.Contains(t, v["reason_codes"], "RETRO_AUTHORIZATION")

	r := e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"disabled_rules": []string{"V37"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"V37"}, r.JSON(t)["disabled_rules"])
	assert.Equal(t, 1, itAudit(e, "update", "program", "ATR"))
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 5, -20, 10)
	assert.Equal(t, "approved", v["decision"], "%v", v)

	r = e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"disabled_rules": []string{"V90"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 1, 11, 20)
	assert.Equal(t, "pended", v["decision"])
	assert.Contains(t, v["reason_codes"], "NO_GRANTING_RULE")

	rules := itItems(t, e.get(keyReviewer, "/v1/reference/voucher-rules"))
	required := map[string]bool{}
	for _, x := range rules {
		required[x["id"].(string)] = x["required"].(bool)
	}
	assert.True(t, required["V06"])
	assert.False(t, required["V37"])
}

func TestCatalogCatchmentAreas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "Danbury", "programs": []string{"RSVP", "EMP"}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"EMP", "RSVP"}, r.JSON(t)["programs"])
	assert.Equal(t, 1, itAudit(e, "create", "catchment_area", "danbury"))
	r = e.patch(keyAdmin, "/v1/reference/catchment-areas/danbury", map[string]any{"name": "Greater Danbury", "programs": []string{"EMP"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "Greater Danbury", r.JSON(t)["name"])
	assert.Equal(t, []any{"EMP"}, r.JSON(t)["programs"])
	assert.Equal(t, 1, itAudit(e, "update", "catchment_area", "danbury"))
	prog := e.get(keyHRA, "/v1/reference/programs/RSVP").JSON(t)
	assert.NotContains(t, prog["catchment_areas"], "danbury")
	areas := itItems(t, e.get(keyHRA, "/v1/reference/catchment-areas"))
	found := false
	for _, a := range areas {
		found = found || a["code"] == "danbury"
	}
	assert.True(t, found)
}

// A service retired from the catalog is dated, from the next day: claim
// lines for days before, today's included, still pay on the authorizations
// granted for it, lines from that day are denied 96, and no voucher is
// granted for it. Retired
// undated, every later line was denied 96, work done before included, and
// the same line paid once the service was turned back on (a black-box
// pass).
func TestRetiredServicePaysTheDaysBefore(t *testing.T) {
	t.Parallel()
	ie := itNewEnv(t, itOpts{})
	e := ie.env
	kim := e.demo.Clients["Kim"]
	tr := itFixtureAuth(t, e, "Kim", "ATR-TR") // from day -10, 20 units, nothing claimed
	patch := func(active bool) map[string]any {
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-TR", Key: keyAdmin, Body: map[string]any{"active": active}})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.JSON(t)
	}
	claim := func(number, dos string) map[string]any {
		return itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": kim,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": dos, "units": 2, "charge": "24.00"}}}))
	}
	requireNotCovered := func(l map[string]any) {
		t.Helper()
		assert.Equal(t, "denied", l["status"], "%v", l)
		adj, _ := l["adjustments"].([]any)
		require.NotEmpty(t, adj, "%v", l)
		assert.Equal(t, "CLAIM_SERVICE_NOT_COVERED", adj[0].(map[string]any)["code"])
		assert.Equal(t, "96", adj[0].(map[string]any)["carc"])
	}
	assert.Nil(t, e.get(keyHRA, "/v1/reference/services/ATR-TR").JSON(t)["retired_on"], "in use")

	s := patch(false)
	assert.Equal(t, false, s["active"])
	assert.Equal(t, day(1), s["retired_on"], "today is its last day offered, as an agency's withdrawal keeps it")
	assert.Equal(t, day(1), e.get(keyHRA, "/v1/reference/services/ATR-TR").JSON(t)["retired_on"])

	// Yesterday's trip and this morning's were delivered while the
	// service was offered (this morning's was denied 96: a reference-data
	// black-box pass).
	for i, dos := range []string{day(-1), day(0)} {
		l := claim(fmt.Sprintf("RET-%d", i+1), dos)
		assert.Equal(t, "paid", l["status"], "%s: %v", dos, l)
		assert.Equal(t, "24.00", l["paid"])
	}
	assert.Equal(t, float64(4), itAuth(t, e, keyHRA, tr)["units_used"])
	// No voucher is granted for it.
	v := itVoucher(t, e, keyHRA, kim, "ATR-TR", 4, 0, 10)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "SERVICE_NOT_IN_PROGRAM_CATALOG")

	// The next day's trip is not covered; retired again, it keeps its day.
	ie.clock.Advance(24 * time.Hour)
	requireNotCovered(claim("RET-3", day(1)))
	assert.Equal(t, day(1), patch(false)["retired_on"])

	// Back in use: undated, and its lines pay again.
	s = patch(true)
	assert.Equal(t, true, s["active"])
	assert.Nil(t, s["retired_on"])
	l := claim("RET-4", day(1))
	assert.Equal(t, "paid", l["status"], "%v", l)
}

// Program names are one across the catalog, and service names one within
// their program, as they read (case, spacing, punctuation and accents
// aside): an agency and a reviewer choose them by name, and look-alikes
// were taken (an operations black-box pass). A service of another program
// may share a name; an entry renamed to its own name is no conflict.
func TestCatalogNamesAreNotTakenTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	atr := e.get(keyAdmin, "/v1/reference/programs/ATR").JSON(t)["name"].(string)
	for _, c := range []struct {
		name, method, path string
		body               map[string]any
		code               string
	}{
		{"new program as ATR reads", http.MethodPost, "/v1/reference/programs", withField(newProgramBody("DUPP"), "name", " "+strings.ToUpper(atr)+"."), "program_name_taken"},
		{"program renamed as ATR", http.MethodPatch, "/v1/reference/programs/RCM", map[string]any{"name": atr}, "program_name_taken"},
		{"new ATR service as Transportation", http.MethodPost, "/v1/reference/services", withField(newServiceBody("ATR-TX", "ATR"), "name", "trans-portation"), "service_name_taken"},
		{"ATR service renamed as Transportation", http.MethodPatch, "/v1/reference/services/ATR-DT", map[string]any{"name": "Transportátion"}, "service_name_taken"},
		{"a stroke through a letter", http.MethodPatch, "/v1/reference/services/ATR-DT", map[string]any{"name": "Transportatiøn"}, "service_name_taken"},
	} {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				r := e.do(req{Method: c.method, Path: c.path, Key: keyAdmin, Body: c.body})
				requireProblem(t, r, http.StatusConflict, c.code)
			})
		})
	}
	// Another program's service may be called Transportation; an entry
	// keeps its own name.
	r := e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("RSVP-TR", "RSVP"), "name", "Transportation"))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"name": "TRANSPORTATION"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"name": atr})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// ß reads as the ss it is.
	r = e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("ATR-GS", "ATR"), "name", "Grosse Strasse"))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	requireProblem(t, e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("ATR-GT", "ATR"), "name", "Große Straße")),
		http.StatusConflict, "service_name_taken")
}

// A retired service is not added to an agency's offer: nothing could be
// authorized or paid for it past its last day (an operations black-box
// pass added one without a word). An agency offering it already keeps it
// when its list is sent again, and restored, it may be added.
func TestRetiredServiceIsNotAddedToAnAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := itPath("/v1/reference/providers/%d", e.demo.Providers["BCS"])
	hra := itPath("/v1/reference/providers/%d", e.demo.Providers["HRA"])
	services := func(path string) []any {
		r := e.get(keyAdmin, path)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		return r.JSON(t)["services"].([]any)
	}
	retire := func(active bool) {
		r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-TH", Key: keyAdmin, Body: map[string]any{"active": active}})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	retire(false)

	was := services(bcs)
	require.NotContains(t, was, "ATR-TH")
	itNothingWritten(t, e, func() {
		r := e.patch(keyAdmin, bcs, map[string]any{"services": append(slices.Clone(was), "ATR-TH")})
		requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "inactive", itFieldCode(r.JSON(t), "services"), "body: %s", r.Body)
		assert.Contains(t, string(r.Body), "ATR-TH")
	})

	// HRA offered it before the retirement: its list sent again keeps it.
	offered := services(hra)
	require.Contains(t, offered, "ATR-TH")
	r := e.patch(keyAdmin, hra, map[string]any{"services": offered})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Contains(t, services(hra), "ATR-TH")

	// Restored, it is added.
	retire(true)
	r = e.patch(keyAdmin, bcs, map[string]any{"services": append(slices.Clone(was), "ATR-TH")})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Contains(t, services(bcs), "ATR-TH")
}

// Which rules apply to a program are data, switched either way (SPEC
// §12): zero_reject, gpra_required and the rest were refused by a PATCH
// as unknown fields, so a program created without one could never have
// it (a reviewer black-box pass). Switched, a rule applies to the next
// request; a GPRA program needs its windows; a zero-reject program is not
// clinical; null is refused.
func TestCatalogProgramRuleChoicesPatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ask := func(days int) map[string]any {
		t.Helper()
		r := e.post(keyBCS, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Reyes"], "service_code": "RSVP-RC",
			"units": 2, "start_date": day(days), "end_date": day(days)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	first := ask(1)
	require.NotEqual(t, "denied", first["decision"], "%v", first)
	assert.NotContains(t, first["reason_codes"], "GPRA_INTAKE_MISSING")

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, "/v1/reference/programs/RSVP", map[string]any{"gpra_required": true}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "gpra_followup_open_days"))
		p = requireProblem(t, e.patch(keyAdmin, "/v1/reference/programs/EMP", map[string]any{"clinical": true}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "conflict", itFieldCode(p, "zero_reject"))
		p = requireProblem(t, e.patch(keyAdmin, "/v1/reference/programs/RSVP", map[string]any{"referral_source_required": nil}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "referral_source_required"))
	})

	r := e.patch(keyAdmin, "/v1/reference/programs/RSVP", map[string]any{"gpra_required": true, "gpra_followup_open_days": 150,
		"gpra_followup_close_days": 240, "gpra_discharge_days": 30, "reason": "the state asks GPRA of RSVP"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, true, r.JSON(t)["gpra_required"])
	denied := ask(2)
	assert.Equal(t, "denied", denied["decision"], "%v", denied)
	assert.Contains(t, denied["reason_codes"], "GPRA_INTAKE_MISSING")

	r = e.patch(keyAdmin, "/v1/reference/programs/RSVP", map[string]any{"gpra_required": false})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	again := ask(3)
	assert.NotContains(t, again["reason_codes"], "GPRA_INTAKE_MISSING", "%v", again)
	assert.Equal(t, 2, itAudit(e, "update", "program", "RSVP"))

	// The EMP protection can be switched off and on again.
	for _, zero := range []bool{false, true} {
		r = e.patch(keyAdmin, "/v1/reference/programs/EMP", map[string]any{"zero_reject": zero})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, zero, r.JSON(t)["zero_reject"])
	}
}

// A new program's service is qualified for by a certification the
// department adds as data: a credential type and a staff role are POSTed
// (a 405 before: a reviewer black-box pass found a new program could only
// take qualification none, anyone delivering), the service names the type
// with qualification credential, and the rules hold staff to it: the
// voucher naming an uncredentialed staff member is denied
// STAFF_NOT_QUALIFIED and a claim line she renders CARC 185; once her
// certification is verified both go through.
func TestCatalogServiceQualifiedByANewCredential(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/credential-types", map[string]any{"code": "CPRS", "name": "Certified peer recovery specialist"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, map[string]any{"code": "CPRS", "name": "Certified peer recovery specialist"}, r.JSON(t))
	assert.Equal(t, 1, itAudit(e, "create", "credential_type", "CPRS"))
	r = e.post(keyAdmin, "/v1/reference/staff-roles", map[string]any{"code": "peer_specialist", "name": "Peer specialist"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, "/v1/reference/credential-types", map[string]any{"code": "CPRS", "name": "Again"}),
			http.StatusConflict, "credential_type_exists")
		requireProblem(t, e.post(keyAdmin, "/v1/reference/staff-roles", map[string]any{"code": "peer_specialist", "name": "Again"}),
			http.StatusConflict, "staff_role_exists")
		// A name that reads as another's: CADC's, case and spacing aside.
		requireProblem(t, e.post(keyAdmin, "/v1/reference/credential-types", map[string]any{"code": "DUPNAME",
			"name": "certified  alcohol and drug counselor"}), http.StatusConflict, "credential_type_name_taken")
		// Spacing and punctuation aside too (a Part 2 pass took both).
		requireProblem(t, e.post(keyAdmin, "/v1/reference/credential-types", map[string]any{"code": "GED2", "name": "G.E.D."}),
			http.StatusConflict, "credential_type_name_taken")
		requireProblem(t, e.post(keyAdmin, "/v1/reference/staff-roles", map[string]any{"code": "peer2", "name": "PeerSpecialist"}),
			http.StatusConflict, "staff_role_name_taken")
		// Accents aside, as a program's or service's (a staff pass took both).
		requireProblem(t, e.post(keyAdmin, "/v1/reference/credential-types", map[string]any{"code": "GED3", "name": "GÉD"}),
			http.StatusConflict, "credential_type_name_taken")
		requireProblem(t, e.post(keyAdmin, "/v1/reference/staff-roles", map[string]any{"code": "peer3", "name": "Péer specialist"}),
			http.StatusConflict, "staff_role_name_taken")
		p := requireProblem(t, e.post(keyAdmin, "/v1/reference/credential-types", map[string]any{"code": "cprs", "name": "Lower"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_format", itFieldCode(p, "code"))
		requireProblem(t, e.post(keyHRA, "/v1/reference/credential-types", map[string]any{"code": "MINE", "name": "Mine"}),
			http.StatusForbidden, "forbidden")
	})
	listed := false
	for _, c := range itItems(t, e.get(keyHRA, "/v1/reference/credential-types")) {
		listed = listed || c["code"] == "CPRS"
	}
	assert.True(t, listed)

	svc := newServiceBody("EMP-PEER", "EMP")
	svc["name"], svc["unit"], svc["rate"], svc["per_voucher_max"] = "Peer support", "15min", "12.00", 40
	itNothingWritten(t, e, func() {
		for _, tc := range []struct {
			qual  string
			creds any
			code  string
		}{{"credential", nil, "required"}, {"credential", []string{}, "required"}, {"credential", []string{"CPRS", "NOPE"}, "unknown_id"},
			{"none", []string{"CPRS"}, "not_allowed"}} {
			b := maps.Clone(svc)
			b["qualification"], b["qualifying_credentials"] = tc.qual, tc.creds
			p := requireProblem(t, e.post(keyAdmin, "/v1/reference/services", b), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, tc.code, itFieldCode(p, "qualifying_credentials"), "%v", tc)
		}
	})
	svc["qualification"], svc["qualifying_credentials"] = "credential", []string{"CPRS", "CPS", "CPRS"}
	r = e.post(keyAdmin, "/v1/reference/services", svc)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "credential", r.JSON(t)["qualification"])
	assert.Equal(t, []any{"CPRS", "CPS"}, r.JSON(t)["qualifying_credentials"])

	pwe := e.demo.Providers["PWE"]
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", pwe), map[string]any{"services": []string{"EMP-IPS", "EMP-SED", "EMP-PEER"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyPWE, itPath("/v1/providers/%d/staff", pwe), map[string]any{"first_name": "Rae", "last_name": "Peer",
		"role": "peer_specialist", "date_of_birth": "1988-03-04", "employment_start": day(-400)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	peer := itID(t, r)
	client := e.programClient(keyPWE, "EMP", day(-10))
	ask := func(days int) map[string]any {
		t.Helper()
		r := e.post(keyPWE, "/v1/voucher-requests", map[string]any{"client_id": client, "service_code": "EMP-PEER", "staff_id": peer,
			"units": 4, "start_date": day(days), "end_date": day(days + 5)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	v := ask(0)
	assert.Equal(t, "denied", v["decision"], "%v", v)
	assert.Contains(t, v["reason_codes"], "STAFF_NOT_QUALIFIED")

	// Her certification, submitted by the agency, counts once verified.
	r = e.post(keyPWE, itPath("/v1/staff/%d/credentials", peer), map[string]any{"type": "CPRS", "issuer": "CCB",
		"number": "P-1", "valid_from": day(-300), "valid_to": day(600)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	cred := itID(t, r)
	v = ask(0)
	assert.Equal(t, "denied", v["decision"], "pending is not verified: %v", v)
	r = e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/verify", cred), map[string]any{"document_reference": "CCB register"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v = ask(0)
	require.Equal(t, "approved", v["decision"], "%v", v)
	e.claimAndBatch(keyPWE, "PEER-1", client, peer, "EMP-PEER", day(0), 2, "24.00", "24.00")
}

// A rule switched on applies to requests received after the switch, a
// pended one's approval among the rest not: read from today's program,
// switching the waiver-plan rule on refused the approval of a request
// pended before it (denied_by_rules WAIVER_PLAN_NOT_ACTIVE), the
// reviewer's only way on a denial (an operations black-box pass). The
// request after the switch is denied by it.
func TestRuleSwitchedOnSparesRequestsPendedBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	pended := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 8, -20, 9) // retro: past the 14 days
	require.Equal(t, []any{"RETRO_AUTHORIZATION"}, pended["reason_codes"], "%v", pended)
	r := e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"requires_waiver_plan": true, "reason": "the state asks waiver plans"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	after := itVoucher(t, e, keyHRA, c.Client, "ATR-CM", 8, 10, 20)
	assert.Equal(t, "denied", after["decision"], "%v", after)
	assert.Contains(t, after["reason_codes"], "WAIVER_PLAN_NOT_ACTIVE")

	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, pended, "id")),
		map[string]any{"action": "approve", "note": "late intake documented"})
	require.Equal(t, http.StatusOK, r.Status, "received before the switch: %s", r.Body)
	assert.Equal(t, "approved", r.JSON(t)["decision"])
}

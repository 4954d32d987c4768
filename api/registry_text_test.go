package api_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 9 acceptance: what the registry and the staff records take in is
// held to what it is written to. A provider's name and address are the
// 837P's billing provider (NM1*85, N3, N4) and a staff member's name its
// rendering provider (NM1*82): before, an admin's typo of "~" in one
// agency's name was stored, and from then on every Medicaid batch, of every
// agency, was refused 409 batch_file_invalid until someone found the name.
// Free text (notes, reasons, names of programs, services and areas,
// issuers, document references) refuses control characters, as the rest of
// the house does.

func TestRegistryTextThe837PCannotCarryIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	withField := func(k string, v any) map[string]any {
		b := newProviderBody("NHRN", goodNPI)
		b[k] = v
		return b
	}
	prov := itPath("/v1/reference/providers/%d", hra)
	cases := []struct {
		name, method, path string
		body               any
		field, code        string
	}{
		{"name with the segment terminator", http.MethodPost, "/v1/reference/providers", withField("name", "New Haven~Recovery"), "name", "invalid_character"},
		{"name with an element separator", http.MethodPost, "/v1/reference/providers", withField("name", "New Haven*Recovery"), "name", "invalid_character"},
		{"name with a control character", http.MethodPost, "/v1/reference/providers", withField("name", "New Haven\u0007Recovery"), "name", "invalid_character"},
		{"name longer than NM103", http.MethodPost, "/v1/reference/providers", withField("name", strings.Repeat("N", 61)), "name", "too_long"},
		{"street with a repetition separator", http.MethodPost, "/v1/reference/providers", withField("address_line1", "200 Orange^Street"), "address_line1", "invalid_character"},
		{"second line with a component separator", http.MethodPost, "/v1/reference/providers", withField("address_line2", "Suite:4"), "address_line2", "invalid_character"},
		{"second line blank", http.MethodPost, "/v1/reference/providers", withField("address_line2", " "), "address_line2", "required"},
		{"one-letter city", http.MethodPost, "/v1/reference/providers", withField("city", "N"), "city", "too_short"},
		{"contact with a control character", http.MethodPost, "/v1/reference/providers", withField("contact_name", "Avery\u0001Quinn"), "contact_name", "invalid_character"},
		{"agreement note with a control character", http.MethodPost, "/v1/reference/providers",
			withField("agreement", map[string]any{"start_date": day(-1), "note": "signed\u0000"}), "agreement.note", "invalid_character"},
		{"patch name with the segment terminator", http.MethodPatch, prov, map[string]any{"name": "Hartford~Recovery"}, "name", "invalid_character"},
		{"patch street too long", http.MethodPatch, prov, map[string]any{"address_line1": strings.Repeat("9", 56)}, "address_line1", "too_long"},
		{"patch city with a control character", http.MethodPatch, prov, map[string]any{"city": "Hart\u001bford"}, "city", "invalid_character"},
		{"renewal note with a control character", http.MethodPost, prov + "/agreements",
			map[string]any{"start_date": day(4000), "note": "renewal\u0007"}, "note", "invalid_character"},
		{"deactivation reason with a control character", http.MethodPost, prov + "/deactivate", map[string]any{"reason": "closed\u0007"}, "reason", "invalid_character"},
		{"rate reason with a control character", http.MethodPost, "/v1/reference/services/ATR-CM/rates",
			map[string]any{"rate": "16.00", "effective_from": day(40), "reason": "FY27\u0007"}, "reason", "invalid_character"},
		{"program name with a control character", http.MethodPost, "/v1/reference/programs", map[string]any{"code": "QAP", "name": "QA\u0001",
			"funding": "state", "payer_route": "payment_register", "filing_limit_days": 90}, "name", "invalid_character"},
		{"service name with a control character", http.MethodPost, "/v1/reference/services", map[string]any{"code": "EMP-WFD", "program_code": "EMP",
			"name": "Work\u0001for a day", "unit": "day", "rate": "85.00", "per_voucher_max": 20}, "name", "invalid_character"},
		{"area name with a control character", http.MethodPost, "/v1/reference/catchment-areas", map[string]any{"code": "qa_area", "name": "QA\u0001"},
			"name", "invalid_character"},
		{"area renamed with a control character", http.MethodPatch, "/v1/reference/catchment-areas/hartford", map[string]any{"name": "Hart\u0001ford"},
			"name", "invalid_character"},
		// A PATCH holds a name as the POST does (it took all of these; a
		// black-box pass).
		{"program renamed with a control character", http.MethodPatch, "/v1/reference/programs/EMP", map[string]any{"name": "Employment\u0007"},
			"name", "invalid_character"},
		{"program renamed with a bidi override", http.MethodPatch, "/v1/reference/programs/EMP", map[string]any{"name": "Emp\u202eloyment"},
			"name", "invalid_character"},
		{"program renamed with a line separator", http.MethodPatch, "/v1/reference/programs/EMP", map[string]any{"name": "Emp\u2028loyment"},
			"name", "invalid_character"},
		{"program renamed to nothing visible", http.MethodPatch, "/v1/reference/programs/EMP", map[string]any{"name": "\u200b"}, "name", "required"},
		{"service renamed with a control character", http.MethodPatch, "/v1/reference/services/EMP-IPS", map[string]any{"name": "IPS\u001b[31m"},
			"name", "invalid_character"},
		{"service renamed with a bidi override", http.MethodPatch, "/v1/reference/services/EMP-IPS", map[string]any{"name": "I\u2066PS"},
			"name", "invalid_character"},
		{"service renamed to nothing visible", http.MethodPatch, "/v1/reference/services/EMP-IPS", map[string]any{"name": "\u200b\u00ad"},
			"name", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.do(req{Method: c.method, Path: c.path, Key: keyAdmin, Body: c.body}), http.StatusUnprocessableEntity, "validation_failed")
				require.Contains(t, itFieldErrors(t, p), c.field, "%v", p)
				assert.Equal(t, c.code, itFieldCode(p, c.field), "%v", p)
			})
		})
	}

	// What the file carries still goes in, trimmed.
	body := newProviderBody("NHRN", goodNPI)
	body["name"] = "St. Mary's Recovery & Wellness, Inc. (New Haven)"
	body["address_line1"] = " 200 Orange Street "
	body["address_line2"] = "Suite #4"
	r := e.post(keyAdmin, "/v1/reference/providers", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	p := r.JSON(t)
	assert.Equal(t, "200 Orange Street", p["address_line1"])
	assert.Equal(t, "Suite #4", p["address_line2"])

	// A renamed program or service is trimmed, as a new one is.
	r = e.patch(keyAdmin, "/v1/reference/programs/EMP", map[string]any{"name": "  Employment services "})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "Employment services", r.JSON(t)["name"])
	r = e.patch(keyAdmin, "/v1/reference/services/EMP-IPS", map[string]any{"name": " Individual placement and support\t"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "Individual placement and support", r.JSON(t)["name"])
}

func TestStaffTextThe837PCannotCarryIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	okafor := e.demo.Staff["Okafor"]
	var pending int64
	require.NoError(t, e.db.GetContext(t.Context(), &pending, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND verification_status = 'pending'
		ORDER BY id LIMIT 1`, okafor))
	hire := func(first, last string) map[string]any {
		return map[string]any{"first_name": first, "last_name": last, "role": "case_manager", "date_of_birth": "1988-08-08", "employment_start": day(-1)}
	}
	staffPath := itPath("/v1/providers/%d/staff", hra)
	cases := []struct {
		name, method, path string
		body               any
		field, code        string
	}{
		{"first name with the segment terminator", http.MethodPost, staffPath, hire("Dana~", "Reyes"), "first_name", "invalid_character"},
		{"last name with an element separator", http.MethodPost, staffPath, hire("Dana", "Re*yes"), "last_name", "invalid_character"},
		{"first name with a control character", http.MethodPost, staffPath, hire("Da\u0001na", "Reyes"), "first_name", "invalid_character"},
		{"first name longer than NM104", http.MethodPost, staffPath, hire(strings.Repeat("D", 36), "Reyes"), "first_name", "too_long"},
		{"patch last name with a control character", http.MethodPatch, itPath("/v1/staff/%d", okafor), map[string]any{"last_name": "Oka\u0007for"},
			"last_name", "invalid_character"},
		{"issuer with a control character", http.MethodPost, itPath("/v1/staff/%d/credentials", okafor),
			map[string]any{"type": "CADC", "issuer": "IB\u0001ADCC", "valid_from": day(-1)}, "issuer", "invalid_character"},
		{"check agency with a control character", http.MethodPost, itPath("/v1/staff/%d/background-checks", okafor),
			map[string]any{"checked_on": day(-5), "result": "passed", "agency": "DCF\u0000"}, "agency", "invalid_character"},
		{"document reference with a control character", http.MethodPost, itPath("/v1/staff-records/credentials/%d/verify", pending),
			map[string]any{"document_reference": "file\u0007"}, "document_reference", "invalid_character"},
		{"rejection reason with a control character", http.MethodPost, itPath("/v1/staff-records/credentials/%d/reject", pending),
			map[string]any{"reason": "forged\u001b"}, "reason", "invalid_character"},
		{"document reference of a zero-width space", http.MethodPost, itPath("/v1/staff-records/credentials/%d/verify", pending),
			map[string]any{"document_reference": "\u200b"}, "document_reference", "required"},
		{"rejection reason of a zero-width space", http.MethodPost, itPath("/v1/staff-records/credentials/%d/reject", pending),
			map[string]any{"reason": "\u200b\u00ad"}, "reason", "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.do(req{Method: c.method, Path: c.path, Key: keyAdmin, Body: c.body}), http.StatusUnprocessableEntity, "validation_failed")
				require.Contains(t, itFieldErrors(t, p), c.field, "%v", p)
				assert.Equal(t, c.code, itFieldCode(p, c.field), "%v", p)
			})
		})
	}

	r := e.post(keyHRA, staffPath, hire("Mary-Kate", "O'Brien Jr."))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A program's day counts are bounded (ten years): before, an admin could
// set inactivate_after_days or a GPRA window to 2147483647, and from then
// on the authorization list and the GPRA follow-up report answered 500
// (the dates computed from them left the calendar).
func TestProgramDayCountsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, body := range []map[string]any{
		{"inactivate_after_days": 2147483647},
		{"inactivate_after_days": 3661},
		{"gpra_followup_open_days": 2147483640, "gpra_followup_close_days": 2147483647},
		{"voucher_validity_days": 100000},
		{"filing_limit_days": 3661},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.patch(keyAdmin, "/v1/reference/programs/ATR", body), http.StatusUnprocessableEntity, "validation_failed")
			for f := range body {
				assert.Equal(t, "out_of_range", itFieldCode(p, f), "%v", p)
			}
		})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, "/v1/reference/programs", map[string]any{"code": "QAP", "name": "QA",
			"funding": "state", "payer_route": "payment_register", "filing_limit_days": 90, "los_max_days": 2147483647}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "los_max_days"), "%v", p)
	})

	// At the bound every read that computes a date from them still answers.
	r := e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"inactivate_after_days": 3660,
		"gpra_followup_open_days": 3600, "gpra_followup_close_days": 3660})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, path := range []string{"/v1/authorizations?status=inactive", "/v1/authorizations?status=active", "/v1/reports/gpra-follow-up"} {
		assert.Equal(t, http.StatusOK, e.get(keyReviewer, path).Status, path)
	}
}

// A service of a Medicaid program needs its procedure code. Before, one
// added without it was authorized and paid, and then every Medicaid batch,
// of every agency, was refused 409 batch_file_invalid ("service ... has no
// procedure code for the 837P") until the catalog was corrected.
func TestMedicaidServiceNeedsProcedureCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"code": "MHW-PS", "program_code": "MHW", "name": "Peer support", "unit": "15min", "rate": "10.00",
		"per_voucher_max": 40}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, "/v1/reference/services", body), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "procedure_code"), "%v", p)
		p = requireProblem(t, e.patch(keyAdmin, "/v1/reference/services/MHW-RA", map[string]any{"procedure_code": nil, "procedure_qualifier": nil}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "procedure_code"), "%v", p)
	})
	body["procedure_qualifier"], body["procedure_code"] = "HC", "H0038"
	r := e.post(keyAdmin, "/v1/reference/services", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	// A register program's service needs none.
	r = e.post(keyAdmin, "/v1/reference/services", map[string]any{"code": "EMP-WFD", "program_code": "EMP", "name": "Work for a day",
		"unit": "day", "rate": "85.00", "per_voucher_max": 20})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A provider key sees that the department verified a record, when and
// against which document, but not the MSC's key ids, as in an
// authorization's history. Before, GET /v1/staff/{id} and the agency's
// staff list showed the admin's reviewed_by_key_id to the agency.
func TestStaffRecordsHideMSCKeysFromProviders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	okafor := e.demo.Staff["Okafor"]
	r := e.post(keyHRA, itPath("/v1/staff/%d/credentials", okafor), map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(-1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	own := itID(t, r)
	r = e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/verify", own), map[string]any{"document_reference": "DOC-1"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/staff/%d/background-checks", okafor), map[string]any{"checked_on": day(-3), "result": "passed",
		"agency": "DCF", "document_reference": "DOC-2"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	check := itID(t, r)

	find := func(s map[string]any, list string, id int64) map[string]any {
		for _, x := range s[list].([]any) {
			if m := x.(map[string]any); int64(m["id"].(float64)) == id {
				return m
			}
		}
		t.Fatalf("no %s %d", list, id)
		return nil
	}
	reads := map[string]func(key string) map[string]any{
		"staff": func(key string) map[string]any { return e.get(key, itPath("/v1/staff/%d", okafor)).JSON(t) },
		"list": func(key string) map[string]any {
			for _, s := range itItems(t, e.get(key, itPath("/v1/reference/providers/%d/staff", hra))) {
				if int64(s["id"].(float64)) == okafor {
					return s
				}
			}
			return nil
		},
		"patch": func(key string) map[string]any {
			return e.patch(key, itPath("/v1/staff/%d", okafor), map[string]any{"last_name": "Okafor"}).JSON(t)
		},
	}
	for name, read := range reads {
		s := read(keyHRA)
		require.NotNil(t, s, name)
		c := find(s, "credentials", own)
		assert.Nil(t, c["reviewed_by_key_id"], name)
		assert.NotNil(t, c["submitted_by_key_id"], "%s: the agency's own key", name)
		assert.Equal(t, "DOC-1", c["document_reference"], name)
		b := find(s, "background_checks", check)
		assert.Nil(t, b["reviewed_by_key_id"], name)
		assert.Nil(t, b["submitted_by_key_id"], name)

		s = read(keyAdmin)
		assert.NotNil(t, find(s, "credentials", own)["reviewed_by_key_id"], name)
		assert.NotNil(t, find(s, "background_checks", check)["submitted_by_key_id"], name)
	}
}

// A double submit of a hire (two requests, two Idempotency-Keys) made two
// staff members of one person. A second hire of someone the agency
// employs is now a 409 staff_exists naming the record; six at once make
// one; someone who left can be hired again.
func TestStaffHireTwiceIsAConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := itPath("/v1/providers/%d/staff", e.demo.Providers["HRA"])
	hire := map[string]any{"first_name": "Dana", "last_name": "Reyes", "role": "case_manager", "date_of_birth": "1990-04-11",
		"employment_start": day(-1)}
	statuses := make([]int, 6)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.post(keyHRA, path, hire).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			created++
		} else {
			assert.Equal(t, http.StatusConflict, s)
		}
	}
	require.Equal(t, 1, created, "%v", statuses)

	again := map[string]any{"first_name": "DANA", "last_name": "reyes", "role": "recovery_specialist", "date_of_birth": "1990-04-11",
		"employment_start": day(0)}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, path, again), http.StatusConflict, "staff_exists")
		assert.NotContains(t, p["detail"], "Reyes", "the problem names the record, not the person")
	})

	// Another date of birth is another person; a departure frees a rehire.
	other := map[string]any{"first_name": "Dana", "last_name": "Reyes", "role": "case_manager", "date_of_birth": "1991-04-11",
		"employment_start": day(-1)}
	require.Equal(t, http.StatusCreated, e.post(keyHRA, path, other).Status)
	var id int64
	require.NoError(t, e.db.GetContext(t.Context(), &id, `SELECT id FROM staff WHERE last_name = 'Reyes' AND date_of_birth = '1990-04-11'`))
	r := e.patch(keyHRA, itPath("/v1/staff/%d", id), map[string]any{"employment_end": day(-1)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	again["role"] = "case_manager"
	r = e.post(keyHRA, path, again)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// The primary case manager's agency discharged the client first: before,
// the designation stayed on the discharged enrollment, a transfer from it
// was a 409 already_discharged, and the agency carrying on was denied
// NOT_PRIMARY_CASE_MANAGER on every case management request, with no way
// out. A reviewer now moves the designation from the discharged enrollment.
func TestTransferPrimaryAfterDischarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraEnr := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
	bcsEnr := enrollmentOf(e, e.demo.Clients["Moreau/BCS"], "ATR")
	bcs := e.demo.Providers["BCS"]
	codes := func() []any {
		v := itVoucher(t, e, keyBCS, e.demo.Clients["Moreau/BCS"], "ATR-CM", 8, 1, 20)
		c, _ := v["reason_codes"].([]any)
		return c
	}
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", hraEnr), map[string]any{"discharge_date": day(0), "reason_code": "transferred",
		"reason": "moved to Bridgeport"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Contains(t, codes(), "NOT_PRIMARY_CASE_MANAGER")

	// The receiving agency reads the reason: it may not name the agency
	// the designation leaves (no consent of HRA's names BCS for Moreau).
	p := requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_provider_id": bcs,
		"reason": "HRA discharged; BCS carries on"}), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "names_another_agency", itFieldCode(p, "reason"))
	r = e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_provider_id": bcs,
		"reason": "the primary agency discharged the client; the designation moves here"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	out := r.JSON(t)
	assert.Equal(t, false, out["from"].(map[string]any)["primary_case_manager"])
	assert.Equal(t, true, out["to"].(map[string]any)["primary_case_manager"])
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM enrollments WHERE id = $1 AND primary_case_manager`, hraEnr))
	assert.Equal(t, 1, itAudit(e, "transfer_primary", "enrollment", itStr(hraEnr)))
	assert.Equal(t, 1, itAudit(e, "transfer_primary", "enrollment", itStr(bcsEnr)))
	assert.NotContains(t, codes(), "NOT_PRIMARY_CASE_MANAGER")
	// BCS reads the designation its enrollment received as a designation,
	// the enrollment it came from unnamed: with no entry at all, "primary
	// now, no history" told it another agency had held it (a Part 2
	// black-box pass). The MSC reads the transfer.
	hist, _ := e.get(keyBCS, itPath("/v1/enrollments/%d", bcsEnr)).JSON(t)["history"].([]any)
	require.Len(t, hist, 1, "%v", hist)
	h := hist[0].(map[string]any)
	assert.Equal(t, "primary_designated", h["kind"])
	assert.Equal(t, "the primary agency discharged the client; the designation moves here", h["reason"])
	assert.NotContains(t, h, "other_enrollment_id")
	mscHist, _ := e.get(keyReviewer, itPath("/v1/enrollments/%d", bcsEnr)).JSON(t)["history"].([]any)
	require.Len(t, mscHist, 1)
	assert.Equal(t, "primary_transferred_in", mscHist[0].(map[string]any)["kind"])

	// A discharged enrollment that does not hold it has nothing to give.
	requireProblem(t, e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", hraEnr), map[string]any{"to_provider_id": bcs,
		"reason": "again"}), http.StatusConflict, "not_primary")
}

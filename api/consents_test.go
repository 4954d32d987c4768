package api_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/fixtures"
)

// Ten POSTs of one consent at once (each its own Idempotency-Key, as two
// staff or a retrying client send them) recorded ten consents. One is
// recorded now, the others are 409 consent_exists, and none is a 5xx; the
// purposes in another order are the same form; once it is revoked the
// form may be recorded again.
func TestSameConsentAtOnce(t *testing.T) {
	e := newEnv(t)
	client := e.demo.Clients["Rivera"]
	body := map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "MSC",
		"purposes": []string{"payment", "care_coordination"}, "information": "voucher requests and claims", "signed_on": day(-1),
		"expires_on": day(300)}
	before := e.count(`SELECT count(*) FROM consents WHERE client_id = $1`, client)
	const n = 10
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(req{Method: http.MethodPost, Path: "/v1/consents", Key: keyHRA, Body: body}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		assert.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s)
		if s == http.StatusCreated {
			created++
		}
	}
	assert.Equal(t, 1, created, "%v", statuses)
	assert.Equal(t, before+1, e.count(`SELECT count(*) FROM consents WHERE client_id = $1`, client))

	reordered := itWith(body, "purposes", []string{"care_coordination", "payment", "payment"})
	p := requireProblem(t, e.post(keyHRA, "/v1/consents", reordered), http.StatusConflict, "consent_exists")
	assert.NotContains(t, p["detail"], "pq")
	id := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, client)
	assert.Contains(t, p["detail"], itPath("consent %d", id), "the problem names the consent that stands (a black-box pass)")
	assert.Equal(t, map[string]any{"type": "consent", "id": float64(id)}, p["existing"], "and names it to a program")
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", id), map[string]any{"reason": "recorded in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/consents", reordered)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"care_coordination", "payment"}, r.JSON(t)["purposes"], "stored sorted, once each")
}

// A consent discloses for the purposes it names: one naming BCS for
// payment alone opened HRA's records to BCS's reads for treatment, and the
// accounting of disclosures recorded treatment (a black-box pass). BCS
// reading for payment sees them; for treatment (its default) it does not,
// and one for care coordination covers treatment, as treatment covers
// coordinating care.
func TestConsentDisclosesForItsPurposesOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreauHRA, moreauBCS := e.demo.Clients["Moreau/HRA"], e.demo.Clients["Moreau/BCS"]
	hraSeen := func(purpose string) bool {
		t.Helper()
		r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d/enrollments", moreauBCS), Key: keyBCS,
			Header: map[string]string{"X-Purpose-Of-Use": purpose}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		for _, it := range itItems(t, r) {
			if it["provider_id"] == float64(e.demo.Providers["HRA"]) {
				return true
			}
		}
		return false
	}
	require.False(t, hraSeen("treatment"), "no consent yet")
	give := func(purposes ...string) int64 {
		r := e.post(keyHRA, "/v1/consents", map[string]any{"client_id": moreauHRA, "recipient_type": "provider",
			"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": "BCS", "purposes": purposes,
			"information": "billing status only", "signed_on": day(0), "expires_on": day(90)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	payment := give("payment")
	assert.False(t, hraSeen("treatment"), "a payment consent discloses nothing for treatment")
	assert.False(t, hraSeen("care_coordination"))
	assert.True(t, hraSeen("payment"))
	assert.Zero(t, e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND client_id = $1 AND purpose <> 'payment'`,
		moreauHRA), "no disclosure for a purpose the consent does not grant")
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", payment), map[string]any{"reason": "replaced"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	give("care_coordination")
	assert.True(t, hraSeen("treatment"), "coordinating care is treatment")
	assert.False(t, hraSeen("payment"))
}

// A consent names another agency to disclose to, and is signed by a person
// already born: a consent naming the disclosing agency itself, or signed
// in 1900 by a client born decades later, was recorded (a black-box pass).
func TestConsentNamesAnotherAndIsSignedAfterBirth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim/HRA"]
	consent := func(recipient int64, signed string) resp {
		return e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kim, "recipient_type": "provider",
			"recipient_provider_id": recipient, "recipient_name": "BCS", "purposes": []string{"treatment"}, "information": "all",
			"signed_on": signed, "expiry_event": "discharge"})
	}
	for _, c := range []struct {
		recipient     int64
		signed, field string
		code          string
	}{
		{e.demo.Providers["HRA"], day(0), "recipient_provider_id", "invalid_value"},
		{e.demo.Providers["BCS"], "1900-01-01", "signed_on", "out_of_range"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, consent(c.recipient, c.signed), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%v", p)
		})
	}
	r := consent(e.demo.Providers["BCS"], day(-1))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A consent discloses the kinds of record it names: one HRA gives BCS for
// Kim's GPRA interviews alone opened HRA's enrollments, care plans and
// consents too, and a voucher reason quoting HRA's authorization (a
// black-box pass, high). A consent naming enrollments and authorizations
// opens those and not the GPRA schedule nor HRA's intake for the rules; a
// second for GPRA interviews adds those, a third the rest.
func TestConsentDisclosesItsRecordsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	hra := float64(e.demo.Providers["HRA"])
	r := e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": kimHRA, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(-3), "end_date": day(200), "services": []map[string]any{{"service_code": "ATR-CM"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	give := kimsConsentsToBCS(t, e, "care_coordination")
	// hraIn: whether a list BCS reads about Kim holds one of HRA's records.
	hraIn := func(path, field string) bool {
		t.Helper()
		r := e.get(keyBCS, itPath(path, kimBCS))
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
		var items []any
		if field == "" {
			for _, it := range itItems(t, r) {
				items = append(items, it)
			}
		} else {
			items = r.JSON(t)[field].([]any)
		}
		for _, it := range items {
			if it.(map[string]any)["provider_id"] == hra || it.(map[string]any)["disclosing_provider_id"] == hra {
				return true
			}
		}
		return false
	}
	hraEnrollment := itFixtureID(t, e, `SELECT min(id) FROM enrollments WHERE client_id = $1`, kimHRA)
	seen := func() map[string]bool {
		t.Helper()
		v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
		return map[string]bool{
			"schedule":       hraIn("/v1/clients/%d/gpra-schedule", "episodes"),
			"enrollments":    hraIn("/v1/clients/%d/enrollments", ""),
			"enrollment":     e.get(keyBCS, itPath("/v1/enrollments/%d", hraEnrollment)).Status == http.StatusOK,
			"care plans":     hraIn("/v1/clients/%d/care-plans", ""),
			"consents":       hraIn("/v1/clients/%d/consents", ""),
			"authorizations": slices.Contains(v["reason_codes"].([]any), any("DUPLICATE_SERVICE_OTHER_PROVIDER")),
			// BCS's stay in Kim's episode has no intake of its own: HRA's counts under a consent disclosing it.
			"gpra intake": !slices.Contains(v["reason_codes"].([]any), any("GPRA_INTAKE_MISSING")),
		}
	}
	assert.Equal(t, map[string]bool{"schedule": false, "enrollments": false, "enrollment": false, "care plans": false, "consents": false,
		"authorizations": false, "gpra intake": false}, seen(), "no consent in force")
	give("enrollments", "authorizations", "enrollments")
	assert.Equal(t, map[string]bool{"schedule": false, "enrollments": true, "enrollment": true, "care plans": false, "consents": false,
		"authorizations": true, "gpra intake": false}, seen())
	give("gpra_interviews")
	assert.Equal(t, map[string]bool{"schedule": true, "enrollments": true, "enrollment": true, "care plans": false, "consents": false,
		"authorizations": true, "gpra intake": true}, seen())
	give("care_plans", "consents")
	assert.Equal(t, map[string]bool{"schedule": true, "enrollments": true, "enrollment": true, "care plans": true, "consents": true,
		"authorizations": true, "gpra intake": true}, seen(), "three consents in force open what each names")
	consents := itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/consents", kimHRA)))
	assert.True(t, slices.ContainsFunc(consents, func(c map[string]any) bool {
		return assert.ObjectsAreEqual([]any{"authorizations", "enrollments"}, c["records"])
	}), "stored sorted, once each: %v", consents)
}

// A consent's records are checked: left out, a consent to another agency
// discloses every kind; they are for a consent to another agency only, not
// empty, and of the known kinds. Nothing is written for a refused one.
func TestConsentRecordsAreChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim/HRA"]
	consent := func(recipient string, records any) resp {
		// A form to the MSC names the MSC, not an agency (422 recipient_mismatch).
		body := map[string]any{"client_id": kim, "recipient_type": recipient, "recipient_name": "MSC", "purposes": []string{"treatment"},
			"information": "all", "signed_on": day(-2), "expiry_event": "discharge"}
		if recipient == "provider" {
			body["recipient_provider_id"] = e.demo.Providers["BCS"]
			body["recipient_name"] = "BCS"
		}
		if records != nil {
			body["records"] = records
		}
		return e.post(keyHRA, "/v1/consents", body)
	}
	for _, c := range []struct {
		recipient string
		records   any
		field     string
		code      string
	}{
		{"msc", []string{"enrollments"}, "records", "not_allowed"},
		{"payer", []string{"gpra_interviews"}, "records", "not_allowed"},
		{"provider", []string{}, "records", "required"},
		{"provider", []string{"enrollments", "claims"}, "records[1]", "invalid_value"},
		{"provider", []any{nil}, "records[0]", "invalid_value"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, consent(c.recipient, c.records), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%v", p)
		})
	}
	p := requireProblem(t, consent("provider", "enrollments"), http.StatusBadRequest, "wrong_type")
	assert.Equal(t, "wrong_type", itFieldCode(p, "records"), "%v", p)

	r := consent("provider", nil)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"authorizations", "care_plans", "consents", "enrollments", "gpra_interviews"}, r.JSON(t)["records"],
		"left out: every kind")
	r = consent("msc", nil)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["records"], "a consent to the MSC has none")
	// The same form but for its records is another form.
	r = consent("provider", []string{"consents"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	requireProblem(t, consent("provider", []string{"consents", "consents"}), http.StatusConflict, "consent_exists")
}

// A decision that counts another agency's GPRA intake says it exists (an
// approval where a stranger's request is denied GPRA_INTAKE_MISSING): each
// such decision is a recorded disclosure of that interview to the
// requester (a black-box pass found none), under a consent disclosing GPRA
// interviews; under one that does not, the intake is not counted and
// nothing is recorded.
func TestDecisionCountingAnotherAgencysIntakeIsADisclosure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	intake := itStr(itFixtureID(t, e, `SELECT id FROM gpra_interviews WHERE client_id = $1 AND kind = 'intake'`, kimHRA))
	give := kimsConsentsToBCS(t, e, "treatment")
	decide := func() (intakeMissing bool, disclosed int) {
		t.Helper()
		before := itAudit(e, "disclose", "gpra_interview", intake)
		v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
		return slices.Contains(v["reason_codes"].([]any), any("GPRA_INTAKE_MISSING")), itAudit(e, "disclose", "gpra_interview", intake) - before
	}
	give("enrollments")
	missing, disclosed := decide()
	assert.True(t, missing, "a consent of enrollments does not open the intake to the rules")
	assert.Zero(t, disclosed)
	give("gpra_interviews")
	missing, disclosed = decide()
	assert.False(t, missing, "HRA's intake counts under a consent of GPRA interviews")
	assert.Equal(t, 1, disclosed, "and its counting is a disclosure to BCS")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND entity_type = 'gpra_interview'
		AND entity_id = $1 AND client_id = $2 AND recipient = $3 AND purpose = 'treatment'`,
		intake, kimHRA, itPath("provider:%d", e.demo.Providers["BCS"])), "against HRA's record of Kim, to BCS, for treatment")
}

// kimsConsentsToBCS revokes the demo's consent of HRA's Kim naming BCS
// (every kind of record) and returns a recorder of narrower ones: for
// purpose, disclosing the kinds of record named.
func kimsConsentsToBCS(t *testing.T, e *env, purpose string) func(records ...string) {
	t.Helper()
	kimHRA := e.demo.Clients["Kim/HRA"]
	demo := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`, kimHRA, e.demo.Providers["BCS"])
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", demo), map[string]any{"reason": "replaced by a narrower form"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return func(records ...string) {
		t.Helper()
		r := e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kimHRA, "recipient_type": "provider",
			"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": "BCS", "purposes": []string{purpose},
			"information": "as the form says", "records": records, "signed_on": day(0), "expires_on": day(90)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
}

// The form and the id name one agency: access follows recipient_provider_id
// alone, so a form naming one agency keyed in with another's id disclosed
// the person's records to the other (a Part 2 black-box pass). The name is
// the agency's code or holds its name, however written.
func TestConsentRecipientNameMatchesTheAgencyItOpensTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim/HRA"]
	consent := func(name string) resp {
		return e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kim, "recipient_type": "provider",
			"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": name, "purposes": []string{"treatment"},
			"information": "all", "signed_on": day(0), "expiry_event": "discharge"})
	}
	for _, name := range []string{"Totally Different Agency", "Hartford Recovery Alliance", "Bridgeport", "not Bridgeport Community Supports",
		"Hartford Recovery Alliance; Bridgeport Community Supports"} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, consent(name), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "recipient_mismatch", itFieldCode(p, "recipient_name"), "%s", name)
		})
	}
	for _, name := range []string{"bcs", "Bridgeport Community Supports, Inc.", "BRIDGEPORT  COMMUNITY\u00a0SUPPORTS",
		"The Bridgeport Community Supports LLC", "Bridgeport Community Supports, L.L.C.", "B.C.S."} {
		r := consent(name)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", name, r.Body)
		r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", itID(t, r)), map[string]any{"reason": "test"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	// A form that reads as two agencies' opens nothing: an agency named as
	// BCS's code before the registry held names apart (set here in the
	// table, as the registry now refuses it) made "BCS" read as either.
	_, err := e.db.ExecContext(t.Context(), `UPDATE providers SET name = 'BCS' WHERE code = 'LAS'`)
	require.NoError(t, err)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, consent("BCS"), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "recipient_ambiguous", itFieldCode(p, "recipient_name"))
	})
	r := consent("Bridgeport Community Supports")
	assert.Equal(t, http.StatusCreated, r.Status, "its full name reads as BCS alone: %s", r.Body)
}

// Any role reads the directory of agencies, so a provider names a consent's
// recipient agency by its id: a provider key reads only its own agency
// through /v1/reference/providers, and a new user found the id only by
// guessing and reading the refusal (a black-box pass). The directory says
// nothing else of an agency.
func TestAgencyDirectoryNamesAConsentsRecipient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	r := e.get(keyHRA, "/v1/reference/agencies")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var found map[string]any
	for _, it := range itItems(t, r) {
		a := it
		assert.ElementsMatch(t, []string{"id", "code", "name", "in_service"}, slices.Collect(maps.Keys(a)), "only what names an agency")
		if a["id"] == float64(bcs) {
			found = a
		}
	}
	require.NotNil(t, found, "the other agency is listed")
	assert.Equal(t, "BCS", found["code"])
	assert.Equal(t, true, found["in_service"])
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": e.demo.Clients["Rivera"], "recipient_type": "provider",
		"recipient_provider_id": found["id"], "recipient_name": found["name"], "purposes": []string{"treatment"},
		"information": "enrollment", "records": []string{"enrollments"}, "signed_on": day(0), "expires_on": day(90)})
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A consent runs at most ten years after its signing: a year mistyped
// (2999 for 2027) kept a disclosure in force for centuries past the day
// the person signed for (a clients black-box pass). Ten years to the day
// is taken.
func TestConsentExpiryIsAtMostTenYearsAfterSigning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim/HRA"]
	signed := rss.MustDate(day(-1))
	consent := func(expires string) resp {
		return e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kim, "recipient_type": "provider",
			"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": "BCS", "purposes": []string{"treatment"},
			"information": "all", "signed_on": signed.String(), "expires_on": expires})
	}
	for _, expires := range []string{"2999-01-01", rss.NewDate(signed.AddDate(10, 0, 1)).String()} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, consent(expires), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "out_of_range", itFieldCode(p, "expires_on"), "%v", p)
			// The signing day and the latest expiry each named as what it is
			// (the latest read as the signing day: a black-box pass).
			assert.Contains(t, fmt.Sprint(p["errors"]), fmt.Sprintf("at most 10 years after signed_on %s (latest %s)", signed,
				rss.NewDate(signed.AddDate(10, 0, 0))))
		})
	}
	r := consent(rss.NewDate(signed.AddDate(10, 0, 0)).String())
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// A consent given an expiry event alone ends when the event happens: the
// disclosing agency (or the MSC) records the day, and from that day the
// consent is expired and discloses nothing; and it lapses at the latest
// ten years after its signing, as a dated one is bounded. One with only an
// event stayed active for good, disclosing after the event, past the ten
// years a date may run (a black-box pass).
func TestConsentEndsOnItsRecordedExpiryEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	hra := float64(e.demo.Providers["HRA"])
	kimsConsentsToBCS(t, e, "treatment") // the demo's dated consent, revoked
	hraSeen := func() bool {
		t.Helper()
		r := e.get(keyBCS, itPath("/v1/clients/%d/enrollments", kimBCS))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return slices.ContainsFunc(itItems(t, r), func(it map[string]any) bool { return it["provider_id"] == hra })
	}
	consent := func(signed, event string, expires any) int64 {
		t.Helper()
		body := map[string]any{"client_id": kimHRA, "recipient_type": "provider", "recipient_provider_id": e.demo.Providers["BCS"],
			"recipient_name": "BCS", "purposes": []string{"treatment"}, "information": "enrollment", "signed_on": signed, "expiry_event": event}
		if expires != nil {
			body["expires_on"] = expires
		}
		r := e.post(keyHRA, "/v1/consents", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	expire := func(key string, id int64, body map[string]any) resp {
		return e.post(key, itPath("/v1/consents/%d/expire", id), body)
	}
	status := func(id int64) map[string]any {
		t.Helper()
		for _, c := range itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/consents", kimHRA))) {
			if c["id"] == float64(id) {
				return c
			}
		}
		t.Fatalf("consent %d not listed", id)
		return nil
	}
	id := consent(day(-30), "upon discharge from HRA's ATR program", nil)
	require.True(t, hraSeen(), "in force until the event")
	assert.Equal(t, "active", status(id)["status"])
	assert.Nil(t, status(id)["expired_on"])

	for _, c := range []struct {
		body        map[string]any
		field, code string
	}{
		{map[string]any{"reason": "discharged"}, "expired_on", "required"},
		{map[string]any{"expired_on": day(0)}, "reason", "required"},
		{map[string]any{"expired_on": day(1), "reason": "discharged"}, "expired_on", "in_future"},
		{map[string]any{"expired_on": day(-31), "reason": "discharged"}, "expired_on", "before_start"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, expire(keyHRA, id, c.body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%v", p)
		})
	}
	ok := map[string]any{"expired_on": day(-2), "reason": "discharged from ATR"}
	itNothingWritten(t, e, func() {
		itSameNotFound(t, expire(keyBCS, id, ok), expire(keyBCS, 987654, ok), id, 987654)
	})

	r := expire(keyHRA, id, ok)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, "expired", got["status"])
	assert.Equal(t, day(-2), got["expired_on"])
	assert.Equal(t, "discharged from ATR", got["expiry_reason"])
	assert.Nil(t, got["revoked_at"], "an event is no revocation")
	assert.Equal(t, "expired", status(id)["status"])
	assert.False(t, hraSeen(), "it discloses nothing from the day of the event")
	assert.Equal(t, 1, itAudit(e, "expire", "consent", itStr(id)))
	itNothingWritten(t, e, func() {
		requireProblem(t, expire(keyHRA, id, ok), http.StatusConflict, "already_expired")
	})

	// A form with a date and no event ends on its date or by revocation;
	// a revoked one has ended already.
	dated := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND expiry_event IS NULL AND revoked_at IS NULL
		ORDER BY id LIMIT 1`, kimHRA)
	revoked := consent(day(-20), "end of treatment", nil)
	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", revoked), map[string]any{"reason": "client revoked"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, expire(keyHRA, dated, ok), http.StatusConflict, "no_expiry_event")
		requireProblem(t, expire(keyHRA, revoked, ok), http.StatusConflict, "already_revoked")
	})

	// Ten years after its signing an event-only consent has lapsed, as a
	// dated one may run no longer; to the day, it stands.
	lapsed := consent(rss.NewDate(fixtures.TestToday.AddDate(-10, 0, -1)).String(), "end of treatment", nil)
	assert.Equal(t, "expired", status(lapsed)["status"])
	assert.False(t, hraSeen(), "a lapsed consent discloses nothing")
	itNothingWritten(t, e, func() {
		requireProblem(t, expire(keyHRA, lapsed, map[string]any{"expired_on": day(0), "reason": "x"}), http.StatusConflict, "already_expired")
	})
	standing := consent(rss.NewDate(fixtures.TestToday.AddDate(-10, 0, 0)).String(), "end of treatment", nil)
	assert.Equal(t, "active", status(standing)["status"])
	assert.True(t, hraSeen())
}

// The MSC records a payment consent's event as the agency does: expired,
// it no longer lets the agency's voucher requests through (V06).
func TestMSCRecordsAConsentsExpiryEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", a.Consent), map[string]any{"reason": "replaced"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": a.Client, "recipient_type": "msc", "recipient_name": "MSC",
		"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-5), "expiry_event": "end of treatment"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 10, 0, 29)
	require.NotContains(t, v["reason_codes"], "PART2_CONSENT_MISSING")
	r = e.post(keyReviewer, itPath("/v1/consents/%d/expire", id), map[string]any{"expired_on": day(0), "reason": "treatment ended"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "expired", r.JSON(t)["status"])
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, 0, 29)
	assert.Contains(t, v["reason_codes"], "PART2_CONSENT_MISSING")
}

// One signed form keyed again is the same consent however it was typed:
// the recipient as the recipient check reads it (a provider by its id, a
// name as the registry reads names) and the form's free text with its
// case and white space folded. "BCS", "bcs" and "Bridgeport Community
// Supports L.L.C.", or information "x" and "x ", made live copies of one
// form, and revoking one left the others disclosing (a black-box pass).
// Sent at once, one is recorded. Free text is stored trimmed.
func TestReKeyedConsentIsTheSameForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	base := map[string]any{"client_id": rivera, "recipient_type": "provider", "recipient_provider_id": e.demo.Providers["BCS"],
		"recipient_name": "BCS", "purposes": []string{"treatment"}, "information": "Enrollment status", "records": []string{"enrollments"},
		"expiry_event": "Upon discharge from ATR", "expires_on": day(60), "signed_on": day(-1)}
	r := e.post(keyHRA, "/v1/consents", itWith(base, "information", "  Enrollment status \t"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	assert.Equal(t, "Enrollment status", r.JSON(t)["information"], "stored trimmed")
	assert.Equal(t, "Upon discharge from ATR", r.JSON(t)["expiry_event"])
	for _, c := range []struct{ field, value string }{
		{"recipient_name", "bcs"},
		{"recipient_name", "bridgeport community supports"},
		{"recipient_name", "Bridgeport  Community   Supports L.L.C."},
		{"information", "Enrollment status "},
		{"information", "ENROLLMENT\n  status"},
		{"expiry_event", " upon  discharge from atr"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, "/v1/consents", itWith(base, c.field, c.value)), http.StatusConflict, "consent_exists")
			assert.Equal(t, map[string]any{"type": "consent", "id": float64(id)}, p["existing"], "%s %q names the live one", c.field, c.value)
		})
	}
	// To the MSC, the name is read as the registry reads names.
	msc := map[string]any{"client_id": rivera, "recipient_type": "msc", "recipient_name": "Acme Services Contractor, Inc.",
		"purposes": []string{"payment"}, "information": "claims", "expires_on": day(60), "signed_on": day(-1)}
	r = e.post(keyHRA, "/v1/consents", msc)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	requireProblem(t, e.post(keyHRA, "/v1/consents", itWith(msc, "recipient_name", "the ACME services contractor")),
		http.StatusConflict, "consent_exists")

	// Re-keyed copies sent at the same moment: one is recorded.
	other := itWith(base, "information", "care plans")
	names := []string{"BCS", "bcs", "B.C.S.", "Bridgeport Community Supports", "bridgeport community supports, inc.", "The BCS"}
	statuses := make([]int, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(req{Method: http.MethodPost, Path: "/v1/consents", Key: keyHRA, Body: itWith(other, "recipient_name", n)}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		assert.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s)
		if s == http.StatusCreated {
			created++
		}
	}
	assert.Equal(t, 1, created, "%v", statuses)
}

// A consent to the MSC whose form names an agency of the directory is
// another's form: "Bridgeport Community Supports" as the MSC's name was
// taken and let V06 pass (a black-box pass). The MSC's own names pass.
func TestMSCConsentNamingAnAgencyIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	consent := func(name string) resp {
		return e.post(keyHRA, "/v1/consents", map[string]any{"client_id": e.demo.Clients["Rivera"], "recipient_type": "msc",
			"recipient_name": name, "purposes": []string{"payment"}, "information": "claims of " + name, "signed_on": day(-1),
			"expires_on": day(60)})
	}
	for _, name := range []string{"Bridgeport Community Supports", "bcs", "The Hartford Recovery Alliance, LLC"} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, consent(name), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "recipient_mismatch", itFieldCode(p, "recipient_name"), "%s: %v", name, p)
		})
	}
	for _, name := range []string{"MSC", "Management Services Contractor"} {
		r := consent(name)
		assert.Equal(t, http.StatusCreated, r.Status, "%s: %s", name, r.Body)
	}
}

// The same form keyed again once it has expired is still on file, and the
// 409 says it expired: "already recorded and not revoked" read as if it
// were in force (a consents black-box pass of the forty-sixth stop).
func TestExpiredFormKeyedAgainSaysItExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	form := map[string]any{"client_id": e.demo.Clients["Rivera"], "recipient_type": "provider", "recipient_provider_id": e.demo.Providers["BCS"],
		"recipient_name": "BCS", "purposes": []string{"treatment"}, "information": "enrollment", "signed_on": day(-10),
		"expiry_event": "discharge"}
	r := e.post(keyHRA, "/v1/consents", form)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	p := requireProblem(t, e.post(keyHRA, "/v1/consents", form), http.StatusConflict, "consent_exists")
	assert.Contains(t, p["detail"], "not revoked", "in force: as before")

	r = e.post(keyHRA, itPath("/v1/consents/%d/expire", id), map[string]any{"expired_on": day(-2), "reason": "discharged"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, "expired", r.JSON(t)["status"])
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/consents", form), http.StatusConflict, "consent_exists")
		assert.Equal(t, map[string]any{"type": "consent", "id": float64(id)}, p["existing"])
		assert.Contains(t, p["detail"], fmt.Sprintf("consent %d, expired after", id))
		assert.NotContains(t, p["detail"], "not revoked")
	})
}

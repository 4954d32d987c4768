package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// MSC text quoting another agency's authorization is shown to a provider
// only under a consent disclosing that agency's authorizations, as the
// reason it paraphrases is: under HRA's consent disclosing Kim's
// enrollments alone, BCS read a reviewer's note and a void reason quoting
// HRA's PA number while the duplicate-service reason was withheld (a
// black-box pass). Now such text is refused when written under that
// consent (naming HRA alone is accepted), and written under a wider one,
// reads "withheld" once only the narrower one is in force.
func TestMSCTextQuotingAnAuthorizationNeedsAuthorizationsDisclosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	var hraName, number string
	require.NoError(t, e.db.Get(&hraName, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers["HRA"]))
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, kimHRA))
	short := "PA " + strings.TrimLeft(strings.TrimPrefix(number, "PA"), "0")
	give := kimsConsentsToBCS(t, e, "treatment")
	// GPRA interviews too, so HRA's intake counts and the request pends.
	give("enrollments", "gpra_interviews")

	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	require.Contains(t, reasonCodes(v), "CONFLICT_ON_FILE", "the overlap is withheld under a consent without authorizations")
	reqPath := itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))
	for _, note := range []string{"Transport already authorized on " + number + " (12 trips left).", "Transport already on " + short + "."} {
		p := requireProblem(t, e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "deny", "note": note}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "names_another_agency", itFieldCode(p, "note"), "%s: %v", note, p)
	}
	r := e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "deny", "note": hraName + " provides transport; coordinate."})
	require.Equal(t, http.StatusOK, r.Status, "naming the agency alone is what the enrollments disclose: %s", r.Body)

	// Written under a consent disclosing authorizations too, then read
	// under one disclosing enrollments alone.
	give("enrollments", "authorizations")
	wide := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, kimHRA)
	v = itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 5, 30, 39)
	require.Contains(t, reasonCodes(v), "DUPLICATE_SERVICE_OTHER_PROVIDER")
	reqPath = itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))
	note := "Approved beside " + number + "; coordinate."
	r = e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "approve", "note": note, "acknowledge": v["reason_codes"]})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	authPath := itPath("/v1/authorizations/%d", int64(r.JSON(t)["authorization_id"].(float64)))
	reason := "Duplicate of the plan under " + number + "."
	r = e.post(keyReviewer, authPath+"/void", map[string]any{"reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, note, e.get(keyBCS, reqPath).JSON(t)["review"].(map[string]any)["note"], "shown under the wide consent")
	assert.Equal(t, reason, e.get(keyBCS, authPath).JSON(t)["void_reason"])

	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", wide), map[string]any{"reason": "enrollments only"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "withheld: ask the MSC about this", e.get(keyBCS, reqPath).JSON(t)["review"].(map[string]any)["note"])
	a := e.get(keyBCS, authPath).JSON(t)
	assert.Equal(t, "withheld: ask the MSC about this", a["void_reason"])
	for _, path := range []string{reqPath, authPath, itPath("/v1/voucher-requests?client_id=%d", kimBCS),
		itPath("/v1/authorizations?client_id=%d", kimBCS)} {
		got := e.get(keyBCS, path)
		require.Equal(t, http.StatusOK, got.Status, "%s: %s", path, got.Body)
		assert.False(t, strings.Contains(string(got.Body), number), "%s quotes HRA's authorization", path)
	}
}

// A reviewer's note quoting another agency's care plan or consent by its
// id is refused unless that agency's consent naming the reader discloses
// that kind of record, and its claim by id or number always (no consent
// discloses claims): "See care plan 38", "consent 44" and "claim #1" got
// through a Part 2 black-box pass with no consent in force, and "claim
// HC9" its re-check; the provider read them word for word.
func TestMSCTextQuotingAnotherAgencysRecordByIDNeedsItDisclosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	give := kimsConsentsToBCS(t, e, "treatment")
	give("enrollments", "gpra_interviews")
	consent := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, kimHRA)
	r := e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": kimHRA, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(0), "end_date": day(60), "services": []map[string]any{{"service_code": "ATR-CM"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	plan := itID(t, r)

	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	reqPath := itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "HC9", "client_id": kimHRA, "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	for _, note := range []string{itPath("The other plan (care plan %d) lists it.", plan), itPath("See consent %d.", consent),
		"Duplicate of claim HC9 at the other agency.", itPath("Duplicate of claim #%d.", itID(t, r))} {
		p := requireProblem(t, e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "deny", "note": note}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "names_another_agency", itFieldCode(p, "note"), "%s: %v", note, p)
	}
	give("enrollments", "gpra_interviews", "care_plans")
	note := itPath("The other plan (care plan %d) lists it.", plan)
	r = e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "deny", "note": note})
	require.Equal(t, http.StatusOK, r.Status, "under a consent disclosing care plans: %s", r.Body)
	assert.Equal(t, note, e.get(keyBCS, reqPath).JSON(t)["review"].(map[string]any)["note"])
}

// A note that speaks of another agency without naming it still tells the
// agency the person is served elsewhere: refused where no consent naming
// it discloses that agency's enrollments, as naming it is (a reviewer
// black-box pass: "another provider already holds trips for these dates"
// and a staff member's "Erik L." were read word for word).
func TestMSCTextSpeakingOfAnotherAgencyIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ruth := identity{First: "Ruth", Last: "Genericnote", DOB: rss.MustDate("1979-08-09")}
	atHRA := itRegisterAs(t, e, keyHRA, ruth)
	itATRReady(t, e, keyHRA, atHRA, e.demo.Staff["Okafor"])
	require.Equal(t, "approved", itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 10, 0, 29)["decision"])
	atBCS := itRegisterAs(t, e, keyBCS, ruth) // no consent of HRA's names BCS
	itATRReady(t, e, keyBCS, atBCS, nil)
	v := itVoucher(t, e, keyBCS, atBCS, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	reqPath := itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))
	var given, initial string
	require.NoError(t, e.db.QueryRow(`SELECT first_name, left(last_name, 1) FROM staff WHERE provider_id = $1 ORDER BY id LIMIT 1`,
		e.demo.Providers["HRA"]).Scan(&given, &initial))
	itNothingWritten(t, e, func() {
		for _, note := range []string{"Another provider already holds trips for these dates.", "Duplicate of another agency's voucher.",
			given + " " + initial + ". already drives the client."} {
			p := requireProblem(t, e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "deny", "note": note}),
				http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "names_another_agency", itFieldCode(p, "note"), "%s: %v", note, p)
		}
	})
	r := e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "deny", "note": "Transport for these dates is covered; no new voucher."})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// Another agency's record of the person is its own name for them too: a
// reviewer's void reason quoting it ("Kaito Mergeson holds it", where the
// reader's record reads Kai Merge) told the reader a second identity of
// its client, which only the other agency's record holds (a black-box
// pass of the forty-fourth stop). The reader's own name for the person
// is its own.
func TestMSCTextQuotingAnotherAgencysNameForThePersonIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	register := func(key, first, last, born, medicaid string) int64 {
		t.Helper()
		b := map[string]any{"first_name": first, "last_name": last, "date_of_birth": born, "catchment_area": "bridgeport"}
		if medicaid != "" {
			b["medicaid_id"] = medicaid
		}
		r := e.post(key, "/v1/clients", b)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	person := func(id int64) int { return e.count(`SELECT person_id FROM clients WHERE id = $1`, id) }
	// voidPath grants HRA's record a voucher and returns its void's path.
	voidPath := func(client int64) string {
		t.Helper()
		itATRReady(t, e, keyHRA, client, e.demo.Staff["Okafor"])
		v := itVoucher(t, e, keyHRA, client, "ATR-TR", 4, 0, 29)
		require.Equal(t, "approved", v["decision"], "%v", v)
		return itPath("/v1/authorizations/%d/void", itNum(t, v, "authorization_id"))
	}
	refused := func(path, reason string) {
		t.Helper()
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": reason}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "names_another_agency", itFieldCode(p, "reason"), "%s: %v", reason, p)
		})
	}

	hra, bcs := register(keyHRA, "Kai", "Merge", "1984-02-02", "CT52718304"), register(keyBCS, "Kaito", "Mergeson", "1984-02-02", "CT52718304")
	require.Equal(t, person(hra), person(bcs))
	void := voidPath(hra)
	for _, reason := range []string{"Kaito Mergeson holds it", "Mergeson holds these days", "Per Mergeson, Kaito: duplicate"} {
		refused(void, reason)
	}
	r := e.post(keyReviewer, void, map[string]any{"reason": "Kai Merge moved out of state"})
	require.Equal(t, http.StatusOK, r.Status, "the reader's own name for the person: %s", r.Body)

	// A name both records carry is the reader's own: refused, no text
	// could name the person (a re-check of the forty-fourth stop). A
	// Medicaid ID only the other record holds is refused by its digits
	// alone too (the same re-check read "33123451" for CT33123451).
	ida := register(keyHRA, "Ida", "Digit", "1979-09-09", "")
	other := register(keyBCS, "Ida", "Digit", "1979-09-09", "CT77123456")
	require.Equal(t, person(ida), person(other), "joined by name and birth date")
	void = voidPath(ida)
	refused(void, "see 77123456")
	refused(void, "see ct77123456")
	r = e.post(keyReviewer, void, map[string]any{"reason": "Ida Digit called: moved out of state"})
	require.Equal(t, http.StatusOK, r.Status, "the name both records carry: %s", r.Body)
}

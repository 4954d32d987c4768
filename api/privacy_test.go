package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherAgencyTraces are the strings a BCS answer about Moreau must not
// hold: the codes that alone say another agency serves Moreau, HRA's name,
// its provider id as a rule detail quotes it, and the number of HRA's
// transport authorization.
func otherAgencyTraces(t *testing.T, e *env) []string {
	t.Helper()
	var number, name string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		e.demo.Clients["Moreau/HRA"]))
	require.NoError(t, e.db.Get(&name, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers["HRA"]))
	return []string{"DUPLICATE_SERVICE_OTHER_PROVIDER", "NOT_PRIMARY_CASE_MANAGER", "OTHER_PROVIDER", name, number,
		"provider " + strconv.FormatInt(e.demo.Providers["HRA"], 10)}
}

// A duplicate-service pend tells the provider that something on file needs
// the MSC, never that another agency serves the person: without a consent
// naming BCS, no answer (submit, its idempotent replay, get, the lists, the
// replay, the pended-queue report) holds the code, HRA's name, id or number.
func TestPendedReasonWithholdsAnotherAgencysAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreau := e.demo.Clients["Moreau/BCS"]
	body := map[string]any{"client_id": moreau, "service_code": "ATR-TR", "units": 10, "start_date": day(0), "end_date": day(29)}
	submit := e.do(req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyBCS, Body: body, IdemKey: "moreau-tr"})
	require.Equal(t, http.StatusCreated, submit.Status, "%s", submit.Body)
	v := submit.JSON(t)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	assert.Equal(t, []any{"CONFLICT_ON_FILE"}, v["reason_codes"])
	reasons := v["reasons"].([]any)
	require.Len(t, reasons, 1)
	reason := reasons[0].(map[string]any)
	assert.Equal(t, "CONFLICT_ON_FILE", reason["code"])
	assert.Equal(t, "pend", reason["action"])
	assert.True(t, strings.HasPrefix(reason["detail"].(string), "withheld"), "%v", reason)
	assert.NotContains(t, reason, "source_provider_id")
	assert.NotContains(t, v, "trace", "the place of a fired entry in the trace names the rule")
	id := itNum(t, v, "id")
	traces := otherAgencyTraces(t, e)

	answers := map[string]resp{
		"submit": submit,
		"idempotent replay": e.do(req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyBCS, Body: body,
			IdemKey: "moreau-tr"}),
		"get":          e.get(keyBCS, itPath("/v1/voucher-requests/%d", id)),
		"list":         e.get(keyBCS, itPath("/v1/voucher-requests?client_id=%d", moreau)),
		"replay":       e.get(keyBCS, itPath("/v1/voucher-requests/%d/replay", id)),
		"pending":      e.get(keyBCS, "/v1/voucher-requests?status=pended&limit=500"),
		"report":       e.get(keyBCS, "/v1/reports/pended-queue"),
		"report (csv)": e.do(req{Method: http.MethodGet, Path: "/v1/reports/pended-queue", Key: keyBCS, Header: map[string]string{"Accept": "text/csv"}}),
	}
	for name, r := range answers {
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, r.Status, "%s: %s", name, r.Body)
		for _, s := range traces {
			assert.NotContains(t, string(r.Body), s, "%s answer tells of HRA", name)
		}
		if name != "list" && name != "pending" { // the lists carry no trace anyway
			assert.Contains(t, string(r.Body), "CONFLICT_ON_FILE", name)
		}
	}
	assert.Equal(t, string(submit.Body), string(answers["idempotent replay"].Body))
	get := answers["get"].JSON(t)
	assert.Equal(t, v["reasons"], get["reasons"])
	assert.NotContains(t, get, "trace")
	replayed := answers["replay"].JSON(t)["replayed"].(map[string]any)
	assert.Nil(t, replayed["trace"])

	// The reviewer, deciding, sees everything: the code, the number, the id.
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id))
	require.Equal(t, http.StatusOK, r.Status)
	for _, s := range traces[:1] {
		assert.Contains(t, string(r.Body), s)
	}
	for _, s := range traces[4:] {
		assert.Contains(t, string(r.Body), s)
	}
	assert.NotContains(t, string(r.Body), "CONFLICT_ON_FILE")
	assert.Contains(t, string(e.get(keyReviewer, "/v1/reports/pended-queue").Body), "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.Contains(t, string(e.get(keyReviewer, itPath("/v1/voucher-requests/%d/replay", id)).Body), "DUPLICATE_SERVICE_OTHER_PROVIDER")
}

// A primary case manager designated first at another agency is withheld
// the same way: BCS, denied case management for Moreau, reads
// CONFLICT_ON_FILE with the action deny; the reviewer reads the rule's code.
func TestDeniedReasonWithholdsAnotherAgencysDesignation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreau := e.demo.Clients["Moreau/BCS"]
	_, err := e.db.Exec(`UPDATE enrollments SET primary_case_manager = true WHERE client_id = $1`, moreau)
	require.NoError(t, err)
	v := itVoucher(t, e, keyBCS, moreau, "ATR-CM", 8, 0, 20)
	require.Equal(t, "denied", v["decision"], "%v", v["reason_codes"])
	assert.Contains(t, v["reason_codes"], "CONFLICT_ON_FILE")
	for _, s := range otherAgencyTraces(t, e) {
		assert.NotContains(t, itMustJSON(v), s)
	}
	for _, x := range v["reasons"].([]any) {
		if r := x.(map[string]any); r["code"] == "CONFLICT_ON_FILE" {
			assert.Equal(t, "deny", r["action"])
		}
	}
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, v, "id")))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Body), "NOT_PRIMARY_CASE_MANAGER")
}

// Under Kim's consent naming BCS, HRA's authorization is BCS's to see: the
// code and its detail, as the reviewer sees them.
func TestPendedReasonShowsAnotherAgencyUnderConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	assert.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.NotContains(t, v["reason_codes"], "CONFLICT_ON_FILE")
	assert.Contains(t, v, "trace")
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		e.demo.Clients["Kim/HRA"]))
	assert.Contains(t, itMustJSON(v), number)

	// The consent revoked, the reason is withheld again at once.
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		e.demo.Clients["Kim/HRA"], e.demo.Providers["BCS"])
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client withdrew it"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.get(keyBCS, itPath("/v1/voucher-requests/%d", itNum(t, v, "id")))
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, string(r.Body), number)
	assert.NotContains(t, string(r.Body), "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.Contains(t, string(r.Body), "CONFLICT_ON_FILE")
}

// A GPRA interview may not name an episode: BCS's enrollment of Moreau
// sits in the episode HRA opened, and naming that episode is refused just
// as naming one that does not exist, word for word, so the answer cannot
// tell an old shared episode from a new one.
func TestGPRAInterviewRefusesAnEpisodeIDWhateverItsValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreau := e.demo.Clients["Moreau/BCS"]
	own := itFixtureID(t, e, `SELECT episode_id FROM enrollments WHERE client_id = $1 AND program_code = 'ATR'`, moreau)
	var details []string
	for _, ep := range []int64{own, 999999} {
		r := e.post(keyBCS, "/v1/gpra-interviews", map[string]any{"client_id": moreau, "episode_id": ep, "kind": "discharge",
			"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)})
		p := requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, itMustJSON(p), "not_accepted")
		delete(p, "request_id")
		details = append(details, itMustJSON(p))
	}
	assert.Equal(t, details[0], details[1], "the episode of BCS's own enrollment and an unknown one read alike")
}

// Another agency's consents are the recipient's to read only while one is
// in force: once HRA revokes Kim's consent naming BCS, BCS's list of Kim's
// consents holds none of HRA's (not the revoked one, its reason or HRA's
// client id), and a consent HRA records already expired shows nothing.
func TestRevokedOrExpiredConsentShowsNothingOfTheOtherAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimBCS, kimHRA := e.demo.Clients["Kim/BCS"], e.demo.Clients["Kim/HRA"]
	hra := e.demo.Providers["HRA"]
	list := func() []map[string]any {
		r := e.get(keyBCS, itPath("/v1/clients/%d/consents", kimBCS))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var out struct {
			Items []map[string]any `json:"items"`
		}
		r.Into(t, &out)
		return out.Items
	}
	fromHRA := func(items []map[string]any) int {
		n := 0
		for _, c := range items {
			if itNum(t, c, "disclosing_provider_id") == hra {
				n++
			}
		}
		return n
	}
	require.Positive(t, fromHRA(list()), "under the consent, BCS reads HRA's consents")

	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		kimHRA, e.demo.Providers["BCS"])
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "the client asked on the phone"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kimHRA, "recipient_type": "provider",
		"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": "BCS", "purposes": []string{"treatment"},
		"information": "all", "signed_on": day(-60), "expires_on": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	after := list()
	assert.Zero(t, fromHRA(after), "BCS reads none of HRA's consents once none is in force: %v", after)
	body := string(e.get(keyBCS, itPath("/v1/clients/%d/consents", kimBCS)).Body)
	assert.NotContains(t, body, "the client asked on the phone")
	assert.NotContains(t, body, fmt.Sprintf(`"client_id":%d`, kimHRA))
}

// A reviewer's note goes to the provider word for word, so it may not name
// what the provider may not see: Moreau's HRA record has no consent naming
// BCS, and a note on BCS's pended request naming HRA (by name, code or
// NPI) or HRA's authorization number is refused, nothing decided; a note
// in general words goes through. Under Kim's consent naming BCS, a note
// naming HRA is BCS's to read.
func TestReviewerNoteMayNotNameAnUnconsentedAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreau := e.demo.Clients["Moreau/BCS"]
	submit := e.post(keyBCS, "/v1/voucher-requests", map[string]any{"client_id": moreau, "service_code": "ATR-TR", "units": 10,
		"start_date": day(0), "end_date": day(29)})
	require.Equal(t, http.StatusCreated, submit.Status, "%s", submit.Body)
	v := submit.JSON(t)
	require.Equal(t, "pended", v["decision"])
	decide := func(id int64, note string) resp {
		return e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "deny", "note": note})
	}
	var hra struct {
		Name  string `db:"name"`
		Code  string `db:"code"`
		NPI   string `db:"npi"`
		TaxID string `db:"tax_id"`
		Staff string `db:"staff"`
		Last  string `db:"last_first"`
		Addr  string `db:"address_line1"`
	}
	require.NoError(t, e.db.Get(&hra, `SELECT name, code, npi, tax_id, address_line1,
		(SELECT first_name || ' ' || last_name FROM staff WHERE provider_id = p.id ORDER BY id LIMIT 1) AS staff,
		(SELECT last_name || ', ' || first_name FROM staff WHERE provider_id = p.id ORDER BY id LIMIT 1) AS last_first
		FROM providers p WHERE id = $1`, e.demo.Providers["HRA"]))
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		e.demo.Clients["Moreau/HRA"]))
	id := itNum(t, v, "id")
	for _, note := range []string{
		"Denied: " + hra.Name + " already provides transport.",
		"Denied: " + strings.ToLower(hra.Name) + " holds it.",
		"Overlaps " + hra.Code + "'s authorization.",
		"Overlaps “" + hra.Code + "’s” authorization.",
		"Overlaps the authorization of NPI " + hra.NPI + ".",
		"Overlaps " + number + "; coordinate.",
		// The same words folded otherwise: each got through a black-box
		// pass before notes were compared plain.
		"Denied: " + strings.Replace(hra.Name, " ", "\n", 1) + " already provides transport.",
		"Denied: " + strings.ReplaceAll(hra.Name, " ", "  ") + " holds it.",
		"Denied: " + strings.ReplaceAll(hra.Name, " ", "-") + " holds it.",
		"Denied: " + strings.ReplaceAll(hra.Name, " ", "\u00a0") + " holds it.",
		"Denied: " + hra.Name[:3] + "\u200b" + hra.Name[3:] + " holds it.",
		"Denied: " + fullwidth(hra.Name) + " holds it.",
		"Overlaps NPI " + hra.NPI[:3] + "-" + hra.NPI[3:6] + "-" + hra.NPI[6:] + ".",
		"Overlaps the agency with tax id " + hra.TaxID + ".",
		"Ask " + hra.Staff + " about it.",
		// A name as lists write it (it got through, a black-box pass).
		"Ask " + hra.Last + " about it.",
		// A dotted code, a name run together, a street's short form
		// (each got through, a black-box pass).
		"Overlaps " + strings.Join(strings.Split(hra.Code, ""), ".") + ". holds it.",
		"See " + strings.ReplaceAll(hra.Name, " ", "") + " on this.",
		"Ask at " + strings.Replace(hra.Addr, "Street", "St", 1) + ".",
		// The code in lower case, the agency as the API's details name it,
		// accents, a name or street short of its last word (each got
		// through the re-check of a black-box pass).
		strings.ToLower(hra.Code) + " holds it.",
		"Overlaps " + strings.Join(strings.Split(strings.ToLower(hra.Code), ""), " ") + " holds it.",
		itPath("Held by provider %d.", e.demo.Providers["HRA"]),
		"Denied: " + strings.Replace(hra.Name, "a", "á", 1) + " holds it.",
		"Denied: " + hra.Name[:strings.LastIndex(hra.Name, " ")] + " holds it.",
		"Ask at " + hra.Addr[:strings.LastIndex(hra.Addr, " ")] + ".",
		// A staff member's surname alone, as names are written (each got
		// through a black-box pass: full names alone were matched).
		"Ask Mr Okafor about it.",
		"Ask G. Okafor about it.",
		"Okafor",
		"ASK OKAFOR.",
		// A word of its name said as an agency is (it got through a
		// console black-box pass).
		"Denied: the " + strings.Fields(hra.Name)[0] + " agency already transports this client this month.",
		// A Part 2 pass: an agency word a few words off the city, the
		// authorization number with some of its zeros.
		"Other agency is in " + strings.Fields(hra.Name)[0] + ".",
		"Other PA 0000002 overlaps.",
		// Its staff by their ids, as its enrollments' fields write them
		// (a reviewer black-box pass).
		itPath("assigned_staff_id %d already drives her.", e.demo.Staff["Okafor"]),
		itPath("Ask staff #%d.", e.demo.Staff["Okafor"]),
	} {
		p := requireProblem(t, decide(id, note), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, itMustJSON(p), "names_another_agency", note)
	}
	// Its contact kept "Last, First M.": the surname is before the comma,
	// not the initial (a re-check read "J." and let "Ms. Pemberton" through).
	_, err := e.db.Exec(`UPDATE providers SET contact_name = 'Pemberton, Alice J.' WHERE id = $1`, e.demo.Providers["HRA"])
	require.NoError(t, err)
	for _, note := range []string{"Ask Ms. Pemberton to call.", "Alice Pemberton called about it."} {
		p := requireProblem(t, decide(id, note), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, itMustJSON(p), "names_another_agency", note)
	}
	got := e.get(keyBCS, itPath("/v1/voucher-requests/%d", id)).JSON(t)
	assert.Equal(t, "pended", got["decision"], "a refused decision decides nothing")
	assert.Nil(t, got["review"])

	// A surname the reader's own people carry names the reader as well
	// (BCS's contact is a Whitfield, as is one of HRA's staff).
	r := decide(id, "Denied 2026-06-01: 10 units overlap an authorization on file (call 860 555 0100); the MSC will coordinate. Whitfield to call.")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "denied", r.JSON(t)["decision"])

	// Kim's HRA record names BCS in a consent: the note may say so.
	kim := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", kim["decision"])
	r = decide(itNum(t, kim, "id"), "Denied: "+hra.Name+" already provides transport.")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// fullwidth writes s's ASCII letters in their fullwidth forms (Ｈａｒｔ…).
func fullwidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r + 0xfee0
		}
		return r
	}, s)
}

// The reason an authorization was voided or reactivated is in its history,
// which the agency reads word for word: naming another agency that serves
// the person, without a consent naming the agency, is refused as a
// reviewer's note is (a black-box pass: a void's reason named BCS to HRA).
func TestAuthorizationReasonMayNotNameAnUnconsentedAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := itFixtureID(t, e, `SELECT id FROM authorizations WHERE client_id = $1 ORDER BY id LIMIT 1`, e.demo.Clients["Moreau/HRA"])
	var bcs struct {
		Name string `db:"name"`
		NPI  string `db:"npi"`
	}
	require.NoError(t, e.db.Get(&bcs, `SELECT name, npi FROM providers WHERE id = $1`, e.demo.Providers["BCS"]))
	path := itPath("/v1/authorizations/%d/void", id)
	for _, reason := range []string{"Duplicate of " + bcs.Name + "'s voucher.", "Duplicate: NPI " + bcs.NPI[:5] + " " + bcs.NPI[5:]} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"reason": reason}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Contains(t, itMustJSON(p), "names_another_agency", reason)
		})
	}
	r := e.post(keyReviewer, path, map[string]any{"reason": "Duplicate of another voucher on file."})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotContains(t, string(e.get(keyHRA, itPath("/v1/authorizations/%d", id)).Body), bcs.Name)
}

// A reviewer's note and an authorization's void reason may name another
// agency whose consent names the reader; read under it, each is a
// disclosure of that agency's record of the person. Once the consent is
// revoked the reader reads neither (a black-box pass read both after the
// revocation, and nothing was in the accounting); the MSC still does.
func TestMSCTextNamingAnAgencyIsWithheldOnceItsConsentIsRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	var hraName string
	require.NoError(t, e.db.Get(&hraName, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers["HRA"]))
	accounting := func(entity string) int {
		n := 0
		for _, d := range itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", kimHRA))) {
			if d["entity_type"] == entity {
				n++
			}
		}
		return n
	}

	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	reqPath := itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))
	note := "Approved beside " + hraName + "'s transport."
	r := e.post(keyReviewer, reqPath+"/decision", map[string]any{"action": "approve", "note": note,
		"acknowledge": v["reason_codes"]})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	auth := r.JSON(t)["authorization_id"]
	require.NotNil(t, auth, "%s", r.Body)
	authPath := itPath("/v1/authorizations/%d", int64(auth.(float64)))
	reason := "Voided: " + hraName + " covers these days."
	r = e.post(keyReviewer, authPath+"/void", map[string]any{"reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// The request's answer quoted HRA's authorization under the consent.
	shown := accounting("voucher_request")
	assert.Zero(t, accounting("authorization"))

	// Under Kim's consent naming BCS: shown, and accounted for (the
	// reasons and the note name one record: one disclosure a read).
	got := e.get(keyBCS, reqPath).JSON(t)
	assert.Equal(t, note, got["review"].(map[string]any)["note"])
	assert.Equal(t, shown+1, accounting("voucher_request"))
	a := e.get(keyBCS, authPath).JSON(t)
	assert.Equal(t, reason, a["void_reason"])
	assert.Equal(t, 1, accounting("authorization"), "one read of the authorization, one disclosure")

	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		kimHRA, e.demo.Providers["BCS"])
	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client withdrew it"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	for _, path := range []string{reqPath, authPath, itPath("/v1/voucher-requests?client_id=%d", kimBCS),
		itPath("/v1/authorizations?client_id=%d", kimBCS)} {
		body := e.get(keyBCS, path)
		require.Equal(t, http.StatusOK, body.Status, "%s: %s", path, body.Body)
		assert.NotContains(t, string(body.Body), hraName, path)
	}
	got = e.get(keyBCS, reqPath).JSON(t)
	assert.Equal(t, "withheld: ask the MSC about this", got["review"].(map[string]any)["note"])
	a = e.get(keyBCS, authPath).JSON(t)
	assert.Equal(t, "withheld: ask the MSC about this", a["void_reason"])
	for _, ev := range a["events"].([]any) {
		assert.Equal(t, "withheld: ask the MSC about this", ev.(map[string]any)["reason"])
	}
	assert.Equal(t, shown+1, accounting("voucher_request"), "nothing more was disclosed")
	assert.Equal(t, 1, accounting("authorization"))
	// The MSC reads what it wrote.
	assert.Equal(t, note, e.get(keyReviewer, reqPath).JSON(t)["review"].(map[string]any)["note"])
	assert.Equal(t, reason, e.get(keyReviewer, authPath).JSON(t)["void_reason"])
}

// An admin's discharge note and reassignment reason are MSC text the
// agency reads word for word, held to the consents in force when it reads
// them as a reviewer's note is: naming HRA under Kim's consent naming BCS,
// they are withheld from BCS once the consent is revoked, in the one
// enrollment and in the client's list (a black-box pass read both after
// the revocation). BCS's own reason naming HRA stays as BCS wrote it; the
// MSC reads everything as written.
func TestAdminEnrollmentReasonsAreWithheldOnceTheirConsentIsRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	var hraName string
	require.NoError(t, e.db.Get(&hraName, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers["HRA"]))
	enr := enrollmentOf(e, kimBCS, "ATR")
	path := itPath("/v1/enrollments/%d", enr)
	adminReassign := "Moved to Baptiste beside " + hraName + "'s case manager."
	ownReassign := "Back to Ibrahim, who knows " + hraName + "'s team."
	discharge := "Discharged: " + hraName + " holds her care now."
	r := e.post(keyAdmin, path+"/reassign", map[string]any{"staff_id": e.demo.Staff["Baptiste"], "reason": adminReassign})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyBCS, path+"/reassign", map[string]any{"staff_id": e.demo.Staff["Ibrahim"], "reason": ownReassign})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, path+"/discharge", map[string]any{"discharge_date": day(0), "reason_code": "other", "reason": discharge})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	reasons := func(key string) (string, []string) {
		got := e.get(key, path)
		require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
		g := got.JSON(t)
		var history []string
		for _, ev := range g["history"].([]any) {
			history = append(history, ev.(map[string]any)["reason"].(string))
		}
		return g["discharge_reason"].(string), history
	}
	listed := func(key string) string {
		for _, x := range itItems(t, e.get(key, itPath("/v1/clients/%d/enrollments", kimBCS))) {
			if int64(x["id"].(float64)) == enr {
				return x["discharge_reason"].(string)
			}
		}
		t.Fatalf("enrollment %d not listed", enr)
		return ""
	}
	d, h := reasons(keyBCS)
	assert.Equal(t, discharge, d, "under the consent")
	assert.Equal(t, []string{adminReassign, ownReassign}, h)
	assert.Equal(t, discharge, listed(keyBCS))

	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		kimHRA, e.demo.Providers["BCS"])
	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client withdrew it"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	d, h = reasons(keyBCS)
	assert.Equal(t, "withheld: ask the MSC about this", d)
	assert.Equal(t, []string{"withheld: ask the MSC about this", ownReassign}, h, "the agency's own words stay")
	assert.Equal(t, "withheld: ask the MSC about this", listed(keyBCS))
	d, h = reasons(keyAdmin)
	assert.Equal(t, discharge, d, "the MSC reads what it wrote")
	assert.Equal(t, []string{adminReassign, ownReassign}, h)
	assert.Equal(t, discharge, listed(keyAdmin))
}

// A retry is answered with its first answer, less what the consents in
// force now no longer show: BCS's request showed HRA's authorization under
// Kim's consent; once HRA revoked it, the same request with the same
// Idempotency-Key replays the decision (same id, same status, still
// pended) with the reason withheld, as a GET of it reads.
func TestIdempotentReplayWithholdsWhatARevokedConsentShowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim/BCS"]
	body := map[string]any{"client_id": kim, "service_code": "ATR-TR", "units": 10, "start_date": day(0), "end_date": day(29)}
	send := func() resp {
		return e.do(req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyBCS, Body: body, IdemKey: "kim-tr"})
	}
	first := send()
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	v := first.JSON(t)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	require.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		e.demo.Clients["Kim/HRA"]))
	require.Contains(t, string(first.Body), number)

	// Under the consent, the retry is the first answer byte for byte.
	again := send()
	require.Equal(t, http.StatusCreated, again.Status)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))

	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		e.demo.Clients["Kim/HRA"], e.demo.Providers["BCS"])
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client withdrew it"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	after := send()
	require.Equal(t, http.StatusCreated, after.Status, "%s", after.Body)
	assert.Equal(t, "true", after.Header.Get("Idempotent-Replayed"))
	for _, s := range []string{number, "DUPLICATE_SERVICE_OTHER_PROVIDER", "source_provider_id", `"trace"`} {
		assert.NotContains(t, string(after.Body), s, "the retry after the revocation")
	}
	w := after.JSON(t)
	assert.Equal(t, v["id"], w["id"])
	assert.Equal(t, "pended", w["decision"])
	assert.Contains(t, w["reason_codes"], "CONFLICT_ON_FILE")
	get := e.get(keyBCS, itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))).JSON(t)
	assert.Equal(t, get["reason_codes"], w["reason_codes"])
	assert.Equal(t, get["reasons"], w["reasons"])
	var n int
	require.NoError(t, e.db.Get(&n, `SELECT count(*) FROM voucher_requests WHERE client_id = $1 AND service_code = 'ATR-TR'`, kim))
	assert.Equal(t, 1, n, "a retry decides nothing again")
}

// An episode's transport units filled at two other agencies: HRA (whose
// consent names BCS) and LAS (no consent). BCS asking for more than the
// episode's maximum leaves must not learn the totals LAS helped fill: the
// reason is CONFLICT_ON_FILE for BCS, though it may read HRA's records,
// and the reviewer reads EPISODE_UNITS_EXCEEDED naming both agencies.
func TestEpisodeTotalsOfTwoAgenciesNeedBothConsents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, las := e.demo.Clients["Kim/HRA"], e.demo.Providers["LAS"]
	// Kim at LAS too, in the same ATR episode, with a used-up transport
	// authorization that ended yesterday (so no duplicate-service reason
	// quotes it): 170 of the episode's 200 units, HRA's 20 the rest.
	var authID int64
	require.NoError(t, e.db.Get(&authID, `
		WITH k AS (
			SELECT c.*, e.episode_id FROM clients c JOIN enrollments e ON e.client_id = c.id AND e.program_code = 'ATR'
			WHERE c.id = $1
		), c AS (
			INSERT INTO clients (person_id, provider_id, first_name, last_name, date_of_birth, gender, catchment_area,
				substance_use_status, address_line1, city, state, zip)
			SELECT person_id, $2, first_name, last_name, date_of_birth, gender, catchment_area, substance_use_status,
				address_line1, city, state, zip FROM k RETURNING id, person_id
		), en AS (
			INSERT INTO enrollments (client_id, person_id, program_code, provider_id, episode_id, assigned_staff_id,
				primary_case_manager, start_date, planned_end_date)
			SELECT c.id, c.person_id, 'ATR', $2, k.episode_id, (SELECT min(id) FROM staff WHERE provider_id = $2), false,
				$3::date, $4::date FROM c, k RETURNING id, client_id, person_id, episode_id
		), vr AS (
			INSERT INTO voucher_requests (provider_id, client_id, enrollment_id, program_code, service_code, units_requested, rate,
				start_date, end_date, rules_decision, decision, units_granted, granted_start, granted_end, trace, facts,
				rule_set_version, submitted_by, submitted_at, decided_at)
			SELECT $2, en.client_id, en.id, 'ATR', 'ATR-TR', 170, 12.00, $5::date, $6::date, 'approved', 'approved',
				170, $5::date, $6::date, '[]', '{"fixture": true}', 'fixture',
				(SELECT min(id) FROM api_keys WHERE role = 'provider' AND provider_id = $2), now(), now() FROM en RETURNING id
		)
		INSERT INTO authorizations (voucher_request_id, client_id, person_id, provider_id, program_code, service_code, episode_id,
			enrollment_id, units_authorized, units_used, rate, start_date, end_date)
		SELECT vr.id, en.client_id, en.person_id, $2, 'ATR', 'ATR-TR', en.episode_id, en.id, 170, 170, 12.00,
			$5::date, $6::date FROM vr, en RETURNING id`, kimHRA, las, day(-40), day(230), day(-30), day(-1)))
	require.NotZero(t, authID)

	v := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-TR", 20, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	assert.Contains(t, v["reason_codes"], "CONFLICT_ON_FILE", "LAS's units are in the totals, and LAS gave no consent")
	assert.NotContains(t, v["reason_codes"], "EPISODE_UNITS_EXCEEDED")
	assert.NotContains(t, itMustJSON(v), "left of 200", "the totals are not shown")
	assert.NotContains(t, v, "trace")
	id := itNum(t, v, "id")
	get := e.get(keyBCS, itPath("/v1/voucher-requests/%d", id))
	require.Equal(t, http.StatusOK, get.Status)
	assert.NotContains(t, string(get.Body), "EPISODE_UNITS_EXCEEDED")
	assert.NotContains(t, string(get.Body), "left of 200")

	// The reviewer reads the rule, the totals and both agencies.
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id))
	require.Equal(t, http.StatusOK, r.Status)
	var reviewed struct {
		Reasons []struct {
			Code    string  `json:"code"`
			Detail  string  `json:"detail"`
			Source  int64   `json:"source_provider_id"`
			Sources []int64 `json:"source_provider_ids"`
		} `json:"reasons"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &reviewed))
	found := false
	for _, x := range reviewed.Reasons {
		if x.Code == "EPISODE_UNITS_EXCEEDED" {
			found = true
			assert.Contains(t, x.Detail, "left of 200")
			assert.ElementsMatch(t, []int64{e.demo.Providers["HRA"], las}, x.Sources)
			assert.Equal(t, x.Sources[0], x.Source)
		}
	}
	assert.True(t, found, "%s", r.Body)
}

// The GPRA schedule shows a provider its own part of the episode only, or
// another agency's under that agency's consent; never the episode id.
func TestGPRAScheduleShowsOnlyWhatConsentAllows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := float64(e.demo.Providers["HRA"]), float64(e.demo.Providers["BCS"])
	parts := func(key string, client int64) map[float64]map[string]any {
		r := e.get(key, itPath("/v1/clients/%d/gpra-schedule", client))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		out := map[float64]map[string]any{}
		for _, x := range r.JSON(t)["episodes"].([]any) {
			ep := x.(map[string]any)
			out[ep["provider_id"].(float64)] = ep
		}
		return out
	}

	moreau := parts(keyBCS, e.demo.Clients["Moreau/BCS"])
	require.Len(t, moreau, 1, "no consent: BCS sees its own part only")
	require.Contains(t, moreau, bcs)
	assert.NotContains(t, moreau[bcs], "episode_id")
	assert.NotContains(t, itMustJSON(moreau[bcs]), "episode_id")

	kim := parts(keyBCS, e.demo.Clients["Kim/BCS"])
	assert.Contains(t, kim, hra, "Kim's consent lets HRA share her GPRA with BCS")
	assert.Contains(t, kim, bcs)
	assert.NotContains(t, itMustJSON(kim[hra]), "episode_id")
	assert.NotContains(t, itMustJSON(kim[bcs]), "episode_id")
	assert.Positive(t, itAudit(e, "disclose", "gpra_interview", ""), "showing HRA's interviews to BCS is a recorded disclosure")
	// So is showing HRA's stay itself, interviews or none (a stay without
	// one was shown and not recorded: a black-box pass).
	assert.Positive(t, itAudit(e, "disclose", "enrollment", itStr(int64(kim[hra]["enrollment_id"].(float64)))),
		"showing HRA's stay to BCS is a recorded disclosure")

	// HRA sees nothing of BCS's part of Moreau; the MSC sees both, with the episode.
	assert.Len(t, parts(keyHRA, e.demo.Clients["Moreau/HRA"]), 1)
	msc := parts(keyReviewer, e.demo.Clients["Moreau/HRA"])
	require.Len(t, msc, 2)
	assert.Equal(t, msc[hra]["episode_id"], msc[bcs]["episode_id"], "one episode, two agencies' parts")
}

// Every disclosure of a client's record is recorded per client, so an
// admin can answer "to whom was this disclosed" for the person.
func TestDisclosuresAreAccountedPerClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	path := itPath("/v1/clients/%d/disclosures", kimHRA)
	assert.Empty(t, itItems(t, e.get(keyAdmin, path)))

	// BCS reads Kim's enrollments: HRA's are shown under Kim's consent.
	r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d/enrollments", kimBCS), Key: keyBCS,
		Header: map[string]string{"X-Purpose-Of-Use": "care_coordination"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	providers := map[float64]bool{}
	for _, it := range itItems(t, r) {
		providers[it["provider_id"].(float64)] = true
	}
	require.True(t, providers[float64(e.demo.Providers["HRA"])], "Kim's consent shows HRA's enrollment to BCS")

	items := itItems(t, e.get(keyAdmin, path))
	require.Len(t, items, 1)
	d := items[0]
	assert.Equal(t, "provider:"+strconv.FormatInt(e.demo.Providers["BCS"], 10), d["recipient"])
	assert.Equal(t, float64(kimHRA), d["client_id"])
	assert.Equal(t, "enrollments", d["entity_type"])
	assert.Equal(t, "care_coordination", d["purpose"])
	// Asked from any record of the person, the answer is the same.
	assert.Equal(t, items, itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", kimBCS))))
	// BCS reading its own records discloses nothing.
	itItems(t, e.get(keyBCS, itPath("/v1/clients/%d/enrollments", e.demo.Clients["Reyes"])))
	assert.Empty(t, itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", e.demo.Clients["Reyes"]))))

	for _, key := range []string{keyHRA, keyBCS, keyReviewer, keyFinance} {
		requireProblem(t, e.get(key, path), http.StatusForbidden, "forbidden")
	}
	requireProblem(t, e.get(keyAdmin, "/v1/clients/987654/disclosures"), http.StatusNotFound, "not_found")

	// A single record read names the record, not the client record (a
	// black-box pass found the client's id).
	hraEnrollment := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1 ORDER BY id LIMIT 1`, kimHRA)
	r = e.get(keyBCS, itPath("/v1/enrollments/%d", hraEnrollment))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	items = itItems(t, e.get(keyAdmin, path))
	require.Len(t, items, 2)
	assert.Equal(t, "enrollment", items[1]["entity_type"])
	assert.Equal(t, strconv.FormatInt(hraEnrollment, 10), items[1]["entity_id"])

	// A voucher request whose reason quotes HRA's authorization (under
	// Kim's consent) is a disclosure of HRA's record each time BCS is shown
	// it: the answer, a GET and the list; the accounting left these out (a
	// black-box pass).
	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	require.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	require.Contains(t, itMustJSON(v), `"source_provider_id"`)
	id := itNum(t, v, "id")
	quoted := func() int {
		n := 0
		for _, it := range itItems(t, e.get(keyAdmin, path+"?limit=500")) {
			if it["entity_type"] == "voucher_request" && it["entity_id"] == strconv.FormatInt(id, 10) {
				assert.Equal(t, float64(kimHRA), it["client_id"], "HRA's record was disclosed")
				n++
			}
		}
		return n
	}
	assert.Equal(t, 1, quoted(), "the answer")
	e.get(keyBCS, itPath("/v1/voucher-requests/%d", id))
	assert.Equal(t, 2, quoted(), "a GET")
	e.get(keyBCS, itPath("/v1/voucher-requests?client_id=%d", kimBCS))
	assert.Equal(t, 3, quoted(), "the list")
	e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id))
	assert.Equal(t, 3, quoted(), "the MSC's reads disclose nothing")
}

// Reads carry a purpose of use: the role's own, or one the caller states.
func TestReadsRecordTheirPurpose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	purpose := func(key string, header map[string]string) string {
		t.Helper()
		r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d", rivera), Key: key, Header: header})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		var p string
		require.NoError(t, e.db.Get(&p, `SELECT purpose FROM audit_events WHERE request_id = $1 AND action = 'read'`,
			r.Header.Get("X-Request-Id")))
		return p
	}
	assert.Equal(t, "treatment", purpose(keyHRA, nil))
	assert.Equal(t, "payment", purpose(keyReviewer, nil))
	assert.Equal(t, "payment", purpose(keyFinance, nil))
	assert.Equal(t, "operations", purpose(keyAdmin, nil))
	assert.Equal(t, "care_coordination", purpose(keyHRA, map[string]string{"X-Purpose-Of-Use": "care_coordination"}))
	itNothingWritten(t, e, func() {
		r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d", rivera), Key: keyHRA,
			Header: map[string]string{"X-Purpose-Of-Use": "marketing"}})
		requireProblem(t, r, http.StatusBadRequest, "invalid_purpose")
	})
}

// A text the MSC wrote naming an agency that kept no record of the person
// then is read as written after that agency registers the person: it was
// withheld from that day, telling the reader the person was now known
// there and which agency its text had named (a Part 2 black-box pass).
func TestMSCTextStaysAsWrittenWhenTheAgencyItNamesRegistersThePersonLater(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-5))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 4, 0, 20)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	authPath := itPath("/v1/authorizations/%d", itNum(t, v, "authorization_id"))
	var bcsName string
	require.NoError(t, e.db.Get(&bcsName, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers["BCS"]))
	reason := "Voided: if she moves south, " + bcsName + " would take this on."
	r := e.post(keyReviewer, authPath+"/void", map[string]any{"reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "BCS keeps no record of the person: %s", r.Body)
	require.Equal(t, reason, e.get(keyHRA, authPath).JSON(t)["void_reason"])

	var p struct {
		First string `db:"first_name"`
		Last  string `db:"last_name"`
	}
	require.NoError(t, e.db.Get(&p, `SELECT first_name, last_name FROM clients WHERE id = $1`, c.Client))
	r = e.post(keyBCS, "/v1/clients", map[string]any{"first_name": p.First, "last_name": p.Last, "date_of_birth": "1990-04-12",
		"gender": "F", "catchment_area": "bridgeport"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, 1, e.count(`SELECT count(DISTINCT person_id) FROM clients WHERE id IN ($1, $2)`, c.Client, itID(t, r)), "one person")

	a := e.get(keyHRA, authPath).JSON(t)
	assert.Equal(t, reason, a["void_reason"], "as the agency read it before")
	for _, ev := range a["events"].([]any) {
		assert.NotEqual(t, "withheld: ask the MSC about this", ev.(map[string]any)["reason"])
	}
}

// An admin's discharge or reassignment reason is MSC text the agency reads
// word for word: naming another agency that serves the person, with no
// consent naming the agency, is refused as a reviewer's note is (a Part 2
// black-box pass read another agency's name, staff and PA number in them).
func TestAdminEnrollmentReasonMayNotNameAnUnconsentedAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim/HRA"]
	enr := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1 AND discharge_date IS NULL ORDER BY id LIMIT 1`, kim)
	var bcsName string
	require.NoError(t, e.db.Get(&bcsName, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers["BCS"]))
	require.NotZero(t, e.count(`SELECT count(*) FROM clients c JOIN clients k ON k.person_id = c.person_id
		WHERE c.id = $1 AND k.provider_id = $2`, kim, e.demo.Providers["BCS"]), "BCS serves Kim")
	staff := itFixtureID(t, e, `SELECT id FROM staff WHERE provider_id = $1 AND id <> COALESCE((SELECT assigned_staff_id FROM enrollments
		WHERE id = $2), 0) ORDER BY id LIMIT 1`, e.demo.Providers["HRA"], enr)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, itPath("/v1/enrollments/%d/reassign", enr),
			map[string]any{"staff_id": staff, "reason": "Reassigned: " + bcsName + " also serves her now"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "names_another_agency", itFieldCode(p, "reason"))
		p = requireProblem(t, e.post(keyAdmin, itPath("/v1/enrollments/%d/discharge", enr),
			map[string]any{"discharge_date": day(0), "reason_code": "transferred", "reason": "Moved to " + bcsName}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "names_another_agency", itFieldCode(p, "reason"))
	})
}

// A withdrawal's answer shows the request's reasons as a GET does: one
// quoting another agency's authorization under its consent is a recorded
// disclosure, and the withdrawal retried with its key after the consent
// is revoked reads the reason withheld. A Part 2 black-box pass found the
// answer unrecorded and its replay showing the authorization after the
// revocation.
func TestWithdrawalAnswerIsADisclosureAndItsReplayWithholds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimBCS, kimHRA := e.demo.Clients["Kim/BCS"], e.demo.Clients["Kim/HRA"]
	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	require.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	id := itNum(t, v, "id")
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, kimHRA))
	disclosed := func() int {
		return e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND entity_type = 'voucher_request'
			AND entity_id = $1 AND client_id = $2`, itStr(id), kimHRA)
	}
	before := disclosed()
	withdraw := func() resp {
		return e.do(req{Method: http.MethodPost, Path: itPath("/v1/voucher-requests/%d/withdraw", id), Key: keyBCS,
			Body: map[string]any{"reason": "asked for the wrong service"}, IdemKey: "kim-tr-withdraw"})
	}
	first := withdraw()
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	require.Contains(t, string(first.Body), number, "shown under HRA's consent")
	assert.Equal(t, before+1, disclosed(), "the answer showed HRA's authorization: a disclosure")

	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		kimHRA, e.demo.Providers["BCS"])
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client withdrew it"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	after := withdraw()
	require.Equal(t, http.StatusOK, after.Status, "%s", after.Body)
	assert.Equal(t, "true", after.Header.Get("Idempotent-Replayed"))
	for _, s := range []string{number, "DUPLICATE_SERVICE_OTHER_PROVIDER", "source_provider_id", `"trace"`} {
		assert.NotContains(t, string(after.Body), s, "the retry after the revocation")
	}
	w := after.JSON(t)
	assert.Equal(t, "withdrawn", w["decision"])
	assert.Contains(t, w["reason_codes"], "CONFLICT_ON_FILE")
	assert.Equal(t, before+1, disclosed(), "the withheld replay discloses nothing")
}

// A text on another agency's record, read under that agency's consent,
// was checked for that agency alone: an admin's reassignment reason on
// BCS's enrollment naming HRA (whose consent names BCS) reached ECRA,
// reading the enrollment under BCS's consent, though HRA never consented
// to ECRA (a Part 2 black-box pass). ECRA reads it withheld, and no
// disclosure of HRA's records to ECRA is recorded; BCS reads it as written.
func TestMSCTextOnAnotherAgencysRecordNamingAThirdIsWithheld(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	hraName := agencyName(t, e, "HRA")
	registerAt(t, e, keyECRA, kimBCS, "norwich")
	consentTo(t, e, keyBCS, kimBCS, "ECRA")

	enr := enrollmentOf(e, kimBCS, "ATR")
	path := itPath("/v1/enrollments/%d", enr)
	reason := "Moved to Baptiste: " + hraName + " asked for a new case manager."
	r := e.post(keyAdmin, path+"/reassign", map[string]any{"staff_id": e.demo.Staff["Baptiste"], "reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "HRA's consent names BCS: %s", r.Body)

	history := func(key string) []string { return historyReasons(t, e, key, path) }
	assert.Equal(t, []string{reason}, history(keyBCS))
	assert.Equal(t, []string{"withheld: ask the MSC about this"}, history(keyECRA), "HRA never consented to ECRA")
	assert.Zero(t, e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND client_id = $1
		AND recipient LIKE 'provider:' || $2`, kimHRA, e.demo.Providers["ECRA"]), "nothing of HRA's shown to ECRA")
	assert.Equal(t, []string{reason}, history(keyAdmin))

	// A text naming an agency that keeps no record of the person is
	// withheld from the start, so nothing changes the day that agency
	// registers the person (read among those keeping one, it turned
	// withheld that day, and told ECRA the person was now served there: a
	// re-check).
	second := "Back to Ibrahim: " + agencyName(t, e, "PWE") + " will call."
	r = e.post(keyAdmin, path+"/reassign", map[string]any{"staff_id": e.demo.Staff["Ibrahim"], "reason": second})
	require.Equal(t, http.StatusOK, r.Status, "PWE keeps no record of her: %s", r.Body)
	withheld := []string{"withheld: ask the MSC about this", "withheld: ask the MSC about this"}
	assert.Equal(t, withheld, history(keyECRA))
	// A program only PWE delivers, said in a text before PWE enrolls her,
	// reads the same after: what comes of PWE's records of her is no mark
	// of PWE on another agency's record (it turned withheld the day PWE
	// enrolled her: a re-check).
	third := "Back to Baptiste: she also attends EMP groups."
	r = e.post(keyAdmin, path+"/reassign", map[string]any{"staff_id": e.demo.Staff["Baptiste"], "reason": third})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	shown := append(slices.Clone(withheld), third)
	assert.Equal(t, shown, history(keyECRA))
	pwe := registerAt(t, e, keyPWE, kimBCS, "waterbury")
	assert.Equal(t, shown, history(keyECRA), "the same once PWE registers her")
	// PWE consenting to ECRA once and revoking changes nothing either (read
	// by its records after the revocation, it turned withheld the day PWE
	// enrolled her: a re-check).
	r = e.post(keyPWE, itPath("/v1/consents/%d/revoke", consentTo(t, e, keyPWE, pwe, "ECRA")), map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyPWE, "/v1/enrollments", map[string]any{"client_id": pwe, "program_code": "EMP", "start_date": day(0),
		"planned_end_date": day(90), "assigned_staff_id": e.demo.Staff["Ferreira"]})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, shown, history(keyECRA), "the same once PWE enrolls her in EMP")
	assert.Equal(t, []string{reason, second, third}, history(keyBCS))
}

// An admin's reason the agency reads word for word among its consents or
// its withdrawn program records is refused when it names an agency that
// keeps a record of the person and has not consented to the reader, as
// the other admin texts are (a Part 2 black-box pass read another
// agency's name, code and authorization number in all three). Nothing is
// written; a reason that names no one goes through.
func TestAdminReasonsTheAgencyReadsNameNoUnconsentedAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	known := func(client int64) { registerAt(t, e, keyECRA, client, "norwich") }
	naming := agencyName(t, e, "ECRA") + " reported otherwise"
	refusedThenDone := func(path string) {
		t.Helper()
		before := e.count(`SELECT count(*) FROM audit_events`)
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": naming}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, before, e.count(`SELECT count(*) FROM audit_events`), "nothing written")
		r := e.post(keyAdmin, path, map[string]any{"reason": "keyed in error"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}

	ramos := e.demo.Clients["Ramos"]
	known(ramos)
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/employment-stages", enrollmentOf(e, ramos, "EMP")),
		map[string]any{"stage": "work_for_a_day", "effective_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	refusedThenDone(itPath("/v1/employment-stage-changes/%d/withdraw", itID(t, r)))

	reyes := e.demo.Clients["Reyes"]
	known(reyes)
	screens := itItems(t, e.get(keyBCS, itPath("/v1/enrollments/%d/drug-screens", enrollmentOf(e, reyes, "RSVP"))))
	require.NotEmpty(t, screens)
	refusedThenDone(itPath("/v1/drug-screens/%d/withdraw", int64(screens[0]["id"].(float64))))

	kimHRA := e.demo.Clients["Kim/HRA"]
	known(kimHRA)
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		kimHRA, e.demo.Providers["BCS"])
	refusedThenDone(itPath("/v1/consents/%d/revoke", consent))
}

// An admin's revocation reason on HRA's consent is checked for HRA as the
// reader, but BCS reads HRA's consents under HRA's consent naming it: a
// reason naming ECRA, which consented to HRA and never to BCS, is
// withheld from BCS, as the other MSC texts are (it told BCS that ECRA
// serves the person: a review).
func TestRevocationReasonNamingAThirdAgencyIsWithheldFromTheRecipient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	ecraName := agencyName(t, e, "ECRA")
	kimECRA := registerAt(t, e, keyECRA, kimBCS, "norwich")
	// ECRA consents to HRA (not to BCS).
	consentTo(t, e, keyECRA, kimECRA, "HRA")
	// A second consent of HRA's, to the payer, which the admin revokes.
	r := e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kimHRA, "recipient_type": "payer",
		"recipient_name": "Medicaid", "payer_route": "medicaid_837p", "purposes": []string{"payment"}, "information": "claims",
		"signed_on": day(0), "expires_on": day(30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	payer := itID(t, r)
	reason := "Client asked at " + ecraName + " to stop billing"
	r = e.post(keyAdmin, itPath("/v1/consents/%d/revoke", payer), map[string]any{"reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "ECRA consented to HRA, so the check for HRA passes: %s", r.Body)

	got := e.get(keyBCS, itPath("/v1/clients/%d/consents", kimBCS))
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	for _, c := range itItems(t, got) {
		if int64(c["id"].(float64)) == payer {
			assert.Equal(t, "withheld: ask the MSC about this", c["revocation_reason"], "ECRA never consented to BCS")
			mine := e.get(keyHRA, itPath("/v1/clients/%d/consents", kimHRA))
			assert.Contains(t, string(mine.Body), reason, "HRA reads it: ECRA's consent names HRA")
			return
		}
	}
	t.Fatalf("BCS does not see HRA's revoked payer consent: %s", got.Body)
}

// agencyName is the demo agency's name, as a text naming it writes it.
func agencyName(t *testing.T, e *env, code string) string {
	t.Helper()
	var name string
	require.NoError(t, e.db.Get(&name, `SELECT name FROM providers WHERE id = $1`, e.demo.Providers[code]))
	return name
}

// registerAt registers the person of client at the agency whose key is
// given, as its own record, and returns its id.
func registerAt(t *testing.T, e *env, key string, client int64, area string) int64 {
	t.Helper()
	id := identityOf(t, e, client)
	r := e.post(key, "/v1/clients", map[string]any{"first_name": id.First, "last_name": id.Last,
		"date_of_birth": id.DOB.String(), "catchment_area": area})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(t, r)
}

// A text on another agency's record is read against the agencies keeping
// no record of the person by what names them beyond doubt only: BCS's own
// recovery specialist Morgan, named by role and given name in an admin's
// reason on BCS's enrollment, was read as LAS's Morgan Hale and withheld
// from ECRA reading it under BCS's consent (a review).
func TestOwnersStaffOnItsRecordAreNotAnotherAgencys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimBCS := e.demo.Clients["Kim/BCS"]
	registerAt(t, e, keyECRA, kimBCS, "norwich")
	consentTo(t, e, keyBCS, kimBCS, "ECRA")

	enr := enrollmentOf(e, kimBCS, "ATR")
	path := itPath("/v1/enrollments/%d", enr)
	// BCS's own recovery specialist is Morgan Quinn; LAS (no record of
	// Kim, no tie to her) has a case manager Morgan Hale.
	reason := "Moved to Baptiste; recovery specialist Morgan will call her."
	r := e.post(keyAdmin, path+"/reassign", map[string]any{"staff_id": e.demo.Staff["Baptiste"], "reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	history := func(key string) []string { return historyReasons(t, e, key, path) }
	assert.Equal(t, []string{reason}, history(keyBCS))
	assert.Equal(t, []string{reason}, history(keyECRA),
		"BCS's own staff, on BCS's record, read by ECRA under BCS's consent: nothing of LAS is in it")
}

// An agency's own revocation reason on its own consent, naming the
// consent's own recipient, stays as written for it, and its reading
// records no disclosure: read as another agency's, it was withheld from
// its author once the recipient's consent back to it was revoked, and a
// disclosure of the recipient's record to it was recorded (a review).
func TestOwnRevocationReasonStaysAsWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	ecraName := agencyName(t, e, "ECRA")
	kimECRA := registerAt(t, e, keyECRA, kimBCS, "norwich")
	// ECRA consents to HRA, then the client revokes it.
	ecraToHRA := consentTo(t, e, keyECRA, kimECRA, "HRA")
	// HRA consents to ECRA.
	hraToECRA := consentTo(t, e, keyHRA, kimHRA, "ECRA")

	// While ECRA's consent to HRA is in force, HRA reading its own words
	// records a disclosure of ECRA's records to HRA.
	reason := "Client asked that " + ecraName + " no longer receive her records"
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", hraToECRA), map[string]any{"reason": reason})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	before := e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND client_id = $1 AND recipient = 'provider:' || $2`,
		kimECRA, e.demo.Providers["HRA"])
	e.get(keyHRA, itPath("/v1/clients/%d/consents", kimHRA))
	after := e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND client_id = $1 AND recipient = 'provider:' || $2`,
		kimECRA, e.demo.Providers["HRA"])
	assert.Equal(t, before, after, "no disclosure of ECRA's record from HRA reading its own consents")

	r = e.post(keyECRA, itPath("/v1/consents/%d/revoke", ecraToHRA), map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	got := e.get(keyHRA, itPath("/v1/clients/%d/consents", kimHRA))
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	for _, c := range itItems(t, got) {
		if int64(c["id"].(float64)) == hraToECRA {
			assert.Equal(t, reason, c["revocation_reason"], "HRA's own words on HRA's own consent (its recipient ECRA on the same row)")
			return
		}
	}
	t.Fatalf("HRA does not see its own consent: %s", got.Body)
}

// On BCS's record, read by ECRA under BCS's consent, HRA (which keeps a
// record of Kim and never consented to ECRA) named by its dotted code,
// its provider id, a staff member's whole name or its authorization
// number for Kim is withheld: read by its code, name and numbers alone,
// each was shown (a review). Each passed the write-time check for BCS.
func TestThirdAgencyOnAnotherAgencysRecordIsReadByItsStableMarks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	registerAt(t, e, keyECRA, kimBCS, "norwich")
	consentTo(t, e, keyBCS, kimBCS, "ECRA")
	var authNumber string
	require.NoError(t, e.db.Get(&authNumber, `SELECT number FROM authorizations WHERE client_id = $1 ORDER BY id LIMIT 1`, kimHRA))

	path := itPath("/v1/enrollments/%d", enrollmentOf(e, kimBCS, "ATR"))
	reasons := []string{
		"Moved to Baptiste: H.R.A. asked for a new case manager.",
		"Back to Ibrahim: provider " + strconv.FormatInt(e.demo.Providers["HRA"], 10) + " holds her transport.",
		"Moved to Baptiste: Grace Okafor will call her.",
		"Back to Ibrahim: duplicate of authorization " + authNumber + ".",
	}
	staff := []string{"Baptiste", "Ibrahim"}
	for i, reason := range reasons {
		r := e.post(keyAdmin, path+"/reassign", map[string]any{"staff_id": e.demo.Staff[staff[i%2]], "reason": reason})
		require.Equal(t, http.StatusOK, r.Status, "passes the check for BCS: %q %s", reason, r.Body)
	}
	got := e.get(keyECRA, path)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	for i, ev := range got.JSON(t)["history"].([]any) {
		assert.Equal(t, "withheld: ask the MSC about this", ev.(map[string]any)["reason"], "ECRA reads HRA in %q", reasons[i])
	}
}

// historyReasons are the reasons of an enrollment's history as key reads
// them.
func historyReasons(t *testing.T, e *env, key, path string) []string {
	t.Helper()
	got := e.get(key, path)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	var out []string
	for _, ev := range got.JSON(t)["history"].([]any) {
		out = append(out, ev.(map[string]any)["reason"].(string))
	}
	return out
}

// consentTo signs the consent of key's agency naming the agency of code
// for its record of client, disclosing its enrollments, and returns its id.
func consentTo(t *testing.T, e *env, key string, client int64, code string) int64 {
	t.Helper()
	r := e.post(key, "/v1/consents", map[string]any{"client_id": client, "recipient_type": "provider",
		"recipient_provider_id": e.demo.Providers[code], "recipient_name": code, "purposes": []string{"treatment"},
		"records": []string{"enrollments"}, "information": "her stays with us", "signed_on": day(0), "expires_on": day(90)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(t, r)
}

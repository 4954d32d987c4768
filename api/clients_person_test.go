package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An agency registering, under another name, a person it already holds a
// record of, whom another agency's record links to both, is answered as if
// no other agency knew the person: a new record (201). It was a 500
// (clients_one_record_per_agency) only when another agency had linked the
// two, so the answer told it so, and the client could never be registered
// (a black-box pass). Both directions: the link by Medicaid ID from the
// other agency's record, and by name.
func TestRegistrationReadsAlikeKnownOrNot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := func(first, last, medicaid string) map[string]any {
		c := map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1991-03-03", "gender": "U", "catchment_area": "hartford"}
		if medicaid != "" {
			c["medicaid_id"] = medicaid
		}
		return c
	}
	register := func(key string, body map[string]any) int {
		t.Helper()
		r := e.post(key, "/v1/clients", body)
		assert.NotEqual(t, http.StatusInternalServerError, r.Status, "%s", r.Body)
		return r.Status
	}
	for name, steps := range map[string][3]map[string]any{
		"linked by the Medicaid ID": {client("Kim", "Marlowe", "CTKM000001"), client("Kimberly", "Marlowe", "CTKM000001"),
			client("Kimberly", "Marlowe", "")},
		"linked by the name": {client("Pat", "Quill", ""), client("Pat", "Quill", "CTPQ000001"), client("Patricia", "Quill", "CTPQ000001")},
	} {
		// Known: BCS registered the person between HRA's two registrations.
		assert.Equal(t, http.StatusCreated, register(keyHRA, steps[0]), name)
		assert.Equal(t, http.StatusCreated, register(keyBCS, steps[1]), name)
		known := register(keyHRA, steps[2])
		// A stranger: the same for a person no other agency knows.
		stranger := func(c map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range c {
				out[k] = v
			}
			out["last_name"] = c["last_name"].(string) + "son"
			if m, ok := c["medicaid_id"].(string); ok {
				out["medicaid_id"] = m[:len(m)-1] + "9"
			}
			return out
		}
		assert.Equal(t, http.StatusCreated, register(keyHRA, stranger(steps[0])), name)
		alone := register(keyHRA, stranger(steps[2]))
		assert.Equal(t, alone, known, "%s: known or not, the same answer", name)
		assert.Equal(t, http.StatusCreated, known, name)
	}
}

// A Medicaid ID of few digits, as the placeholders agencies key (TBD774,
// PENDING17), joins two agencies' records into one person only beside a
// first name that agrees: shared by two people born the same day
// whose names differ, it made them one person, and the second agency's
// request pended CONFLICT_ON_FILE where a stranger's was approved (42 CFR
// Part 2; re-checks); a name held inside another (Al in Walter) joined
// strangers too. An ID of Medicaid's own length joins on its own: a
// nickname and a married name at two agencies are one person, caps shared.
func TestMedicaidIDJoinsAPersonOnlyBesideAName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	register := func(key, first, last, medicaid string) int64 {
		t.Helper()
		r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1970-01-01",
			"catchment_area": "hartford", "medicaid_id": medicaid})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, itID(t, r)))
	}
	one := register(keyHRA, "Pat", "One", "TBD774")
	assert.NotEqual(t, one, register(keyBCS, "Lee", "Two", "TBD774"), "no name alike: two people")
	al := register(keyHRA, "Al", "Smith", "PENDING17")
	assert.NotEqual(t, al, register(keyBCS, "Walter", "Jones", "PENDING17"), "a name inside another is no agreement")
	// A last name agreeing alone is a family's: twins keyed under one
	// placeholder were joined, and the MSC could not part them while they
	// shared it (a black-box pass of the forty-fourth stop).
	tom := register(keyHRA, "Tom", "Twinn", "WAIT864")
	assert.NotEqual(t, tom, register(keyBCS, "Tim", "Twinn", "WAIT864"), "twins: the last name alone is no agreement")
	kim := register(keyHRA, "Kim", "Marlowe", "CT1379")
	assert.Equal(t, kim, register(keyBCS, "Kim", "Marlow", "CT1379"), "the first name agrees: one person")
	kate := register(keyHRA, "Katherine", "Hale", "CT13572468")
	assert.Equal(t, kate, register(keyBCS, "Kate", "Moss", "CT13572468"), "a full Medicaid ID joins on its own")
	// Padded with zeros or one digit, a placeholder of Medicaid's length
	// joins only beside a name too (a re-check of the forty-third stop).
	pat := register(keyHRA, "Pat", "Three", "TBD0000001")
	assert.NotEqual(t, pat, register(keyBCS, "Lee", "Four", "TBD0000001"), "a zero-padded placeholder: two people")
	pend := register(keyHRA, "Ann", "Five", "PEND1111112")
	assert.Equal(t, pend, register(keyBCS, "Ann", "Sixth", "PEND1111112"), "beside a first name that agrees, one person")
	padded := register(keyHRA, "Bob", "Seven", "TBD0000012")
	assert.NotEqual(t, padded, register(keyBCS, "Cy", "Eight", "TBD0000012"), "the zeros before its digits are padding")
	// At the agency itself, a weak ID under another name is another
	// person's: it read as the first one's record (a 200), whatever the
	// name (a re-check of the forty-third stop).
	r := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Dee", "last_name": "Nine", "date_of_birth": "1970-01-01",
		"catchment_area": "hartford", "medicaid_id": "TBD0000012"})
	p := requireProblem(t, r, http.StatusConflict, "medicaid_id_in_use")
	assert.Contains(t, p["detail"], "under another name")
	r = e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Rob", "last_name": "Seven", "date_of_birth": "1970-01-01",
		"catchment_area": "hartford", "medicaid_id": "TBD0000012"})
	requireProblem(t, r, http.StatusConflict, "medicaid_id_in_use") // Bob's twin
	r = e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Bob", "last_name": "Seven", "date_of_birth": "1970-01-01",
		"catchment_area": "hartford", "medicaid_id": "TBD0000012"})
	assert.Equal(t, http.StatusOK, r.Status, "the same person again is the record on file: %s", r.Body)
}

// A person is matched by the letters and digits of the name, case folded:
// each agency writes an apostrophe, a hyphen or a space its own way, and
// "O'Brien" and "OBrien", "Garcia-Lopez" and "Garcia Lopez", "Mary Ann"
// and "Maryann" made two persons, each with caps of its own, and the
// agency's own second spelling a second record (a clients black-box
// pass). Names that differ in a letter stay apart.
func TestRegistrationMatchesANameHoweverPunctuated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	person := func(id int64) int64 {
		t.Helper()
		return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, id))
	}
	register := func(key, first, last string) (int, int64) {
		t.Helper()
		r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1990-03-07",
			"gender": "U", "catchment_area": "bridgeport"})
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, r.Status, "%s", r.Body)
		return r.Status, itID(t, r)
	}
	for _, tc := range []struct{ first, last, first2, last2 string }{
		{"Sean", "O'Brienfour", "Sean", "OBrienfour"},
		{"Ana", "Garcia-Lopezfive", "Ana", "Garcia Lopezfive"},
		{"Mary Ann", "Tenth", "Maryann", "Tenth"},
		{"J.R.", "Eleventh", "JR", "ELEVENTH"},
	} {
		_, atBCS := register(keyBCS, tc.first, tc.last)
		status, atHRA := register(keyHRA, tc.first2, tc.last2)
		assert.Equal(t, http.StatusCreated, status, "a new record for HRA, as for a stranger")
		assert.Equal(t, person(atBCS), person(atHRA), "%s %s and %s %s are one person", tc.first, tc.last, tc.first2, tc.last2)
		status, again := register(keyHRA, tc.first, tc.last)
		assert.Equal(t, http.StatusOK, status, "HRA's own record under the other spelling")
		assert.Equal(t, atHRA, again)
	}
	_, a := register(keyBCS, "Lee", "Obrien")
	_, b := register(keyHRA, "Lee", "Obrian")
	assert.NotEqual(t, person(a), person(b), "a letter apart is another person")
}

// An agency holding two records whose names now fold to one (registered
// as "O'Brien" and "OBrien" before migration 00106 matched them) is
// answered, re-sending one, with the record spelled as sent: it was the
// lower id whichever was sent (a review of the change).
func TestReRegistrationAnswersTheRecordSpelledAsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	register := func(last string) (int, int64) {
		t.Helper()
		r := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Sean", "last_name": last, "date_of_birth": "1990-03-07",
			"gender": "U", "catchment_area": "hartford"})
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, r.Status, "%s", r.Body)
		return r.Status, itID(t, r)
	}
	_, first := register("O'Brienrs")
	// The second record "OBrienrs" made before migration 00106.
	var second int64
	require.NoError(t, e.db.GetContext(t.Context(), &second, `WITH p AS (INSERT INTO persons DEFAULT VALUES RETURNING id)
		INSERT INTO clients (person_id, provider_id, first_name, last_name, date_of_birth, gender, catchment_area, substance_use_status)
		SELECT p.id, c.provider_id, c.first_name, 'OBrienrs', c.date_of_birth, c.gender, c.catchment_area, c.substance_use_status
		FROM clients c, p WHERE c.id = $1 RETURNING id`, first))
	for last, want := range map[string]int64{"OBrienrs": second, "O'Brienrs": first, "obrienrs": second} {
		status, got := register(last)
		assert.Equal(t, http.StatusOK, status, last)
		assert.Equal(t, want, got, "%s: the record spelled as sent", last)
	}
}

// A name holds a letter: "." or "-" for a name not known named no one,
// and with names matched by their letters and digits every such name
// matched every other of a birth date, two agencies' strangers one
// person (a clients re-check). Refused, it writes nothing.
func TestRegistrationNameHoldsALetter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, name := range [][2]string{{".", "Nakamura"}, {"Sean", "-"}, {"?", "!"}, {"Lee", "123"}} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, "/v1/clients", map[string]any{"first_name": name[0], "last_name": name[1],
				"date_of_birth": "1990-03-07", "catchment_area": "hartford"}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Contains(t, fmt.Sprint(p["errors"]), "must hold a letter", "%v", name)
		})
	}
}

// Another agency registering the person with a Medicaid ID an earlier
// span of the first agency's record held joins that person, as one with
// the ID on file does: it made a person of its own, caps and duplicate
// checks not shared (a clients re-check).
func TestRegistrationMatchesAMedicaidIDOfAnEarlierSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := func(first, medicaid string) map[string]any {
		return map[string]any{"first_name": first, "last_name": "Okonkwo", "date_of_birth": "1981-02-03", "catchment_area": "hartford",
			"medicaid_id": medicaid}
	}
	r := e.post(keyHRA, "/v1/clients", body("Nia", "CT71000001"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	atHRA := itID(t, r)
	spans := itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/eligibility", atHRA)))
	require.Len(t, spans, 1)
	r = e.post(keyHRA, itPath("/v1/clients/%d/eligibility/%d/end", atHRA, int64(spans[0]["id"].(float64))), map[string]any{"end_date": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/clients/%d/eligibility", atHRA), map[string]any{"medicaid_id": "CT71000002", "start_date": day(1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	person := func(id int64) int { return e.count(`SELECT person_id FROM clients WHERE id = $1`, id) }
	// By name and the old ID, and by the old ID under another first name.
	for key, first := range map[string]string{keyBCS: "Nia", keyECRA: "Niamh"} {
		r = e.post(key, "/v1/clients", body(first, "CT71000001"))
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		assert.Equal(t, person(atHRA), person(itID(t, r)), "%s: the person whose earlier span held the ID", first)
	}
}

// itATRAt makes client ready for ATR vouchers at the agency of key, as
// itATRClient does for HRA: an ATR enrollment from start (primary case
// manager as asked, staff assigned), a payment consent to the MSC, the intake GPRA on
// start and a care plan with case management and transportation. It
// returns the enrollment.
func itATRAt(t *testing.T, e *env, key string, client, staff int64, start string, primary bool) int64 {
	t.Helper()
	r := e.post(key, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "assigned_staff_id": staff,
		"primary_case_manager": primary, "start_date": start})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	enr := itID(t, r)
	r = e.post(key, "/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": start, "expires_on": day(365)})
	require.Equal(t, http.StatusCreated, r.Status, "consent: %s", r.Body)
	r = e.post(key, "/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": start})
	require.Equal(t, http.StatusCreated, r.Status, "intake: %s", r.Body)
	r = e.post(key, "/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": start, "end_date": day(300), "services": []map[string]any{{"service_code": "ATR-CM"}, {"service_code": "ATR-TR"}}})
	require.Equal(t, http.StatusCreated, r.Status, "care plan: %s", r.Body)
	return enr
}

// A Medicaid ID mistyped into another person's, born the same day, joined
// BCS's record of Bob to HRA's person Ann for good: the two shared
// episodes, caps, the duplicate-service check and the primary case
// manager designation, Bob's requests were pended and denied
// CONFLICT_ON_FILE for Ann's care, and BCS's correction of the ID left
// them joined (a clients black-box pass). The MSC separates the record:
// Bob's stay, with its interview and authorization, leaves Ann's episode
// for one of his own, and his requests are judged as a stranger's; Ann's
// episode, caps and authorizations are as they were, BCS reads its record
// as before, and a later registration by the mistyped ID does not join
// Bob's person.
func TestSeparateARecordJoinedByAMistypedMedicaidID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	register := func(key, first, last, medicaid string) int64 {
		t.Helper()
		body := map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1982-08-08", "catchment_area": "bridgeport"}
		if medicaid != "" {
			body["medicaid_id"] = medicaid
		}
		r := e.post(key, "/v1/clients", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	person := func(id int64) int { return e.count(`SELECT person_id FROM clients WHERE id = $1`, id) }
	ann := register(keyHRA, "Ann", "Alpha", "AL12340001")
	bob := register(keyBCS, "Bob", "Beta", "AL12340001")
	require.Equal(t, person(ann), person(bob), "joined by the mistyped ID")

	annStay := itATRAt(t, e, keyHRA, ann, e.demo.Staff["Okafor"], day(-30), true)
	annTR := itVoucher(t, e, keyHRA, ann, "ATR-TR", 10, 0, 30)
	require.Equal(t, "approved", annTR["decision"], "%v", annTR)
	bobStay := itATRAt(t, e, keyBCS, bob, e.demo.Staff["Ibrahim"], day(-10), true)
	annEpisode := e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, annStay)
	require.Equal(t, annEpisode, e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, bobStay), "one episode")
	bobTR := itVoucher(t, e, keyBCS, bob, "ATR-TR", 10, 35, 45)
	require.Equal(t, "approved", bobTR["decision"], "days Ann's authorization leaves: %v", bobTR)
	pended := itVoucher(t, e, keyBCS, bob, "ATR-TR", 10, 1, 30)
	require.Equal(t, "pended", pended["decision"])
	require.Equal(t, []string{"CONFLICT_ON_FILE"}, reasonCodes(pended), "Ann's authorization, another agency's record")
	denied := itVoucher(t, e, keyBCS, bob, "ATR-CM", 10, 1, 30)
	require.Equal(t, "denied", denied["decision"])
	require.Equal(t, []string{"CONFLICT_ON_FILE"}, reasonCodes(denied), "Ann's designation, another agency's record")

	path := itPath("/v1/clients/%d/separate", bob)
	// Not before the ID is corrected: a registration would join them again.
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "Bob is not Ann"}), http.StatusConflict, "medicaid_id_shared")
	})
	spans := itItems(t, e.get(keyBCS, itPath("/v1/clients/%d/eligibility", bob)))
	require.Len(t, spans, 1)
	r := e.post(keyBCS, itPath("/v1/clients/%d/eligibility/%d/end", bob, int64(spans[0]["id"].(float64))), map[string]any{"end_date": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyBCS, itPath("/v1/clients/%d/eligibility", bob), map[string]any{"medicaid_id": "BETA00002", "start_date": day(1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, person(ann), person(bob), "the correction alone leaves them joined")

	// Refused, writing nothing: another role, no reason.
	itNothingWritten(t, e, func() {
		for _, key := range []string{keyBCS, keyHRA, keyReviewer, keyFinance} {
			requireProblem(t, e.post(key, path, map[string]any{"reason": "Bob is not Ann"}), http.StatusForbidden, "forbidden")
		}
		p := requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": " "}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "reason"))
		requireProblem(t, e.post(keyAdmin, "/v1/clients/999999/separate", map[string]any{"reason": "x"}), http.StatusNotFound, "not_found")
	})

	// What Ann's side holds, and what BCS reads of its own record.
	annRows := func() string {
		var s string
		require.NoError(t, e.db.GetContext(t.Context(), &s, `SELECT concat_ws('|',
			(SELECT row(e.*)::text FROM episodes e WHERE e.id = $1),
			(SELECT string_agg(row(a.*)::text, ';' ORDER BY a.id) FROM authorizations a WHERE a.client_id = $2),
			(SELECT string_agg(row(x.*)::text, ';' ORDER BY x.id) FROM enrollments x WHERE x.client_id = $2),
			(SELECT count(*) FROM episode_cap_raises WHERE episode_id = $1), (SELECT count(*) FROM episode_unit_maxima WHERE episode_id = $1))`,
			annEpisode, ann))
		return s
	}
	bcsReads := func() []string {
		var out []string
		for _, p := range []string{itPath("/v1/clients/%d", bob), itPath("/v1/clients/%d/enrollments", bob),
			itPath("/v1/enrollments/%d", bobStay), itPath("/v1/authorizations/%d", itNum(t, bobTR, "authorization_id"))} {
			r := e.get(keyBCS, p)
			require.Equal(t, http.StatusOK, r.Status, "%s: %s", p, r.Body)
			out = append(out, string(r.Body))
		}
		return out
	}
	annBefore, bcsBefore := annRows(), bcsReads()
	disclosures := e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose'`)

	r = e.post(keyAdmin, path, map[string]any{"reason": "Bob Beta is not Ann Alpha: BCS keyed her Medicaid ID"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, float64(bob), got["id"])
	assert.NotEqual(t, float64(person(ann)), got["person_id"], "a person of its own")
	assert.Equal(t, float64(person(bob)), got["person_id"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM clients WHERE person_id = $1`, person(bob)))

	bobEpisode := e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, bobStay)
	assert.NotEqual(t, annEpisode, bobEpisode, "Bob's stay leaves Ann's episode")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND person_id = $2 AND opened_on = $3 AND closed_on IS NULL
		AND dollar_cap = (SELECT episode_dollar_cap FROM programs WHERE code = 'ATR')`, bobEpisode, person(bob), day(-10)),
		"opened as his stay would have opened it alone")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM gpra_interviews WHERE client_id = $1 AND episode_id = $2`, bob, bobEpisode),
		"his intake with his stay")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM authorizations WHERE client_id = $1 AND episode_id = $2 AND person_id = $3`,
		bob, bobEpisode, person(bob)), "his authorization with his stay")
	assert.Equal(t, annBefore, annRows(), "Ann's episode, caps, stays and authorizations as they were")
	assert.Equal(t, bcsBefore, bcsReads(), "BCS reads its record as before")
	assert.Equal(t, 1, itAudit(e, "separate", "client", itStr(bob)))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM client_separations WHERE client_id = $1 AND reason LIKE 'Bob Beta is not%'
		AND medicaid_ids = '{AL12340001}'`, bob))
	assert.Equal(t, disclosures, e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose'`), "nothing told to any agency")

	// Bob's requests are a stranger's now.
	for _, svc := range []string{"ATR-TR", "ATR-CM"} {
		v := itVoucher(t, e, keyBCS, bob, svc, 10, 1, 30)
		assert.Equal(t, "approved", v["decision"], "%s: %v", svc, v)
	}
	again := itVoucher(t, e, keyHRA, ann, "ATR-CM", 10, 1, 30)
	assert.Equal(t, "approved", again["decision"], "Ann's designation is hers: %v", again)

	// Separated, it is its person's only record.
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "again"}), http.StatusConflict, "nothing_to_separate")
		requireProblem(t, e.post(keyAdmin, itPath("/v1/clients/%d/separate", ann), map[string]any{"reason": "x"}),
			http.StatusConflict, "nothing_to_separate")
	})

	// Later registrations: Bob by his own ID joins Bob; an agency holding
	// Ann's person already, registering another name with the mistyped ID,
	// is not joined to Bob by the span that ID was corrected on.
	assert.Equal(t, person(bob), person(register(keyPWE, "Bob", "Beta", "BETA00002")))
	ecraAnn := register(keyECRA, "Ann", "Alpha", "")
	require.Equal(t, person(ann), person(ecraAnn))
	other := register(keyECRA, "Bobby", "Betamax", "AL12340001")
	assert.NotEqual(t, person(bob), person(other), "the mistyped ID is no longer Bob's")
}

// A reviewer's exception in a shared episode was refused a separation for
// good (raised_for_record): the raise stayed on file once the record's
// authorizations were voided, and its claims too, and the two people kept
// sharing caps (a separation black-box pass of the forty-fifth stop). It
// is divided as the limits are: the shared episode's cap falls to what the
// other record's grants hold, the record's agency's raise no longer
// standing there, and the new episode holds the record's grants; a raised
// unit maximum falls likewise. A claim with no line in a shared episode,
// and a primary case manager designation transferred between it and
// another record of the person, hold nothing back (refused, a denied claim
// or a transfer back kept the two joined for good: a re-check).
func TestSeparateDividesWhatTheRecordShares(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	hra := itNewClient(t, e, keyHRA, "hartford")
	itATRReadyFor(t, e, keyHRA, hra, e.demo.Staff["Okafor"], "ATR-TR")
	who := identityOf(t, e, hra)
	bcs := itRegisterBorn(t, e, keyBCS, who.First, who.Last, who.DOB.String())
	itATRReady(t, e, keyBCS, bcs, nil)
	shared := e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, hra)
	require.Equal(t, shared, e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, bcs), "one episode")
	v := itVoucher(t, e, keyHRA, hra, "ATR-TR", 20, -5, 20) // 240.00 of 300.00
	require.Equal(t, "approved", v["decision"], "%v", v)
	v = itVoucher(t, e, keyBCS, bcs, "ATR-TR", 10, -5, 20) // 120.00 more: past the cap together
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
		map[string]any{"action": "approve", "note": "exception", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM episode_cap_raises WHERE episode_id = $1 AND provider_id = $2`,
		shared, e.demo.Providers["BCS"]), "the exception raised the cap for BCS")
	r = e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "DIV-B", "client_id": bcs, "rendering_staff_id": e.demo.Staff["Ibrahim"],
		"place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 3, "charge": "36.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	r = e.post(keyAdmin, itPath("/v1/clients/%d/separate", bcs), map[string]any{"reason": "two people of one name and birth date"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	mine := e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, bcs)
	require.NotEqual(t, shared, mine)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND dollar_cap = 300`, shared),
		"the shared episode's cap falls back: HRA's grants fit it")
	assert.Zero(t, e.count(`SELECT count(*) FROM episode_cap_raises r WHERE r.episode_id = $1 AND r.provider_id = $2
		AND r.own_after > COALESCE(r.own_before, r.cap_before)`, shared, e.demo.Providers["BCS"]), "BCS's raise stands there no more")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND dollar_cap = 300 AND dollars_paid = 36`, mine),
		"BCS's episode holds its grant and its claim")
	assert.Zero(t, e.count(`SELECT count(*) FROM episodes x WHERE x.dollars_paid <>
		(SELECT COALESCE(sum(a.dollars_paid), 0) FROM authorizations a WHERE a.episode_id = x.id)`))
	// Each is a stranger's episode now: HRA has 60.00 left, BCS 180.00.
	v = itVoucher(t, e, keyHRA, hra, "ATR-TR", 5, -5, 20)
	assert.Equal(t, "approved", v["decision"], "%v", v)
	v = itVoucher(t, e, keyHRA, hra, "ATR-TR", 1, -5, 20)
	assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"], "no room left from BCS's exception: %v", v)
	v = itVoucher(t, e, keyBCS, bcs, "ATR-TR", 15, -5, 20)
	assert.Equal(t, "approved", v["decision"], "%v", v)

	// Kim: HRA's and BCS's stays share an episode, a unit maximum raised
	// in a service HRA holds there.
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	episode := e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, kimBCS)
	require.Equal(t, episode, e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, kimHRA))
	_, err := e.db.Exec(`INSERT INTO episode_unit_maxima (episode_id, service_code, max_units, raised_at)
		SELECT episode_id, service_code, 9999, now() FROM authorizations WHERE client_id = $1 LIMIT 1`, kimHRA)
	require.NoError(t, err)
	r = e.post(keyAdmin, itPath("/v1/clients/%d/separate", kimHRA), map[string]any{"reason": "two people"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Zero(t, e.count(`SELECT count(*) FROM episode_unit_maxima WHERE max_units = 9999`),
		"the raised maximum falls to what each episode's grants hold")

	// Moreau: HRA's designation transferred to BCS's stay, and a claim of
	// BCS's denied with no authorization: neither holds the record back.
	moreauHRA, moreauBCS := e.demo.Clients["Moreau/HRA"], e.demo.Clients["Moreau/BCS"]
	r = e.post(keyReviewer, itPath("/v1/enrollments/%d/transfer-primary", enrollmentOf(e, moreauHRA, "ATR")),
		map[string]any{"to_enrollment_id": enrollmentOf(e, moreauBCS, "ATR"), "reason": "the client moved to Bridgeport"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": "SEP-DENIED", "client_id": moreauBCS,
		"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 1, "charge": "15.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id IS NOT NULL`, moreauBCS))
	r = e.post(keyAdmin, itPath("/v1/clients/%d/separate", moreauBCS), map[string]any{"reason": "two people"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotEqual(t, e.count(`SELECT person_id FROM clients WHERE id = $1`, moreauHRA),
		e.count(`SELECT person_id FROM clients WHERE id = $1`, moreauBCS))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM enrollments WHERE client_id = $1 AND primary_case_manager`, moreauBCS),
		"the designation stays where the transfer put it")
}

// A record with claim lines in an episode it shares was refused a
// separation (claim lines never changed episode but in a merge), even once
// its claims were voided: two people known to differ kept sharing caps and
// the duplicate check (a registration black-box pass of the forty-fourth
// stop). Its lines go with its authorizations now, the dollars they paid
// with them, and only its own: the split is kept (episode_splits), and the
// schema lets no other line follow. Each episode's money is what its
// authorizations paid, and claims on either side go on as before.
func TestSeparateTakesClaimLinesWithIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	c := e.get(keyAdmin, itPath("/v1/clients/%d", rivera)).JSON(t)
	r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": c["first_name"], "last_name": c["last_name"],
		"date_of_birth": c["date_of_birth"], "catchment_area": "bridgeport"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	bcsRivera := itID(t, r)
	require.Equal(t, c["person_id"], e.get(keyAdmin, itPath("/v1/clients/%d", bcsRivera)).JSON(t)["person_id"])
	itATRAt(t, e, keyBCS, bcsRivera, e.demo.Staff["Ibrahim"], day(-3), false)
	shared := e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, bcsRivera)
	require.Equal(t, shared, e.count(`SELECT min(episode_id) FROM enrollments WHERE client_id = $1 AND program_code = 'ATR'`, rivera),
		"one episode")

	// Each agency billed in it: HRA twice (one claim voided), BCS once.
	e.authorizeRivera(40)
	bill := func(key string, body map[string]any) int64 {
		t.Helper()
		r := e.post(key, "/v1/claims", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		return itID(t, r)
	}
	bill(keyHRA, e.riveraClaim("SPLIT-1", cmLine(day(-2), 2, "30.00")))
	voided := bill(keyHRA, e.riveraClaim("SPLIT-2", cmLine(day(-1), 1, "15.00")))
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", voided), map[string]any{"claim_number": "SPLIT-2-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyBCS, bcsRivera, "ATR-TR", 4, -3, 10)
	require.Equal(t, "approved", v["decision"], "%v", v)
	bill(keyBCS, map[string]any{"claim_number": "SPLIT-B", "client_id": bcsRivera, "rendering_staff_id": e.demo.Staff["Ibrahim"],
		"place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1,
			"charge": "12.00"}}})
	paid := func(client int64) string {
		var s string
		require.NoError(t, e.db.Get(&s, `SELECT COALESCE(sum(paid), 0)::text FROM claim_lines WHERE client_id = $1`, client))
		return s
	}
	hraPaid, bcsPaid := paid(rivera), paid(bcsRivera)
	require.NotEqual(t, "0", hraPaid)
	totalBefore := e.count(`SELECT sum(dollars_paid * 100)::int FROM episodes`)

	r = e.post(keyAdmin, itPath("/v1/clients/%d/separate", rivera), map[string]any{"reason": "two people: BCS's client was born elsewhere"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	mine := e.count(`SELECT min(episode_id) FROM enrollments WHERE client_id = $1 AND program_code = 'ATR'`, rivera)
	require.NotEqual(t, shared, mine, "HRA's stay left the shared episode")
	assert.Zero(t, e.count(`SELECT count(*) FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
		WHERE l.episode_id <> a.episode_id`), "every line is in its authorization's episode")
	assert.Zero(t, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id = $2`, rivera, shared),
		"none of HRA's lines is left behind")
	assert.Positive(t, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id = $2`, rivera, mine))
	assert.Positive(t, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id = $2`, bcsRivera, shared),
		"BCS's lines stay")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episode_splits WHERE from_id = $1 AND into_id = $2 AND client_id = $3`,
		shared, mine, rivera))
	assert.Zero(t, e.count(`SELECT count(*) FROM episodes e WHERE e.dollars_paid <>
		(SELECT COALESCE(sum(a.dollars_paid), 0) FROM authorizations a WHERE a.episode_id = e.id)`), "each episode's money is its grants'")
	assert.Equal(t, totalBefore, e.count(`SELECT sum(dollars_paid * 100)::int FROM episodes`), "no dollar lost or counted twice")
	assert.Equal(t, hraPaid, paid(rivera))
	assert.Equal(t, bcsPaid, paid(bcsRivera))

	// The schema lets only the separated record's rows follow its split.
	_, err := e.db.Exec(`UPDATE claim_lines SET episode_id = $1 WHERE client_id = $2`, mine, bcsRivera)
	require.Error(t, err, "BCS's lines stay in the episode they were counted in")
	assert.Contains(t, err.Error(), "claim lines name these rows")
	_, err = e.db.Exec(`UPDATE claim_lines SET episode_id = $1 WHERE client_id = $2`, shared, rivera)
	require.Error(t, err, "and HRA's do not go back")

	// Claims go on: HRA's next is paid and voided in its own episode, BCS's
	// in the shared one.
	next := bill(keyHRA, e.riveraClaim("SPLIT-3", cmLine(day(0), 1, "15.00")))
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", next), map[string]any{"claim_number": "SPLIT-3-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	bill(keyBCS, map[string]any{"claim_number": "SPLIT-B2", "client_id": bcsRivera, "rendering_staff_id": e.demo.Staff["Ibrahim"],
		"place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(0), "units": 1,
			"charge": "12.00"}}})
	assert.Zero(t, e.count(`SELECT count(*) FROM episodes e WHERE e.dollars_paid <>
		(SELECT COALESCE(sum(a.dollars_paid), 0) FROM authorizations a WHERE a.episode_id = e.id)`))
	assert.Zero(t, e.count(`SELECT count(*) FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
		WHERE l.episode_id <> a.episode_id`))
}

// twinsJoined registers Ann at HRA and Bob at BCS, born the same day, Bob
// with Ann's Medicaid ID mistyped (one person), and corrects Bob's ID, as
// the separation asks first. Ann's ATR stay is open from day -30; Bob's
// ran day -20..-10 in her episode.
func twinsJoined(t *testing.T, e *env) (ann, bob int64) {
	t.Helper()
	register := func(key, first string) int64 {
		r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": "Twin", "date_of_birth": "1980-04-04",
			"catchment_area": "bridgeport", "medicaid_id": "TW2837461"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	ann, bob = register(keyHRA, "Ann"), register(keyBCS, "Bob")
	require.Equal(t, e.count(`SELECT person_id FROM clients WHERE id = $1`, ann), e.count(`SELECT person_id FROM clients WHERE id = $1`, bob))
	spans := itItems(t, e.get(keyBCS, itPath("/v1/clients/%d/eligibility", bob)))
	require.Len(t, spans, 1)
	r := e.post(keyBCS, itPath("/v1/clients/%d/eligibility/%d/end", bob, int64(spans[0]["id"].(float64))), map[string]any{"end_date": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyBCS, itPath("/v1/clients/%d/eligibility", bob), map[string]any{"medicaid_id": "TW2837462", "start_date": day(1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itATRAt(t, e, keyHRA, ann, e.demo.Staff["Okafor"], day(-30), true)
	stay := itATRAt(t, e, keyBCS, bob, e.demo.Staff["Ibrahim"], day(-20), false)
	r = e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", stay), map[string]any{"discharge_date": day(-10), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return ann, bob
}

// A readmission takes the person's episode life lock before it holds the
// record, the order a separation takes them in: the record's row first,
// a readmission and a separation of one record at once deadlocked (a
// review). Here the life lock is held open so both queue on it, the
// separation first; the readmission must not hold the record's row while
// it waits, and both are answered.
func TestSeparationAndReadmissionTakeOneLockOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, bob := twinsJoined(t, e)
	person := e.count(`SELECT person_id FROM clients WHERE id = $1`, bob)

	life, err := e.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = life.Rollback() }()
	_, err = life.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('episode:' || $1::text || ':' || 'ATR'))`, person)
	require.NoError(t, err)
	waiters := func() int {
		return e.count(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	}
	sep := make(chan resp, 1)
	go func() {
		sep <- e.post(keyAdmin, itPath("/v1/clients/%d/separate", bob), map[string]any{"reason": "two people of one name"})
	}()
	require.Eventually(t, func() bool { return waiters() == 1 }, 30*time.Second, 10*time.Millisecond)
	enr := make(chan resp, 1)
	go func() {
		enr <- e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": bob, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Ibrahim"], "start_date": day(-5)})
	}()
	require.Eventually(t, func() bool { return waiters() == 2 }, 30*time.Second, 10*time.Millisecond)
	var id int64
	rowFree := life.GetContext(ctx, &id, `SELECT id FROM clients WHERE id = $1 FOR UPDATE NOWAIT`, bob)
	require.NoError(t, life.Rollback())
	assert.NoError(t, rowFree, "the readmission waits for the life lock without holding the record")
	for _, ch := range []chan resp{sep, enr} {
		select {
		case r := <-ch:
			assert.Less(t, r.Status, 300, "%s", r.Body)
		case <-time.After(60 * time.Second):
			t.Fatal("no answer")
		}
	}
	// The readmission followed the record to its new person.
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM enrollments e JOIN clients c ON c.id = e.client_id
		WHERE e.client_id = $1 AND e.person_id <> c.person_id`, bob))
}

// Two people of one name and birth date, registered without Medicaid IDs,
// are one person at registration; the separation parts them with no
// Medicaid ID to set aside (it wrote NULL where the table keeps an empty
// list, a 500: a review).
func TestSeparateRecordsJoinedByNameAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	register := func(key string) int64 {
		r := e.post(key, "/v1/clients", map[string]any{"first_name": "Sam", "last_name": "Twin", "date_of_birth": "1980-04-04",
			"catchment_area": "bridgeport"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	ann, bob := register(keyHRA), register(keyBCS)
	require.Equal(t, e.count(`SELECT person_id FROM clients WHERE id = $1`, ann), e.count(`SELECT person_id FROM clients WHERE id = $1`, bob))
	r := e.post(keyAdmin, itPath("/v1/clients/%d/separate", bob), map[string]any{"reason": "two people of one name"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotEqual(t, e.count(`SELECT person_id FROM clients WHERE id = $1`, ann), e.count(`SELECT person_id FROM clients WHERE id = $1`, bob))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM client_separations WHERE client_id = $1 AND medicaid_ids = '{}'`, bob))
}

// A record whose episodes it shares with no other record takes them whole
// to its new person, claims and all: its lines stay in the episode they
// were counted in, and the episode's caps and use go with it.
func TestSeparateMovesAnEpisodeOfItsOwnWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	c := e.get(keyAdmin, itPath("/v1/clients/%d", rivera)).JSON(t)
	r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": c["first_name"], "last_name": c["last_name"],
		"date_of_birth": c["date_of_birth"], "catchment_area": c["catchment_area"]})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	e.authorizeRivera(40)
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("SEP-W", cmLine(day(-2), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	episode := e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, rivera)
	lines := e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id = $2`, rivera, episode)
	require.Positive(t, lines)

	r = e.post(keyAdmin, itPath("/v1/clients/%d/separate", rivera), map[string]any{"reason": "two people of one name"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	person := e.count(`SELECT person_id FROM clients WHERE id = $1`, rivera)
	assert.Equal(t, person, e.count(`SELECT person_id FROM episodes WHERE id = $1`, episode), "the episode went whole")
	assert.Equal(t, lines, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id = $2`, rivera, episode))
	assert.Equal(t, 0, e.count(`SELECT count(*) FROM authorizations WHERE client_id = $1 AND (person_id <> $2 OR episode_id <> $3)`,
		rivera, person, episode))
}

// A record registered without a Medicaid ID and given one afterwards on
// an eligibility span, as the API tells an agency to, joins the person
// another agency's record holds under it and the birth date, as a
// registration giving the ID would have: it stayed a person of its own,
// and both agencies were granted and paid the same days of one
// beneficiary's service (a GPRA and eligibility black-box pass). The
// span's answer reads the same joined or not.
func TestEligibilitySpanJoinsThePersonItsIDNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	register := func(key, first, last, medicaid string) int64 {
		t.Helper()
		body := map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1975-05-05", "catchment_area": "hartford"}
		if medicaid != "" {
			body["medicaid_id"] = medicaid
		}
		r := e.post(key, "/v1/clients", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	person := func(id int64) int64 { return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, id)) }
	span := func(id int64, medicaid string) map[string]any {
		t.Helper()
		r := e.post(keyHRA, itPath("/v1/clients/%d/eligibility", id), map[string]any{"medicaid_id": medicaid, "start_date": day(-30)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		m := r.JSON(t)
		delete(m, "id")
		delete(m, "medicaid_id")
		delete(m, "client_id")
		delete(m, "created_at")
		return m
	}
	atBCS := register(keyBCS, "Nora", "Stranger", "CT24681357")
	atHRA := register(keyHRA, "Zoe", "Probe", "")
	require.NotEqual(t, person(atBCS), person(atHRA))
	joined := span(atHRA, "CT24681357")
	assert.Equal(t, person(atBCS), person(atHRA), "the ID and birth date name one person")

	alone := register(keyHRA, "Ida", "Alone", "")
	assert.Equal(t, span(alone, "CT97531864"), joined, "joined or not, the same answer")
	assert.NotEqual(t, person(atBCS), person(alone))
}

// A record already enrolled, and granted, joins the person its new
// Medicaid ID names too, its stays, authorizations and episode with it:
// left apart, HRA and BCS were both granted the same beneficiary's same
// transport days, each with caps of its own, and both billed them (a
// vouchers black-box pass of the forty-third stop). Joined, the two ATR
// episodes are one, holding both agencies' grants, and HRA's next request
// for those days is no longer granted as a stranger's would be.
func TestEligibilitySpanJoinsAnEnrolledRecordWithItsEpisode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itATRClient(t, e, day(-30)) // registered without a Medicaid ID, born 1990-04-12
	first := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 4, 1, 14)
	require.Equal(t, "approved", first["decision"], "%v", first)

	r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": "Nadia", "last_name": "Quarrel", "date_of_birth": "1990-04-12",
		"catchment_area": "bridgeport", "medicaid_id": "CT31415926"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	bcs := itID(t, r)
	staff := itFixtureID(t, e, `SELECT min(id) FROM staff WHERE provider_id = $1 AND role = 'case_manager'`, e.demo.Providers["BCS"])
	r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": bcs, "program_code": "ATR", "start_date": day(-20), "assigned_staff_id": staff})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	bcsEnr := itID(t, r)
	for _, b := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/gpra-interviews", map[string]any{"client_id": bcs, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed", "interview_date": day(-20)}},
		{"/v1/consents", map[string]any{"client_id": bcs, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-20), "expires_on": day(365)}},
		{"/v1/care-plans", map[string]any{"client_id": bcs, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(-20),
			"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}}}},
	} {
		r := e.post(keyBCS, b.path, b.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
	}
	other := itVoucher(t, e, keyBCS, bcs, "ATR-TR", 4, 1, 14)
	require.Equal(t, "approved", other["decision"], "two persons so far: %v", other)
	person := func(id int64) int64 { return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, id)) }
	episode := func(enr int64) int64 { return int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, enr)) }
	require.NotEqual(t, episode(hra.Enrollment), episode(bcsEnr))

	r = e.post(keyHRA, itPath("/v1/clients/%d/eligibility", hra.Client), map[string]any{"medicaid_id": "CT31415926", "start_date": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, person(bcs), person(hra.Client), "one person")
	assert.Equal(t, episode(bcsEnr), episode(hra.Enrollment), "one ATR episode, holding both stays")
	assert.Zero(t, e.count(`SELECT count(*) FROM authorizations a JOIN enrollments s ON s.id = a.enrollment_id
		WHERE a.client_id = $1 AND (a.person_id <> s.person_id OR a.episode_id <> s.episode_id)`, hra.Client), "its grants moved with it")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE person_id = $1 AND program_code = 'ATR'`, person(bcs)))

	again := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 4, 5, 10)
	assert.NotEqual(t, "approved", again["decision"], "BCS holds those days for the same person: %v", again)
	// The agency's own record reads as before.
	r = e.get(keyHRA, itPath("/v1/clients/%d", hra.Client))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotContains(t, string(r.Body), "Quarrel")
}

// A record registered without a Medicaid ID joins by its name and birth
// date the person another agency's record names; given later an ID of its
// own that differs from the one that record holds, it stayed joined,
// where a registration giving that ID made a person of its own: two
// beneficiaries shared caps and the duplicate check, and the second
// agency's request pended CONFLICT_ON_FILE where a stranger's was approved
// (a black-box pass of the forty-fourth stop). The span parts the record,
// its stay and grants with it, and joins it to the person the ID names
// where another agency's record does; the agency reads the same answer.
func TestEligibilitySpanPartsARecordJoinedByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	person := func(id int64) int64 { return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, id)) }
	hra := itATRClient(t, e, day(-30)) // registered without a Medicaid ID
	who := identityOf(t, e, hra.Client)
	bcs := itRegisterBorn(t, e, keyBCS, who.First, who.Last, who.DOB.String())
	r := e.post(keyBCS, itPath("/v1/clients/%d/eligibility", bcs), map[string]any{"medicaid_id": "CT31415926", "start_date": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, person(hra.Client), person(bcs), "joined by name and birth date")
	itATRReady(t, e, keyBCS, bcs, nil)
	held := itVoucher(t, e, keyBCS, bcs, "ATR-TR", 4, 1, 14)
	require.Equal(t, "approved", held["decision"], "%v", held)
	pended := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 4, 1, 14)
	require.Equal(t, []any{"CONFLICT_ON_FILE"}, pended["reason_codes"], "one person so far: %v", pended)

	span := func(key string, id int64, medicaid string) map[string]any {
		t.Helper()
		r := e.post(key, itPath("/v1/clients/%d/eligibility", id), map[string]any{"medicaid_id": medicaid, "start_date": day(-30)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		m := r.JSON(t)
		for _, k := range []string{"id", "medicaid_id", "client_id", "created_at"} {
			delete(m, k)
		}
		return m
	}
	parted := span(keyHRA, hra.Client, "CT27182818")
	assert.NotEqual(t, person(bcs), person(hra.Client), "two beneficiaries")
	assert.NotEqual(t, int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, hra.Enrollment)),
		int64(e.count(`SELECT min(episode_id) FROM enrollments WHERE client_id = $1`, bcs)), "episodes of their own")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM client_separations WHERE client_id = $1`, hra.Client), "kept as a separation")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'separate' AND entity_id = $1 AND outcome = 'eligibility_span'`,
		itStr(hra.Client)), "and audited")
	again := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 4, 1, 14)
	assert.Equal(t, "approved", again["decision"], "as a stranger's: %v", again)
	stranger := itRegisterBorn(t, e, keyHRA, "Nobody", "Partedstranger", "1990-04-12")
	assert.Equal(t, span(keyHRA, stranger, "CT16180339"), parted, "parted or not, the same answer")

	// Where another agency's record holds the new ID, the record joins
	// that person, as a registration giving it would have.
	ecra := itRegisterBorn(t, e, keyECRA, "Lu", "Pairing", "1985-01-01")
	r = e.post(keyECRA, itPath("/v1/clients/%d/eligibility", ecra), map[string]any{"medicaid_id": "CT11235813", "start_date": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	pwe := itRegisterBorn(t, e, keyPWE, "Lu", "Pairing", "1985-01-01")
	require.Equal(t, person(ecra), person(pwe))
	r = e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Lucia", "last_name": "Pairing", "date_of_birth": "1985-01-01",
		"catchment_area": "hartford", "medicaid_id": "CT14142135"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	q := itID(t, r)
	span(keyPWE, pwe, "CT14142135")
	assert.Equal(t, person(q), person(pwe), "the person the ID names")
	assert.NotEqual(t, person(ecra), person(pwe))
}

// A record with claims paid in an episode it shares is parted by a new ID
// as one without: its lines go with its grants (a separation refused it
// before the forty-fifth stop, and the record stayed joined).
func TestEligibilitySpanPartsARecordWithSharedClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	person := func(id int64) int64 { return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, id)) }
	joined := func(claim, bcsID string) (hra itATR, bcs int64) { // one call; a helper for the set-up's length
		t.Helper()
		hra = itATRClient(t, e, day(-30))
		v := itVoucher(t, e, keyHRA, hra.Client, "ATR-TR", 4, -5, 10)
		require.Equal(t, "approved", v["decision"], "%v", v)
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": claim, "client_id": hra.Client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-2), "units": 1, "charge": "12.00"}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		who := identityOf(t, e, hra.Client)
		bcs = itRegisterBorn(t, e, keyBCS, who.First, who.Last, who.DOB.String())
		r = e.post(keyBCS, itPath("/v1/clients/%d/eligibility", bcs), map[string]any{"medicaid_id": bcsID, "start_date": day(-30)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		itATRReady(t, e, keyBCS, bcs, nil)
		require.Equal(t, person(hra.Client), person(bcs))
		require.Positive(t, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id IS NOT NULL`, hra.Client))
		return hra, bcs
	}

	hra, bcs := joined("PART-SHARED", "CT31415926")
	shared := e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, hra.Enrollment)
	r := e.post(keyHRA, itPath("/v1/clients/%d/eligibility", hra.Client), map[string]any{"medicaid_id": "CT27182818", "start_date": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.NotEqual(t, person(bcs), person(hra.Client), "parted, its claims with it")
	mine := e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, hra.Enrollment)
	assert.NotEqual(t, shared, mine)
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM claim_lines WHERE client_id = $1 AND episode_id = $2`, hra.Client, mine))
	assert.Zero(t, e.count(`SELECT count(*) FROM episodes e WHERE e.id IN ($1, $2) AND e.dollars_paid <>
		(SELECT COALESCE(sum(a.dollars_paid), 0) FROM authorizations a WHERE a.episode_id = e.id)`, shared, mine))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'separate' AND entity_id = $1 AND outcome = 'eligibility_span'`,
		itStr(hra.Client)))
}

// After the MSC separated a record joined by name and birth date, that
// name and birth date name two persons: a third agency's registration of
// them was joined to the first person (the lower id), likely the join the
// MSC had just undone (a separation black-box pass of the forty-fifth
// stop). It names neither now, as a stranger's registration would; a
// registration with a Medicaid ID one of them holds still joins that one.
func TestRegistrationByANameTwoPersonsShareJoinsNeither(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	person := func(id int64) int64 { return int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, id)) }
	hra := itNewClient(t, e, keyHRA, "hartford")
	who := identityOf(t, e, hra)
	bcs := itRegisterBorn(t, e, keyBCS, who.First, who.Last, who.DOB.String())
	require.Equal(t, person(hra), person(bcs), "joined by name and birth date")
	r := e.post(keyAdmin, itPath("/v1/clients/%d/separate", bcs), map[string]any{"reason": "two people of one name"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.NotEqual(t, person(hra), person(bcs))

	third := itRegisterBorn(t, e, keyECRA, who.First, who.Last, who.DOB.String())
	assert.NotEqual(t, person(hra), person(third), "neither person")
	assert.NotEqual(t, person(bcs), person(third))

	r = e.post(keyBCS, itPath("/v1/clients/%d/eligibility", bcs), map[string]any{"medicaid_id": "CT57721566", "start_date": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyPWE, "/v1/clients", map[string]any{"first_name": who.First, "last_name": who.Last, "date_of_birth": who.DOB.String(),
		"catchment_area": "bridgeport", "medicaid_id": "CT57721566"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, person(bcs), person(itID(t, r)), "the ID names one of them")
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

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

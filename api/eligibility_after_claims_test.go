package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A provider's deactivation, its agreement's end and a client's Medicaid
// eligibility cannot be dated so that a paid claim line falls outside
// them, as a discharge and a staff member's employment cannot (409 until
// the claim is voided): each was accepted, and the next batch paid the
// line for a day the rules call ineligible, to Medicaid on an 837P (a
// black-box pass). The refusal names the paid lines in the way (it named
// none, and the MSC searched every claim of the agency).
func TestEligibilityNotEndedBeforePaidLines(t *testing.T) {
	t.Parallel()
	atrClaim := func(t *testing.T, e *env, number string) int64 {
		t.Helper()
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": e.demo.Clients["Kim"],
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		return itID(t, r)
	}
	void := func(t *testing.T, e *env, key string, claim int64, number string) {
		t.Helper()
		r := e.post(key, itPath("/v1/claims/%d/void", claim), map[string]any{"claim_number": number})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}

	t.Run("deactivation", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		claim := atrClaim(t, e, "ELIG-D")
		path := itPath("/v1/reference/providers/%d/deactivate", e.demo.Providers["HRA"])
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "contract ended", "effective_on": day(-1)}),
				http.StatusConflict, "claims_after_deactivation")
			assert.Contains(t, p["detail"], fmt.Sprintf("on or after %s: claim id %d line 1 (ATR-TR on %s); void", day(-1), claim, day(-1)))
		})
		r := e.post(keyAdmin, path, map[string]any{"reason": "contract ended", "effective_on": day(0)})
		require.Equal(t, http.StatusOK, r.Status, "from the day after the paid line: %s", r.Body)
		r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", e.demo.Providers["HRA"]), map[string]any{"reason": "reinstated"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		void(t, e, keyHRA, claim, "ELIG-D-V")
		r = e.post(keyAdmin, path, map[string]any{"reason": "contract ended", "effective_on": day(-1)})
		assert.Equal(t, http.StatusOK, r.Status, "once the claim is voided: %s", r.Body)
	})

	t.Run("agreement", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		hra := e.demo.Providers["HRA"]
		claim := atrClaim(t, e, "ELIG-A")
		hist := itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/agreements", hra)))
		require.Len(t, hist, 1)
		path := itPath("/v1/reference/providers/%d/agreements/%d", hra, int64(hist[0]["id"].(float64)))
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.patch(keyAdmin, path, map[string]any{"end_date": day(-2)}), http.StatusConflict, "claims_outside_agreement")
			assert.Contains(t, p["detail"], fmt.Sprintf("no longer cover: claim id %d line 1 (ATR-TR on %s); void", claim, day(-1)))
		})
		r := e.patch(keyAdmin, path, map[string]any{"end_date": day(-1)})
		require.Equal(t, http.StatusOK, r.Status, "ending on the paid line's day: %s", r.Body)
		void(t, e, keyHRA, claim, "ELIG-A-V")
		r = e.patch(keyAdmin, path, map[string]any{"end_date": day(-2)})
		assert.Equal(t, http.StatusOK, r.Status, "once the claim is voided: %s", r.Body)
	})

	t.Run("medicaid eligibility", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		dubois := e.demo.Clients["Dubois"]
		base := itPath("/v1/clients/%d/eligibility", dubois)
		spans := itItems(t, e.get(keyECRA, base))
		require.Len(t, spans, 1)
		path := itPath("%s/%d/end", base, int64(spans[0]["id"].(float64)))
		v := itVoucher(t, e, keyECRA, dubois, "MHW-RA", 40, -10, 20)
		require.Equal(t, "approved", v["decision"], "%v", v)
		r := e.post(keyECRA, "/v1/claims", map[string]any{"claim_number": "ELIG-M", "client_id": dubois, "rendering_staff_id": e.demo.Staff["Kowalski"],
			"place_of_service": "12", "diagnoses": []string{"F33.1"},
			"lines": []any{map[string]any{"service_code": "MHW-RA", "date_of_service": day(-2), "units": 2, "charge": "14.50"}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		claim := itID(t, r)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyECRA, path, map[string]any{"end_date": day(-3)}), http.StatusConflict, "claims_outside_eligibility")
			assert.Contains(t, p["detail"], fmt.Sprintf("within this span: claim id %d line 1 (MHW-RA on %s); void", claim, day(-2)))
		})
		void(t, e, keyECRA, claim, "ELIG-M-V")
		r = e.post(keyECRA, path, map[string]any{"end_date": day(-3)})
		assert.Equal(t, http.StatusOK, r.Status, "once the claim is voided: %s", r.Body)
	})
}

// A Medicaid ID is one person's: a span of any age carrying the id another
// client of the agency holds, on file or on one of their spans, is a 409
// medicaid_id_in_use. Only the newest span was checked, so an older one
// took another client's id, under which a claim dated in it would be
// billed (a clients black-box pass). Another agency's client may hold it
// (a person served at two agencies).
func TestEligibilitySpanRefusesAnotherClientsMedicaidID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	holder, other := itNewClient(t, e, keyHRA, "hartford"), itNewClient(t, e, keyHRA, "hartford")
	span := func(client int64, id, from, to string) resp {
		body := map[string]any{"medicaid_id": id, "start_date": from}
		if to != "" {
			body["end_date"] = to
		}
		return e.post(keyHRA, itPath("/v1/clients/%d/eligibility", client), body)
	}
	r := span(holder, "CT77700001", day(-30), "")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = span(holder, "CT77700002", day(-400), day(-300)) // an older span of the holder's own
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	for _, c := range []struct{ id, from, to string }{
		{"CT77700001", day(-30), ""},         // the holder's id on file, as the newest span
		{"CT77700001", day(-200), day(-100)}, // the same, as an older span
		{"CT77700002", day(-200), day(-100)}, // the holder's older span's id
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, span(other, c.id, c.from, c.to), http.StatusConflict, "medicaid_id_in_use")
			assert.Equal(t, map[string]any{"type": "client", "id": float64(holder)}, p["existing"], "the conflict names the agency's client")
		})
	}
	r = span(other, "CT77700003", day(-200), day(-100))
	assert.Equal(t, http.StatusCreated, r.Status, "an id of its own: %s", r.Body)
	// A placeholder is no one's id: it would match people born the same
	// day into one person (a black-box pass).
	for _, id := range []string{"UNKNOWN", "999999"} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, span(other, id, day(-20), ""), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "invalid_format", itFieldCode(p, "medicaid_id"))
		})
	}
}

// A registration is refused a Medicaid ID another client of the agency
// holds on any eligibility span, not only as the id on file: once the
// holder's newest span carried a new id, the old one, still covering the
// holder today, was registered to a second person (a black-box pass). A
// span may not start more than a year ahead, the way one from 2999 became
// the id on file and freed the one in force.
func TestRegistrationRefusesAMedicaidIDOnAnotherClientsSpan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	holder := itNewClient(t, e, keyHRA, "hartford")
	span := func(id, from string) resp {
		return e.post(keyHRA, itPath("/v1/clients/%d/eligibility", holder), map[string]any{"medicaid_id": id, "start_date": from})
	}
	r := span("CT88800001", day(-60))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	spanID := itID(t, r)
	r = e.post(keyHRA, itPath("/v1/clients/%d/eligibility/%d/end", holder, spanID), map[string]any{"end_date": day(20)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = span("CT88800002", day(21)) // the id changes from day 21: the id on file moves on
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "CT88800002", e.get(keyHRA, itPath("/v1/clients/%d", holder)).JSON(t)["medicaid_id"])

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Second", "last_name": "Person",
			"date_of_birth": "1972-01-01", "catchment_area": "hartford", "medicaid_id": "CT88800001"}),
			http.StatusConflict, "medicaid_id_in_use")
		assert.Equal(t, map[string]any{"type": "client", "id": float64(holder)}, p["existing"], "the span's holder")
		p = requireProblem(t, span("CT88800009", day(367)), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "start_date"))
		p = requireProblem(t, e.post(keyHRA, itPath("/v1/clients/%d/eligibility/%d/end", holder, spanID),
			map[string]any{"end_date": "2999-12-31"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "end_date"))
		p = requireProblem(t, e.post(keyHRA, itPath("/v1/clients/%d/eligibility/%d/end", holder, spanID),
			map[string]any{"end_date": day(20)}), http.StatusConflict, "already_ended")
		assert.NotContains(t, p["detail"], "later end", "ending it on the day it ends is no later end")
	})
	// Another agency's client may hold it (one person at two agencies).
	r = e.post(keyBCS, "/v1/clients", map[string]any{"first_name": "Second", "last_name": "Person",
		"date_of_birth": "1972-01-01", "catchment_area": "hartford", "medicaid_id": "CT88800001"})
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// The agency re-sending its own client with the Medicaid ID an earlier
// span of the record held is answered with the record (200), not 409
// client_identity_conflict "another Medicaid ID": the same ID under
// another name found that very record as its holder (a clients black-box
// pass). An ID the record never held is still the conflict.
func TestReRegistrationWithTheRecordsEarlierMedicaidID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := func(medicaid string) map[string]any {
		return map[string]any{"first_name": "Eli", "last_name": "Spanfix", "date_of_birth": "1975-05-05", "catchment_area": "hartford",
			"medicaid_id": medicaid}
	}
	r := e.post(keyHRA, "/v1/clients", client("CT70000001"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	spans := itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/eligibility", id)))
	require.Len(t, spans, 1)
	r = e.post(keyHRA, itPath("/v1/clients/%d/eligibility/%d/end", id, int64(spans[0]["id"].(float64))), map[string]any{"end_date": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/clients/%d/eligibility", id), map[string]any{"medicaid_id": "CT70000002", "start_date": day(1)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	before := e.count(`SELECT count(*) FROM clients`)
	r = e.post(keyHRA, "/v1/clients", client("CT70000001"))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, id, itID(t, r))
	assert.Equal(t, before, e.count(`SELECT count(*) FROM clients`), "no second record")
	requireProblem(t, e.post(keyHRA, "/v1/clients", client("CT70000003")), http.StatusConflict, "client_identity_conflict")
}

// A reactivation takes its agency's intake lock alone before it holds any
// of the agency's authorizations, so a claim under way (which holds the
// lock shared, then its authorizations) is judged wholly before it or
// wholly after: it took the lock only at the provider's update, having
// held the authorizations, and a claim waiting for one of them read it
// given back but its agency still deactivated, a snapshot from before the
// wait, and was denied 197 beside C05 passed (a races black-box pass).
// Here a claim's shared hold is stood in for, and while the reactivation
// waits for it, no authorization of the agency is held.
func TestReactivationWaitsForClaimsBeforeHoldingAuthorizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "contract ended", "effective_on": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Positive(t, e.count(`SELECT count(*) FROM authorizations WHERE provider_id = $1 AND voided_at IS NULL AND end_date >= $2`,
		hra, day(0)), "authorizations the deactivation cut, which the reactivation judges")

	claim, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer claim.Rollback() //nolint:errcheck
	_, err = claim.ExecContext(t.Context(), `SELECT pg_advisory_xact_lock_shared(agency_intake_lock_key($1))`, hra)
	require.NoError(t, err)
	done := make(chan resp, 1)
	go func() {
		done <- e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "reinstated", "in_error": true})
	}()
	for tries, waiting := 0, 0; waiting < 1; tries++ {
		require.Less(t, tries, 6000, "the reactivation never waited for the intake lock")
		waiting = e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`)
		time.Sleep(10 * time.Millisecond)
	}
	probe, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	_, err = probe.ExecContext(t.Context(), `SELECT id FROM authorizations WHERE provider_id = $1 AND voided_at IS NULL AND end_date >= $2
		ORDER BY id FOR UPDATE NOWAIT`, hra, day(0))
	assert.NoError(t, err, "the reactivation holds none of the agency's authorizations while it waits")
	require.NoError(t, probe.Rollback())
	require.NoError(t, claim.Commit())
	r = <-done
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onFile is a write's answer and the record as a later GET returns it.
type onFile struct {
	name   string
	answer map[string]any
	stored map[string]any
}

// requireAnswerOnFile holds a write's answer to the record on file: every
// field the answer carries is the stored field, byte for byte once
// re-encoded (timestamps included: the database keeps microseconds, so an
// answer echoing the clock's nanoseconds, or another rendering of the same
// instant, is a different answer).
func requireAnswerOnFile(t *testing.T, c onFile) {
	t.Helper()
	var walk func(path string, a, s any)
	walk = func(path string, a, s any) {
		switch av := a.(type) {
		case map[string]any:
			sv, ok := s.(map[string]any)
			if !assert.True(t, ok, "%s: %s is an object in the answer, %v on file", c.name, path, s) {
				return
			}
			for k, v := range av {
				stored, ok := sv[k]
				if assert.True(t, ok, "%s: %s.%s is in the answer but not on file", c.name, path, k) {
					walk(path+"."+k, v, stored)
				}
			}
		case []any:
			sv, ok := s.([]any)
			if !assert.True(t, ok && len(sv) == len(av), "%s: %s has %d items in the answer, on file %v", c.name, path, len(av), s) {
				return
			}
			for i := range av {
				walk(fmt.Sprintf("%s[%d]", path, i), av[i], sv[i])
			}
		default:
			ab, _ := json.Marshal(a)
			sb, _ := json.Marshal(s)
			assert.Equal(t, string(sb), string(ab), "%s: %s", c.name, path)
		}
	}
	walk("$", c.answer, c.stored)
}

// withoutTraces drops the per-rule traces a claim's GET carries and its
// POST answer leaves out.
func withoutTraces(claim map[string]any) map[string]any {
	for _, l := range claim["lines"].([]any) {
		delete(l.(map[string]any), "trace")
	}
	return claim
}

// The first answer to a write is the record on file: a GET or a list shows
// the same fields, and the same claim sent again the same answer, so what a
// client kept from the answer matches what it reads later. The clock
// carries nanoseconds, as a real one does.
func TestAnswersAreTheRecordOnFile(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{})
	e.clock.Advance(123456789*time.Nanosecond + 321) // 10:00:00.123456789321 is not a timestamptz
	var checks []onFile
	// The record is read by the first of readers (the agency, then the MSC
	// roles) that may read it.
	add := func(name string, answer resp, wantStatus int, getPath string, readers ...string) map[string]any {
		t.Helper()
		require.Equal(t, wantStatus, answer.Status, "%s: %s", name, answer.Body)
		var got resp
		if readers == nil {
			readers = []string{keyHRA, keyReviewer, keyFinance}
		}
		for _, key := range readers {
			if got = e.get(key, getPath); got.Status == http.StatusOK {
				break
			}
		}
		require.Equal(t, http.StatusOK, got.Status, "%s: GET %s: %s", name, getPath, got.Body)
		checks = append(checks, onFile{name: name, answer: answer.JSON(t), stored: got.JSON(t)})
		return answer.JSON(t)
	}
	inList := func(name string, answer resp, wantStatus int, listPath string) {
		t.Helper()
		require.Equal(t, wantStatus, answer.Status, "%s: %s", name, answer.Body)
		a := answer.JSON(t)
		for _, it := range itItems(t, e.get(keyHRA, listPath)) {
			if it["id"] == a["id"] {
				checks = append(checks, onFile{name: name, answer: a, stored: it})
				return
			}
		}
		t.Fatalf("%s: %v not in %s", name, a["id"], listPath)
	}

	// People, consents, care plans, vouchers and decisions.
	atr := itATRClient(t, e.env, day(-20))
	r := e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Onfile", "last_name": "Answer",
		"date_of_birth": "1979-07-08", "catchment_area": "hartford"})
	add("client", r, http.StatusCreated, itPath("/v1/clients/%d", itID(t, r)))
	other := itID(t, r)
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": other, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-3)})
	add("enrollment", r, http.StatusCreated, itPath("/v1/enrollments/%d", itID(t, r)))
	enr := itID(t, r)
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": other, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": day(-3), "expires_on": day(300)})
	inList("consent", r, http.StatusCreated, itPath("/v1/clients/%d/consents", other))
	consent := itID(t, r)
	r = e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": other, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(-3), "end_date": day(200), "services": []map[string]any{{"service_code": "ATR-CM"}}})
	add("care plan", r, http.StatusCreated, itPath("/v1/care-plans/%d", itID(t, r)))
	plan := itID(t, r)

	r = e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": atr.Client, "service_code": "ATR-CM",
		"units": 40, "start_date": day(-10), "end_date": day(30)})
	v := add("voucher request", r, http.StatusCreated, itPath("/v1/voucher-requests/%d", itID(t, r)))
	require.Equal(t, "approved", v["decision"], "%s", r.Body)
	r = e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": atr.Client, "service_code": "ATR-TR",
		"units": 4, "start_date": day(-18), "end_date": day(10)})
	pended := add("pended voucher request", r, http.StatusCreated, itPath("/v1/voucher-requests/%d", itID(t, r)))
	require.Equal(t, "pended", pended["decision"], "%s", r.Body)
	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, pended, "id")),
		map[string]any{"action": "approve", "note": "retro service confirmed with the agency"})
	// As the reviewer reads it: the agency reads it without the MSC's key id.
	add("reviewer decision", r, http.StatusOK, itPath("/v1/voucher-requests/%d", itNum(t, pended, "id")), keyReviewer)

	// Claims: single (created, then the same claim again), bulk, void.
	e.clock.Advance(1*time.Second + 987654321)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "ONFILE-1", "client_id": atr.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{cmLine(day(-2), 2, "40.00"), cmLine(day(-1), 3, "45.00")}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claim := itID(t, r)
	stored := e.get(keyHRA, itPath("/v1/claims/%d", claim))
	require.Equal(t, http.StatusOK, stored.Status)
	assert.Equal(t, withoutTraces(stored.JSON(t)), r.JSON(t), "the 201 answer is the claim on file, every field")
	again := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "ONFILE-1", "client_id": atr.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{cmLine(day(-2), 2, "40.00"), cmLine(day(-1), 3, "45.00")}})
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.JSONEq(t, string(r.Body), string(again.Body), "the same claim again answers what the first answer said")

	e.clock.Advance(2*time.Second + 111111111)
	r = e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{
		map[string]any{"claim_number": "ONFILE-2", "client_id": atr.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
			"place_of_service": "11", "lines": []any{cmLine(day(-3), 1, "15.00")}},
		map[string]any{"claim_number": "ONFILE-3", "client_id": atr.Client, "rendering_staff_id": e.demo.Staff["Okafor"],
			"place_of_service": "11", "lines": []any{cmLine(day(-4), 1, "15.00")}},
	}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, res := range r.JSON(t)["results"].([]any) {
		got := res.(map[string]any)["claim"].(map[string]any)
		on := e.get(keyHRA, itPath("/v1/claims/%d", itNum(t, got, "id")))
		assert.Equal(t, withoutTraces(on.JSON(t)), got, "a bulk answer is the claim on file, every field")
	}

	e.clock.Advance(3*time.Second + 222222222)
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", claim), map[string]any{"claim_number": "ONFILE-1-V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	on := e.get(keyHRA, itPath("/v1/claims/%d", itID(t, r)))
	assert.Equal(t, withoutTraces(on.JSON(t)), r.JSON(t), "a void's answer is the void on file, every field")

	// A batch of what was paid.
	e.clock.Advance(4*time.Second + 333333333)
	r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	add("batch", r, http.StatusCreated, itPath("/v1/batches/%d", itID(t, r)))

	// Changes of state that stamp a time.
	e.clock.Advance(5*time.Second + 444444444)
	r = e.post(keyHRA, itPath("/v1/care-plans/%d/close", plan), nil)
	add("closed care plan", r, http.StatusOK, itPath("/v1/care-plans/%d", plan))
	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client asked"})
	inList("revoked consent", r, http.StatusOK, itPath("/v1/clients/%d/consents", other))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", enr), map[string]any{"discharge_date": day(0), "reason": "completed"})
	add("discharge", r, http.StatusOK, itPath("/v1/enrollments/%d", enr))

	for _, c := range checks {
		requireAnswerOnFile(t, c)
	}
}

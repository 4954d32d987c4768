package api_test

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/fixtures"
)

// staffHire hires a case manager at the agency of key through the API.
func staffHire(t *testing.T, e *env, key string, provider int64, extra map[string]any) int64 {
	t.Helper()
	body := map[string]any{"first_name": "Noor", "last_name": "Hire", "role": "case_manager", "date_of_birth": "1990-02-03",
		"employment_start": day(-30)}
	for k, v := range extra {
		body[k] = v
	}
	r := e.post(key, itPath("/v1/providers/%d/staff", provider), body)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	return itID(t, r)
}

// staffRuleDetail is the detail of the rule with reason code code in a
// voucher request's reasons or trace ("" when it did not fire): a
// provider's denied request carries its reasons, not the trace.
func staffRuleDetail(v map[string]any, code string) string {
	reasons, _ := v["reasons"].([]any)
	for _, x := range reasons {
		if r, _ := x.(map[string]any); r["code"] == code {
			d, _ := r["detail"].(string)
			return d
		}
	}
	trace, _ := v["trace"].([]any)
	for _, x := range trace {
		s, _ := x.(map[string]any)
		if s["code"] == code && s["result"] != "pass" {
			d, _ := s["detail"].(string)
			return d
		}
	}
	return ""
}

func staffReasons(v map[string]any) []string {
	var out []string
	raw, _ := v["reasons"].([]any)
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["code"]))
		} else {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

// The workflow: a new hire qualifies for nothing until the
// department verifies what the agency submitted; then the same request is
// approved and the same claim paid.
func TestStaffHireSubmitVerifyThenApproved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a := itATRClient(t, e, day(-5))
	hire := staffHire(t, e, keyHRA, hra, nil)

	request := map[string]any{"client_id": a.Client, "service_code": "ATR-CM", "units": 20, "start_date": day(0), "end_date": day(29),
		"staff_id": hire}
	ask := func() map[string]any {
		t.Helper()
		r := e.post(keyHRA, "/v1/voucher-requests", request)
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		return r.JSON(t)
	}
	v := ask()
	require.Equal(t, "denied", v["decision"], "%v", v)
	assert.Contains(t, staffReasons(v), "STAFF_NOT_QUALIFIED")

	// The agency submits a bachelor's degree, a year and a half with the
	// target population and a background check: all pending.
	cred := e.post(keyHRA, itPath("/v1/staff/%d/credentials", hire), map[string]any{"type": "BACHELOR_HUMAN_SERVICES",
		"issuer": "University of Hartford", "number": "BA-1", "valid_from": "2012-05-20"})
	require.Equal(t, http.StatusCreated, cred.Status, "body: %s", cred.Body)
	assert.Equal(t, "pending", cred.JSON(t)["verification_status"])
	assert.Equal(t, "provider", cred.JSON(t)["submitted_by_role"])
	exp := e.post(keyHRA, itPath("/v1/staff/%d/experience", hire), map[string]any{"kind": "target_population",
		"started_on": day(-600), "ended_on": day(-40)})
	require.Equal(t, http.StatusCreated, exp.Status, "body: %s", exp.Body)
	chk := e.post(keyHRA, itPath("/v1/staff/%d/background-checks", hire), map[string]any{"checked_on": day(-35), "result": "passed",
		"agency": "DCF background unit"})
	require.Equal(t, http.StatusCreated, chk.Status, "body: %s", chk.Body)
	credID, expID, chkID := itID(t, cred), itID(t, exp), itID(t, chk)

	v = ask()
	require.Equal(t, "denied", v["decision"], "pending records count for nothing: %v", v)
	assert.Contains(t, staffRuleDetail(v, "STAFF_NOT_QUALIFIED"), "pending verification: credential BACHELOR_HUMAN_SERVICES, experience target_population")

	// The queue shows them, oldest first; the provider cannot verify.
	q := itItems(t, e.get(keyAdmin, itPath("/v1/verification-queue?provider_id=%d", hra)))
	kinds := map[string]bool{}
	var hired struct {
		Name string `db:"name"`
		Role string `db:"role"`
		Code string `db:"code"`
	}
	require.NoError(t, e.db.Get(&hired, `SELECT st.first_name || ' ' || st.last_name AS name, st.role, p.code
		FROM staff st JOIN providers p ON p.id = st.provider_id WHERE st.id = $1`, hire))
	for _, it := range q {
		if int64(it["staff_id"].(float64)) == hire {
			kinds[it["kind"].(string)] = true
			// Whose record it is, for the verifier to hold the document to.
			assert.Equal(t, hired.Name, it["staff_name"])
			assert.Equal(t, hired.Role, it["staff_role"])
			assert.Equal(t, hired.Code, it["provider_code"])
		}
	}
	assert.Equal(t, map[string]bool{"credentials": true, "experience": true, "background-checks": true}, kinds)
	requireProblem(t, e.post(keyHRA, itPath("/v1/staff-records/credentials/%d/verify", credID), map[string]any{"document_reference": "x"}),
		http.StatusForbidden, "forbidden")

	// The degree alone is not enough: the months are still pending.
	r := e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/verify", credID), map[string]any{"document_reference": "DOC-2026-0412 diploma"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	rv := r.JSON(t)
	assert.Equal(t, "verified", rv["verification_status"])
	assert.Equal(t, "DOC-2026-0412 diploma", rv["document_reference"])
	assert.NotNil(t, rv["reviewed_by_key_id"])
	assert.NotNil(t, rv["reviewed_at"])
	v = ask()
	require.Equal(t, "denied", v["decision"], "%v", v)
	assert.Contains(t, staffRuleDetail(v, "STAFF_NOT_QUALIFIED"), "pending verification: experience target_population")

	for _, p := range []string{itPath("/v1/staff-records/experience/%d/verify", expID), itPath("/v1/staff-records/background-checks/%d/verify", chkID)} {
		r = e.post(keyAdmin, p, map[string]any{"document_reference": "DOC-2026-0413"})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	}
	v = ask()
	assert.Equal(t, "approved", v["decision"], "%v", v)
	assert.Empty(t, staffRuleDetail(v, "STAFF_NOT_QUALIFIED"))

	// What the staff member's record says now.
	g := e.get(keyHRA, itPath("/v1/staff/%d", hire))
	require.Equal(t, http.StatusOK, g.Status, "body: %s", g.Body)
	st := g.JSON(t)
	for _, list := range []string{"credentials", "experience", "background_checks"} {
		items := st[list].([]any)
		require.Len(t, items, 1, list)
		assert.Equal(t, "verified", items[0].(map[string]any)["verification_status"], list)
	}
	for _, it := range itItems(t, e.get(keyAdmin, "/v1/verification-queue")) {
		assert.NotEqual(t, float64(hire), it["staff_id"], "verified records leave the queue")
	}
}

// A claim rendered by a staff member whose qualification is pending is
// denied 185; once verified, the same service is paid.
func TestStaffClaimNeedsVerifiedQualification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	a := itATRClient(t, e, day(-20))
	v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 40, -10, 49)
	require.Equal(t, "approved", v["decision"], "%v", v)
	hire := staffHire(t, e, keyHRA, hra, nil)
	r := e.post(keyHRA, itPath("/v1/staff/%d/credentials", hire), map[string]any{"type": "CADC", "issuer": "IBADCC",
		"valid_from": day(-300), "valid_to": day(400)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	credID := itID(t, r)
	claim := func(number string, dos int) map[string]any {
		return map[string]any{"claim_number": number, "client_id": a.Client, "rendering_staff_id": hire, "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-CM", "date_of_service": day(dos), "units": 4, "charge": "60.00"}}}
	}
	r = e.post(keyHRA, "/v1/claims", claim("STAFF-1", -3))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	c := r.JSON(t)
	assert.Equal(t, "denied", c["status"], "%s", r.Body)
	line := c["lines"].([]any)[0].(map[string]any)
	adj := line["adjustments"].([]any)
	require.NotEmpty(t, adj, "%s", r.Body)
	assert.Equal(t, "185", adj[0].(map[string]any)["carc"], "%s", r.Body)
	g := e.get(keyHRA, itPath("/v1/claims/%d", itID(t, r)))
	require.Equal(t, http.StatusOK, g.Status, "body: %s", g.Body)
	assert.Contains(t, string(g.Body), "pending verification: credential CADC", "the line's trace says what waits")

	r = e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/verify", credID), map[string]any{"document_reference": "IBADCC register 2026-06"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.post(keyHRA, "/v1/claims", claim("STAFF-2", -2))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	c = r.JSON(t)
	assert.Equal(t, "paid", c["status"], "%s", r.Body)
	assert.Equal(t, "60.00", c["lines"].([]any)[0].(map[string]any)["paid"], "%s", r.Body)
}

// Withdrawing a verified credential, or a departure, takes effect on the
// next request.
func TestStaffRejectAndDeparture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	okafor := e.demo.Staff["Okafor"]

	// Okafor leaves in three days: a request starting after it is denied.
	r := e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", okafor), Key: keyHRA, Body: map[string]any{"employment_end": day(3)}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, day(3), r.JSON(t)["employment_end"])
	v := itVoucher(t, e, keyHRA, rivera, "ATR-CM", 20, 5, 30)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, staffRuleDetail(v, "STAFF_NOT_QUALIFIED"), "staff_not_employed_on_date")
	r = e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", okafor), Key: keyAdmin, Body: map[string]any{"employment_end": nil}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Nil(t, r.JSON(t)["employment_end"])

	// The department withdraws her CADC: no path is left.
	var cadc int64
	require.NoError(t, e.db.GetContext(t.Context(), &cadc, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND type = 'CADC'
		AND verification_status = 'verified'`, okafor))
	r = e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/reject", cadc), map[string]any{"reason": "certification revoked by IBADCC"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "rejected", r.JSON(t)["verification_status"])
	assert.Equal(t, "certification revoked by IBADCC", r.JSON(t)["rejection_reason"])
	v = itVoucher(t, e, keyHRA, rivera, "ATR-CM", 20, 0, 30)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, staffReasons(v), "STAFF_NOT_QUALIFIED")
	requireProblem(t, e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/reject", cadc), map[string]any{"reason": "again"}),
		http.StatusConflict, "already_reviewed")
	requireProblem(t, e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/verify", cadc), map[string]any{"document_reference": "x"}),
		http.StatusConflict, "already_reviewed")
}

// A credential withdrawn as of a day counts until the day before: Okafor's
// CADC revoked from day 0 still qualifies her for a span that starts before
// it (a retro request, pended, not denied) and not for one that starts on
// it. Withdrawn whole, it took back the days she served with it valid (an
// operations black-box pass). Only a verified credential is withdrawn as
// of a day, never after today.
func TestCredentialWithdrawnAsOfADay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera, okafor := e.demo.Clients["Rivera"], e.demo.Staff["Okafor"]
	var cadc int64
	require.NoError(t, e.db.GetContext(t.Context(), &cadc, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND type = 'CADC'
		AND verification_status = 'verified'`, okafor))
	path := itPath("/v1/staff-records/credentials/%d/reject", cadc)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "revoked", "effective_on": day(1)}),
			http.StatusUnprocessableEntity, "validation_failed")
	})
	var check int64
	require.NoError(t, e.db.GetContext(t.Context(), &check, `SELECT id FROM background_checks WHERE staff_id = $1 LIMIT 1`, okafor))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, itPath("/v1/staff-records/background-checks/%d/reject", check),
			map[string]any{"reason": "x", "effective_on": day(-1)}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_allowed", itFieldCode(p, "effective_on"))
	})

	r := e.post(keyAdmin, path, map[string]any{"reason": "certification revoked by IBADCC from today", "effective_on": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "rejected", r.JSON(t)["verification_status"])
	assert.Equal(t, day(0), r.JSON(t)["withdrawn_on"])
	v := itVoucher(t, e, keyHRA, rivera, "ATR-CM", 20, 0, 30)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, staffReasons(v), "STAFF_NOT_QUALIFIED")
	v = itVoucher(t, e, keyHRA, rivera, "ATR-CM", 20, -3, 30)
	assert.NotContains(t, staffReasons(v), "STAFF_NOT_QUALIFIED", "valid the days before: %v", v["reason_codes"])
	// And the span ends with them (V28; a re-check found it granted whole).
	assert.Contains(t, v["reason_codes"], "SPAN_PAST_QUALIFICATION")
	assert.Equal(t, day(-1), v["ceiling"].(map[string]any)["end_date"])
	got := e.get(keyHRA, itPath("/v1/staff/%d", okafor)).JSON(t)
	found := false
	for _, c := range got["credentials"].([]any) {
		if c := c.(map[string]any); int64(c["id"].(float64)) == cadc {
			found = true
			assert.Equal(t, day(0), c["withdrawn_on"])
		}
	}
	assert.True(t, found, "%v", got)

	// The department learns it went earlier: withdrawn again from an
	// earlier day, then whole (both were refused already_reviewed: a
	// black-box pass).
	r = e.post(keyAdmin, path, map[string]any{"reason": "board letter: revoked three days back", "effective_on": day(-3)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, day(-3), r.JSON(t)["withdrawn_on"])
	v = itVoucher(t, e, keyHRA, rivera, "ATR-CM", 20, -3, 30)
	assert.Contains(t, staffReasons(v), "STAFF_NOT_QUALIFIED", "from the earlier day: %v", v["reason_codes"])
	r = e.post(keyAdmin, path, map[string]any{"reason": "board letter: never valid"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Nil(t, r.JSON(t)["withdrawn_on"], "rejected whole")
	v = itVoucher(t, e, keyHRA, rivera, "ATR-CM", 20, -10, 30)
	assert.Contains(t, staffReasons(v), "STAFF_NOT_QUALIFIED", "%v", v["reason_codes"])
	requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "again"}), http.StatusConflict, "already_reviewed")

	// A pending credential is rejected whole.
	r = e.post(keyHRA, itPath("/v1/staff/%d/credentials", okafor), map[string]any{"type": "CADC", "issuer": "IBADCC",
		"valid_from": day(-30), "valid_to": day(300)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	requireProblem(t, e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/reject", itID(t, r)),
		map[string]any{"reason": "x", "effective_on": day(-1)}), http.StatusConflict, "not_verified")
}

// A credential withdrawn for cause is withdrawn from its true day, paid
// lines or not: a licence revoked from before a paid line was refused 409
// claims_after_withdrawal until the department dated the revocation after
// the line, and meanwhile the credential went on qualifying its holder
// (the operations black-box pass that found the same of a failed
// background check). Taken, the paid line it leaves unqualified stays
// paid (a record claws nothing back), listed in the answer and audited
// for the agency or the MSC to void or recoup; a line of staff it
// supervises is listed with who rendered it.
func TestCredentialWithdrawnOverAPaidLineListsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	okafor := e.demo.Staff["Okafor"]
	e.authorizeRivera(40)
	l := itLine(t, e.post(keyHRA, "/v1/claims", e.riveraClaim("CW-1", cmLine(day(-3), 4, "60.00"))))
	require.Equal(t, "paid", l["status"])
	var claim int64
	require.NoError(t, e.db.GetContext(t.Context(), &claim, `SELECT id FROM claims WHERE claim_number = 'CW-1'`))
	var cadc int64
	require.NoError(t, e.db.GetContext(t.Context(), &cadc, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND type = 'CADC'
		AND verification_status = 'verified'`, okafor))
	path := itPath("/v1/staff-records/credentials/%d/reject", cadc)

	r := e.post(keyAdmin, path, map[string]any{"reason": "suspended by IBADCC", "effective_on": day(-5)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, day(-5), r.JSON(t)["withdrawn_on"])
	assert.Equal(t, []any{map[string]any{"claim_id": float64(claim), "claim_number": "CW-1", "line_number": float64(1),
		"staff_id": float64(okafor), "service_code": "ATR-CM", "date_of_service": day(-3), "held": true}}, r.JSON(t)["paid_lines_unqualified"])
	assert.Equal(t, 1, itAudit(e, "left_unqualified", "claim", itStr(claim)))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM claim_lines WHERE claim_id = $1 AND status = 'paid' AND counted`, claim),
		"the paid line is not changed by the record")
	late := itLine(t, e.post(keyHRA, "/v1/claims", e.riveraClaim("CW-2", cmLine(day(-2), 2, "30.00"))))
	assert.Equal(t, "denied", late["status"], "from its day on: %v", late)
	assert.Contains(t, fmt.Sprint(late["adjustments"]), "185")

	// The board's letter dates it earlier: the withdrawal moves to an
	// earlier day (it was refused already_reviewed, and the days between
	// kept qualifying: a black-box pass), listing what it adds, here
	// nothing. It never moves later.
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "later", "effective_on": day(-4)}), http.StatusConflict, "already_withdrawn")
		requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "again", "effective_on": day(-5)}), http.StatusConflict, "already_withdrawn")
	})
	r = e.post(keyAdmin, path, map[string]any{"reason": "board letter", "effective_on": day(-6)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, []any{}, r.JSON(t)["paid_lines_unqualified"])
	assert.Equal(t, 1, itAudit(e, "left_unqualified", "claim", itStr(claim)), "listed once, by the record that left it unqualified")

	// The lead's licence withdrawn whole leaves the junior's line under
	// the lead's supervision unqualified: listed with the junior's id.
	lead, junior := supervisedBachelor(t, e)
	c := e.riveraClaim("CW-3", cmLine(day(-1), 2, "30.00"))
	c["rendering_staff_id"] = junior
	require.Equal(t, "paid", itLine(t, e.post(keyHRA, "/v1/claims", c))["status"])
	var leadCADC int64
	require.NoError(t, e.db.GetContext(t.Context(), &leadCADC, `SELECT id FROM staff_credentials WHERE staff_id = $1`, lead))
	r = e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/reject", leadCADC), map[string]any{"reason": "certificate found false"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	lines, _ := r.JSON(t)["paid_lines_unqualified"].([]any)
	require.Len(t, lines, 1, "%s", r.Body)
	assert.Equal(t, "CW-3", lines[0].(map[string]any)["claim_number"])
	assert.Equal(t, float64(junior), lines[0].(map[string]any)["staff_id"])
}

// A credential is withdrawn as of a day it covered: one "withdrawn as of"
// a day before its own valid_from was taken, reading withdrawn_on
// 2020-01-01 on a credential valid from 2028 (an operations black-box
// pass). On or before valid_from the withdrawal covers no day: refused
// (422 out_of_range on effective_on, nothing written), the record is
// rejected whole instead, as a withdrawal moved earlier past it is.
func TestCredentialNotWithdrawnBeforeItIsValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, itPath("/v1/staff/%d/credentials", e.demo.Staff["Okafor"]), map[string]any{"type": "LPC",
		"issuer": "Board of Counselors", "valid_from": day(-10), "document_reference": "licence copy"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := itPath("/v1/staff-records/credentials/%d/reject", itID(t, r))
	refused := func(on string) {
		t.Helper()
		p := requireProblem(t, e.post(keyAdmin, path, map[string]any{"reason": "revoked", "effective_on": on}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "effective_on"), "%v", p)
	}
	itNothingWritten(t, e, func() {
		refused("2020-01-01")
		refused(day(-10))
	})
	r = e.post(keyAdmin, path, map[string]any{"reason": "revoked", "effective_on": day(-9)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(-9), r.JSON(t)["withdrawn_on"])
	itNothingWritten(t, e, func() { refused(day(-10)) })
	r = e.post(keyAdmin, path, map[string]any{"reason": "revoked from its first day"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Nil(t, r.JSON(t)["withdrawn_on"], "rejected whole")

	// Nor as of a day after its valid_to: a lapsed credential read
	// "rejected, withdrawn from" a day it never covered (a re-check).
	r = e.post(keyAdmin, itPath("/v1/staff/%d/credentials", e.demo.Staff["Okafor"]), map[string]any{"type": "LPC",
		"issuer": "Board of Counselors", "valid_from": day(-30), "valid_to": day(-5), "document_reference": "licence copy"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path = itPath("/v1/staff-records/credentials/%d/reject", itID(t, r))
	itNothingWritten(t, e, func() { refused(day(-4)) })
	r = e.post(keyAdmin, path, map[string]any{"reason": "revoked", "effective_on": day(-5)})
	require.Equal(t, http.StatusOK, r.Status, "its last day is a day it covered: %s", r.Body)
}

// supervisedBachelor hires at HRA a CADC lead and a junior with a
// bachelor's degree whom the lead supervises from hire: qualified for ATR
// case management by the supervision alone.
func supervisedBachelor(t *testing.T, e *env) (lead, junior int64) {
	t.Helper()
	hra := e.demo.Providers["HRA"]
	lead = staffHire(t, e, keyAdmin, hra, map[string]any{"last_name": "Lead", "employment_start": day(-400)})
	r := e.post(keyAdmin, itPath("/v1/staff/%d/credentials", lead), map[string]any{"type": "CADC", "issuer": "IBADCC",
		"valid_from": day(-300), "document_reference": "certificate DOC-1"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	junior = staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Junior", "supervisor_id": lead, "employment_start": day(-400)})
	r = e.post(keyAdmin, itPath("/v1/staff/%d/credentials", junior), map[string]any{"type": "BACHELOR_HUMAN_SERVICES",
		"issuer": "State University", "valid_from": day(-1000), "document_reference": "diploma DOC-2"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return lead, junior
}

// Supervision qualifies a bachelor's-degree case manager for ATR case
// management on every day paid: a supervisor's departure before such a
// day, or a change of the supervisor, would leave the paid line
// unqualified, and is refused (409 claims_no_longer_qualified, naming the
// line) as a withdrawn credential is. Both were taken, and the same
// service sent after was denied 185 (a re-check of an operations black-box
// pass). A departure after the line is taken.
func TestSupervisionNotTakenFromUnderAPaidLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead, junior := supervisedBachelor(t, e)
	e.authorizeRivera(40)
	claim := e.riveraClaim("SUP-1", cmLine(day(-3), 4, "60.00"))
	claim["rendering_staff_id"] = junior
	l := itLine(t, e.post(keyHRA, "/v1/claims", claim))
	require.Equal(t, "paid", l["status"], "qualified under supervision: %v", l)

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, itPath("/v1/staff/%d", lead), map[string]any{"employment_end": day(-5), "reason": "left"}),
			http.StatusConflict, "claims_no_longer_qualified")
		assert.Contains(t, p["detail"], "claim SUP-1 line 1")
		requireProblem(t, e.patch(keyHRA, itPath("/v1/staff/%d", junior), map[string]any{"supervisor_id": nil, "reason": "restructure"}),
			http.StatusConflict, "claims_no_longer_qualified")
	})
	r := e.patch(keyAdmin, itPath("/v1/staff/%d", lead), map[string]any{"employment_end": day(-2), "reason": "left after the service"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// Supervision is dated (migration 00089): a new supervisor takes over from
// supervisor_since, and the days before it stay under the one before, so
// a change is taken over a paid line of an earlier day, and a line billed
// late for such a day is judged under the supervisor of that day. Undated
// (no supervisor_since), a change corrects every day and is refused over
// the paid line as before; the same supervisor sent back changes nothing.
// The change was refused over any paid line, and one taken was applied to
// every day (Known gaps of the nineteenth stop).
func TestSupervisionIsDated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead, junior := supervisedBachelor(t, e)
	other := staffHire(t, e, keyAdmin, e.demo.Providers["HRA"], map[string]any{"last_name": "Other", "employment_start": day(-400)})
	e.authorizeRivera(40)
	claim := func(number string, dos int) map[string]any {
		c := e.riveraClaim(number, cmLine(day(dos), 2, "30.00"))
		c["rendering_staff_id"] = junior
		return c
	}
	require.Equal(t, "paid", itLine(t, e.post(keyHRA, "/v1/claims", claim("DS-1", -3)))["status"])

	staffPath := itPath("/v1/staff/%d", junior)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": other, "reason": "restructure"}),
			http.StatusConflict, "claims_no_longer_qualified")
		p := requireProblem(t, e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": other, "supervisor_since": day(1)}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "in_future", itFieldCode(p, "supervisor_since"))
		p = requireProblem(t, e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": other, "supervisor_since": day(-401)}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "supervisor_since"))
		requireProblem(t, e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": other, "supervisor_since": day(-3)}),
			http.StatusConflict, "claims_no_longer_qualified")
	})
	r := e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": other, "supervisor_since": day(-2), "reason": "Lead moved to intake"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	periods := func(r resp) []any {
		v := r.JSON(t)
		p, _ := v["supervision"].([]any)
		return p
	}
	want := []any{
		map[string]any{"supervisor_id": float64(lead), "from": nil, "to": day(-3)},
		map[string]any{"supervisor_id": float64(other), "from": day(-2), "to": nil},
	}
	assert.Equal(t, want, periods(r))
	assert.Equal(t, day(-2), r.JSON(t)["supervisor_since"])
	assert.Equal(t, float64(other), r.JSON(t)["supervisor_id"])

	// A day before the change is judged under Lead, a day from it under Other.
	assert.Equal(t, "paid", itLine(t, e.post(keyHRA, "/v1/claims", claim("DS-2", -4)))["status"])
	late := itLine(t, e.post(keyHRA, "/v1/claims", claim("DS-3", -1)))
	assert.Equal(t, "denied", late["status"], "%v", late)
	assert.Contains(t, fmt.Sprint(late["adjustments"]), "185")

	// The day moved later alone: the period before runs on to it, and a
	// line of the day between is judged under Lead again (it split the
	// period, the day between kept Other: a re-check).
	r = e.patch(keyHRA, staffPath, map[string]any{"supervisor_since": day(-1), "reason": "Other took over a day later"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	want = []any{
		map[string]any{"supervisor_id": float64(lead), "from": nil, "to": day(-2)},
		map[string]any{"supervisor_id": float64(other), "from": day(-1), "to": nil},
	}
	assert.Equal(t, want, periods(r))
	assert.Equal(t, "paid", itLine(t, e.post(keyHRA, "/v1/claims", claim("DS-4", -2)))["status"])

	// The same supervisor sent back, as a form sends every field, keeps the periods.
	r = e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": other, "last_name": "Junior-Smith"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, want, periods(r))

	// Back to Lead for every day: a correction, one period.
	r = e.patch(keyHRA, staffPath, map[string]any{"supervisor_id": lead, "reason": "the move never happened"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, []any{map[string]any{"supervisor_id": float64(lead), "from": nil, "to": nil}}, periods(r))
	assert.Nil(t, r.JSON(t)["supervisor_since"])

	h := e.get(keyHRA, staffPath+"/history")
	require.Equal(t, http.StatusOK, h.Status, "%s", h.Body)
	assert.Contains(t, string(h.Body), `"supervisor_since"`, "the history shows the day a change took effect")
}

// A period of supervision is judged on its first day: one that began
// before the supervisor left is a true record, one from after is refused
// as naming someone who left is (a re-check found the first refused and a
// departed supervisor's day moved unchecked).
func TestSupervisionBySomeoneWhoLeftSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	gone := staffHire(t, e, keyAdmin, hra, map[string]any{"last_name": "Gone", "employment_start": day(-400)})
	r := e.patch(keyAdmin, itPath("/v1/staff/%d", gone), map[string]any{"employment_end": day(-10), "reason": "left"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	junior := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Stays", "employment_start": day(-300)})
	path := itPath("/v1/staff/%d", junior)
	for _, body := range []map[string]any{{"supervisor_id": gone}, {"supervisor_id": gone, "supervisor_since": day(-5)}} {
		p := requireProblem(t, e.patch(keyHRA, path, body), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_employed", itFieldCode(p, "supervisor_id"), "%v", body)
	}
	r = e.patch(keyHRA, path, map[string]any{"supervisor_id": gone, "supervisor_since": day(-20), "reason": "the record of the spring"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	p := requireProblem(t, e.patch(keyHRA, path, map[string]any{"supervisor_since": day(-9)}), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "not_employed", itFieldCode(p, "supervisor_id"), "the day moved past the departure")
	// With no supervisor there is no day to move (a re-check).
	p = requireProblem(t, e.patch(keyAdmin, itPath("/v1/staff/%d", gone), map[string]any{"supervisor_since": day(-30)}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "no_supervisor", itFieldCode(p, "supervisor_since"))
}

// Adverse news about someone who may serve minors is recorded with its
// true date, paid lines or not: a failed background check dated before a
// paid line to a minor was refused 409 claims_no_longer_qualified to the
// agency and to the department alike, the passed check it contradicts
// could not be withdrawn (claims_after_withdrawal), and the staff member
// went on clearing minors' vouchers and claims until the agency voided its
// own claims or the failure was recorded with a false date (an operations
// black-box pass). Taken, it denies what comes after (V12, C06); the paid
// line it leaves unqualified stays paid, listed in the answer (the
// agency's own claims) and audited, for the agency or the MSC to void or
// recoup.
func TestFailedCheckOverAMinorsPaidLineIsTakenAndListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	okafor, nguyen := e.demo.Staff["Okafor"], e.demo.Clients["Nguyen"]
	itMinorsPaidLine(t, e, "MIN-1")
	var claim int64
	require.NoError(t, e.db.GetContext(t.Context(), &claim, `SELECT id FROM claims WHERE claim_number = 'MIN-1'`))
	listed := []any{map[string]any{"claim_id": float64(claim), "claim_number": "MIN-1", "line_number": float64(1),
		"staff_id": float64(okafor), "service_code": "ATR-TR", "date_of_service": day(-1), "held": true}}

	r := e.post(keyHRA, itPath("/v1/staff/%d/background-checks", okafor), map[string]any{"checked_on": day(-3), "result": "failed",
		"agency": "CT State Police"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, day(-3), got["checked_on"], "its true day")
	assert.Equal(t, "pending", got["verification_status"])
	assert.Equal(t, listed, got["paid_lines_unqualified"])
	assert.Equal(t, 1, itAudit(e, "left_unqualified", "claim", itStr(claim)))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM claim_lines WHERE claim_id = $1 AND status = 'paid' AND counted`, claim),
		"the paid line is not changed by the record")

	// From now on the minor is not served by Okafor.
	v := itVoucher(t, e, keyHRA, nguyen, "ATR-CM", 10, 0, 20)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "BACKGROUND_CHECK_MISSING")
	l := itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "MIN-2", "client_id": nguyen, "rendering_staff_id": okafor,
		"place_of_service": "99", "lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(0), "units": 1, "charge": "12.00"}}}))
	assert.Equal(t, "denied", l["status"], "%v", l)
	assert.Contains(t, fmt.Sprint(l["adjustments"]), "185")

	// The department enters it from the police report: taken, nothing
	// more to list (the line failed already).
	r = e.post(keyAdmin, itPath("/v1/staff/%d/background-checks", okafor), map[string]any{"checked_on": day(-3), "result": "failed",
		"agency": "CT State Police", "document_reference": "SP report 5531"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{}, r.JSON(t)["paid_lines_unqualified"])
	assert.Equal(t, 1, itAudit(e, "left_unqualified", "claim", itStr(claim)))
	// A passed check lists nothing either.
	r = e.post(keyAdmin, itPath("/v1/staff/%d/background-checks", e.demo.Staff["Baptiste"]), map[string]any{"checked_on": day(-3),
		"result": "passed", "agency": "CT State Police", "document_reference": "SP report 5532"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{}, r.JSON(t)["paid_lines_unqualified"])
}

// The department withdraws a passed check that cleared a paid line to a
// minor (another person's record, or superseded by a failure): taken and
// listed as a failed check is (it was refused claims_after_withdrawal: the
// operations black-box pass above). A staff member's date of birth, the
// agency's own correction, is still not changed to make them too young
// for a line already paid: it left the line paid while the same service
// sent after was denied 185 (a re-check of an operations black-box pass).
func TestMinorsLineCheckWithdrawnAgeNotTaken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	okafor := e.demo.Staff["Okafor"]
	itMinorsPaidLine(t, e, "MIN-1")
	var claim, check int64
	require.NoError(t, e.db.GetContext(t.Context(), &claim, `SELECT id FROM claims WHERE claim_number = 'MIN-1'`))
	require.NoError(t, e.db.GetContext(t.Context(), &check, `SELECT id FROM background_checks WHERE staff_id = $1
		AND verification_status = 'verified' AND result = 'passed'`, okafor))
	r := e.post(keyAdmin, itPath("/v1/staff-records/background-checks/%d/reject", check), map[string]any{"reason": "superseded by failed check"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "rejected", r.JSON(t)["verification_status"])
	assert.Equal(t, []any{map[string]any{"claim_id": float64(claim), "claim_number": "MIN-1", "line_number": float64(1),
		"staff_id": float64(okafor), "service_code": "ATR-TR", "date_of_service": day(-1), "held": true}}, r.JSON(t)["paid_lines_unqualified"])
	assert.Equal(t, 1, itAudit(e, "left_unqualified", "claim", itStr(claim)))
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Nguyen"], "ATR-CM", 10, 0, 20)
	assert.Contains(t, v["reason_codes"], "BACKGROUND_CHECK_MISSING")

	// A recovery assistant hired at 19 with what the role needs, a line paid.
	ra := staffHire(t, e, keyAdmin, e.demo.Providers["ECRA"], map[string]any{"last_name": "Young", "role": "recovery_assistant",
		"date_of_birth": fixtures.TestToday.AddDays(-19 * 366).String()})
	for _, c := range []string{"HIGH_SCHOOL_DIPLOMA", "CT_DRIVERS_LICENSE", "DMHAS_RECOVERY_ASSISTANT_TRAINING"} {
		r := e.post(keyAdmin, itPath("/v1/staff/%d/credentials", ra), map[string]any{"type": c, "issuer": "State of Connecticut",
			"valid_from": day(-60), "document_reference": "copy on file"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	e.mhwReady(100)
	claimRA := e.duboisClaim("RA-AGE-1", raLine(day(-3), 2, "14.50"))
	claimRA["rendering_staff_id"] = ra
	l := itLine(t, e.post(keyECRA, "/v1/claims", claimRA))
	require.Equal(t, "paid", l["status"], "%v", l)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.patch(keyECRA, itPath("/v1/staff/%d", ra),
			map[string]any{"date_of_birth": fixtures.TestToday.AddDays(-17 * 366).String(), "reason": "typo mended"}),
			http.StatusConflict, "claims_no_longer_qualified")
	})
}

// itMinorsPaidLine pays a line of the claim number given that Okafor
// rendered the day before the test's today to Nguyen, a minor.
func itMinorsPaidLine(t *testing.T, e *env, number string) {
	t.Helper()
	nguyen := e.demo.Clients["Nguyen"]
	v := itVoucher(t, e, keyHRA, nguyen, "ATR-TR", 2, -5, 10)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	l := itLine(t, e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": nguyen,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "99",
		"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}}))
	require.Equal(t, "paid", l["status"], "%v", l)
}

// A staff change is held to the paid lines it would leave unqualified,
// not to lines that failed before it: with a line already failing (here a
// failed check on file from before submissions were held to paid lines),
// every later change of the member was refused naming it, the same role
// sent again and a departure after every line among them, and the true
// failed check could not be verified (a re-check).
func TestStaffChangeIsJudgedByWhatItTakesAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	okafor := e.demo.Staff["Okafor"]
	itMinorsPaidLine(t, e, "TAKE-1")
	var failed int64
	require.NoError(t, e.db.GetContext(t.Context(), &failed, `INSERT INTO background_checks (staff_id, checked_on, result, agency,
		submitted_by_role) VALUES ($1, $2, 'failed', 'DCF background unit', 'provider') RETURNING id`, okafor, day(-3)))

	r := e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"role": "case_manager", "reason": "the same role"})
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, itPath("/v1/staff-records/background-checks/%d/verify", failed), map[string]any{"document_reference": "DCF letter"})
	assert.Equal(t, http.StatusOK, r.Status, "verifying what already counts takes nothing: %s", r.Body)
	r = e.patch(keyHRA, itPath("/v1/staff/%d", okafor), map[string]any{"employment_end": day(0), "reason": "left after every line"})
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// An admin may enter a record verified at once, naming the document; the
// supervisor must be of the same agency and supervision has no cycles.
func TestStaffAdminEntryAndSupervision(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	lead := staffHire(t, e, keyAdmin, hra, map[string]any{"last_name": "Lead"})
	mid := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Mid", "supervisor_id": lead})
	junior := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Junior", "supervisor_id": mid, "npi": "1234567802"})

	r := e.post(keyAdmin, itPath("/v1/staff/%d/credentials", lead), map[string]any{"type": "LPC", "issuer": "Board of Counselors",
		"valid_from": day(-900), "document_reference": "licence copy DOC-77"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	c := r.JSON(t)
	assert.Equal(t, "verified", c["verification_status"])
	assert.Equal(t, "admin", c["submitted_by_role"])
	assert.Equal(t, "licence copy DOC-77", c["document_reference"])
	assert.Equal(t, 1, itAudit(e, "verify", "staff_credential", itStr(itID(t, r))))

	itNothingWritten(t, e, func() {
		// lead -> junior would close the loop junior -> mid -> lead.
		p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", lead), Key: keyHRA,
			Body: map[string]any{"supervisor_id": junior}}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "supervision_cycle", itFieldCode(p, "supervisor_id"))
		p = requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", mid), Key: keyHRA,
			Body: map[string]any{"supervisor_id": mid}}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "self", itFieldCode(p, "supervisor_id"))
		p = requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", mid), Key: keyHRA,
			Body: map[string]any{"supervisor_id": e.demo.Staff["Baptiste"]}}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "unknown_id", itFieldCode(p, "supervisor_id"), "another agency's staff is no one here")
	})
	// A chain without a loop is fine; the schema itself refuses a loop.
	r = e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", junior), Key: keyHRA, Body: map[string]any{"supervisor_id": lead}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	_, err := e.db.ExecContext(t.Context(), `UPDATE staff SET supervisor_id = $1 WHERE id = $2`, mid, lead)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cycle")
}

// A supervisor who leaves stays on the records they supervised, and a
// change of such a record that does not name its supervisor goes through:
// a black-box pass found every later PATCH of a supervisee refused 422
// supervisor_id not_employed, an admin's and the supervisee's own
// departure included. Naming the one who left as a supervisor is still
// refused.
func TestStaffChangeAfterTheirSupervisorLeft(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	lead := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Lead"})
	sub := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Sub", "supervisor_id": lead})
	other := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Other", "first_name": "Ola"})
	patch := func(key string, id int64, body map[string]any) resp {
		return e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", id), Key: key, Body: body})
	}
	r := patch(keyHRA, lead, map[string]any{"employment_end": day(-1)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, false, r.JSON(t)["active"], "gone since yesterday (a black-box pass read active)")
	assert.Equal(t, true, e.get(keyHRA, itPath("/v1/staff/%d", sub)).JSON(t)["active"])

	r = patch(keyHRA, sub, map[string]any{"last_name": "Sub-Smith"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, float64(lead), r.JSON(t)["supervisor_id"], "who supervised them stays on the record")
	r = patch(keyAdmin, sub, map[string]any{"first_name": "Noa"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = patch(keyHRA, sub, map[string]any{"employment_end": day(0)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	itNothingWritten(t, e, func() {
		p := requireProblem(t, patch(keyHRA, other, map[string]any{"supervisor_id": lead}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_employed", itFieldCode(p, "supervisor_id"))
	})
}

func TestStaffRolesAndAgencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := e.demo.Providers["HRA"], e.demo.Providers["BCS"]
	okafor, baptiste := e.demo.Staff["Okafor"], e.demo.Staff["Baptiste"]
	var pending int64
	require.NoError(t, e.db.GetContext(t.Context(), &pending, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND verification_status = 'pending'`,
		okafor))
	hire := map[string]any{"first_name": "Ann", "last_name": "Role", "role": "case_manager", "date_of_birth": "1985-01-01", "employment_start": day(-1)}
	cred := map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(-10)}
	patch := map[string]any{"first_name": "Changed"}
	type call struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}
	refused := []call{
		{"reviewer hires", http.MethodPost, itPath("/v1/providers/%d/staff", hra), keyReviewer, hire, 403, "forbidden"},
		{"finance hires", http.MethodPost, itPath("/v1/providers/%d/staff", hra), keyFinance, hire, 403, "forbidden"},
		{"another agency hires here", http.MethodPost, itPath("/v1/providers/%d/staff", hra), keyBCS, hire, 404, "not_found"},
		{"no such agency", http.MethodPost, "/v1/providers/999999/staff", keyAdmin, hire, 404, "not_found"},
		{"reviewer changes staff", http.MethodPatch, itPath("/v1/staff/%d", okafor), keyReviewer, patch, 403, "forbidden"},
		{"finance changes staff", http.MethodPatch, itPath("/v1/staff/%d", okafor), keyFinance, patch, 403, "forbidden"},
		{"another agency changes staff", http.MethodPatch, itPath("/v1/staff/%d", okafor), keyBCS, patch, 404, "not_found"},
		{"reviewer records a credential", http.MethodPost, itPath("/v1/staff/%d/credentials", okafor), keyReviewer, cred, 403, "forbidden"},
		{"finance records a check", http.MethodPost, itPath("/v1/staff/%d/background-checks", okafor), keyFinance,
			map[string]any{"checked_on": day(-1), "result": "passed", "agency": "DCF"}, 403, "forbidden"},
		{"another agency's staff credential", http.MethodPost, itPath("/v1/staff/%d/credentials", baptiste), keyHRA, cred, 404, "not_found"},
		{"another agency's staff experience", http.MethodPost, itPath("/v1/staff/%d/experience", baptiste), keyHRA,
			map[string]any{"kind": "target_population", "started_on": day(-100)}, 404, "not_found"},
		{"provider verifies at entry", http.MethodPost, itPath("/v1/staff/%d/credentials", okafor), keyHRA,
			map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(-10), "document_reference": "mine"}, 403, "verification_by_department"},
		{"provider verifies", http.MethodPost, itPath("/v1/staff-records/credentials/%d/verify", pending), keyHRA,
			map[string]any{"document_reference": "DOC"}, 403, "forbidden"},
		{"reviewer verifies", http.MethodPost, itPath("/v1/staff-records/credentials/%d/verify", pending), keyReviewer,
			map[string]any{"document_reference": "DOC"}, 403, "forbidden"},
		{"provider rejects", http.MethodPost, itPath("/v1/staff-records/credentials/%d/reject", pending), keyHRA,
			map[string]any{"reason": "no"}, 403, "forbidden"},
		{"finance rejects", http.MethodPost, itPath("/v1/staff-records/credentials/%d/reject", pending), keyFinance,
			map[string]any{"reason": "no"}, 403, "forbidden"},
		{"provider reads the queue", http.MethodGet, "/v1/verification-queue", keyHRA, nil, 403, "forbidden"},
		{"reviewer reads the queue", http.MethodGet, "/v1/verification-queue", keyReviewer, nil, 403, "forbidden"},
		{"another agency's staff member", http.MethodGet, itPath("/v1/staff/%d", baptiste), keyHRA, nil, 404, "not_found"},
		{"no such staff member", http.MethodGet, "/v1/staff/99999999", keyAdmin, nil, 404, "not_found"},
		{"no such record kind", http.MethodPost, itPath("/v1/staff-records/diplomas/%d/verify", pending), keyAdmin,
			map[string]any{"document_reference": "DOC"}, 404, "not_found"},
		{"no such record", http.MethodPost, "/v1/staff-records/experience/99999999/verify", keyAdmin,
			map[string]any{"document_reference": "DOC"}, 404, "not_found"},
	}
	itNothingWritten(t, e, func() {
		for _, c := range refused {
			r := e.do(req{Method: c.method, Path: c.path, Key: c.key, Body: c.body})
			assert.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Body)
			if r.Status == c.status {
				requireProblem(t, r, c.status, c.code)
			}
		}
	})
	// What the MSC roles and the agency itself may read.
	for _, k := range []string{keyHRA, keyReviewer, keyFinance, keyAdmin} {
		r := e.get(k, itPath("/v1/staff/%d", okafor))
		assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	// The existing list still answers, with the verification state.
	items := itItems(t, e.get(keyHRA, itPath("/v1/reference/providers/%d/staff", hra)))
	require.NotEmpty(t, items)
	assert.Equal(t, http.StatusNotFound, e.get(keyHRA, itPath("/v1/reference/providers/%d/staff", bcs)).Status)
}

func TestStaffBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	okafor := e.demo.Staff["Okafor"]
	var verified int64
	require.NoError(t, e.db.GetContext(t.Context(), &verified, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND verification_status = 'verified'
		ORDER BY id LIMIT 1`, okafor))
	hire := func(over map[string]any) map[string]any {
		b := map[string]any{"first_name": "Bad", "last_name": "Input", "role": "case_manager", "date_of_birth": "1988-08-08", "employment_start": day(-1)}
		for k, v := range over {
			if v == "-" {
				delete(b, k)
				continue
			}
			b[k] = v
		}
		return b
	}
	staffPath := itPath("/v1/providers/%d/staff", hra)
	credPath := itPath("/v1/staff/%d/credentials", okafor)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field, code        string
	}{
		{"unknown role", http.MethodPost, staffPath, hire(map[string]any{"role": "wizard"}), 422, "role", "unknown_role"},
		{"no employment start", http.MethodPost, staffPath, hire(map[string]any{"employment_start": "-"}), 422, "employment_start", "required"},
		{"born in the future", http.MethodPost, staffPath, hire(map[string]any{"date_of_birth": day(30)}), 422, "date_of_birth", "out_of_range"},
		{"hired as a child", http.MethodPost, staffPath, hire(map[string]any{"date_of_birth": "2015-01-01", "employment_start": day(-1)}),
			422, "date_of_birth", "out_of_range"},
		{"hired before birth", http.MethodPost, staffPath, hire(map[string]any{"employment_start": "1950-01-01"}), 422, "employment_start", "out_of_range"},
		{"hired years ahead", http.MethodPost, staffPath, hire(map[string]any{"employment_start": day(900)}), 422, "employment_start", "out_of_range"},
		// A mistyped departure year left the member employed and
		// qualified (a new-user black-box pass): bounded as an
		// agreement's end is.
		{"leaves in year 2999", http.MethodPost, staffPath, hire(map[string]any{"employment_end": "2999-12-31"}), 422, "employment_end", "out_of_range"},
		{"patched to leave in 2262", http.MethodPatch, itPath("/v1/staff/%d", okafor), map[string]any{"employment_end": "2262-04-12"},
			422, "employment_end", "out_of_range"},
		{"leaves before hired", http.MethodPost, staffPath, hire(map[string]any{"employment_end": day(-10)}), 422, "employment_end", "before_start"},
		{"year 1800", http.MethodPost, staffPath, hire(map[string]any{"date_of_birth": "1800-01-01"}), 422, "date_of_birth", ""},
		{"blank name", http.MethodPost, staffPath, hire(map[string]any{"last_name": "  "}), 422, "last_name", "required"},
		{"bad npi", http.MethodPost, staffPath, hire(map[string]any{"npi": "1234567890"}), 422, "npi", "invalid_npi"},
		{"npi NPPES never issues", http.MethodPost, staffPath, hire(map[string]any{"npi": "9123456789"}), 422, "npi", "invalid_npi"},
		// An agency's NPI is the billing provider's, not a person's (a
		// money black-box pass): the 837P named it as rendering.
		{"the agency's own npi", http.MethodPost, staffPath, hire(map[string]any{"npi": "1234567893"}), 422, "npi", "agency_npi"},
		{"another agency's npi", http.MethodPost, staffPath, hire(map[string]any{"npi": "1456789019"}), 422, "npi", "agency_npi"},
		{"patched to an agency's npi", http.MethodPatch, itPath("/v1/staff/%d", okafor), map[string]any{"npi": "1543210987"},
			422, "npi", "agency_npi"},
		{"supervisor of another agency", http.MethodPost, staffPath, hire(map[string]any{"supervisor_id": e.demo.Staff["Baptiste"]}),
			422, "supervisor_id", "unknown_id"},
		{"unknown field", http.MethodPost, staffPath, hire(map[string]any{"salary": 1}), 400, "", ""},
		{"empty patch", http.MethodPatch, itPath("/v1/staff/%d", okafor), map[string]any{}, 422, "body", "empty_patch"},
		{"null start", http.MethodPatch, itPath("/v1/staff/%d", okafor), map[string]any{"employment_start": nil}, 422, "employment_start", "required"},
		{"patch end before start", http.MethodPatch, itPath("/v1/staff/%d", okafor), map[string]any{"employment_end": "2001-01-01"},
			422, "employment_end", "before_start"},
		{"valid_to before valid_from", http.MethodPost, credPath, map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(-1),
			"valid_to": day(-30)}, 422, "valid_to", "before_start"},
		{"unknown credential type", http.MethodPost, credPath, map[string]any{"type": "WIZARD", "issuer": "Hogwarts", "valid_from": day(-1)},
			422, "type", "unknown_type"},
		{"credential from far ahead", http.MethodPost, credPath, map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(800)},
			422, "valid_from", "out_of_range"},
		{"credential for 200 years", http.MethodPost, credPath, map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(-1),
			"valid_to": "2226-01-01"}, 422, "valid_to", "out_of_range"},
		// A day past a hundred calendar years (100 × 366 days let it
		// through: an operations pass).
		{"credential for 100 years and a day", http.MethodPost, credPath, map[string]any{"type": "CADC", "issuer": "IBADCC",
			"valid_from": "2020-01-01", "valid_to": "2120-01-02"}, 422, "valid_to", "out_of_range"},
		{"no issuer", http.MethodPost, credPath, map[string]any{"type": "CADC", "valid_from": day(-1)}, 422, "issuer", "required"},
		{"check in the future", http.MethodPost, itPath("/v1/staff/%d/background-checks", okafor), map[string]any{"checked_on": day(5),
			"result": "passed", "agency": "DCF"}, 422, "checked_on", "in_future"},
		{"check result unknown", http.MethodPost, itPath("/v1/staff/%d/background-checks", okafor), map[string]any{"checked_on": day(-5),
			"result": "maybe", "agency": "DCF"}, 422, "result", "invalid_value"},
		{"service experience without a service", http.MethodPost, itPath("/v1/staff/%d/experience", okafor),
			map[string]any{"kind": "service_delivery", "started_on": day(-100)}, 422, "service_code", "required"},
		{"experience of an unknown service", http.MethodPost, itPath("/v1/staff/%d/experience", okafor),
			map[string]any{"kind": "service_delivery", "service_code": "ATR-ZZ", "started_on": day(-100)}, 422, "service_code", "unknown_service"},
		{"experience ending ahead", http.MethodPost, itPath("/v1/staff/%d/experience", okafor),
			map[string]any{"kind": "target_population", "started_on": day(-100), "ended_on": day(100)}, 422, "ended_on", "in_future"},
		{"experience in months", http.MethodPost, itPath("/v1/staff/%d/experience", okafor),
			map[string]any{"kind": "target_population", "months": 12}, 400, "", ""},
		{"verify without a document", http.MethodPost, itPath("/v1/staff-records/credentials/%d/verify", verified),
			map[string]any{"document_reference": " "}, 422, "document_reference", "required"},
		{"reject without a reason", http.MethodPost, itPath("/v1/staff-records/credentials/%d/reject", verified),
			map[string]any{"reason": ""}, 422, "reason", "required"},
		{"verify a verified record", http.MethodPost, itPath("/v1/staff-records/credentials/%d/verify", verified),
			map[string]any{"document_reference": "DOC"}, 409, "", ""},
		{"queue page too big", http.MethodGet, "/v1/verification-queue?limit=501", nil, 422, "limit", "out_of_range"},
		{"queue cursor forged", http.MethodGet, "/v1/verification-queue?cursor=aWQ6Mw", nil, 422, "cursor", "invalid_cursor"},
		{"queue kind unknown", http.MethodGet, "/v1/verification-queue?kind=diplomas", nil, 422, "kind", "invalid_value"},
	}
	itNothingWritten(t, e, func() {
		for _, c := range cases {
			r := e.do(req{Method: c.method, Path: c.path, Key: keyAdmin, Body: c.body})
			if !assert.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Body) {
				continue
			}
			assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), c.name)
			if c.field != "" {
				p := r.JSON(t)
				assert.Contains(t, itFieldErrors(t, p), c.field, "%s: %s", c.name, r.Body)
				if c.code != "" {
					assert.Equal(t, c.code, itFieldCode(p, c.field), "%s: %s", c.name, r.Body)
				}
			}
		}
	})
}

func TestStaffWritesAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	id := staffHire(t, e, keyHRA, hra, nil)
	assert.Equal(t, 1, itAudit(e, "create", "staff", itStr(id)))
	r := e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", id), Key: keyHRA, Body: map[string]any{"role": "recovery_specialist"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, 1, itAudit(e, "update", "staff", itStr(id)))
	for _, rec := range []struct{ path, kind, entity string }{
		{"credentials", "credentials", "staff_credential"},
		{"background-checks", "background-checks", "background_check"},
		{"experience", "experience", "staff_experience"},
	} {
		body := map[string]any{"type": "CADC", "issuer": "IBADCC", "valid_from": day(-10)}
		switch rec.path {
		case "background-checks":
			body = map[string]any{"checked_on": day(-3), "result": "failed", "agency": "DCF"}
		case "experience":
			body = map[string]any{"kind": "service_delivery", "service_code": "ATR-CM", "started_on": day(-300)}
		}
		r := e.post(keyHRA, itPath("/v1/staff/%d/%s", id, rec.path), body)
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		rid := itStr(itID(t, r))
		assert.Equal(t, 1, itAudit(e, "create", rec.entity, rid), rec.entity)
		action, path, b := "verify", "verify", map[string]any{"document_reference": "DOC-1"}
		if rec.kind == "background-checks" {
			action, path, b = "reject", "reject", map[string]any{"reason": "illegible copy"}
		}
		r = e.post(keyAdmin, "/v1/staff-records/"+rec.kind+"/"+rid+"/"+path, b)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		assert.Equal(t, 1, itAudit(e, action, rec.entity, rid), rec.entity)
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2 AND actor_role = 'admin'
			AND actor_key_id IS NOT NULL`, action, rid), rec.entity)
	}
	// Reads of staff are reference data, not client records: no event.
	before := itAudit(e, "", "", "")
	require.Equal(t, http.StatusOK, e.get(keyAdmin, itPath("/v1/staff/%d", id)).Status)
	assert.Equal(t, before, itAudit(e, "", "", ""))
}

// The queue is every pending record, oldest first, a page at a time, and
// the same POST retried answers once.
func TestVerificationQueuePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := itItems(t, e.get(keyAdmin, "/v1/verification-queue"))
	require.GreaterOrEqual(t, len(first), 3, "the fixtures leave credentials waiting")
	hire := staffHire(t, e, keyECRA, e.demo.Providers["ECRA"], map[string]any{"role": "recovery_assistant"})
	r := e.do(req{Method: http.MethodPost, Path: itPath("/v1/staff/%d/credentials", hire), Key: keyECRA, IdemKey: "queue-cred",
		Body: map[string]any{"type": "GED", "issuer": "CT SDE", "valid_from": "2010-06-01"}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	again := e.do(req{Method: http.MethodPost, Path: itPath("/v1/staff/%d/credentials", hire), Key: keyECRA, IdemKey: "queue-cred",
		Body: map[string]any{"type": "GED", "issuer": "CT SDE", "valid_from": "2010-06-01"}})
	require.Equal(t, http.StatusCreated, again.Status)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r.Body), string(again.Body))

	var seen []map[string]any
	cursor := ""
	for pages := 0; pages < 20; pages++ {
		path := "/v1/verification-queue?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		g := e.get(keyAdmin, path)
		require.Equal(t, http.StatusOK, g.Status, "body: %s", g.Body)
		var l struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		g.Into(t, &l)
		require.LessOrEqual(t, len(l.Items), 2)
		seen = append(seen, l.Items...)
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	require.Len(t, seen, len(first)+1, "every pending record once")
	for i := 1; i < len(seen); i++ {
		a, b := seen[i-1]["submitted_at"].(string), seen[i]["submitted_at"].(string)
		assert.LessOrEqual(t, strings.Compare(a[:10], b[:10]), 0, "oldest first: %s then %s", a, b)
	}
	last := seen[len(seen)-1]
	assert.Equal(t, float64(hire), last["staff_id"], "the newest submission comes last")
	assert.Equal(t, "GED", last["record"].(map[string]any)["type"])
	ecra := itItems(t, e.get(keyAdmin, itPath("/v1/verification-queue?provider_id=%d&kind=credentials", e.demo.Providers["ECRA"])))
	for _, it := range ecra {
		assert.Equal(t, float64(e.demo.Providers["ECRA"]), it["provider_id"])
	}
	assert.NotEmpty(t, ecra)
}

// Two agencies' staff changes at once cannot close a supervision loop:
// of two opposite changes, one goes through and the other is refused.
func TestStaffSupervisionRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	for round := 0; round < 5; round++ {
		a := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": fmt.Sprintf("RaceA%d", round)})
		b := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": fmt.Sprintf("RaceB%d", round)})
		statuses := make(chan int, 2)
		var wg sync.WaitGroup
		for _, pair := range [][2]int64{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", pair[0]), Key: keyHRA,
					Body: map[string]any{"supervisor_id": pair[1]}})
				statuses <- r.Status
			}()
		}
		wg.Wait()
		close(statuses)
		var got []int
		for s := range statuses {
			got = append(got, s)
		}
		assert.ElementsMatch(t, []int{http.StatusOK, http.StatusUnprocessableEntity}, got, "round %d", round)
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM staff WHERE id IN ($1, $2) AND supervisor_id IS NOT NULL`, a, b), "round %d", round)
	}
}

// The same record sent twice while the first waits for verification is a
// 409, nothing queued twice; once reviewed it may be sent again.
func TestStaffRecordPendingOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hire := staffHire(t, e, keyHRA, e.demo.Providers["HRA"], nil)
	path := itPath("/v1/staff/%d/credentials", hire)
	cred := map[string]any{"type": "CADC", "issuer": "IBADCC", "number": "C-1", "valid_from": day(-300), "valid_to": day(400)}
	first := e.post(keyHRA, path, cred)
	require.Equal(t, http.StatusCreated, first.Status, "body: %s", first.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyHRA, path, cred), http.StatusConflict, "record_pending")
	})
	check := map[string]any{"checked_on": day(-5), "result": "passed", "agency": "DCF"}
	require.Equal(t, http.StatusCreated, e.post(keyHRA, itPath("/v1/staff/%d/background-checks", hire), check).Status)
	requireProblem(t, e.post(keyHRA, itPath("/v1/staff/%d/background-checks", hire), check), http.StatusConflict, "record_pending")
	exp := map[string]any{"kind": "target_population", "started_on": day(-900)}
	require.Equal(t, http.StatusCreated, e.post(keyHRA, itPath("/v1/staff/%d/experience", hire), exp).Status)
	requireProblem(t, e.post(keyHRA, itPath("/v1/staff/%d/experience", hire), exp), http.StatusConflict, "record_pending")

	r := e.post(keyAdmin, itPath("/v1/staff-records/credentials/%d/reject", itID(t, first)), map[string]any{"reason": "copy unreadable"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, http.StatusCreated, e.post(keyHRA, path, cred).Status, "a rejected record may be sent again")
}

// Clients are assigned to, and staff supervised by, only someone the
// agency employs on the day (a black-box pass assigned clients to a staff
// member who left in 2021 and to one starting next year, and set the one
// who left as a supervisor); and a PATCH may not make a record a second
// open one of the same person, which a second hire may not either.
func TestStaffEmployedForAssignmentAndOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	gone := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Gone", "role": "supervisor",
		"employment_start": "2020-01-01", "employment_end": "2021-01-01"})
	later := staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Later", "employment_start": day(200)})
	var enr int64
	require.NoError(t, e.db.GetContext(t.Context(), &enr, `SELECT id FROM enrollments WHERE client_id = $1 AND discharge_date IS NULL
		ORDER BY id LIMIT 1`, e.demo.Clients["Rivera"]))
	itNothingWritten(t, e, func() {
		for _, staff := range []int64{gone, later} {
			p := requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/reassign", enr), map[string]any{"staff_id": staff, "reason": "cover"}),
				http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "not_employed", itFieldCode(p, "staff_id"))
			p = requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": e.demo.Clients["Rivera"], "program_code": "RCM",
				"start_date": day(0), "assigned_staff_id": staff, "referral_source": "samss_meeting"}),
				http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "not_employed", itFieldCode(p, "assigned_staff_id"))
		}
		p := requireProblem(t, e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "New", "last_name": "Hire",
			"role": "case_manager", "date_of_birth": "1995-03-03", "employment_start": day(-1), "supervisor_id": gone}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "not_employed", itFieldCode(p, "supervisor_id"))
	})

	twin := staffHire(t, e, keyHRA, hra, map[string]any{"first_name": "Dana", "last_name": "Twin"})
	other := staffHire(t, e, keyHRA, hra, map[string]any{"first_name": "Dan", "last_name": "Twin"})
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", other), Key: keyHRA,
			Body: map[string]any{"first_name": "Dana"}}), http.StatusConflict, "staff_exists")
		assert.Equal(t, map[string]any{"type": "staff", "id": float64(twin)}, p["existing"], "the conflict names the record on file")
	})
	// The record itself is not its own duplicate.
	r := e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", twin), Key: keyHRA, Body: map[string]any{"last_name": "Twin"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}

// A background check from before the staff member's birth, or experience
// or a credential from before the age a hire may start work, is refused:
// all feed the qualification paths (black-box passes: 1900, and the day
// of birth).
func TestStaffRecordsNotBeforeTheirLife(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	id := staffHire(t, e, keyHRA, hra, map[string]any{"date_of_birth": "1990-01-01", "employment_start": "2010-01-01"})
	itNothingWritten(t, e, func() {
		for _, c := range []struct {
			path, field string
			body        map[string]any
		}{
			{"background-checks", "checked_on", map[string]any{"checked_on": "1900-01-01", "result": "passed", "agency": "CT DESPP"}},
			{"background-checks", "checked_on", map[string]any{"checked_on": "1989-12-31", "result": "passed", "agency": "CT DESPP"}},
			{"experience", "started_on", map[string]any{"kind": "target_population", "started_on": "1990-01-01"}},
			{"experience", "started_on", map[string]any{"kind": "target_population", "started_on": "2003-12-31"}},
			{"credentials", "valid_from", map[string]any{"type": "CADC", "issuer": "CT DPH", "valid_from": "1900-01-01"}},
			{"credentials", "valid_from", map[string]any{"type": "CADC", "issuer": "CT DPH", "valid_from": "2003-12-31"}},
		} {
			p := requireProblem(t, e.post(keyHRA, itPath("/v1/staff/%d/"+c.path, id), c.body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "out_of_range", itFieldCode(p, c.field), "%v", c.body)
		}
	})
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"background-checks", map[string]any{"checked_on": "1990-01-01", "result": "passed", "agency": "CT DESPP"}},
		{"experience", map[string]any{"kind": "target_population", "started_on": "2004-01-01"}},
		{"credentials", map[string]any{"type": "CADC", "issuer": "CT DPH", "valid_from": "2004-01-01"}},
	} {
		r := e.post(keyHRA, itPath("/v1/staff/%d/"+c.path, id), c.body)
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	}
}

// Text that reorders or breaks itself unseen is refused: a licence number
// holding U+202E reads backwards to the verifier, and a line break in an
// issuer splits a one-line field (black-box pass).
func TestStaffRecordTextShowsWhatItSays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := staffHire(t, e, keyHRA, e.demo.Providers["HRA"], nil)
	itNothingWritten(t, e, func() {
		for _, c := range []struct {
			field string
			body  map[string]any
		}{
			{"number", map[string]any{"type": "CADC", "issuer": "CT DPH", "valid_from": day(-10), "number": "\u202eRTL"}},
			{"number", map[string]any{"type": "CADC", "issuer": "CT DPH", "valid_from": day(-10), "number": "A\u2066B"}},
			{"issuer", map[string]any{"type": "CPS", "issuer": "a\nb", "valid_from": day(-10)}},
			{"issuer", map[string]any{"type": "CPS", "issuer": "a\u2028b", "valid_from": day(-10)}},
		} {
			p := requireProblem(t, e.post(keyHRA, itPath("/v1/staff/%d/credentials", id), c.body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "invalid_character", itFieldCode(p, c.field), "%v", c.body)
		}
		// An issuer or number that shows nothing (a zero-width space) was
		// taken, and the verifier asked to check a licence from no one
		// (black-box pass).
		for _, c := range []struct {
			path, field string
			body        map[string]any
		}{
			{"credentials", "issuer", map[string]any{"type": "CADC", "issuer": "\u200b", "valid_from": day(-10)}},
			{"credentials", "number", map[string]any{"type": "CADC", "issuer": "CT DPH", "number": "\u200b\u00ad", "valid_from": day(-10)}},
			{"background-checks", "agency", map[string]any{"checked_on": day(-5), "result": "passed", "agency": "\u200b"}},
		} {
			p := requireProblem(t, e.post(keyHRA, itPath("/v1/staff/%d/"+c.path, id), c.body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "required", itFieldCode(p, c.field), "%v", c.body)
		}
		p := requireProblem(t, e.post(keyAdmin, "/v1/reference/services/ATR-TR/rates", map[string]any{"rate": "10.00", "effective_from": day(30),
			"reason": "a\u2028b\u202e"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_character", itFieldCode(p, "reason"))
	})
	// A right-to-left mark, as a name in Arabic or Hebrew may need, stays.
	r := e.post(keyHRA, itPath("/v1/staff/%d/credentials", id), map[string]any{"type": "CADC", "issuer": "CT DPH \u200f", "valid_from": day(-10)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
}

// A departure dated before paid claim lines the member rendered (or a
// start moved after them) is refused until those claims are voided: the
// paid line read "not employed" on its own day (migration 00044).
func TestStaffEmploymentKeepsTheirPaidLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	okafor := e.demo.Staff["Okafor"]
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("EMP-1", cmLine(day(-5), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	claim := itID(t, r)
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("EMP-2", cmLine(day(-8), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	path := itPath("/v1/staff/%d", okafor)
	itNothingWritten(t, e, func() {
		for _, body := range []map[string]any{{"employment_end": day(-6)}, {"employment_start": day(-4)}} {
			p := requireProblem(t, e.patch(keyHRA, path, body), http.StatusConflict, "claims_outside_employment")
			assert.Contains(t, p["detail"], "claim EMP-1 line 1 (", "the refusal names the lines, as the others over paid lines do")
		}
		// In day order, as the first ten are named (they were the lowest
		// claim ids: an operations pass).
		p := requireProblem(t, e.patch(keyHRA, path, map[string]any{"employment_start": day(-4)}), http.StatusConflict, "claims_outside_employment")
		detail := p["detail"].(string)
		assert.Less(t, strings.Index(detail, "claim EMP-2"), strings.Index(detail, "claim EMP-1"), "%s", detail)
	})
	r = e.patch(keyHRA, path, map[string]any{"employment_end": day(-5)})
	require.Equal(t, http.StatusOK, r.Status, "the last day they rendered: %s", r.Body)
	r = e.patch(keyHRA, path, map[string]any{"employment_end": nil})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	// Voided, the claim no longer stands in the way.
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "EMP-1-V", "client_id": e.demo.Clients["Rivera"], "frequency": "8",
		"original_claim_id": claim})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.patch(keyHRA, path, map[string]any{"employment_end": day(-6)})
	assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// A failed background check the agency reports takes effect at once for
// the minors its staff member serves: waiting for verification, it left
// the older passed check clearing Okafor, and Nguyen's (16) voucher was
// approved and its claim paid (a black-box pass). Once the department
// rejects the report, the passed check clears again.
func TestReportedFailedBackgroundCheckCountsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nguyen := e.demo.Clients["Nguyen"]
	v := itVoucher(t, e, keyHRA, nguyen, "ATR-TR", 2, 0, 3)
	require.NotContains(t, v["reason_codes"], "BACKGROUND_CHECK_MISSING", "cleared before the report")
	r := e.post(keyHRA, itPath("/v1/staff/%d/background-checks", e.demo.Staff["Okafor"]), map[string]any{"checked_on": day(-1),
		"result": "failed", "agency": "DCF background unit"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "pending", r.JSON(t)["verification_status"])
	check := itID(t, r)
	v = itVoucher(t, e, keyHRA, nguyen, "ATR-TR", 2, 0, 3)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "BACKGROUND_CHECK_MISSING", "a reported failure counts while it waits")
	r = e.post(keyAdmin, itPath("/v1/staff-records/background-checks/%d/reject", check), map[string]any{"reason": "another person's record"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v = itVoucher(t, e, keyHRA, nguyen, "ATR-TR", 2, 0, 3)
	assert.NotContains(t, v["reason_codes"], "BACKGROUND_CHECK_MISSING", "a rejected report counts for nothing")
}

// A background check that fails inside a minor's span cuts the span at
// the check's day (SPAN_PAST_BACKGROUND_CHECK): judged on its first day
// alone, Nguyen's (16) voucher ran on past the failure and its later
// claim lines were denied (an operations black-box pass).
func TestMinorsVoucherEndsAtAFailedBackgroundCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyHRA, itPath("/v1/staff/%d/background-checks", e.demo.Staff["Okafor"]), map[string]any{"checked_on": day(-2),
		"result": "failed", "agency": "DCF background unit"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Nguyen"], "ATR-TR", 2, -5, 10)
	assert.Equal(t, "partial", v["decision"], "%v", v)
	assert.Contains(t, v["reason_codes"], "SPAN_PAST_BACKGROUND_CHECK")
	assert.Equal(t, day(-5), v["granted_start"], "%v", v)
	assert.Equal(t, day(-2), v["granted_end"], "%v", v)
}

// A voucher whose span runs past its staff member's recorded departure is
// cut at the departure (SPAN_PAST_EMPLOYMENT): judged on its first day
// alone, it was granted whole (an operations black-box pass).
func TestVoucherSpanEndsWithItsStaffMembersEmployment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyHRA, itPath("/v1/staff/%d", e.demo.Staff["Okafor"]), map[string]any{"employment_end": day(5)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-TR", 10, 0, 20)
	assert.Equal(t, "partial", v["decision"], "%v", v)
	assert.Contains(t, v["reason_codes"], "SPAN_PAST_EMPLOYMENT")
	assert.Equal(t, day(5), v["granted_end"], "%v", v)
}

// The verification queue's cursor is taken only as issued, as every
// list's is: another spelling of the same position (an offset for Z, a
// leading zero in the id) was read as it (a black-box pass).
func TestVerificationQueueCursorOnlyAsIssued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.get(keyAdmin, "/v1/verification-queue?limit=1")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	cursor, _ := r.JSON(t)["next_cursor"].(string)
	require.NotEmpty(t, cursor, "the demo queue holds more than one record")
	require.Equal(t, http.StatusOK, e.get(keyAdmin, "/v1/verification-queue?limit=1&cursor="+cursor).Status)
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	require.NoError(t, err)
	parts := strings.Split(string(raw), "|")
	require.Len(t, parts, 3)
	for _, other := range []string{
		strings.Replace(parts[0], "Z", "+00:00", 1) + "|" + parts[1] + "|" + parts[2],
		parts[0] + "|" + parts[1] + "|0" + parts[2],
	} {
		p := requireProblem(t, e.get(keyAdmin, "/v1/verification-queue?limit=1&cursor="+base64.RawURLEncoding.EncodeToString([]byte(other))),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_cursor", itFieldCode(p, "cursor"), other)
	}
}

// A new date of birth is held to the member's records as each was on
// entry: experience and credentials from age 14, a background check from
// birth. Moved later, records the API refuses stayed on file and counted
// for the qualification rules (an operations black-box pass). Rejected
// records count for nothing and do not stand in the way; the earliest in
// the way is named.
func TestStaffDateOfBirthIsHeldToTheirRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	hire := staffHire(t, e, keyHRA, hra, map[string]any{"date_of_birth": "1975-01-01", "employment_start": "2024-01-01"})
	post := func(kind string, body map[string]any) int64 {
		t.Helper()
		r := e.post(keyHRA, itPath("/v1/staff/%d/"+kind, hire), body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	exp := post("experience", map[string]any{"kind": "target_population", "started_on": "2023-01-01", "ended_on": "2023-12-31"})
	cred := post("credentials", map[string]any{"type": "BACHELOR_HUMAN_SERVICES", "issuer": "University of Hartford", "number": "BA-9",
		"valid_from": "2023-06-01"})
	chk := post("background-checks", map[string]any{"checked_on": "2000-06-01", "result": "passed", "agency": "DCF background unit"})

	patch := func(born string) resp {
		return e.patch(keyHRA, itPath("/v1/staff/%d", hire), map[string]any{"date_of_birth": born, "reason": "typo"})
	}
	inTheWay := func(want string) {
		t.Helper()
		p := requireProblem(t, patch("2009-12-01"), http.StatusUnprocessableEntity, "validation_failed")
		fe := p["errors"].([]any)[0].(map[string]any)
		assert.Equal(t, "date_of_birth", fe["field"])
		assert.Equal(t, "out_of_range", fe["code"])
		assert.Contains(t, fe["message"], want)
		assert.Equal(t, "1975-01-01", e.get(keyHRA, itPath("/v1/staff/%d", hire)).JSON(t)["date_of_birth"], "nothing written")
	}
	reject := func(kind string, id int64) {
		t.Helper()
		r := e.post(keyAdmin, itPath("/v1/staff-records/"+kind+"/%d/reject", id), map[string]any{"reason": "not documented"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	inTheWay(fmt.Sprintf("background check %d of 2000-06-01 would be before their date of birth", chk))
	reject("background-checks", chk)
	inTheWay(fmt.Sprintf("experience %d from 2023-01-01 would be from before they were 14", exp))
	reject("experience", exp)
	inTheWay(fmt.Sprintf("credential %d from 2023-06-01", cred))
	reject("credentials", cred)
	r := patch("2009-12-01")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// The demo's staff were all old enough to be hired on their first day, as
// the API holds a hire to (Tyler Young was four days short of 14: an
// operations black-box pass).
func TestDemoStaffWereOldEnoughWhenHired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	assert.Zero(t, e.count(`SELECT count(*) FROM staff WHERE employment_start < date_of_birth + interval '14 years'`))
	assert.Positive(t, e.count(`SELECT count(*) FROM staff`))
}

// A withdrawal's audit event says what it decided, and one moved to an
// earlier day what it replaced: the record keeps only the latest day and
// reason, and the events said "reject" alone, so the first withdrawal's
// day and reason were in no record (an operations black-box pass).
func TestCredentialWithdrawalsAuditedWithTheirDaysAndReasons(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lead, _ := supervisedBachelor(t, e)
	var cadc int64
	require.NoError(t, e.db.GetContext(t.Context(), &cadc, `SELECT id FROM staff_credentials WHERE staff_id = $1 AND type = 'CADC'`, lead))
	path := itPath("/v1/staff-records/credentials/%d/reject", cadc)
	r := e.post(keyAdmin, path, map[string]any{"reason": "board suspension", "effective_on": day(-2)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, path, map[string]any{"reason": "letter dates it earlier", "effective_on": day(-10)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var outcomes []string
	for _, ev := range itItems(t, e.get(keyAdmin, itPath("/v1/audit-events?entity_type=staff_credential&entity_id=%d&action=reject", cadc))) {
		outcomes = append(outcomes, ev["outcome"].(string))
	}
	assert.Equal(t, []string{"withdrawn from " + day(-2) + ": board suspension",
		"withdrawn from " + day(-10) + ": letter dates it earlier (it was withdrawn from " + day(-2) + ": board suspension)"}, outcomes)
}

// Someone who left and was hired again has two records whose employments
// do not overlap: the closed one stays correctable, and a past employment
// may be keyed after the rehire. Only the other record's end was compared
// with this record's start, so both were refused staff_exists (a review).
func TestStaffRehireLeavesTheClosedRecordCorrectable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	rita := map[string]any{"first_name": "Rita", "last_name": "Rehire"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range rita {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	old := staffHire(t, e, keyHRA, hra, with(map[string]any{"employment_start": day(-900), "employment_end": day(-400)}))
	rehired := staffHire(t, e, keyHRA, hra, with(map[string]any{"employment_start": day(-100)}))
	require.NotEqual(t, old, rehired)

	r := e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", old), Key: keyHRA,
		Body: map[string]any{"employment_end": day(-401), "reason": "departure keyed a day late"}})
	require.Equal(t, http.StatusOK, r.Status, "the closed record of a rehired person: %s", r.Body)

	// A third, earlier employment keyed after the rehire is its own record.
	staffHire(t, e, keyHRA, hra, with(map[string]any{"employment_start": day(-1500), "employment_end": day(-1000)}))

	// An employment overlapping the open one is still the same person twice,
	// and so is the closed record's end moved into the rehire.
	requireProblem(t, e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), with(map[string]any{"role": "case_manager",
		"date_of_birth": "1990-02-03", "employment_start": day(-300), "employment_end": day(-50)})),
		http.StatusConflict, "staff_exists")
	requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", old), Key: keyHRA,
		Body: map[string]any{"employment_end": day(-100), "reason": "moved onto the rehire"}}), http.StatusConflict, "staff_exists")
}

// The minimum working age is fourteen years, counted as the staff
// member's records count it (14 × 365 days let a hire in three or four
// days short of the birthday, whose credentials from that day were then
// refused: a review).
func TestStaffHireHoldsFourteenCalendarYears(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	hire := func(born time.Time) int {
		return e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "Young",
			"last_name": "Hire" + born.Format("0102"), "role": "case_manager",
			"date_of_birth": born.Format("2006-01-02"), "employment_start": day(0)}).Status
	}
	require.Equal(t, http.StatusUnprocessableEntity, hire(fixtures.TestToday.AddDate(-14, 0, 1)), "fourteen tomorrow")
	require.Equal(t, http.StatusCreated, hire(fixtures.TestToday.AddDate(-14, 0, 0)), "fourteen today")
	// Fourteen by a start ahead is hired ahead (the check against today
	// refused it: a re-check).
	born := fixtures.TestToday.AddDate(-14, 0, 10)
	r := e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "Summer", "last_name": "Start",
		"role": "case_manager", "date_of_birth": born.Format("2006-01-02"), "employment_start": day(10)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "Summer", "last_name": "Early",
		"role": "case_manager", "date_of_birth": born.Format("2006-01-02"), "employment_start": day(9)})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
}

// A date of birth on the first day the schema refuses is named as the
// field, as one before it is (it named the constraint staff_dob_plausible:
// an operations pass).
func TestStaffBornOnTheFirstOf1900IsRefusedByField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	p := requireProblem(t, e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "Very", "last_name": "Old",
		"role": "case_manager", "date_of_birth": "1900-01-01", "employment_start": day(0)}), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "date_of_birth", p["errors"].([]any)[0].(map[string]any)["field"], "%v", p)
	id := staffHire(t, e, keyHRA, hra, nil)
	p = requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", id), Key: keyHRA,
		Body: map[string]any{"date_of_birth": "1900-01-01"}}), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "date_of_birth", p["errors"].([]any)[0].(map[string]any)["field"], "%v", p)
}

// A second hire is the same person when the names' letters and digits
// match, case folded, as a client's registration matches them (migration
// 00106's person_name_key): compared as typed, letter case aside, "Mary
// Ann O Brien" and "Mary-Ann O'Brien" of one birth date became two open
// records at one agency (a staff black-box pass). A rename into such a
// twin is the same 409; another birth date is another person.
func TestStaffHireTwiceUnderAnotherSpelling(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	path := itPath("/v1/providers/%d/staff", hra)
	mary := staffHire(t, e, keyHRA, hra, map[string]any{"first_name": "Mary Ann", "last_name": "O Brien", "date_of_birth": "1988-07-09"})
	for _, name := range [][2]string{{"Mary-Ann", "O'Brien"}, {"MARYANN", "obrien"}, {"Mary  Ann", "O. Brien"}} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, path, map[string]any{"first_name": name[0], "last_name": name[1], "role": "case_manager",
				"date_of_birth": "1988-07-09", "employment_start": day(0)}), http.StatusConflict, "staff_exists")
			assert.Equal(t, map[string]any{"type": "staff", "id": float64(mary)}, p["existing"], "%v", name)
		})
	}
	other := staffHire(t, e, keyHRA, hra, map[string]any{"first_name": "Mary-Ann", "last_name": "O'Brien", "date_of_birth": "1989-07-09"})
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: itPath("/v1/staff/%d", other), Key: keyHRA,
			Body: map[string]any{"date_of_birth": "1988-07-09"}}), http.StatusConflict, "staff_exists")
		assert.Equal(t, map[string]any{"type": "staff", "id": float64(mary)}, p["existing"])
	})
	// Other letters are another name.
	staffHire(t, e, keyHRA, hra, map[string]any{"first_name": "Mary Anne", "last_name": "O'Brien", "date_of_birth": "1988-07-09"})
}

// TestStaffNPIIsOnePersonsAtTheAgency: an NPI is one person's; two staff
// records of one agency holding it (a hire keyed twice under two spellings,
// a colleague's NPI pasted) named one practitioner for two people's
// services (a money black-box pass of the thirty-seventh stop). One person
// may work at two agencies, each keeping its own record.
func TestStaffNPIIsOnePersonsAtTheAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := e.demo.Providers["HRA"], e.demo.Providers["BCS"]
	first := staffHire(t, e, keyHRA, hra, map[string]any{"npi": "1987654328"})
	itNothingWritten(t, e, func() {
		r := e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), map[string]any{"first_name": "Other", "last_name": "Person",
			"role": "case_manager", "date_of_birth": "1985-05-05", "employment_start": day(-10), "npi": "1987654328"})
		p := requireProblem(t, r, http.StatusConflict, "npi_on_file")
		assert.Contains(t, p["detail"], fmt.Sprint(first))
		r = e.patch(keyHRA, itPath("/v1/staff/%d", e.demo.Staff["Okafor"]), map[string]any{"npi": "1987654328"})
		requireProblem(t, r, http.StatusConflict, "npi_on_file")
	})
	// Another agency's record of the same practitioner is its own.
	staffHire(t, e, keyBCS, bcs, map[string]any{"npi": "1987654328"})
	// A record that left frees its NPI for a rehire's new record.
	r := e.patch(keyHRA, itPath("/v1/staff/%d", first), map[string]any{"employment_end": day(-1)})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	// Another person is not (another birth date, or another first and
	// last name both), though the first record left: a staff black-box
	// pass of the forty-seventh stop hired one under the NPI.
	for _, who := range []map[string]any{{"date_of_birth": "1970-01-01"}, {"first_name": "Quentin", "last_name": "Vale"}} {
		body := map[string]any{"first_name": "Noor", "last_name": "Hire", "role": "case_manager", "date_of_birth": "1990-02-03",
			"employment_start": day(0), "npi": "1987654328"} // the first record's person, but for who
		maps.Copy(body, who)
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, itPath("/v1/providers/%d/staff", hra), body), http.StatusConflict, "npi_on_file")
			assert.Contains(t, p["detail"], "another person (the name or date of birth differ)", "%v", who)
		})
	}
	staffHire(t, e, keyHRA, hra, map[string]any{"last_name": "Rehired", "employment_start": day(0), "npi": "1987654328"})
	// Saving a record with its own NPI unchanged is no conflict.
	r = e.patch(keyHRA, itPath("/v1/staff/%d", first), map[string]any{"npi": "1987654328"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}

// An agency's NPI is the organization's and a staff member's their own:
// the staff side refused an agency's NPI, and a provider registered or
// patched with a practitioner's NPI was not refused (a money black-box
// pass of the thirty-seventh stop), so the 837P would have named the
// practitioner as billing provider. Another agency's practitioner's NPI
// is refused alike; a patch that leaves the agency's own NPI as it was
// is not.
func TestAnAgencysNPIIsNoStaffMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staffHire(t, e, keyHRA, e.demo.Providers["HRA"], map[string]any{"npi": goodNPI})
	bcs := itPath("/v1/reference/providers/%d", e.demo.Providers["BCS"])
	itNothingWritten(t, e, func() {
		r := e.post(keyAdmin, "/v1/reference/providers", newProviderBody("NHRN", goodNPI))
		requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "staff_npi", itFieldCode(r.JSON(t), "npi"), "%s", r.Body)
		r = e.patch(keyAdmin, bcs, map[string]any{"npi": goodNPI, "reason": "typo"})
		requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "staff_npi", itFieldCode(r.JSON(t), "npi"), "%s", r.Body)
	})
	r := e.patch(keyAdmin, bcs, map[string]any{"npi": "1456789019", "contact_name": "Avery Quinn", "reason": "new contact"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "1456789019", r.JSON(t)["npi"])
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
)

// A discharge reason keyed with the wrong outcome is corrected in place
// (a new-user black-box pass: a reason created positive by mistake was
// counted positive for every discharge made with it, and the only way out
// was retiring it and creating another code, whose name the retired one
// held). The correction takes a reason, is kept in the reason's history
// and audited; the reports read the corrected outcome for every discharge
// made with it, before the correction as after: it mends a typo, it is not
// a dated change. Its program stays as created.
func TestDischargeReasonOutcomeCorrected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, b := range []map[string]any{
		{"code": "stepped_down", "name": "Stepped down to outpatient care", "outcome": "positive"},
		{"code": "rsvp_kin_care", "name": "Children placed with kin", "program_code": "RSVP", "outcome": "positive"},
	} {
		r := e.post(keyAdmin, "/v1/reference/discharge-reasons", b)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	atr := itATRClient(t, e, day(-20))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", atr.Enrollment), map[string]any{"discharge_date": day(-2),
		"reason_code": "stepped_down"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	c := itNewClient(t, e, keyBCS, "bridgeport")
	r = e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RSVP", "start_date": day(-20)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	rsvp := itID(t, r)
	r = e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", rsvp), map[string]any{"discharge_date": day(-2), "reason_code": "rsvp_kin_care"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	extract := fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0))
	outcomes := fmt.Sprintf("/v1/reports/rsvp-outcomes?from=%s&to=%s", day(-30), day(0))
	read := func() (atrOutcome, rsvpOutcome any, family, positive int64) {
		t.Helper()
		rep := itGetReport(t, e, keyReviewer, extract)
		a, b := extractRow(t, rep, atr.Enrollment), extractRow(t, rep, rsvp)
		require.NotNil(t, a)
		require.NotNil(t, b)
		o := itGetReport(t, e, keyReviewer, outcomes)
		return a["discharge_outcome"], b["discharge_outcome"], itNum(t, o.Totals, "family_outcomes"), itNum(t, o.Totals, "family_positive")
	}
	a, b, family, positive := read()
	require.Equal(t, "positive", a)
	require.Equal(t, "positive", b)

	// A correction that rewrites what the reports count says why.
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, "/v1/reference/discharge-reasons/stepped_down", map[string]any{"outcome": "negative"}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "reason"), "%v", p)
	})
	updates := itAudit(e, "update", "discharge_reason", "stepped_down")
	for _, code := range []string{"stepped_down", "rsvp_kin_care"} {
		r = e.patch(keyAdmin, "/v1/reference/discharge-reasons/"+code, map[string]any{"outcome": "negative", "reason": "keyed positive by mistake"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, "negative", r.JSON(t)["outcome"])
		assert.Equal(t, true, r.JSON(t)["active"], "the reason stays in use")
	}
	assert.Equal(t, updates+1, itAudit(e, "update", "discharge_reason", "stepped_down"))
	listed := itItems(t, e.get(keyHRA, "/v1/discharge-reasons?program_code=RSVP"))
	for _, x := range listed {
		if x["code"] == "rsvp_kin_care" {
			assert.Equal(t, "negative", x["outcome"], "listed as corrected")
		}
	}

	a, b, family2, positive2 := read()
	assert.Equal(t, "negative", a, "the discharge made before the correction reads it")
	assert.Equal(t, "negative", b)
	assert.Equal(t, family, family2, "still a family outcome")
	assert.Equal(t, positive-1, positive2, "no longer counted positive")

	h := itItems(t, e.get(keyHRA, "/v1/reference/discharge-reasons/stepped_down/history"))
	require.Len(t, h, 2, "%v", h)
	assert.Equal(t, map[string]any{"outcome": "positive"}, h[1]["before"])
	assert.Equal(t, map[string]any{"outcome": "negative"}, h[1]["after"])
	assert.Equal(t, "keyed positive by mistake", h[1]["reason"])

	// The discharge made with it is taken again as it was.
	next := itATRClient(t, e, day(-20))
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", next.Enrollment), map[string]any{"discharge_date": day(-1),
		"reason_code": "stepped_down"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// An outcome correction's bad input writes nothing; a reason's program is
// not patched (a generic reason is carried by discharges of every program:
// moved to one program, the others' would carry another program's reason).
func TestDischargeReasonOutcomeCorrectionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/v1/reference/discharge-reasons/moved"
	cases := []struct {
		name, key   string
		body        map[string]any
		status      int
		code, field string
	}{
		{"provider corrects", keyHRA, map[string]any{"outcome": "negative", "reason": "x"}, 403, "forbidden", ""},
		{"reviewer corrects", keyReviewer, map[string]any{"outcome": "negative", "reason": "x"}, 403, "forbidden", ""},
		{"unknown outcome", keyAdmin, map[string]any{"outcome": "great", "reason": "x"}, 422, "validation_failed", "outcome"},
		{"null outcome", keyAdmin, map[string]any{"outcome": nil, "reason": "x"}, 422, "validation_failed", "outcome"},
		{"no reason", keyAdmin, map[string]any{"outcome": "negative"}, 422, "validation_failed", "reason"},
		{"null reason", keyAdmin, map[string]any{"outcome": "negative", "reason": nil}, 422, "validation_failed", "reason"},
		{"program", keyAdmin, map[string]any{"program_code": "ATR", "reason": "x"}, 400, "unknown_field", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.patch(c.key, path, c.body), c.status, c.code)
				if c.field != "" {
					assert.Contains(t, itFieldErrors(t, p), c.field)
				}
			})
		})
	}
	requireProblem(t, e.patch(keyAdmin, "/v1/reference/discharge-reasons/graduated", map[string]any{"outcome": "negative", "reason": "x"}),
		http.StatusNotFound, "not_found")
}

// A GPRA instrument's first day is corrected as its last is: moved, held
// to the interviews on file on it (an interview dated before the new first
// day is a 409 naming it, and nothing is written), kept in the history
// (a new-user black-box pass: an instrument created a year late could not
// be moved). The schema holds it too (gpra_instruments_span_kept).
func TestGPRAInstrumentFirstDayCorrected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/v1/reference/gpra-instruments/SUPRT-2026"
	r := e.post(keyAdmin, "/v1/reference/gpra-instruments", map[string]any{"code": "SUPRT-2026", "name": "SAMHSA SUPRT-C (2026)",
		"active_from": day(-10)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	intake := func(on string) resp {
		t.Helper()
		client := itNewClient(t, e, keyHRA, "hartford")
		r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR",
			"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-20)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2026",
			"status": "completed", "interview_date": on})
	}
	r = intake(day(-8))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.patch(keyAdmin, path, map[string]any{"active_from": day(-7), "reason": "keyed a day late"}),
			http.StatusConflict, "instrument_in_use")
		assert.Contains(t, p["detail"], "before "+day(-7))
		assert.Contains(t, p["detail"], day(-8), "names the interview it would leave outside")
		_, err := e.db.ExecContext(t.Context(), `UPDATE gpra_instruments SET active_from = $1 WHERE code = 'SUPRT-2026'`, day(-7))
		assert.True(t, pg.IsViolation(err, pg.CodeCheckViolation, "gpra_instruments_span_kept"), "the schema refuses it too: %v", err)
	})

	r = e.patch(keyAdmin, path, map[string]any{"active_from": day(-8), "reason": "first used on the 8th"})
	require.Equal(t, http.StatusOK, r.Status, "the interview's own day holds it: %s", r.Body)
	assert.Equal(t, day(-8), r.JSON(t)["active_from"])
	r = e.patch(keyAdmin, path, map[string]any{"active_from": day(-40)})
	require.Equal(t, http.StatusOK, r.Status, "earlier holds every interview: %s", r.Body)
	assert.Equal(t, 2, itAudit(e, "update", "gpra_instrument", "SUPRT-2026"))
	r = intake(day(-12))
	assert.Equal(t, http.StatusCreated, r.Status, "in use from its corrected first day: %s", r.Body)

	h := itItems(t, e.get(keyFinance, path+"/history"))
	require.Len(t, h, 3, "%v", h)
	assert.Equal(t, map[string]any{"active_from": day(-10)}, h[1]["before"])
	assert.Equal(t, map[string]any{"active_from": day(-8)}, h[1]["after"])
	assert.Equal(t, "first used on the 8th", h[1]["reason"])
	assert.Equal(t, map[string]any{"active_from": day(-40)}, h[2]["after"])

	// Its span stays in order, whichever end moves.
	r = e.patch(keyAdmin, path, map[string]any{"active_to": day(-5)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"first day after the last", map[string]any{"active_from": day(-4)}, "active_from"},
		{"both, out of order", map[string]any{"active_from": day(3), "active_to": day(2)}, "active_to"},
		{"first day null", map[string]any{"active_from": nil}, "active_from"},
		{"first day a century back", map[string]any{"active_from": "1900-01-01"}, "active_from"},
		{"first day a decade ahead", map[string]any{"active_from": day(3700), "active_to": nil}, "active_from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.patch(keyAdmin, path, c.body), http.StatusUnprocessableEntity, "validation_failed")
				assert.Contains(t, itFieldErrors(t, p), c.field)
			})
		})
	}
	requireProblem(t, e.patch(keyHRA, path, map[string]any{"active_from": day(-30)}), http.StatusForbidden, "forbidden")
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A discharge followed by a readmission the same day ends no stay: its
// family outcome is not counted, where an administrative discharge and
// readmission counted a family reunified (a clinical black-box pass). The
// stay's last discharge is.
func TestReportRSVPOutcomesCountTheStaysDischarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	c := itNewClient(t, e, keyBCS, "bridgeport")
	enroll := func(start string) int64 {
		r := e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RSVP", "start_date": start})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	discharge := func(id int64, on, reason string) {
		r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": on, "reason_code": reason})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	discharge(enroll("2026-03-01"), "2026-03-20", "rsvp_reunified")
	discharge(enroll("2026-03-20"), "2026-04-10", "rsvp_custody_retained")
	rep := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/rsvp-outcomes?provider_id=%d&from=2026-03-01&to=2026-04-30", bcs))
	march, april := moveRow(t, rep, "2026-03-01", bcs), moveRow(t, rep, "2026-04-01", bcs)
	require.NotNil(t, march, "%v", rep.Rows)
	require.NotNil(t, april, "%v", rep.Rows)
	assert.Equal(t, []float64{0, 0, 0}, []float64{march["discharges"].(float64), march["family_outcomes"].(float64), march["reunified"].(float64)},
		"March: the stay went on: %v", march)
	assert.Equal(t, []float64{1, 1, 1}, []float64{april["discharges"].(float64), april["family_outcomes"].(float64),
		april["custody_retained"].(float64)}, "April: the stay's discharge: %v", april)
	// And the stay is one in March's enrollments, its two enrollments both
	// open in it (counted twice: a reports black-box pass of the
	// forty-fourth stop).
	assert.Equal(t, float64(1), march["enrollments"], "%v", march)
	assert.Equal(t, float64(1), april["enrollments"], "%v", april)
}

// RSVP outcomes, by hand, at BCS (the demo's one RSVP agency; Reyes starts
// in November, outside the range):
//
//	A from 03-01: random negative 03-05, scheduled positive 03-20, random
//	  no-show 04-02, scheduled negative 04-10; discharged 04-30 reunified.
//	B from 03-15: random refused 03-31 (March's last day), random negative
//	  04-01; discharged 05-10, children still placed (a family outcome,
//	  negative).
//	C from 04-20: no screen; discharged 05-31 lost contact (no family
//	  outcome).
//	D from 05-01: discharged 05-20, custody retained.
//
//	        open  screens (rand/sched)  neg pos ref no-show  rate   disch  family  reun  cust  fam+  rate
//	March   A B   3 (2/1)               1   1   1   0        0.333  0      0       0     0     0     null
//	April   A B C 3 (2/1)               2   0   0   1        0.667  1 A    1       1     0     1     1
//	May     B C D 0                     0   0   0   0        null   3 BCD  2       0     1     1     0.5
func TestReportRSVPOutcomes(t *testing.T) {
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	enroll := func(start string) int64 {
		c := itNewClient(t, e, keyBCS, "bridgeport")
		r := e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "RSVP", "start_date": start})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	// Months closed to the agency (period_closed): the MSC records them.
	screen := func(id int64, on, kind, result string) {
		r := e.post(keyAdmin, itPath("/v1/enrollments/%d/drug-screens", id), map[string]any{"date": on, "kind": kind, "result": result})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	discharge := func(id int64, on, reason string) {
		r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": on, "reason_code": reason})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	a, b, c, d := enroll("2026-03-01"), enroll("2026-03-15"), enroll("2026-04-20"), enroll("2026-05-01")
	screen(a, "2026-03-05", "random", "negative")
	screen(a, "2026-03-20", "scheduled", "positive")
	screen(a, "2026-04-02", "random", "no_show")
	screen(a, "2026-04-10", "scheduled", "negative")
	screen(b, "2026-03-31", "random", "refused")
	screen(b, "2026-04-01", "random", "negative")
	discharge(a, "2026-04-30", "rsvp_reunified")
	discharge(b, "2026-05-10", "rsvp_placement_continued")
	discharge(c, "2026-05-31", "lost_contact")
	discharge(d, "2026-05-20", "rsvp_custody_retained")

	// Each figure in the order of the table above.
	type fig struct {
		open, screens, random, scheduled, neg, pos, refused, noShow int64
		rate                                                        any
		disch, family, reunified, custody, famPos                   int64
		famRate                                                     any
	}
	check := func(m map[string]any, w fig, what string) {
		t.Helper()
		require.NotNil(t, m, what)
		got := fig{itNum(t, m, "enrollments"), itNum(t, m, "screens"), itNum(t, m, "random"), itNum(t, m, "scheduled"),
			itNum(t, m, "negative"), itNum(t, m, "positive"), itNum(t, m, "refused"), itNum(t, m, "no_show"), m["negative_rate"],
			itNum(t, m, "discharges"), itNum(t, m, "family_outcomes"), itNum(t, m, "reunified"), itNum(t, m, "custody_retained"),
			itNum(t, m, "family_positive"), m["family_positive_rate"]}
		assert.Equal(t, w, got, what)
		assert.Zero(t, itNum(t, m, "dilute"), what)
		assert.Zero(t, itNum(t, m, "invalid"), what)
	}
	march := fig{2, 3, 2, 1, 1, 1, 1, 0, 0.333, 0, 0, 0, 0, 0, nil}
	april := fig{3, 3, 2, 1, 2, 0, 0, 1, 0.667, 1, 1, 1, 0, 1, float64(1)}
	may := fig{3, 0, 0, 0, 0, 0, 0, 0, nil, 3, 2, 0, 1, 1, 0.5}

	path := "/v1/reports/rsvp-outcomes?from=2026-03-01&to=2026-05-31"
	rep := itGetReport(t, e, keyReviewer, path)
	assert.Equal(t, "rsvp-outcomes", rep.Report)
	assert.Equal(t, "RSVP", rep.Filter["program"])
	assert.Equal(t, "month", rep.Filter["group"])
	require.Len(t, rep.Rows, 6, "three months x (BCS, overall): %v", rep.Rows)
	for _, p := range []int64{bcs, 0} {
		check(moveRow(t, rep, "2026-03-01", p), march, fmt.Sprintf("March %d", p))
		check(moveRow(t, rep, "2026-04-01", p), april, fmt.Sprintf("April %d", p))
		check(moveRow(t, rep, "2026-05-01", p), may, fmt.Sprintf("May %d", p))
	}
	assert.Equal(t, "2026-03-31", moveRow(t, rep, "2026-03-01", 0)["period_end"])
	// The range: 3 of 6 screens negative; 2 of 3 family outcomes positive.
	check(rep.Totals, fig{8, 6, 4, 2, 3, 1, 1, 1, 0.5, 4, 3, 1, 1, 2, 0.667}, "the range")

	// A range cutting months: April 1-9 holds B's negative of 04-01 and A's
	// no-show of 04-02, nothing else; nobody was discharged.
	cut := itGetReport(t, e, keyFinance, "/v1/reports/rsvp-outcomes?from=2026-04-01&to=2026-04-09")
	check(moveRow(t, cut, "2026-04-01", 0), fig{2, 2, 2, 0, 1, 0, 0, 1, 0.5, 0, 0, 0, 0, 0, nil}, "April 1-9")
	assert.Equal(t, "2026-04-09", moveRow(t, cut, "2026-04-01", 0)["period_end"])

	// By quarter: March alone of Q1 (the range starts 03-01), then April
	// and May as one period: A, B, C, D open once each.
	qtr := itGetReport(t, e, keyAdmin, "/v1/reports/rsvp-outcomes?from=2026-03-01&to=2026-05-31&group=quarter")
	require.Len(t, qtr.Rows, 4, "%v", qtr.Rows)
	check(moveRow(t, qtr, "2026-03-01", 0), march, "Q1 (March)")
	check(moveRow(t, qtr, "2026-04-01", bcs), fig{4, 3, 2, 1, 2, 0, 0, 1, 0.667, 4, 3, 1, 1, 2, 0.667}, "Q2 to May 31")

	// CSV: notice, header, the same rows.
	rows := itCSV(t, e.get(keyReviewer, path+"&format=csv"))
	assert.Equal(t, []string{"period", "period_end", "provider_id", "enrollments", "screens", "random", "scheduled", "negative",
		"positive", "dilute", "invalid", "refused", "no_show", "negative_rate", "discharges", "family_outcomes", "reunified",
		"custody_retained", "family_positive", "family_positive_rate"}, rows[1])
	require.Len(t, rows, 2+6)
	assert.Contains(t, rows[2:], []string{"2026-03-01", "2026-03-31", itStr(bcs), "2", "3", "2", "1", "1", "1", "0", "0", "1", "0",
		"0.333", "0", "0", "0", "0", "0", ""})
	assert.Contains(t, rows[2:], []string{"2026-05-01", "2026-05-31", "", "3", "0", "0", "0", "0", "0", "0", "0", "0", "0",
		"", "3", "2", "0", "1", "1", "0.5"})

	// Ahead of today (2026-06-15), in today's month or quarter or later:
	// no period; today's period ends today.
	for _, rng := range [][2]string{{"2026-06-16", "2026-06-20"}, {"2026-06-16", "2026-09-30"}, {"2026-07-01", "2027-01-31"}} {
		for _, g := range []string{"month", "quarter"} {
			ahead := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/rsvp-outcomes?from=%s&to=%s&group=%s", rng[0], rng[1], g))
			assert.Empty(t, ahead.Rows, "%v by %s", rng, g)
		}
	}
	now := itGetReport(t, e, keyReviewer, "/v1/reports/rsvp-outcomes?from=2026-06-01&to=2026-12-31")
	require.Len(t, now.Rows, 2, "June only, at BCS and overall: %v", now.Rows)
	assert.Equal(t, "2026-06-15", now.Rows[0]["period_end"])

	// A provider sees its own agency: BCS the same rows, named or not; HRA
	// (no RSVP) nothing, and naming BCS is a 404.
	own := itGetReport(t, e, keyBCS, path)
	assert.Equal(t, rep.Rows, own.Rows)
	named := itGetReport(t, e, keyBCS, fmt.Sprintf("%s&provider_id=%d", path, bcs))
	assert.Equal(t, rep.Rows, named.Rows)
	hra := itGetReport(t, e, keyHRA, path)
	assert.Empty(t, hra.Rows)
	requireProblem(t, e.get(keyHRA, fmt.Sprintf("%s&provider_id=%d", path, bcs)), http.StatusNotFound, "not_found")
	requireProblem(t, e.get("", path), http.StatusUnauthorized, "unauthorized")

	for _, c := range []struct{ q, field, code string }{
		{"from=2026-03-01", "to", "required"},
		{"from=2026-03-01&to=2026-05-31&group=week", "group", "invalid_value"},
		{"from=2026-03-01&to=2026-05-31&as_of=2026-05-31", "as_of", "unknown_parameter"},
		{"from=2026-03-01&to=2026-05-31&service=RSVP-DS", "service", "unknown_parameter"},
		{"from=2026-03-01&to=2026-05-31&program=EMP", "program", "not_rsvp"},
		{"from=2026-05-31&to=2026-03-01", "to", "before_from"},
	} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.get(keyReviewer, "/v1/reports/rsvp-outcomes?"+c.q), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%s: %v", c.q, p)
		})
	}
	// A discharge dated back before a screen already recorded is refused
	// (the screen would stand after it); the report counts a screen in its
	// own period in any case, so one left after a discharge by a database
	// older than that rule still counts. E (from 05-25) screened 06-03; June
	// 1-14 also holds the demo's Reyes (from 06-01; random negative 06-05,
	// scheduled negative 06-12).
	ee := enroll("2026-05-25")
	screen(ee, "2026-06-03", "random", "negative")
	requireProblem(t, e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", ee), map[string]any{"discharge_date": "2026-05-30",
		"reason_code": "moved"}), http.StatusConflict, "records_after_discharge")
	june := itGetReport(t, e, keyReviewer, "/v1/reports/rsvp-outcomes?from=2026-06-01&to=2026-06-14")
	check(moveRow(t, june, "2026-06-01", 0), fig{2, 3, 2, 1, 3, 0, 0, 0, float64(1), 0, 0, 0, 0, 0, nil}, "June 1-14")

	// A screen outside its enrollment's span, as a database older than
	// those rules may hold one (written here past the API, on a day before
	// A began, in a month when BCS had no RSVP enrollment open): counted in
	// its period, beside no enrollment.
	_, err := e.db.ExecContext(t.Context(), `INSERT INTO rsvp_drug_screens (enrollment_id, screen_date, kind, result, actor_key_id)
		SELECT $1, '2026-02-10', 'random', 'positive', id FROM api_keys WHERE role = 'provider' AND provider_id = $2 LIMIT 1`, a, bcs)
	require.NoError(t, err)
	feb := itGetReport(t, e, keyReviewer, "/v1/reports/rsvp-outcomes?from=2026-02-01&to=2026-02-28")
	require.Len(t, feb.Rows, 2, "BCS and overall: %v", feb.Rows)
	check(moveRow(t, feb, "2026-02-01", bcs), fig{0, 1, 1, 0, 0, 1, 0, 0, float64(0), 0, 0, 0, 0, 0, nil}, "February at BCS")
}

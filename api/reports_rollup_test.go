package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/fixtures"
	"rss/reports"
)

// The reports' rollups (report_claim_use and report_enrollment_use, kept
// by claim_lines' triggers) equal a recount from claim_lines after random claims, voids
// and replacements through the API, and so do the report's figures, by
// month over whole months (read from the rollup) and by week over a range
// that cuts months (units and dollars from the lines, clients from the
// rollup's day bits). Checked after every step, for several seeds.
func TestReportUtilizationRollupEqualsRecount(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.authorizeRivera(96)
			rng := rand.New(rand.NewPCG(seed, 10))
			var live []int64 // claims neither voided nor replaced
			n := 0
			randomLines := func() []any {
				var ls []any
				for range 1 + rng.IntN(3) {
					u := 1 + rng.IntN(4)
					ls = append(ls, cmLine(day(-10+rng.IntN(11)), u, fmt.Sprintf("%d.00", 15*u)))
				}
				return ls
			}
			var grants []int64 // transport authorizations granted and not voided
			granted, voided, deactivated := 0, 0, false
			for step := range 36 {
				n++
				number := fmt.Sprintf("P%d-%d", seed, n)
				switch op := rng.IntN(7); {
				case op == 6 && !deactivated:
					// HRA's deactivation set for a day ahead: the grants
					// starting from it are cut to nothing and count as
					// authorized nowhere (a black-box pass read them in the
					// reports).
					r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", e.demo.Providers["HRA"]),
						map[string]any{"reason": "rollup test", "effective_on": day(5 + rng.IntN(35))})
					require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
					deactivated = true
				case op == 6:
					// Undone: they count again, or are ended or voided by
					// the reactivation's judging.
					r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", e.demo.Providers["HRA"]), map[string]any{"reason": "reinstated"})
					require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
					for _, x := range r.JSON(t)["authorizations_ended"].([]any) {
						if ended := x.(map[string]any); ended["status"] == "void" {
							grants = slices.DeleteFunc(grants, func(id int64) bool { return id == itNum(t, ended, "id") })
						}
					}
					deactivated = false
				case op == 4:
					// A grant starting this month or next: its units count
					// in its enrollment's month of start.
					start := rng.IntN(45)
					r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Rivera"],
						"service_code": "ATR-TR", "units": 1 + rng.IntN(9), "start_date": day(start), "end_date": day(start + 14)})
					require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
					if id, ok := r.JSON(t)["authorization_id"].(float64); ok {
						grants = append(grants, int64(id))
						granted++
					}
				case op == 5 && len(grants) > 0:
					k := rng.IntN(len(grants))
					r := e.post(keyReviewer, fmt.Sprintf("/v1/authorizations/%d/void", grants[k]), map[string]any{"reason": "entered in error"})
					require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
					grants = append(grants[:k], grants[k+1:]...)
					voided++
				case op < 2 || len(live) == 0:
					c := e.riveraClaim(number)
					c["lines"] = randomLines()
					r := e.post(keyHRA, "/v1/claims", c)
					require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
					live = append(live, itID(t, r))
				case op == 2:
					k := rng.IntN(len(live))
					r := e.post(keyHRA, fmt.Sprintf("/v1/claims/%d/void", live[k]), map[string]any{"claim_number": number})
					require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
					live = append(live[:k], live[k+1:]...)
				default:
					k := rng.IntN(len(live))
					c := e.riveraClaim(number)
					c["lines"] = randomLines()
					c["frequency"], c["original_claim_id"] = "7", live[k]
					r := e.post(keyHRA, "/v1/claims", c)
					require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
					live[k] = itID(t, r)
				}
				e.checkRollup(t, step)
			}
			var counted int
			require.NoError(t, e.db.Get(&counted, `SELECT count(*) FROM claim_lines WHERE counted AND claim_id IN
				(SELECT id FROM claims WHERE claim_number LIKE 'P%')`))
			require.Positive(t, counted, "the history left counted lines to roll up")
			require.Positive(t, granted, "the history granted authorizations")
			t.Logf("seed %d: %d transport authorizations granted, %d voided", seed, granted, voided)
		})
	}
}

// A line's removal and a grant to the same enrollment-month committed while
// it waited: the rollup row loses the line and keeps the grant's units.
// Session A un-voids a transport authorization starting this month (its
// trigger adds units authorized to Rivera's row of the month) and holds
// its transaction open; session B stops the month's only counted line
// counting and waits on the row; A commits, B finishes. Deciding keep or
// delete on B's snapshot left the line's units and dollars in the row.
func TestRollupLosesALineWhileAGrantCommits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(96)
	c := e.riveraClaim("RACE-1")
	c["lines"] = []any{cmLine(day(-1), 2, "30.00")}
	r := e.post(keyHRA, "/v1/claims", c)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claimID := itID(t, r)
	v := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-TR",
		"units": 7, "start_date": day(-1), "end_date": day(13)})
	require.Equal(t, http.StatusCreated, v.Status, "%s", v.Body)
	auth, ok := v.JSON(t)["authorization_id"].(float64)
	require.True(t, ok, "the transport request is granted: %s", v.Body)
	r = e.post(keyReviewer, fmt.Sprintf("/v1/authorizations/%d/void", int64(auth)), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// The case-management authorization moved to start a month earlier (its
	// units leave this month's row: the row trigger's start-date path), so
	// the row of the line's month holds the line and no units authorized.
	_, err := e.db.ExecContext(t.Context(), `UPDATE authorizations SET start_date = start_date - 30
		WHERE client_id = $1 AND service_code = 'ATR-CM'`, e.demo.Clients["Rivera"])
	require.NoError(t, err)
	e.checkRollup(t, 0)
	var before struct {
		Lines      int   `db:"lines"`
		Authorized int64 `db:"units_authorized"`
	}
	require.NoError(t, e.db.Get(&before, `SELECT u.lines, u.units_authorized FROM report_enrollment_use u
		JOIN authorizations a ON a.enrollment_id = u.enrollment_id AND a.id = $1
		WHERE u.month = date_trunc('month', a.start_date)::date`, int64(auth)))
	require.Equal(t, 1, before.Lines)
	require.Zero(t, before.Authorized, "the race needs a row with a line and no units authorized")

	ctx := t.Context()
	a, err := e.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = a.Rollback() }()
	_, err = a.ExecContext(ctx, `UPDATE authorizations SET voided_at = NULL, void_reason = NULL WHERE id = $1`, int64(auth))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := e.db.ExecContext(ctx, `UPDATE claim_lines SET counted = false WHERE claim_id = $1`, claimID)
		done <- err
	}()
	// B is waiting on the row A's trigger wrote (or has not started yet;
	// either order must end the same).
	time.Sleep(200 * time.Millisecond)
	require.NoError(t, a.Commit())
	require.NoError(t, <-done)
	e.checkRollup(t, 1)
	var row struct {
		Lines      int   `db:"lines"`
		Units      int64 `db:"units"`
		Authorized int64 `db:"units_authorized"`
	}
	require.NoError(t, e.db.Get(&row, `SELECT u.lines, u.units, u.units_authorized FROM report_enrollment_use u
		JOIN authorizations a ON a.enrollment_id = u.enrollment_id AND a.id = $1
		WHERE u.month = date_trunc('month', a.start_date)::date`, int64(auth)))
	assert.Equal(t, 0, row.Lines)
	assert.Equal(t, int64(0), row.Units)
	assert.Equal(t, int64(7), row.Authorized, "the transport authorization's units")
}

// checkRollup compares the rollup and the utilization report with a recount.
func (e *env) checkRollup(t *testing.T, step int) {
	t.Helper()
	var diff int
	require.NoError(t, e.db.Get(&diff, `
		WITH r AS (
			SELECT date_trunc('month', date_of_service)::date AS month, provider_id, service_code, client_id,
			       count(*)::int AS lines, sum(units_allowed)::bigint AS units, sum(paid) AS paid,
			       bit_or(1 << (extract(day FROM date_of_service)::int - 1)) AS days
			FROM claim_lines WHERE counted GROUP BY 1, 2, 3, 4)
		SELECT count(*) FROM ((SELECT * FROM r EXCEPT ALL SELECT * FROM report_claim_use)
		                      UNION ALL (SELECT * FROM report_claim_use EXCEPT ALL SELECT * FROM r)) x`))
	require.Zero(t, diff, "step %d: report_claim_use differs from a recount of claim_lines", step)
	require.NoError(t, e.db.Get(&diff, `
		WITH l AS (
			SELECT a.enrollment_id, date_trunc('month', l.date_of_service)::date AS month,
			       count(*)::int AS lines, sum(l.units_allowed)::bigint AS units, (sum(l.paid) * 100)::bigint AS paid_cents,
			       bit_or(1 << (extract(day FROM l.date_of_service)::int - 1)) AS days
			FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id WHERE l.counted GROUP BY 1, 2),
		z AS (
			SELECT enrollment_id, date_trunc('month', start_date)::date AS month,
			       sum(CASE WHEN voided_at IS NULL THEN units_authorized ELSE units_used END)::bigint AS units_authorized
			FROM authorizations a WHERE (voided_at IS NULL OR units_used > 0)
			  AND NOT EXISTS (SELECT 1 FROM providers p WHERE p.id = a.provider_id AND p.deactivated_on <= a.start_date) GROUP BY 1, 2),
		r AS (
			SELECT coalesce(l.enrollment_id, z.enrollment_id) AS enrollment_id, coalesce(l.month, z.month) AS month,
			       coalesce(l.lines, 0) AS lines, coalesce(l.units, 0) AS units, coalesce(l.paid_cents, 0) AS paid_cents,
			       coalesce(l.days, 0) AS days, coalesce(z.units_authorized, 0) AS units_authorized
			FROM l FULL JOIN z ON z.enrollment_id = l.enrollment_id AND z.month = l.month),
		t AS (SELECT enrollment_id, month, lines, units, paid_cents, days, units_authorized FROM report_enrollment_use)
		SELECT count(*) FROM ((SELECT * FROM r EXCEPT ALL SELECT * FROM t) UNION ALL (SELECT * FROM t EXCEPT ALL SELECT * FROM r)) x`))
	require.Zero(t, diff, "step %d: report_enrollment_use differs from a recount of claim_lines and authorizations", step)

	first := rss.NewDate(time.Date(fixtures.TestToday.AddDays(-10).Year(), fixtures.TestToday.AddDays(-10).Month(), 1, 0, 0, 0, 0, time.UTC))
	y, m, _ := fixtures.TestToday.Date()
	last := rss.NewDate(time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC))
	for _, q := range []struct{ group, from, to string }{
		{"month", first.String(), last.String()},
		{"week", day(-13), day(3)},
	} {
		rep := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/utilization?provider_id=%d&service=ATR-CM&from=%s&to=%s&group=%s",
			e.demo.Providers["HRA"], q.from, q.to, q.group))
		var want []struct {
			Period  rss.Date  `db:"period"`
			Units   int64     `db:"units"`
			Paid    rss.Money `db:"paid"`
			Clients int64     `db:"clients"`
		}
		require.NoError(t, e.db.Select(&want, `
			SELECT greatest(date_trunc($3, date_of_service::timestamp)::date, $1::date) AS period,
			       sum(units_allowed) AS units, sum(paid) AS paid, count(DISTINCT client_id) AS clients
			FROM claim_lines WHERE counted AND provider_id = $4 AND service_code = 'ATR-CM' AND date_of_service BETWEEN $1 AND $2
			GROUP BY 1 ORDER BY 1`, q.from, q.to, q.group, e.demo.Providers["HRA"]))
		got := map[string]map[string]any{}
		for _, r := range rep.Rows {
			got[r["period"].(string)] = r
		}
		var units, clients int64
		for _, w := range want {
			r, ok := got[w.Period.String()]
			require.True(t, ok, "step %d %s: no row for %s", step, q.group, w.Period)
			assert.Equal(t, w.Units, itNum(t, r, "units_used"), "step %d %s %s units", step, q.group, w.Period)
			assert.True(t, w.Paid.Equal(money(t, r["amount_paid"].(string)).Decimal), "step %d %s %s paid %s, want %s", step, q.group, w.Period, r["amount_paid"], w.Paid)
			assert.Equal(t, w.Clients, itNum(t, r, "clients_served"), "step %d %s %s clients", step, q.group, w.Period)
			units += w.Units
			clients = max(clients, w.Clients)
		}
		for p, r := range got {
			if itNum(t, r, "units_used") != 0 || itNum(t, r, "clients_served") != 0 {
				found := false
				for _, w := range want {
					found = found || w.Period.String() == p
				}
				assert.True(t, found, "step %d %s: %s has use the lines do not", step, q.group, p)
			}
		}
		assert.Equal(t, units, itNum(t, rep.Totals, "units_used"), "step %d %s total units", step, q.group)
		assert.Equal(t, clients, itNum(t, rep.Totals, "clients_served"), "step %d %s: one client in all", step, q.group)

		// The state extract's figures by enrollment, over the same range
		// (whole months from the rollup; a range cutting months reads the
		// cut days' lines and authorizations).
		ext := itGetReport(t, e, keyFinance, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&from=%s&to=%s",
			e.demo.Providers["HRA"], q.from, q.to))
		var figures []struct {
			Enrollment int64     `db:"enrollment_id"`
			Authorized int64     `db:"authorized"`
			Used       int64     `db:"used"`
			Paid       rss.Money `db:"paid"`
		}
		require.NoError(t, e.db.Select(&figures, `
			SELECT e.id AS enrollment_id,
			       (SELECT coalesce(sum(CASE WHEN a.voided_at IS NULL THEN a.units_authorized ELSE a.units_used END), 0) FROM authorizations a
			        WHERE a.enrollment_id = e.id AND a.start_date BETWEEN $1 AND $2
			          AND NOT EXISTS (SELECT 1 FROM providers p WHERE p.id = a.provider_id AND p.deactivated_on <= a.start_date)) AS authorized,
			       (SELECT coalesce(sum(l.units_allowed), 0) FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
			        WHERE a.enrollment_id = e.id AND l.counted AND l.date_of_service BETWEEN $1 AND $2) AS used,
			       (SELECT coalesce(sum(l.paid), 0) FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
			        WHERE a.enrollment_id = e.id AND l.counted AND l.date_of_service BETWEEN $1 AND $2) AS paid
			FROM enrollments e
			WHERE e.provider_id = $3 AND e.start_date <= $2 AND (e.discharge_date IS NULL OR e.discharge_date >= $1)`,
			q.from, q.to, e.demo.Providers["HRA"]))
		require.Len(t, ext.Rows, len(figures), "step %d %s: the extract's enrollments", step, q.group)
		for _, f := range figures {
			row := extractRow(t, ext, f.Enrollment)
			require.NotNil(t, row, "step %d %s: enrollment %d", step, q.group, f.Enrollment)
			assert.Equal(t, f.Authorized, itNum(t, row, "units_authorized"), "step %d %s enrollment %d authorized", step, q.group, f.Enrollment)
			assert.Equal(t, f.Used, itNum(t, row, "units_used"), "step %d %s enrollment %d used", step, q.group, f.Enrollment)
			assert.True(t, f.Paid.Equal(money(t, row["amount_paid"].(string)).Decimal), "step %d %s enrollment %d paid %s, want %s",
				step, q.group, f.Enrollment, row["amount_paid"], f.Paid)
		}
	}
}

// streamWriter records each write the report makes and the rows read from
// the database by then.
type streamWriter struct {
	writes, maxWrite, total int
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.writes++
	w.maxWrite = max(w.maxWrite, len(p))
	w.total += len(p)
	return len(p), nil
}

// A report's CSV and JSON go out as the rows come from the cursor: 3,000
// enrollments give the length-of-service report some 300 KB of CSV, written
// in pieces of at most 256 records (the CSV writer's flush) and never in
// one piece, so the answer is not built in memory first.
func TestReportStreamsRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.db.Exec(`
		INSERT INTO enrollments (client_id, person_id, program_code, provider_id, episode_id, start_date, discharge_date, discharge_reason_code)
		SELECT e.client_id, e.person_id, e.program_code, e.provider_id, e.episode_id, DATE '2026-01-01' + i % 100, DATE '2026-05-01', 'completed'
		FROM (SELECT * FROM enrollments WHERE program_code = 'RCM' ORDER BY id LIMIT 1) e, generate_series(1, 3000) i`)
	require.NoError(t, err)
	svc := reports.New(e.db, func() time.Time { return e.now }, time.UTC)
	ctx := access.WithActor(context.Background(), access.Actor{Role: access.RoleAdmin, Purpose: "operations"})
	q := map[string][]string{"from": {"2026-01-01"}, "to": {"2026-06-30"}, "program": {"RCM"}}
	for _, asCSV := range []bool{true, false} {
		rep, err := svc.LengthOfService(ctx, q)
		require.NoError(t, err)
		w := &streamWriter{}
		require.NoError(t, rep.Write(ctx, w, asCSV))
		assert.Greater(t, w.total, 200_000, "csv=%v: the report is large", asCSV)
		assert.GreaterOrEqual(t, w.writes, 3000/256, "csv=%v: written as it is read", asCSV)
		assert.Less(t, w.maxWrite, 64<<10, "csv=%v: no piece holds the whole report", asCSV)
	}
}

// A voided authorization counts as authorized by the units it used, which
// stay used (its paid lines stand), in utilization and the state extract,
// by whole months and by a range cutting one, and gives them up as its
// claims are voided. Counted as nothing, the state read 8 units used
// against 0 authorized (a reports black-box pass).
func TestReportsCountAVoidedAuthorizationByTheUnitsItUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := e.demo.Providers["HRA"]
	y, m, _ := fixtures.TestToday.Date()
	first, last := rss.NewDate(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)), rss.NewDate(time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC))
	authorized := func() []int64 {
		t.Helper()
		var out []int64
		for _, path := range []string{
			fmt.Sprintf("/v1/reports/utilization?provider_id=%d&service=ATR-CM&from=%s&to=%s&group=month", hra, first, last),
			fmt.Sprintf("/v1/reports/utilization?provider_id=%d&service=ATR-CM&from=%s&to=%s&group=week", hra, day(-12), day(3)),
			fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s", hra, first, last),
			fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s", hra, day(-12), day(3)),
		} {
			out = append(out, itNum(t, itGetReport(t, e, keyFinance, path).Totals, "units_authorized"))
		}
		return out
	}
	plus := func(base []int64, n int64) []int64 {
		out := slices.Clone(base)
		for i := range out {
			out[i] += n
		}
		return out
	}
	before := authorized()
	r := e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM",
		"units": 40, "start_date": day(-10), "end_date": day(30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	auth := itNum(t, r.JSON(t), "authorization_id")
	require.Equal(t, plus(before, 40), authorized())
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("VA-1", cmLine(day(-8), 3, "45.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	one := itID(t, r)
	r = e.post(keyHRA, "/v1/claims", e.riveraClaim("VA-2", cmLine(day(-7), 5, "75.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", auth), map[string]any{"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, plus(before, 8), authorized(), "the 8 units it used stay authorized")
	e.checkRollup(t, 1)
	r = e.post(keyHRA, itPath("/v1/claims/%d/void", one), map[string]any{"claim_number": "VA-1V"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, plus(before, 5), authorized(), "a voided claim's units go back")
	e.checkRollup(t, 2)
}

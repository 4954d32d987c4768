package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
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
			for step := range 30 {
				n++
				number := fmt.Sprintf("P%d-%d", seed, n)
				switch op := rng.IntN(4); {
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
		})
	}
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
		WITH r AS (
			SELECT a.enrollment_id, date_trunc('month', l.date_of_service)::date AS month,
			       count(*)::int AS lines, sum(l.units_allowed)::bigint AS units, (sum(l.paid) * 100)::bigint AS paid_cents,
			       bit_or(1 << (extract(day FROM l.date_of_service)::int - 1)) AS days
			FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id WHERE l.counted GROUP BY 1, 2)
		SELECT count(*) FROM ((SELECT * FROM r EXCEPT ALL SELECT * FROM report_enrollment_use)
		                      UNION ALL (SELECT * FROM report_enrollment_use EXCEPT ALL SELECT * FROM r)) x`))
	require.Zero(t, diff, "step %d: report_enrollment_use differs from a recount of claim_lines", step)

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

package api_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// recountLine is one claim line as the claim's answer showed it.
type recountLine struct {
	ID           int64  `json:"id"`
	Status       string `json:"status"`
	UnitsAllowed int64  `json:"units_allowed"`
	Paid         string `json:"paid"`
}

// recountFigures are one utilization row's figures.
type recountFigures struct {
	Authorized, Used, Clients int64
	Paid                      string
}

// A property test of the reports against a plain recount: for several
// fixed seeds, random claims, voids and replacements are sent through the
// API for three new ATR clients, then
//
//   - the claim lines that stand in the base tables (their claim neither
//     superseded nor a void, the line paid or partly paid; the counted flag
//     is not read) are exactly those the API's answers left standing;
//   - the utilization report, by week and by month, equals a recount of the
//     authorizations and standing lines done here in Go, row by row and in
//     its totals (demo history included);
//   - the length-of-service report (one client discharged halfway) equals
//     a recount in Go from the enrollments;
//   - the state extract's units and dollars per enrollment equal the sums
//     of the API's answers, and its totals utilization's for the same filter.
func TestReportsEqualRecount(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 20261202} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			recountSeed(t, seed)
		})
	}
}

func recountSeed(t *testing.T, seed uint64) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	type client struct{ id, enrollment int64 }
	var clients []client
	for range 3 {
		a := itATRClient(t, e, day(-20))
		for _, svc := range []string{"ATR-CM", "ATR-TR"} {
			v := itVoucher(t, e, keyHRA, a.Client, svc, 40, -10, 30)
			require.Equal(t, "approved", v["decision"], "%s: %v", svc, v)
		}
		clients = append(clients, client{a.Client, a.Enrollment})
	}

	// standing: the claims the API left standing, by id, and their client.
	standing := map[int64][]recountLine{}
	clientOf := map[int64]int64{}
	seq := 0
	number := func() string { seq++; return fmt.Sprintf("P%d-%d", seed, seq) }
	lines := func() []map[string]any {
		n := 1 + rng.IntN(3)
		out := make([]map[string]any, n)
		for i := range out {
			svc := []string{"ATR-CM", "ATR-TR"}[rng.IntN(2)]
			out[i] = map[string]any{"service_code": svc, "date_of_service": day(-rng.IntN(11)), "units": 1 + rng.IntN(6),
				"charge": fmt.Sprintf("%d.%02d", 5+rng.IntN(100), rng.IntN(100))}
		}
		return out
	}
	submit := func(body map[string]any) int64 {
		t.Helper()
		r := e.post(keyHRA, "/v1/claims", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var c struct {
			ID       int64         `json:"id"`
			ClientID int64         `json:"client_id"`
			Lines    []recountLine `json:"lines"`
		}
		r.Into(t, &c)
		standing[c.ID], clientOf[c.ID] = c.Lines, c.ClientID
		return c.ID
	}
	pick := func() int64 {
		ids := make([]int64, 0, len(standing))
		for id := range standing {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		return ids[rng.IntN(len(ids))]
	}
	var voids, replacements int
	for i := range 30 {
		if i == 15 {
			// Halfway, one client is discharged: later lines after that
			// day are denied, and length of service has a discharge.
			c := clients[rng.IntN(len(clients))]
			// A day before a line already paid is refused
			// (records_after_discharge): then today, after every line.
			r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.enrollment),
				map[string]any{"discharge_date": day(-rng.IntN(7)), "reason_code": "completed"})
			if r.Status == http.StatusConflict {
				requireProblem(t, r, http.StatusConflict, "records_after_discharge")
				r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", c.enrollment),
					map[string]any{"discharge_date": day(0), "reason_code": "completed"})
			}
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		}
		op := rng.IntN(10)
		switch {
		case op < 6 || len(standing) == 0:
			c := clients[rng.IntN(len(clients))]
			submit(map[string]any{"claim_number": number(), "client_id": c.id, "rendering_staff_id": e.demo.Staff["Okafor"],
				"place_of_service": "11", "lines": lines()})
		case op < 8:
			id := pick()
			r := e.post(keyHRA, itPath("/v1/claims/%d/void", id), map[string]any{"claim_number": number()})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			delete(standing, id)
			voids++
		default:
			id := pick()
			client := clientOf[id]
			delete(standing, id)
			submit(map[string]any{"claim_number": number(), "client_id": client, "frequency": "7", "original_claim_id": id,
				"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": lines()})
			replacements++
		}
	}
	t.Logf("seed %d: %d claims standing, %d voids, %d replacements", seed, len(standing), voids, replacements)

	// The API's answers and the base tables agree on what stands.
	want := map[int64]string{}
	perClient := map[int64]*recountFigures{}
	for id, ls := range standing {
		for _, l := range ls {
			if l.Status == "paid" || l.Status == "partial" {
				want[l.ID] = fmt.Sprintf("%d/%s", l.UnitsAllowed, l.Paid)
				f := perClient[clientOf[id]]
				if f == nil {
					f = &recountFigures{Paid: "0.00"}
					perClient[clientOf[id]] = f
				}
				f.Used += l.UnitsAllowed
				f.Paid = money(t, f.Paid).Add(money(t, l.Paid).Decimal).StringFixed(2)
			}
		}
	}
	require.NotEmpty(t, want, "some lines were paid")
	ids := make([]int64, len(clients))
	for i, c := range clients {
		ids[i] = c.id
	}
	var base []struct {
		ID    int64  `db:"id"`
		Units int64  `db:"units_allowed"`
		Paid  string `db:"paid"`
	}
	require.NoError(t, e.db.SelectContext(t.Context(), &base, `SELECT l.id, l.units_allowed, l.paid::text AS paid
		FROM claim_lines l JOIN claims c ON c.id = l.claim_id
		WHERE c.superseded_by IS NULL AND c.frequency <> '8' AND l.status IN ('paid', 'partial')
		  AND l.client_id = ANY($1::bigint[])`, ids))
	got := map[int64]string{}
	for _, b := range base {
		got[b.ID] = fmt.Sprintf("%d/%s", b.Units, b.Paid)
	}
	require.Equal(t, want, got, "standing lines: the API's answers against the base tables")

	from, to := fixturesDay(-14), fixturesDay(6)
	for _, group := range []string{"week", "month"} {
		path := fmt.Sprintf("/v1/reports/utilization?from=%s&to=%s&group=%s", from, to, group)
		rep := itGetReport(t, e, keyReviewer, path)
		rows, totals := recountUtilization(t, e, from, to, group)
		assert.Equal(t, rows, utilRows(t, rep), "%s rows against the recount", group)
		assert.Equal(t, totals.Authorized, itNum(t, rep.Totals, "units_authorized"), group)
		assert.Equal(t, totals.Used, itNum(t, rep.Totals, "units_used"), group)
		assert.Equal(t, totals.Clients, itNum(t, rep.Totals, "clients_served"), group)
		assert.Equal(t, totals.Paid, rep.Totals["amount_paid"], group)
	}

	asOf := fixturesDay(-3)
	los := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/length-of-service?from=%s&to=%s&as_of=%s", from, to, asOf))
	gotLOS := map[int64]string{}
	for _, m := range los.Rows {
		gotLOS[itNum(t, m, "enrollment_id")] = fmt.Sprintf("%v/%v/%v/%v/%v", m["discharge_date"], m["status"], m["days"], m["max_days"], m["past_max"])
	}
	assert.Equal(t, recountLOS(t, e, from, to, asOf), gotLOS, "length of service against the recount")

	ext := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/state-extract?provider_id=%d&program=ATR&from=%s&to=%s",
		e.demo.Providers["HRA"], from, to))
	// The extract adds up to utilization for the same filter.
	util := itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/utilization?provider_id=%d&program=ATR&from=%s&to=%s",
		e.demo.Providers["HRA"], from, to))
	for _, k := range []string{"units_authorized", "units_used", "amount_paid"} {
		assert.Equal(t, util.Totals[k], ext.Totals[k], "extract and utilization %s", k)
	}
	for _, c := range clients {
		row := extractRow(t, ext, c.enrollment)
		require.NotNil(t, row)
		w := perClient[c.id]
		if w == nil {
			w = &recountFigures{Paid: "0.00"}
		}
		assert.Equal(t, w.Used, itNum(t, row, "units_used"), "client %d units", c.id)
		assert.Equal(t, w.Paid, row["amount_paid"], "client %d dollars", c.id)
		assert.Equal(t, int64(80), itNum(t, row, "units_authorized"), "client %d: two 40-unit authorizations", c.id)
	}
}

func fixturesDay(n int) rss.Date { return rss.MustDate(day(n)) }

// recountUtilization recounts the utilization report from the base tables
// in Go: authorizations not voided by start date, claim lines standing
// (claim not superseded, not a void, line paid or partly paid) by date of
// service, each in its period (Monday-to-Sunday weeks or calendar months,
// clipped to the range).
func recountUtilization(t *testing.T, e *env, from, to rss.Date, group string) (map[string]utilFigures, utilFigures) {
	t.Helper()
	period := func(d rss.Date) (rss.Date, rss.Date) {
		var start, end time.Time
		if group == "week" {
			start = d.Time.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
			end = start.AddDate(0, 0, 6)
		} else {
			start = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
			end = start.AddDate(0, 1, -1)
		}
		s, en := rss.NewDate(start), rss.NewDate(end)
		if s.Before(from) {
			s = from
		}
		if en.After(to) {
			en = to
		}
		return s, en
	}
	rows := map[string]utilFigures{}
	paid := map[string]decimal.Decimal{}
	clients := map[string]map[int64]bool{}
	key := func(d rss.Date, provider int64, program, service string) string {
		p, _ := period(d)
		return fmt.Sprintf("%s/%d/%s/%s", p, provider, program, service)
	}
	var auths []struct {
		Day      rss.Date `db:"start_date"`
		Provider int64    `db:"provider_id"`
		Program  string   `db:"program_code"`
		Service  string   `db:"service_code"`
		Units    int64    `db:"units_authorized"`
	}
	require.NoError(t, e.db.SelectContext(t.Context(), &auths, `SELECT start_date, provider_id, program_code, service_code, units_authorized
		FROM authorizations a WHERE voided_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM providers p WHERE p.id = a.provider_id AND p.deactivated_on <= a.start_date)`))
	var total utilFigures
	for _, a := range auths {
		if a.Day.Before(from) || a.Day.After(to) {
			continue
		}
		k := key(a.Day, a.Provider, a.Program, a.Service)
		r := rows[k]
		r.Authorized += a.Units
		rows[k] = r
		total.Authorized += a.Units
	}
	var lines []struct {
		Day      rss.Date `db:"date_of_service"`
		Provider int64    `db:"provider_id"`
		Program  string   `db:"program_code"`
		Service  string   `db:"service_code"`
		Units    int64    `db:"units_allowed"`
		Paid     string   `db:"paid"`
		Client   int64    `db:"client_id"`
	}
	require.NoError(t, e.db.SelectContext(t.Context(), &lines, `SELECT l.date_of_service, l.provider_id, s.program_code, l.service_code,
			l.units_allowed, l.paid::text AS paid, l.client_id
		FROM claim_lines l JOIN claims c ON c.id = l.claim_id JOIN services s ON s.code = l.service_code
		WHERE c.superseded_by IS NULL AND c.frequency <> '8' AND l.status IN ('paid', 'partial')`))
	totalPaid := decimal.Zero
	allClients := map[int64]bool{}
	for _, l := range lines {
		if l.Day.Before(from) || l.Day.After(to) {
			continue
		}
		k := key(l.Day, l.Provider, l.Program, l.Service)
		r := rows[k]
		r.Used += l.Units
		rows[k] = r
		p := decimal.RequireFromString(l.Paid)
		paid[k] = paid[k].Add(p)
		if clients[k] == nil {
			clients[k] = map[int64]bool{}
		}
		clients[k][l.Client] = true
		total.Used += l.Units
		totalPaid = totalPaid.Add(p)
		allClients[l.Client] = true
	}
	for k, r := range rows {
		r.Paid = paid[k].StringFixed(2)
		r.Clients = int64(len(clients[k]))
		rows[k] = r
	}
	total.Paid, total.Clients = totalPaid.StringFixed(2), int64(len(allClients))
	return rows, total
}

// recountLOS recounts the length-of-service report from the enrollments in
// Go: every enrollment open at some time in [from, to] and started by
// asOf; a discharge after asOf is not yet one; the first day of the
// agency's unbroken stay in the program (its enrollments of the client,
// each begun by the day after the one before ended) is day 1.
func recountLOS(t *testing.T, e *env, from, to, asOf rss.Date) map[int64]string {
	t.Helper()
	var es []struct {
		ID        int64     `db:"id"`
		Client    int64     `db:"client_id"`
		Provider  int64     `db:"provider_id"`
		Program   string    `db:"program_code"`
		Start     rss.Date  `db:"start_date"`
		Discharge *rss.Date `db:"discharge_date"`
		Max       *int64    `db:"los_max_days"`
	}
	require.NoError(t, e.db.SelectContext(t.Context(), &es, `SELECT e.id, e.client_id, e.provider_id, e.program_code, e.start_date,
			e.discharge_date, p.los_max_days
		FROM enrollments e JOIN programs p ON p.code = e.program_code ORDER BY e.start_date, e.id`))
	type stayKey struct {
		client, provider int64
		program          string
	}
	last := map[stayKey]*rss.Date{} // the group's previous enrollment's discharge
	seen := map[stayKey]bool{}
	stay := map[stayKey]rss.Date{}
	out := map[int64]string{}
	for _, x := range es {
		k := stayKey{x.Client, x.Provider, x.Program}
		if !seen[k] || (last[k] != nil && x.Start.After(last[k].AddDays(1))) {
			stay[k] = x.Start
		}
		seen[k], last[k] = true, x.Discharge
		if x.Start.After(to) || x.Start.After(asOf) || (x.Discharge != nil && x.Discharge.Before(from)) {
			continue
		}
		end, dd, status := asOf, any(nil), "open"
		if x.Discharge != nil && !x.Discharge.After(asOf) {
			end, dd, status = *x.Discharge, x.Discharge.String(), "discharged"
		}
		days := stay[k].DaysUntil(end) + 1
		var max any
		past := false
		if x.Max != nil {
			max = float64(*x.Max)
			past = int64(days) > *x.Max
		}
		out[x.ID] = fmt.Sprintf("%v/%v/%v/%v/%v", dd, status, float64(days), max, past)
	}
	return out
}

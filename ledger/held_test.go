package ledger_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
	"rss/fixtures"
	"rss/ledger"
	"rss/pg/pgtest"
)

// heldCase is one authorization's state (ATR, filing limit 90 days, 20
// units with 2 used; days relative to today) and what it holds of its
// episode's caps: one count, whoever reads it (its own agency's next
// voucher, another agency's, the reviewer's exception, claims intake).
type heldCase struct {
	name               string
	start, end, issued int
	used               int
	void               bool
	idleDays           int // the program's inactivity setting (0: none)
	lastService        int // with idleDays: its last date of service
	deactivated        int // its agency's deactivation day (0: none)
	holds              int
}

var heldCases = []heldCase{
	{name: "active", start: -10, end: 10, issued: -10, holds: 20},
	{name: "ends today", start: -10, end: 0, issued: -10, holds: 20},
	{name: "expired, its claims not yet due", start: -20, end: -5, issued: -20, holds: 20},
	{name: "expired, its claims due today", start: -100, end: -90, issued: -100, holds: 20},
	{name: "expired, its claims due yesterday", start: -100, end: -91, issued: -100, holds: 2},
	{name: "void while running", start: -10, end: 10, issued: -10, void: true, holds: 2},
	{name: "void after its end, its claims not yet due", start: -20, end: -5, issued: -20, void: true, holds: 2},
	{name: "inactive", start: -10, end: 10, issued: -10, idleDays: 3, lastService: -9, holds: 2},
	{name: "inactive, then expired, its claims not yet due", start: -30, end: -5, issued: -30, idleDays: 3, lastService: -29, holds: 2},
	{name: "expired, not yet idle, its claims not yet due", start: -20, end: -5, issued: -20, idleDays: 10, lastService: -6, holds: 20},
	{name: "expired, idle since after its end, its claims not yet due", start: -20, end: -5, issued: -20, idleDays: 10, lastService: -12,
		holds: 2},
	{name: "retro, its claims not yet due", start: -20, end: -15, issued: -1, holds: 20},
	{name: "retro gone inactive, its claims not yet due", start: -30, end: -20, issued: -10, idleDays: 3, lastService: -21, holds: 2},
	{name: "retro, its claims due yesterday", start: -100, end: -91, issued: -95, holds: 2},
	{name: "exhausted and expired", start: -20, end: -5, issued: -20, used: 20, holds: 20},
	{name: "its agency's deactivation cut it to nothing", start: 5, end: 10, issued: -1, deactivated: 5, holds: 2},
	{name: "its agency's deactivation ended it, its claims not yet due", start: -10, end: 10, issued: -10, deactivated: -2, holds: 20},
}

// The Go holding (Authorization.Rule, then adjudication's Holds, which the
// voucher totals, the reviewer's exception and the claims book read) and
// the SQL one (ledger.HeldSQL, which claims intake sums) agree across
// every way an authorization stands: the two are one rule read in two
// places. An authorization that ended, however it ended, holds all its
// units until its claims are due unless it went inactive first: a late
// claim for a day it covered may still come. Freed at its end, another
// agency was granted the room, and the holder's late line was denied 119
// where a stranger's was paid, which told it another agency served the
// person (a claims black-box pass; 42 CFR Part 2).
func TestHeldSQLAgreesWithHolds(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := t.Context()
	demo, err := fixtures.DemoIDs(ctx, db)
	require.NoError(t, err)
	today := fixtures.TestToday
	d := func(n int) rss.Date { return today.AddDays(n) }
	id := int64(0)
	require.NoError(t, db.GetContext(ctx, &id, `SELECT id FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		demo.Clients["Kim"]))
	owner := demo.Providers["HRA"]
	for _, tc := range heldCases {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := db.BeginTxx(ctx, nil)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback() }()
			used := tc.used
			if used == 0 {
				used = 2
			}
			var last any // none but with an inactivity setting
			if tc.idleDays > 0 {
				last = d(tc.lastService)
			}
			_, err = tx.ExecContext(ctx, `UPDATE authorizations SET start_date = $2, end_date = $3, issued_on = $4, units_authorized = 20,
				units_used = $5, dollars_paid = 0, last_service_on = $6, reactivated_on = NULL,
				voided_at = CASE WHEN $7 THEN now() END, void_reason = CASE WHEN $7 THEN 'test' END WHERE id = $1`,
				id, d(tc.start), d(tc.end), d(tc.issued), used, last, tc.void)
			require.NoError(t, err)
			var idle any
			if tc.idleDays > 0 {
				idle = tc.idleDays
			}
			_, err = tx.ExecContext(ctx, `UPDATE programs SET inactivate_after_days = $1, inactivity_since = NULL WHERE code = 'ATR'`, idle)
			require.NoError(t, err)
			if tc.deactivated != 0 {
				_, err = tx.ExecContext(ctx, `UPDATE providers SET deactivated_on = $2, deactivation_reason = 'test' WHERE id = $1`, owner, d(tc.deactivated))
				require.NoError(t, err)
			}
			a, err := ledger.Get(ctx, tx, id)
			require.NoError(t, err)
			r := a.Rule(today)
			var inSQL int
			require.NoError(t, tx.GetContext(ctx, &inSQL, `SELECT `+ledger.HeldSQL("$2::date")+` FROM authorizations a WHERE a.id = $1`,
				id, today))
			assert.Equal(t, tc.holds, ledger.UnitsCounted(&r, today.Time), "Go")
			assert.Equal(t, tc.holds, inSQL, "SQL")
		})
	}
}

// An authorization that ran and ended (by its end date, a discharge's
// cut, its agency's deactivation: each reads as its end here) holds all
// its units of the episode's caps, units and dollars, through the day its
// claims are due (its end plus the program's filing limit), or the day
// before it goes inactive when that comes first, as a retro grant does;
// then the units it used. A void one holds what it used at once.
func TestEndedAuthorizationHoldsUntilItsClaimsAreDue(t *testing.T) {
	t.Parallel()
	d := func(s string) rss.Date { return rss.MustDate(s) }
	idle := func(n int) *int { return &n }
	voided := day(2026, time.April, 2)
	base := func() ledger.Authorization {
		return ledger.Authorization{ID: 1, ProviderID: provID, ServiceCode: "ATR-TR", EpisodeID: episodeID, StartDate: d("2026-03-01"),
			EndDate: d("2026-03-31"), IssuedOn: d("2026-03-01"), UnitsAuthorized: 10, UnitsUsed: 2, Rate: money("12.00"),
			DollarsPaid: money("24.00"), ClaimsDueBy: d("2026-06-29")}
	}
	for _, tc := range []struct {
		name    string
		edit    func(a *ledger.Authorization)
		today   string
		holds   int
		dollars string
	}{
		{"running", nil, "2026-03-20", 10, "120.00"},
		{"its last day", nil, "2026-03-31", 10, "120.00"},
		{"the day after its end", nil, "2026-04-01", 10, "120.00"},
		{"its claims' due day", nil, "2026-06-29", 10, "120.00"},
		{"the day after its claims are due", nil, "2026-06-30", 2, "24.00"},
		{"void after its end", func(a *ledger.Authorization) { a.VoidedAt = &voided }, "2026-04-10", 2, "24.00"},
		{"idle 30 days from its last line: its last day held", func(a *ledger.Authorization) {
			a.InactivateAfterDays, a.LastServiceOn = idle(30), d("2026-03-30")
		}, "2026-04-29", 10, "120.00"},
		{"idle 30 days from its last line: inactive, freed", func(a *ledger.Authorization) {
			a.InactivateAfterDays, a.LastServiceOn = idle(30), d("2026-03-30")
		}, "2026-04-30", 2, "24.00"},
		{"exhausted", func(a *ledger.Authorization) { a.UnitsUsed, a.DollarsPaid = 10, money("120.00") }, "2026-04-10", 10, "120.00"},
		{"cut to nothing", func(a *ledger.Authorization) { a.EndDate = d("2026-02-28") }, "2026-04-10", 2, "24.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := base()
			if tc.edit != nil {
				tc.edit(&a)
			}
			today := d(tc.today)
			r := a.Rule(today)
			assert.Equal(t, tc.holds, ledger.UnitsCounted(&r, today.Time))
			units, dollars := ledger.EpisodeTotals([]adjudication.Authorization{r}, episodeID, "ATR-TR", today.Time)
			assert.Equal(t, tc.holds, units)
			assert.Equal(t, tc.dollars, dollars.StringFixed(2))
		})
	}
}

// A late line on an authorization that ended but holds its units (its
// claims not yet due) is paid within what the episode's maximum leaves of
// the units used, as a running one's is: its room was never granted again
// (every reader counts it whole), so the reservations that stand beside it
// do not cut it. Read as holding only its used units, its line met the
// others' reservations as if they had taken its room, 119.
func TestBookPaysALateLineOnAnEndedAuthorizationItsUnits(t *testing.T) {
	t.Parallel()
	key := ledger.EpisodeService{Episode: episodeID, Service: "ATR-CM"}
	ended := held(authID, 40, 0, "", "0.00")
	ended.EndDate, ended.ClaimsDueBy = rss.NewDate(day(2026, time.March, 31)), rss.NewDate(day(2026, time.June, 29))
	// The episode holds its 480 with this one's 40 among them; 445 used.
	b := book(nil, ended).WithHoldings(ledger.Holdings{key: {Held: 480, Used: 445}})
	got := claim(b, billed{day(2026, time.March, 20), 30, "450.00"}, billed{day(2026, time.March, 21), 8, "120.00"})
	assert.Equal(t, []outcome{
		{status: "paid", allowed: 30, paid: "450.00", counted: true},
		{status: "partial", allowed: 5, paid: "75.00", carcs: []string{"119"}, counted: true},
	}, got, "paid until the maximum is used: 445 + 30 + 5")
}

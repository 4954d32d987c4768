package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
	"rss/fixtures"
	"rss/ledger"
	"rss/pg/pgtest"
)

// heldCase is one authorization's state (ATR, filing limit 90 days, 20
// units with 2 used; days relative to today) and what it holds for its own
// agency and for any other (another agency, the MSC).
type heldCase struct {
	name               string
	start, end, issued int
	used               int
	void               bool
	idleDays           int // the program's inactivity setting (0: none)
	lastService        int // with idleDays: its last date of service
	deactivated        int // its agency's deactivation day (0: none)
	own, others        int
}

var heldCases = []heldCase{
	{name: "active", start: -10, end: 10, issued: -10, own: 20, others: 20},
	{name: "ends today", start: -10, end: 0, issued: -10, own: 20, others: 20},
	{name: "expired, its claims not yet due", start: -20, end: -5, issued: -20, own: 2, others: 20},
	{name: "expired, its claims due today", start: -100, end: -90, issued: -100, own: 2, others: 20},
	{name: "expired, its claims due yesterday", start: -100, end: -91, issued: -100, own: 2, others: 2},
	{name: "void while running", start: -10, end: 10, issued: -10, void: true, own: 2, others: 2},
	{name: "void after its end, its claims not yet due", start: -20, end: -5, issued: -20, void: true, own: 2, others: 2},
	{name: "inactive", start: -10, end: 10, issued: -10, idleDays: 3, lastService: -9, own: 2, others: 20},
	{name: "inactive, then expired, its claims not yet due", start: -30, end: -5, issued: -30, idleDays: 3, lastService: -29,
		own: 2, others: 20},
	{name: "retro, its claims not yet due", start: -20, end: -15, issued: -1, own: 20, others: 20},
	{name: "retro gone inactive, its claims not yet due", start: -30, end: -20, issued: -10, idleDays: 3, lastService: -21,
		own: 2, others: 20},
	{name: "retro, its claims due yesterday", start: -100, end: -91, issued: -95, own: 2, others: 2},
	{name: "exhausted and expired", start: -20, end: -5, issued: -20, used: 20, own: 20, others: 20},
	{name: "its agency's deactivation cut it to nothing", start: 5, end: 10, issued: -1, deactivated: 5, own: 2, others: 2},
	{name: "its agency's deactivation ended it, its claims not yet due", start: -10, end: 10, issued: -10, deactivated: -2,
		own: 2, others: 20},
}

// The Go holding (Authorization.Rule, then adjudication's Holds) and the
// SQL one (ledger.HeldSQL, which claims intake sums) agree for the
// authorization's own agency, another agency and the MSC, across every
// way an authorization stands: the two are one rule read in two places.
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
	owner, other := demo.Providers["HRA"], demo.Providers["BCS"]
	require.NotEqual(t, owner, other)
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
			for _, v := range []struct {
				who    string
				viewer int64
				want   int
			}{{"its own agency", owner, tc.own}, {"another agency", other, tc.others}, {"the MSC", adjudication.OthersView, tc.others}} {
				var inSQL int
				require.NoError(t, tx.GetContext(ctx, &inSQL, `SELECT `+ledger.HeldSQL("$2::bigint", "$3::date")+` FROM authorizations a WHERE a.id = $1`,
					id, v.viewer, today))
				assert.Equal(t, v.want, r.Holds(today.Time, v.viewer), "Go, %s", v.who)
				assert.Equal(t, v.want, inSQL, "SQL, %s", v.who)
			}
		})
	}
}

package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/fixtures"
	"rss/ledger"
	"rss/pg/pgtest"
)

// One held for review (migration 00113) whose hold
// begins in the future (a deactivation set for a later day, undone before
// it) and that has gone idle meanwhile holds its used units in SQL
// (HeldSQL: not active, and NOT inactive fails) but all its units in Go
// (Rule reads Inactive only from StatusOn, which says pending_review, and
// its cut end is not yet past): claims intake and the voucher rules count
// the episode's caps differently.
func TestHeldAndIdleHoldsTheSameInGoAndSQL(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := t.Context()
	demo, err := fixtures.DemoIDs(ctx, db)
	require.NoError(t, err)
	today := fixtures.TestToday
	d := func(n int) rss.Date { return today.AddDays(n) }
	var id int64
	require.NoError(t, db.GetContext(ctx, &id, `SELECT id FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		demo.Clients["Kim"]))
	tx, err := db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `UPDATE authorizations SET start_date = $2, end_date = $3, issued_on = $2, units_authorized = 20,
		units_used = 2, dollars_paid = 0, last_service_on = $4, reactivated_on = NULL, held_from = $5, held_judged_from = $5,
		held_reasons = '{DUPLICATE_SERVICE_OTHER_PROVIDER}' WHERE id = $1`, id, d(-30), d(20), d(-29), d(10))
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `UPDATE programs SET inactivate_after_days = 3, inactivity_since = NULL WHERE code = 'ATR'`)
	require.NoError(t, err)
	a, err := ledger.Get(ctx, tx, id)
	require.NoError(t, err)
	r := a.Rule(today)
	var inSQL int
	require.NoError(t, tx.GetContext(ctx, &inSQL, `SELECT `+ledger.HeldSQL("$2::date")+` FROM authorizations a WHERE a.id = $1`, id, today))
	assert.Equal(t, inSQL, ledger.UnitsCounted(&r, today.Time), "Go and SQL count the held, idle authorization alike")
}

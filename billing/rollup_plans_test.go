package billing_test

import (
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
	"rss/fixtures"
	"rss/pg/pgtest"
	"rss/vouchers"
)

// The enrollment rollup's insert trigger is planned once per connection,
// for the transition table it first sees. Planned for a claim of many
// lines, it hashed every authorization to find the lines' enrollments, and
// every later claim on the connection, a single line too, read the whole
// table again (migration 00054). On one connection, two claims of 200
// lines (most of them denied, all of them stored) and then a claim of one
// line: the last claim's rollup finds its enrollment by the
// authorization's key. The plans are read from auto_explain, sent to this
// session as notices.
func TestEnrollmentRollupReadsAuthorizationsByKey(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewDBURL(t)
	connector, err := pq.NewConnector(url)
	require.NoError(t, err)
	var mu sync.Mutex
	var plans []string
	db := sqlx.NewDb(sql.OpenDB(pq.ConnectorWithNoticeHandler(connector, func(e *pq.Error) {
		mu.Lock()
		defer mu.Unlock()
		plans = append(plans, e.Message)
	})), "postgres")
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1) // one session: the plans it caches are the ones read
	ctx := t.Context()
	_, err = db.ExecContext(ctx, `LOAD 'auto_explain'`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
		SET auto_explain.log_level = notice; SET client_min_messages = notice`)
	require.NoError(t, err)

	now := func() time.Time { return fixtures.TestToday.Add(10 * time.Hour) }
	demo, err := fixtures.DemoIDs(ctx, db)
	require.NoError(t, err)
	w := &world{t: t, db: db, v: vouchers.New(db, now, loc), b: billing.New(db, now, loc), demo: demo}
	w.authorize("Rivera", "ATR-CM", 40, day(-12), day(30))
	var many []billing.NewLine
	for d := -12; d < -2; d++ {
		for u := 1; u <= 40; u++ {
			many = append(many, line("ATR-CM", day(d), u, "15.00"))
		}
	}
	_, err = w.b.SubmitBulk(w.hra(), []billing.NewClaim{
		w.claim("ROLLUP-MANY-1", "Rivera", "Okafor", many[:200]...), w.claim("ROLLUP-MANY-2", "Rivera", "Okafor", many[200:]...)})
	require.NoError(t, err)

	mu.Lock()
	plans = nil
	mu.Unlock()
	w.submit(w.claim("ROLLUP-ONE", "Rivera", "Okafor", line("ATR-CM", day(-1), 1, "15.00")))
	mu.Lock()
	defer mu.Unlock()
	var rollup string
	for _, p := range plans {
		if strings.Contains(p, "INSERT INTO report_enrollment_use") {
			rollup = p
		}
	}
	require.NotEmpty(t, rollup, "the one-line claim's rollup plan; notices: %d", len(plans))
	assert.NotContains(t, rollup, "Hash Join", rollup)
	assert.Regexp(t, `Index Scan using authorizations_pkey on authorizations a .*\n\s+Index Cond: \(id = (x\.authorization_id|n\.authorization_id)\)`, rollup)
}

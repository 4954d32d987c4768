package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
	"rss/vouchers"
)

var loc = time.UTC

// world is one test's database with the domain services on the test clock.
type world struct {
	t    *testing.T
	db   *sqlx.DB
	v    *vouchers.Service
	b    *billing.Service
	demo fixtures.Demo
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := pgtest.NewDB(t)
	now := func() time.Time { return fixtures.TestToday.Add(10 * time.Hour) }
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	return &world{t: t, db: db, v: vouchers.New(db, now, loc), b: billing.New(db, now, loc), demo: demo}
}

// as returns a context acting with the demo key of a role (and provider code).
func (w *world) as(role access.Role, provider string) context.Context {
	w.t.Helper()
	var a access.Actor
	a.Role = role
	q := `SELECT id, COALESCE(provider_id, 0) FROM api_keys WHERE role = $1 AND demo AND ($2 = '' OR provider_id = (SELECT id FROM providers WHERE code = $2)) ORDER BY id LIMIT 1`
	require.NoError(w.t, w.db.QueryRowxContext(w.t.Context(), q, string(role), provider).Scan(&a.KeyID, &a.ProviderID))
	return access.WithActor(w.t.Context(), a)
}

func (w *world) hra() context.Context { return w.as(access.RoleProvider, "HRA") }

// authorize gets an approved authorization for a demo client of HRA.
func (w *world) authorize(client, service string, units int, start, end rss.Date) vouchers.Authorization {
	w.t.Helper()
	vr, err := w.v.Submit(w.hra(), vouchers.NewVoucherRequest{ClientID: w.demo.Clients[client], ServiceCode: service,
		Units: &units, StartDate: start, EndDate: end})
	require.NoError(w.t, err)
	require.Contains(w.t, []string{"approved", "partial"}, vr.Decision, "reasons: %+v", vr.Reasons)
	require.NotNil(w.t, vr.AuthorizationID)
	// Read as the MSC, which sees the person's episode the authorization counts against.
	a, err := w.v.Authorization(w.as(access.RoleFinance, ""), *vr.AuthorizationID)
	require.NoError(w.t, err)
	return a
}

func day(n int) rss.Date { return fixtures.TestToday.AddDays(n) }

func money(s string) rss.Money { return rss.MustMoney(s) }

// unitsUsed reads an authorization's units_used straight from the ledger.
func (w *world) unitsUsed(id int64) int {
	w.t.Helper()
	var n int
	require.NoError(w.t, w.db.GetContext(w.t.Context(), &n, `SELECT units_used FROM authorizations WHERE id = $1`, id))
	return n
}

// requireConstraint asserts err is PostgreSQL's refusal by the named constraint.
func requireConstraint(t *testing.T, err error, name string) {
	t.Helper()
	require.Error(t, err)
	pe, ok := pg.PgError(err)
	require.True(t, ok, "not a PostgreSQL error: %v", err)
	assert.Equal(t, name, pe.Constraint, "%v", err)
}

// awaitLockWait returns once a session of the test's database waits on a
// lock: the submission sent on its own goroutine is queued behind the
// test's open transaction. It fails the test when that submission answers
// first (it did not wait), or when nothing waits within half a minute.
func awaitLockWait[T any](t *testing.T, w *world, done <-chan T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		require.NoError(t, w.db.GetContext(t.Context(), &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`))
		if waiting > 0 {
			return
		}
		select {
		case r := <-done:
			t.Fatalf("the second submission did not wait for the first: %+v", r)
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no session waited on a lock within 30 s")
		}
	}
}

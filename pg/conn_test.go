package pg_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
	"rss/pg/pgtest"
)

// within runs call and fails the test when it has not returned in limit
// (the proxy is thawed then, so the call and the test end).
func within(t *testing.T, proxy *pgtest.Proxy, limit time.Duration, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		proxy.Thaw()
		<-done
		proxy.Freeze()
		t.Fatalf("the call was still waiting on the database %s after its context ended", limit)
		return nil
	}
}

// A database that keeps its connections and answers nothing (its processes
// stopped) no longer holds a call past its context: a query, a statement
// prepared on the pool, a transaction's statement and its rollback, and a
// connect each return the context's error once it ends, and the pool is
// whole again when the database answers (a black-box pass: a request held
// 147 s, until the database came back).
func TestContextEndsACallOnAHungDatabase(t *testing.T) {
	t.Parallel()
	_, pool, proxy := pgtest.NewProxiedDB(t, 2)
	ctx := t.Context()
	stmt, err := pool.PreparexContext(ctx, `SELECT $1::int + 1`)
	require.NoError(t, err)
	tx, err := pool.BeginTxx(ctx, nil)
	require.NoError(t, err)

	proxy.Freeze()
	const limit = 5 * time.Second
	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 200*time.Millisecond) }

	t.Run("query", func(t *testing.T) {
		qctx, cancel := short()
		defer cancel()
		err := within(t, proxy, limit, func() error {
			var n int
			return pool.GetContext(qctx, &n, `SELECT 1`)
		})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("prepared statement", func(t *testing.T) {
		qctx, cancel := short()
		defer cancel()
		err := within(t, proxy, limit, func() error {
			var n int
			return stmt.GetContext(qctx, &n, 1)
		})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("transaction", func(t *testing.T) {
		// The transaction began before the freeze on the test's context;
		// its statement's own context ends.
		qctx, cancel := short()
		defer cancel()
		err := within(t, proxy, limit, func() error {
			_, err := tx.ExecContext(qctx, `SELECT pg_sleep(0)`)
			return err
		})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		_ = within(t, proxy, limit, tx.Rollback)
	})
	t.Run("connect", func(t *testing.T) {
		// The pool's connections are cut: the next call dials, and its
		// startup waits on the database.
		qctx, cancel := short()
		defer cancel()
		err := within(t, proxy, limit, func() error { return pool.PingContext(qctx) })
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})

	t.Run("connect on no deadline", func(t *testing.T) {
		// database/sql opens connections for waiting callers on a context
		// that never ends: they held the pool full after the callers had
		// gone (an on-call re-check). A connect gives up at its 10 s.
		err := within(t, proxy, 15*time.Second, func() error { return pool.PingContext(context.Background()) })
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})

	proxy.Thaw()
	assert.Zero(t, pool.Stats().InUse, "every connection is back or closed")
	var n int
	require.NoError(t, pool.GetContext(ctx, &n, `SELECT 41 + 1`))
	assert.Equal(t, 42, n)
	require.NoError(t, stmt.GetContext(ctx, &n, 6))
	assert.Equal(t, 7, n)
}

// A context that ends after its call returned cuts nothing: the connection
// goes back to the pool whole and serves the next call (the watch ends as
// database/sql takes it back).
func TestContextEndedLaterLeavesTheConnection(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NewDBURL(t)
	pool, err := pg.Open(t.Context(), dbURL, 1)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	var pid, again int
	qctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, pool.GetContext(qctx, &pid, `SELECT pg_backend_pid()`))
	tx, err := pool.BeginTxx(qctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.GetContext(qctx, &again, `SELECT pg_backend_pid()`))
	require.NoError(t, tx.Commit())
	cancel()
	require.NoError(t, pool.GetContext(t.Context(), &again, `SELECT pg_backend_pid()`))
	assert.Equal(t, pid, again, "the one connection served every call")
	assert.Equal(t, 1, pool.Stats().OpenConnections)
}

// COPY FROM STDIN, whose lib/pq statement has no context methods, runs
// through the pool's connections as through lib/pq's own (it is watched
// by its transaction).
func TestCopyInThroughThePool(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := t.Context()
	_, err := db.ExecContext(ctx, `CREATE TABLE copied (n int NOT NULL)`)
	require.NoError(t, err)
	tx, err := db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	st, err := tx.PrepareContext(ctx, pq.CopyIn("copied", "n"))
	require.NoError(t, err)
	for i := range 3 {
		_, err = st.ExecContext(ctx, i)
		require.NoError(t, err)
	}
	_, err = st.ExecContext(ctx)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.NoError(t, tx.Commit())
	var n int
	require.NoError(t, db.GetContext(ctx, &n, `SELECT sum(n) FROM copied`))
	assert.Equal(t, 3, n)
}

// Every session rss opens runs without JIT compilation, whatever form the
// connection string takes, unless it sets jit itself: a batch preview,
// compiled, took 3-9 s where it runs in 0.1-0.2 s (an on-call black-box
// pass).
func TestSessionsRunWithoutJIT(t *testing.T) {
	t.Parallel()
	_, u := pgtest.NewDBURL(t)
	for _, tc := range []struct{ name, url, want string }{
		{"a URL", u, "off"},
		{"a URL with its own jit", u + "&jit=on", "on"},
		{"a URL setting it in options", u + "&options=-c%20jit%3Don", "on"},
		{"key=value pairs", "host=127.0.0.1 port=5432 user=postgres sslmode=disable dbname=" + pg.DatabaseName(u), "off"},
		{"key = value pairs with their own", "host=127.0.0.1 port=5432 user=postgres sslmode=disable jit = on dbname=" + pg.DatabaseName(u), "on"},
	} {
		db, err := pg.Open(t.Context(), tc.url, 1)
		require.NoError(t, err, tc.name)
		var jit string
		require.NoError(t, db.Get(&jit, `SHOW jit`), tc.name)
		assert.Equal(t, tc.want, jit, tc.name)
		require.NoError(t, db.Close())
	}
}

package pg_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
	"rss/pg/pgtest"
)

// TestAfterCommit: what is queued runs once the transaction has committed
// (seeing the committed row from another connection), never on rollback;
// inside a joined Transact it waits for the outer owner's commit.
func TestAfterCommit(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := t.Context()
	_, err := db.ExecContext(ctx, `CREATE TABLE t_after (id int)`)
	require.NoError(t, err)
	count := func() int {
		var n int
		require.NoError(t, db.GetContext(context.Background(), &n, `SELECT count(*) FROM t_after`))
		return n
	}

	var seen []int
	require.NoError(t, pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t_after VALUES (1)`)
		pg.AfterCommit(ctx, func() { seen = append(seen, count()) })
		return err
	}))
	assert.Equal(t, []int{1}, seen, "ran after the commit, which it could see")

	seen = nil
	require.Error(t, pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		pg.AfterCommit(ctx, func() { seen = append(seen, -1) })
		return errors.New("roll back")
	}))
	assert.Empty(t, seen, "never after a rollback")

	// An owner that commits itself (as the API's idempotent middleware does).
	seen = nil
	tx, err := db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	txCtx := pg.WithTx(ctx, tx)
	require.NoError(t, pg.Transact(txCtx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t_after VALUES (2)`)
		pg.AfterCommit(ctx, func() { seen = append(seen, count()) })
		return err
	}))
	assert.Empty(t, seen, "a joined Transact does not commit, so nothing runs yet")
	require.NoError(t, tx.Commit())
	pg.Committed(txCtx)
	assert.Equal(t, []int{2}, seen)
	pg.Committed(txCtx)
	assert.Equal(t, []int{2}, seen, "once")

	ran := false
	pg.AfterCommit(ctx, func() { ran = true })
	assert.True(t, ran, "without a transaction it runs at once")
}

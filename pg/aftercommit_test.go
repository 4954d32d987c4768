package pg_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
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

// TestTransactRunsAVictimAgain: a transaction PostgreSQL ended as a
// deadlock's victim or for a serialization failure runs again, in a new
// transaction, at most three times in all; its first run's writes and what
// it queued for after the commit are gone with it, and any other failure
// is the caller's at once. A joined Transact leaves that to the owner.
func TestTransactRunsAVictimAgain(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := t.Context()
	_, err := db.ExecContext(ctx, `CREATE TABLE t_again (run int)`)
	require.NoError(t, err)
	rows := func() []int {
		var got []int
		require.NoError(t, db.SelectContext(context.Background(), &got, `SELECT run FROM t_again ORDER BY run`))
		return got
	}
	victim := &pq.Error{Code: pg.CodeDeadlock}
	runs, after := 0, 0
	require.NoError(t, pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		runs++
		if _, err := tx.ExecContext(ctx, `INSERT INTO t_again VALUES ($1)`, runs); err != nil {
			return err
		}
		pg.AfterCommit(ctx, func() { after++ })
		if runs == 1 {
			return fmt.Errorf("lock: %w", victim)
		}
		return nil
	}))
	assert.Equal(t, 2, runs)
	assert.Equal(t, []int{2}, rows(), "the first run's write rolled back, the second's committed")
	assert.Equal(t, 1, after, "only the committed run's effects")

	runs = 0
	err = pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		runs++
		return &pq.Error{Code: pg.CodeSerialization}
	})
	assert.True(t, pg.Retryable(err), "met every time, it reaches the caller")
	assert.Equal(t, 3, runs)

	runs = 0
	other := errors.New("refused")
	assert.ErrorIs(t, pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		runs++
		return other
	}), other)
	assert.Equal(t, 1, runs, "any other failure is not run again")

	runs = 0
	err = pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		return pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
			runs++
			if runs == 1 {
				return victim
			}
			return nil
		})
	})
	assert.NoError(t, err)
	assert.Equal(t, 2, runs, "the owner runs the whole transaction again, the joined part with it")
}

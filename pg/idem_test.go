package pg_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
	"rss/pg/pgtest"
)

// A write under an idempotency key: the key, the work and the answer
// commit together; a retry gets the first answer and runs nothing; the
// key with another request is refused; a failed write keeps nothing.
func TestDoIsIdempotent(t *testing.T) {
	t.Parallel()
	testDo(t, false)
}

// The same with the key read by the write's first statement (DoFolded).
func TestDoFoldedIsIdempotent(t *testing.T) {
	t.Parallel()
	testDo(t, true)
}

func testDo(t *testing.T, folded bool) {
	db := pgtest.NewDB(t)
	ctx := t.Context()
	_, err := db.Exec(`CREATE TABLE do_work (n int NOT NULL CONSTRAINT do_work_positive CHECK (n > 0))`)
	require.NoError(t, err)
	var keyID int64
	require.NoError(t, db.Get(&keyID, `SELECT min(id) FROM api_keys`))
	ids := pg.NewIdempotency(db)
	var runs atomic.Int64
	write := func(key, body string, n int) (int, error) {
		req := &pg.Request{Scope: -keyID, KeyID: keyID, Key: key, Hash: []byte(body), Method: "POST", Path: "/x",
			Render: func(v any) pg.Answer {
				return pg.Answer{Status: 201, ContentType: "text/plain", Body: []byte(strconv.Itoa(v.(int)))}
			}}
		if !folded {
			return pg.Do(pg.WithRequest(ctx, req), db, ids, func(ctx context.Context, tx *sqlx.Tx) (int, error) {
				runs.Add(1)
				_, err := tx.ExecContext(ctx, `INSERT INTO do_work VALUES ($1)`, n)
				return n, err
			})
		}
		return pg.DoFolded(pg.WithRequest(ctx, req), db, ids, func(ctx context.Context, tx *sqlx.Tx) (int, error) {
			return foldedWork(ctx, tx, &runs, n)
		})
	}
	count := func() int {
		var c int
		require.NoError(t, db.Get(&c, `SELECT count(*) FROM do_work`))
		return c
	}

	got, err := write("k1", "a", 7)
	require.NoError(t, err)
	assert.Equal(t, 7, got)
	_, err = write("k1", "a", 7)
	var replayed *pg.Replayed
	require.ErrorAs(t, err, &replayed)
	assert.Equal(t, pg.Answer{Status: 201, ContentType: "text/plain", Body: []byte("7")}, replayed.Answer)
	_, err = write("k1", "b", 8)
	require.ErrorIs(t, err, pg.ErrKeyReused)
	assert.Equal(t, 1, count())
	assert.Equal(t, int64(1), runs.Load(), "the retries ran nothing")

	// A write that fails keeps nothing, its key included: the key works again.
	_, err = write("k2", "c", -1)
	require.Error(t, err)
	assert.Equal(t, 1, count())
	_, err = write("k2", "d", 3)
	require.NoError(t, err)
	assert.Equal(t, 2, count())

	// Eight at once with one key and one request: one's work commits, the
	// others' (if they ran) is rolled back, and they replay its answer.
	var wg sync.WaitGroup
	var done, replays atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := write("k3", "e", 5)
			var r *pg.Replayed
			switch {
			case err == nil:
				done.Add(1)
			case errors.As(err, &r):
				replays.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), done.Load())
	assert.Equal(t, int64(7), replays.Load())
	assert.Equal(t, 3, count(), "the work committed once")

	// Without a key (or inside a caller's transaction) Do is a transaction.
	n, err := pg.Do(ctx, db, ids, func(ctx context.Context, tx *sqlx.Tx) (int, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO do_work VALUES (9)`)
		return 9, err
	})
	require.NoError(t, err)
	assert.Equal(t, 9, n)
	assert.Equal(t, 4, count())

	// A folded write inside a caller's transaction reads no key: the
	// caller's answered key k1 is not replayed to it.
	req := &pg.Request{Scope: -keyID, KeyID: keyID, Key: "k1", Hash: []byte("a"), Method: "POST", Path: "/x",
		Render: func(v any) pg.Answer {
			return pg.Answer{Status: 201, ContentType: "text/plain", Body: []byte(strconv.Itoa(v.(int)))}
		}}
	err = pg.Transact(pg.WithRequest(ctx, req), db, func(ctx context.Context, _ *sqlx.Tx) error {
		_, err := pg.DoFolded(ctx, db, ids, func(ctx context.Context, tx *sqlx.Tx) (int, error) {
			return foldedWork(ctx, tx, &runs, 6)
		})
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, 5, count())
}

// foldedWork is a write run by DoFolded: its first statement reads the
// key's stored answer, and a retry returns at once.
func foldedWork(ctx context.Context, tx *sqlx.Tx, runs *atomic.Int64, n int) (int, error) {
	keyID, key := pg.FoldedKey(ctx)
	var a pg.StoredAnswer
	if err := tx.GetContext(ctx, &a, `SELECT k.* FROM (SELECT) AS one LEFT JOIN (`+pg.StoredAnswerSQL("$1::bigint", "$2::text")+`) AS k ON true`,
		keyID, key); err != nil {
		return 0, err
	}
	if err := a.Replay(ctx); err != nil {
		return 0, err
	}
	runs.Add(1)
	_, err := tx.ExecContext(ctx, `INSERT INTO do_work VALUES ($1)`, n)
	return n, err
}

// Two at once with one key, where the first's work makes the second's
// fail (a batch close finds nothing left to close, a rate finds its day
// taken): the second is answered with the first's answer, as when its own
// work had committed second. It was answered with its own failure, a
// double click on the console's close form reading "nothing to batch"
// though the first post closed the batch (a console black-box pass). The
// test holds the lock every write waits on until all wait, so they
// overlap.
func TestDoReplaysToAWriteTheFirstMadeFail(t *testing.T) {
	t.Parallel()
	for _, folded := range []bool{false, true} {
		t.Run(map[bool]string{false: "Do", true: "DoFolded"}[folded], func(t *testing.T) {
			t.Parallel()
			db := pgtest.NewDB(t)
			ctx := t.Context()
			_, err := db.Exec(`CREATE TABLE do_once (n int CONSTRAINT do_once_pkey PRIMARY KEY)`)
			require.NoError(t, err)
			var keyID int64
			require.NoError(t, db.Get(&keyID, `SELECT min(id) FROM api_keys`))
			ids := pg.NewIdempotency(db)
			work := func(ctx context.Context, tx *sqlx.Tx) (int, error) {
				if folded {
					keyID, key := pg.FoldedKey(ctx)
					var a pg.StoredAnswer
					if err := tx.GetContext(ctx, &a, `SELECT k.* FROM (SELECT) AS one LEFT JOIN (`+
						pg.StoredAnswerSQL("$1::bigint", "$2::text")+`) AS k ON true`, keyID, key); err != nil {
						return 0, err
					}
					if err := a.Replay(ctx); err != nil {
						return 0, err
					}
				}
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4242)`); err != nil {
					return 0, err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO do_once VALUES (1)`)
				return 1, err
			}
			write := func(body string) error {
				req := &pg.Request{Scope: -keyID, KeyID: keyID, Key: "k", Hash: []byte(body), Method: "POST", Path: "/x",
					Render: func(v any) pg.Answer {
						return pg.Answer{Status: 201, ContentType: "text/plain", Body: []byte(strconv.Itoa(v.(int)))}
					}}
				var err error
				if folded {
					_, err = pg.DoFolded(pg.WithRequest(ctx, req), db, ids, work)
				} else {
					_, err = pg.Do(pg.WithRequest(ctx, req), db, ids, work)
				}
				return err
			}
			hold, err := db.Beginx()
			require.NoError(t, err)
			defer hold.Rollback() //nolint:errcheck // committed below
			_, err = hold.Exec(`SELECT pg_advisory_xact_lock(4242)`)
			require.NoError(t, err)
			const n = 4
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = write("same")
				}()
			}
			require.Eventually(t, func() bool {
				var waiting int
				require.NoError(t, db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
					AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock(4242)%'`))
				return waiting == n
			}, 30*time.Second, 10*time.Millisecond)
			require.NoError(t, hold.Commit())
			wg.Wait()
			var done, replays int
			for _, err := range errs {
				var r *pg.Replayed
				switch {
				case err == nil:
					done++
				case errors.As(err, &r):
					replays++
					assert.Equal(t, "1", string(r.Body))
				default:
					t.Errorf("a write the first made fail: %v", err)
				}
			}
			assert.Equal(t, 1, done)
			assert.Equal(t, n-1, replays)

			// The key with another request whose work fails so is told
			// the key was used; one whose key holds no answer keeps its
			// own failure.
			require.ErrorIs(t, write("other"), pg.ErrKeyReused)
			req := &pg.Request{Scope: -keyID, KeyID: keyID, Key: "fresh", Hash: []byte("x"), Method: "POST", Path: "/x",
				Render: func(any) pg.Answer { return pg.Answer{Status: 201} }}
			_, err = pg.Do(pg.WithRequest(ctx, req), db, ids, work)
			require.True(t, pg.IsViolation(err, pg.CodeUniqueViolation, "do_once_pkey"), "%v", err)
		})
	}
}

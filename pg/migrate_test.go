package pg_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
	"rss/pg/pgtest"
)

// Replicas started together migrate one at a time: two of three crashed
// with goose's "partial migration error" (a black-box pass). A database a
// newer release migrated is refused, by migrate and by the readiness check:
// "up to date" and ready were said of it.
func TestMigrateTogetherAndRefuseANewerSchema(t *testing.T) {
	t.Parallel()
	name := fmt.Sprintf("rss_migrate_test_%d", time.Now().UnixNano())
	url := pgtest.WithDatabase(pgtest.ServerURL(), name)
	created, err := pg.EnsureDatabase(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pgtest.Drop(name) })
	// It says whether it made the database (rss migrate tells the
	// operator: a mistyped name made one without a word, an on-call pass).
	assert.True(t, created, "the database was missing")
	created, err = pg.EnsureDatabase(t.Context(), url)
	require.NoError(t, err)
	assert.False(t, created, "the database was there")
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := pg.Open(t.Context(), url, 2)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = pg.Migrate(t.Context(), db)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "replica %d", i)
	}
	db, err := pg.Open(t.Context(), url, 2)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, pg.Ready(t.Context(), db))

	_, err = db.ExecContext(t.Context(), `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`)
	require.NoError(t, err)
	err = pg.Migrate(t.Context(), db)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer than this binary's newest")
	require.Error(t, pg.Ready(t.Context(), db))
}

// A server that cannot be reached is said so, not as a failed creation of
// a database that may well exist (a new-user pass read "connect to create
// database" with the server down); the URL is not echoed.
func TestEnsureDatabaseSaysTheServerIsUnreachable(t *testing.T) {
	t.Parallel()
	_, err := pg.EnsureDatabase(t.Context(), "postgres://postgres:secret@127.0.0.1:1/rss_unreachable?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connect to the PostgreSQL server DATABASE_URL names (to find database rss_unreachable")
	assert.NotContains(t, err.Error(), "secret")
}

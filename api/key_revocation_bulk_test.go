package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A bulk upload holds its key until it commits: revoked while the bulk
// runs, the key stops it (403 key_revoked, nothing written). A bulk in
// flight when its key was revoked as compromised committed its 1,000
// claims after the revocation had answered, each dated before it (an
// operations black-box pass). The test takes the key's row as a
// revocation would, lets the bulk (past its authentication) reach it,
// then revokes.
func TestBulkClaimsStopAtTheirKeysRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.ledgerRows()
	tx, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.Exec(`SELECT 1 FROM api_keys WHERE prefix = 'demohra01' FOR UPDATE`)
	require.NoError(t, err)

	done := make(chan resp, 1)
	go func() {
		done <- e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{
			e.riveraClaim("REVOKED-1", cmLine(day(-3), 2, "30.00")), e.riveraClaim("REVOKED-2", cmLine(day(-2), 2, "30.00"))}})
	}()
	require.Eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
			AND query LIKE '%api_keys%FOR SHARE%'`) == 1
	}, 20*time.Second, 10*time.Millisecond, "the bulk waits on its key's row")
	_, err = tx.Exec(`UPDATE api_keys SET revoked_at = now() WHERE prefix = 'demohra01'`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())

	select {
	case r := <-done:
		requireProblem(t, r, http.StatusForbidden, "key_revoked")
	case <-time.After(20 * time.Second):
		t.Fatal("the bulk did not answer")
	}
	assert.Equal(t, before, e.ledgerRows(), "nothing written")
	assert.Zero(t, e.count(`SELECT count(*) FROM claims WHERE claim_number LIKE 'REVOKED-%'`))
}

package api_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two drug screens of one day and kind sent at once to the two stays of
// a same-day readmission. Each took its own enrollment FOR SHARE and then
// the agency's other stays FOR NO KEY UPDATE: screen A held A and wanted B,
// screen B held B and wanted A. A third transaction holding both rows FOR
// SHARE (as a reader or another program record would) lets both get under
// way before either locks; released, the two waited on each other, a
// deadlock PostgreSQL broke after deadlock_timeout (a review). Each now
// locks the agency's stays in id order before anything else.
func TestScreensOnBothStaysTakeOneLockOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reyes, again := reyesReadmittedYesterday(t, e)

	hold, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer hold.Rollback() //nolint:errcheck
	_, err = hold.ExecContext(t.Context(), `SELECT 1 FROM enrollments WHERE id IN ($1, $2) FOR SHARE`, reyes, again)
	require.NoError(t, err)

	statuses := make([]int, 2)
	var wg sync.WaitGroup
	var done atomic.Int32
	for i, enr := range []int64{reyes, again} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer done.Add(1)
			statuses[i] = e.post(keyBCS, itPath("/v1/enrollments/%d/drug-screens", enr),
				map[string]any{"date": day(-1), "kind": "random", "result": []string{"negative", "positive"}[i]}).Status
		}()
	}
	waiting := `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
	// Both sent and each either answered or waiting for a lock.
	for tries := 0; e.count(waiting)+int(done.Load()) < 2; tries++ {
		require.Less(t, tries, 3000, "the two screens were never both under way")
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, hold.Commit())

	// Each waits on the other: a cycle of pg_blocking_pids, until the
	// deadlock detector (deadlock_timeout, 1 s by default) ends one.
	cycle := `SELECT count(*) FROM pg_stat_activity a, pg_stat_activity b
		WHERE a.datname = current_database() AND b.datname = current_database() AND a.pid < b.pid
		  AND b.pid = ANY (pg_blocking_pids(a.pid)) AND a.pid = ANY (pg_blocking_pids(b.pid))`
	deadlocked := false
	for start := time.Now(); time.Since(start) < 900*time.Millisecond && !deadlocked; time.Sleep(5 * time.Millisecond) {
		deadlocked = e.count(cycle) > 0
	}
	wg.Wait()
	assert.False(t, deadlocked, "the two screens waited on each other (a deadlock): statuses %v", statuses)
	assert.ElementsMatch(t, []int{http.StatusCreated, http.StatusConflict}, statuses)
}

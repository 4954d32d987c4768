package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/ledger"
	"rss/pg"
)

// A claim of the other agency's in flight while a back-dated stay merges
// its episode away reads its authorization in the merged episode. Its
// ledger lock (each authorization joined to its episode) waited on the
// merge's rows and, the merged episode gone when it woke, read no
// authorization: the line was denied 197, and paid when sent again (a
// races re-check, 1 round in 16). The merge now takes the intake lock of
// every agency in the episodes alone first, which claims intake takes
// shared before its ledger lock, so the claim waits for the merge whole.
// The two run here step by step: the merge in a transaction held open,
// the claim's two statements beside it, then the merge committed.
func TestClaimInFlightDuringAnEpisodeMergeKeepsItsAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	hra := itATRClient(t, e, day(-20))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", hra.Enrollment), map[string]any{"discharge_date": day(-6), "reason_code": "goals_met"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// BCS admits the person after a break: a newer episode, with a voucher.
	bcs := itRegisterAs(t, e, keyBCS, identityOf(t, e, hra.Client))
	for _, b := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/enrollments", map[string]any{"client_id": bcs, "program_code": "ATR", "start_date": day(-3)}},
		{"/v1/gpra-interviews", map[string]any{"client_id": bcs, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
			"interview_date": day(-3)}},
		{"/v1/consents", map[string]any{"client_id": bcs, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-3), "expires_on": day(365)}},
		{"/v1/care-plans", map[string]any{"client_id": bcs, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(-3),
			"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}}}},
	} {
		r := e.post(keyBCS, b.path, b.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
	}
	v := itVoucher(t, e, keyBCS, bcs, "ATR-TR", 2, -3, 5)
	require.Equal(t, "approved", v["decision"], "%v", v)
	newer := int64(e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, bcs))
	require.NotEqual(t, hra.Episode, newer)
	person := int64(e.count(`SELECT person_id FROM clients WHERE id = $1`, hra.Client))
	provider := e.demo.Providers["BCS"]

	// HRA's back-dated readmission, begun the day after its discharge,
	// merges the two; its transaction is held open.
	merge, err := e.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = merge.Rollback() }()
	into, err := ledger.OpenEpisode(ctx, merge, person, "ATR", rss.MustDate(day(-5)), nil, rss.MustDate(day(0)), time.Now())
	require.NoError(t, err)
	require.Equal(t, hra.Episode, into)

	// BCS's claim meanwhile: its intake lock, then its ledger lock.
	type locked struct {
		episodes []int64
		err      error
	}
	got := make(chan locked, 1)
	go func() {
		var out locked
		defer func() { got <- out }()
		claim, err := e.db.BeginTxx(ctx, nil)
		if err != nil {
			out.err = err
			return
		}
		defer func() { _ = claim.Rollback() }()
		if _, out.err = claim.ExecContext(ctx, pg.IntakeLockSQL(provider)); out.err != nil {
			return
		}
		rows, err := claim.QueryxContext(ctx, ledger.LockForClaimsSQL(provider, []int64{bcs}))
		if err != nil {
			out.err = err
			return
		}
		defer rows.Close()
		for rows.Next() {
			m := map[string]any{}
			if out.err = rows.MapScan(m); out.err != nil {
				return
			}
			out.episodes = append(out.episodes, m["episode_id"].(int64))
		}
		out.err = rows.Err()
	}()
	// The claim waits on the merge (bounded: ten seconds at most).
	waiting := false
	for i := 0; i < 200 && !waiting; i++ {
		time.Sleep(50 * time.Millisecond)
		waiting = e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0
	}
	require.True(t, waiting, "the claim waits for the merge")
	require.NoError(t, merge.Commit())

	select {
	case l := <-got:
		require.NoError(t, l.err)
		assert.Equal(t, []int64{hra.Episode}, l.episodes, "its authorization, in the merged episode")
	case <-time.After(30 * time.Second):
		t.Fatal("the claim's locks never came")
	}
}

// A discharge waits for the episode's life lock before it locks its
// enrollment's row, the order a merging readmission takes them in: it held
// the row while it waited, the merge holding the life lock waited in turn
// to move the row, and PostgreSQL broke the deadlock with a 409 (an
// enrollment black-box pass, 16 rounds in 43). Here the life lock is held
// open in a transaction: the discharge waits on it, and its row is free
// meanwhile.
func TestDischargeTakesTheEpisodeLifeBeforeItsRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := itATRClient(t, e, day(-20))
	person := int64(e.count(`SELECT person_id FROM enrollments WHERE id = $1`, a.Enrollment))

	life, err := e.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = life.Rollback() }()
	_, err = life.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('episode:' || $1::text || ':' || 'ATR'))`, person)
	require.NoError(t, err)

	done := make(chan resp, 1)
	go func() {
		done <- e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", a.Enrollment), map[string]any{"discharge_date": day(0), "reason_code": "goals_met"})
	}()
	// The discharge is waiting on the life lock.
	require.Eventually(t, func() bool {
		return e.count(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`) > 0
	}, 30*time.Second, 10*time.Millisecond)
	// Its enrollment's row is not held while it waits.
	var id int64
	err = life.GetContext(ctx, &id, `SELECT id FROM enrollments WHERE id = $1 FOR UPDATE NOWAIT`, a.Enrollment)
	require.NoError(t, err, "the discharge holds its row while it waits for the episode's life")
	require.NoError(t, life.Rollback())
	select {
	case r := <-done:
		assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	case <-time.After(30 * time.Second):
		t.Fatal("the discharge never finished")
	}
}

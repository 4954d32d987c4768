package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Which roles may carry a program (its caseload caps) and which may deliver
// its services (the voucher rules, by role for RCM) are held together: a
// case manager added to RCM's caps was assigned clients every voucher of
// which was then denied STAFF_NOT_QUALIFIED, and recovery specialists
// taken out of them left the clients they carried granted under no cap (an
// operations pass).
func TestCaseloadCapsListOnlyRolesThatMayDeliver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caps := func(body map[string]any) resp {
		return e.patch(keyAdmin, "/v1/reference/programs/RCM", map[string]any{"caseload_caps": body, "reason": "pilot"})
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, caps(map[string]any{"lead_recovery_specialist": 10, "recovery_specialist": 15, "case_manager": 3}),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, p["errors"].([]any)[0].(map[string]any)["field"], "caseload_caps.case_manager", "%v", p)
	})
	// The demo's recovery specialist carries two RCM clients: taken off
	// them, the one enrolled here is what keeps the role in the caps.
	_, err := e.db.Exec(`UPDATE enrollments SET assigned_staff_id = NULL WHERE program_code = 'RCM' AND assigned_staff_id = $1`,
		e.demo.Staff["Petrov"])
	require.NoError(t, err)
	rcmClient(t, e, day(-5)) // carried by a recovery specialist
	itNothingWritten(t, e, func() {
		p := requireProblem(t, caps(map[string]any{"lead_recovery_specialist": 10}), http.StatusConflict, "caseload_role_in_use")
		assert.Contains(t, p["detail"], "recovery_specialist carry 1 open RCM", "%v", p)
	})
	r := caps(map[string]any{"lead_recovery_specialist": 8, "recovery_specialist": 12})
	require.Equal(t, http.StatusOK, r.Status, "a cap changed, no role out: %s", r.Body)

	// A service a program's caps keep some role from delivering is
	// refused when added, as the caps would be after it.
	r = e.post(keyAdmin, "/v1/reference/programs", withField(newProgramBody("PEER"), "caseload_caps", map[string]int{"case_manager": 4}))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("PEER-RS", "PEER"), "qualification", "rcm_specialist")),
			http.StatusUnprocessableEntity, "validation_failed")
	})
	r = e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("PEER-RS", "PEER"), "qualification", "atr_case_manager"))
	require.Equal(t, http.StatusCreated, r.Status, "a credential's qualification, whatever the role: %s", r.Body)

	// Caps taken out whole let every role carry the program: RCM's were,
	// and a case manager was enrolled to carry it (a review).
	itNothingWritten(t, e, func() {
		p := requireProblem(t, caps(map[string]any{}), http.StatusUnprocessableEntity, "validation_failed")
		f := p["errors"].([]any)[0].(map[string]any)
		assert.Equal(t, "caseload_caps", f["field"], "%v", p)
		assert.Equal(t, "role_not_qualified", f["code"], "%v", p)
		assert.Contains(t, f["message"], "with no caps", "%v", p)
	})
	// So is a program with no caps given a service only some roles may
	// deliver.
	r = e.post(keyAdmin, "/v1/reference/programs", newProgramBody("OPEN"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Empty(t, r.JSON(t)["caseload_caps"])
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("OPEN-RS", "OPEN"), "qualification", "rcm_specialist")),
			http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, p["errors"].([]any)[0].(map[string]any)["message"], "no caseload caps", "%v", p)
	})
	// A new service is judged alone: caps already at odds with one of the
	// program's services (written before the check) blamed every new one.
	_, err = e.db.Exec(`INSERT INTO services (code, program_code, name, unit, per_voucher_max, qualification)
		SELECT 'PEER-OLD', 'PEER', 'old', unit, per_voucher_max, 'rcm_specialist' FROM services WHERE code = 'PEER-RS'`)
	require.NoError(t, err)
	r = e.post(keyAdmin, "/v1/reference/services", withField(newServiceBody("PEER-X", "PEER"), "qualification", "none"))
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// An enrollment under way and a PATCH taking its staff's role out of the
// caps are judged one after the other: the enrollment read the role in
// the caps, the PATCH counted no enrollment of it and committed, and the
// enrollment then committed under a role the caps no longer list, every
// later PATCH of the caps refused for it (a review). Here the staff
// member's row is held so the enrollment waits with the caps read; the
// PATCH meanwhile waits for it, and counts it.
func TestCaseloadRoleTakenOutWhileAnEnrollmentIsUnderWay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	petrov := e.demo.Staff["Petrov"]
	_, err := e.db.ExecContext(ctx, `UPDATE enrollments SET assigned_staff_id = NULL WHERE program_code = 'RCM' AND assigned_staff_id = $1`, petrov)
	require.NoError(t, err)
	client := itNewClient(t, e, keyHRA, "hartford")

	hold := holding(t, e, `SELECT 1 FROM staff WHERE id = $1 FOR UPDATE`, petrov)
	enrolled := make(chan resp, 1)
	go func() {
		enrolled <- e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM",
			"assigned_staff_id": petrov, "start_date": day(-1), "referral_source": "samss_meeting"})
	}()
	require.Eventually(t, func() bool { return lockWaiters(e) == 1 }, 30*time.Second, 10*time.Millisecond, "the enrollment waits on the staff row")
	patched := make(chan resp, 1)
	go func() {
		patched <- e.patch(keyAdmin, "/v1/reference/programs/RCM", map[string]any{"caseload_caps": map[string]any{"lead_recovery_specialist": 10},
			"reason": "specialists out"})
	}()
	// The PATCH either answers (it did not wait) or waits behind the
	// enrollment; either way the enrollment is then let go.
	patch := answeredOrWaiting(t, e, patched, 2)
	require.NoError(t, hold.Rollback())
	enroll := <-enrolled
	assert.Equal(t, http.StatusCreated, enroll.Status, "%s", enroll.Body)
	requireProblem(t, patch(), http.StatusConflict, "caseload_role_in_use")
	assert.Zero(t, e.count(`SELECT count(*) FROM enrollments e JOIN staff s ON s.id = e.assigned_staff_id
		WHERE e.program_code = 'RCM' AND e.discharge_date IS NULL
		  AND NOT EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = 'RCM' AND c.staff_role = s.role)`),
		"no one carries RCM under a role its caps do not list")
}

// A staff member's role change and a PATCH taking the new role out of the
// caps are judged one after the other too (migration 00100): the change
// waits with the caps unread while the PATCH holds the program, and reads
// them as the PATCH left them.
func TestCaseloadRoleTakenOutWhileARoleChangeIsUnderWay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	lead := e.demo.Staff["Petrov"]
	// Petrov carries RCM clients as a recovery specialist; the PATCH takes
	// lead specialists out while his change to lead is under way.
	require.NotZero(t, e.count(`SELECT count(*) FROM enrollments WHERE program_code = 'RCM' AND assigned_staff_id = $1 AND discharge_date IS NULL`, lead))
	_, err := e.db.ExecContext(ctx, `UPDATE enrollments SET assigned_staff_id = NULL WHERE program_code = 'RCM' AND assigned_staff_id <> $1`, lead)
	require.NoError(t, err)

	hold := holding(t, e, `SELECT 1 FROM programs WHERE code = 'RCM' FOR UPDATE`)
	changed := make(chan resp, 1)
	go func() {
		changed <- e.patch(keyHRA, itPath("/v1/staff/%d", lead), map[string]any{"role": "lead_recovery_specialist"})
	}()
	// It waits on the program (or, unheld, answers at once).
	change := answeredOrWaiting(t, e, changed, 1)
	// What the PATCH would do, in the transaction that holds the program.
	_, err = hold.ExecContext(ctx, `DELETE FROM program_caseload_caps WHERE program_code = 'RCM' AND staff_role = 'lead_recovery_specialist'`)
	require.NoError(t, err)
	require.NoError(t, hold.Commit())
	requireProblem(t, change(), http.StatusConflict, "caseload_full")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM staff WHERE id = $1 AND role = 'recovery_specialist'`, lead))
}

// holding begins a transaction on e's database that runs query (a lock
// taken, say) and holds what it took until the test rolls it back or
// commits it; the test's end rolls it back.
func holding(t *testing.T, e *env, query string, args ...any) *sqlx.Tx {
	t.Helper()
	tx, err := e.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	_, err = tx.ExecContext(t.Context(), query, args...)
	require.NoError(t, err)
	return tx
}

// lockWaiters counts the sessions of e's database waiting on a lock.
func lockWaiters(e *env) int {
	return e.count(`SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE NOT l.granted AND a.datname = current_database()`)
}

// answeredOrWaiting waits until the request answering on ch has answered
// or waiters sessions wait on a lock, and gives the answer once it comes
// (at once if it came first).
func answeredOrWaiting(t *testing.T, e *env, ch <-chan resp, waiters int) func() resp {
	t.Helper()
	var got *resp
	require.Eventually(t, func() bool {
		select {
		case r := <-ch:
			got = &r
			return true
		default:
			return lockWaiters(e) == waiters
		}
	}, 30*time.Second, 10*time.Millisecond)
	return func() resp {
		if got == nil {
			r := <-ch
			got = &r
		}
		return *got
	}
}

// A catchment area's change of the programs serving it locks their rows in
// code order, as a staff member's role change share-locks the programs it
// carries: taken in the heap's order, the change held RCM and waited for
// ATR while a role change held ATR and waited for RCM, and PostgreSQL
// ended one of them (a review).
func TestCatchmentAreaChangeLocksProgramsInCodeOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	r := e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "Danbury"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	// ATR's row after RCM's in the table, and in its index (a HOT update
	// alone keeps the index pointing at the chain's first place), as any
	// order comes about as programs are changed.
	_, err := e.db.ExecContext(ctx, `UPDATE programs SET updated_at = updated_at WHERE code = 'ATR'`)
	require.NoError(t, err)
	_, err = e.db.ExecContext(ctx, `VACUUM FULL programs`)
	require.NoError(t, err)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM programs a, programs r WHERE a.code = 'ATR' AND r.code = 'RCM' AND a.ctid > r.ctid`))
	hold := holding(t, e, `SELECT 1 FROM programs WHERE code = 'ATR' FOR SHARE`)
	patched := make(chan resp, 1)
	go func() {
		patched <- e.patch(keyAdmin, "/v1/reference/catchment-areas/danbury", map[string]any{"programs": []string{"ATR", "RCM"}})
	}()
	patch := answeredOrWaiting(t, e, patched, 1)
	// What a role change carrying RCM too takes next.
	_, err = hold.ExecContext(ctx, `SET LOCAL lock_timeout = '5s'`)
	require.NoError(t, err)
	_, err = hold.ExecContext(ctx, `SELECT 1 FROM programs WHERE code = 'RCM' FOR SHARE`)
	require.NoError(t, err, "RCM is not held by a change waiting for ATR")
	require.NoError(t, hold.Commit())
	got := patch()
	assert.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
}

package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
)

// auditEnv is a test database seen through a pool of conns connections, a
// reviewer's context and the last sixty days as a report's range. The
// deadline only turns a deadlock into a failure; nothing here is timed.
type auditEnv struct {
	ctx context.Context
	db  *sqlx.DB
	s   *Service
	q   url.Values
}

func newAuditEnv(t *testing.T, conns int) auditEnv {
	t.Helper()
	_, u := pgtest.NewDBURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	db, err := pg.Open(ctx, u, conns)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	var key int64
	require.NoError(t, db.GetContext(ctx, &key, `SELECT id FROM api_keys WHERE role = 'reviewer' ORDER BY id LIMIT 1`))
	today := fixtures.TestToday
	return auditEnv{
		ctx: access.WithActor(ctx, access.Actor{KeyID: key, Role: access.RoleReviewer, Purpose: "operations"}),
		db:  db,
		s:   New(db, func() time.Time { return today.Time.Add(12 * time.Hour) }, time.UTC),
		q:   url.Values{"from": {today.AddDays(-60).String()}, "to": {today.String()}},
	}
}

// audited counts the extract's audited reads, one per record shown.
func (e auditEnv) audited(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.GetContext(e.ctx, &n, `SELECT count(*) FROM audit_records WHERE action = 'read' AND entity_type = 'state_extract'`))
	return n
}

// A client-level report holds two connections at once (its own snapshot
// and the audit's). On a pool of two, four of them at once must all
// finish, each auditing what it showed: none may take the last connection
// while another waits for it.
func TestClientLevelReportsShareASmallPool(t *testing.T) {
	e := newAuditEnv(t, 2)
	const n = 4
	var wg sync.WaitGroup
	rows := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := e.s.Extract(e.ctx, e.q)
			if err != nil {
				errs[i] = err
				return
			}
			var buf bytes.Buffer
			if errs[i] = rep.Write(e.ctx, &buf, false); errs[i] != nil {
				return
			}
			var out struct {
				Rows []json.RawMessage `json:"rows"`
			}
			errs[i] = json.Unmarshal(buf.Bytes(), &out)
			rows[i] = len(out.Rows)
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "report %d", i)
		assert.Equal(t, rows[0], rows[i], "report %d", i)
	}
	require.Positive(t, rows[0], "the demo has enrollments in the range")
	assert.Equal(t, n*rows[0], e.audited(t), "each report audited each row it showed")
}

// On a pool of one a client-level report can never have its audit's
// second connection: it is refused at once with ErrPoolTooSmall, where it
// used to wait forever (rss bench reports measured CPU on such a pool).
func TestClientLevelReportOnAPoolOfOneIsRefused(t *testing.T) {
	e := newAuditEnv(t, 1)
	rep, err := e.s.Extract(e.ctx, e.q)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.ErrorIs(t, rep.Write(e.ctx, &buf, false), ErrPoolTooSmall)
	assert.Zero(t, buf.Len(), "nothing of the report is written")
	assert.Zero(t, e.audited(t))
}

// firstWrite runs check on the first Write it is given.
type firstWrite struct {
	check func()
	n     int
}

func (w *firstWrite) Write(p []byte) (int, error) {
	if w.n == 0 {
		w.check()
	}
	w.n += len(p)
	return len(p), nil
}

// The audit runs beside the report's query, on another connection, but is
// committed before the report's first byte: when that byte is written,
// another connection already sees every read recorded. The audit is slowed
// here (its list of records waits a second before it answers) so that a
// report that did not wait for it would write first.
func TestClientLevelReportAuditedBeforeItsFirstByte(t *testing.T) {
	e := newAuditEnv(t, 4)
	for _, csv := range []bool{false, true} {
		rep, err := e.s.Extract(e.ctx, e.q)
		require.NoError(t, err)
		var want int
		require.NoError(t, e.db.GetContext(e.ctx, &want, `SELECT count(*) FROM (`+rep.reads.query+`) r`, rep.args...))
		require.Positive(t, want)
		rep.reads.query = `SELECT r.* FROM (` + rep.reads.query + `) r, pg_sleep(1)`
		before, seen := e.audited(t), -1
		w := &firstWrite{check: func() { seen = e.audited(t) }}
		require.NoError(t, rep.Write(e.ctx, w, csv))
		assert.Positive(t, w.n)
		assert.Equal(t, before+want, seen, "csv %v: every read committed when the first byte went out", csv)
	}
}

// An audit that fails, while the report's own query runs beside it, writes
// nothing of the report and records nothing.
func TestClientLevelReportWhoseAuditFailsWritesNothing(t *testing.T) {
	e := newAuditEnv(t, 4)
	for _, csv := range []bool{false, true} {
		rep, err := e.s.Extract(e.ctx, e.q)
		require.NoError(t, err)
		rep.reads.query = `SELECT (1 / 0)::bigint AS entity_id, 1::bigint AS client_id
			FROM (SELECT $1::date, $2::date, $3::date, $4::bigint, $5::text) x`
		var buf bytes.Buffer
		require.ErrorContains(t, rep.Write(e.ctx, &buf, csv), "division by zero")
		assert.Zero(t, buf.Len(), "csv %v: nothing written", csv)
	}
	assert.Zero(t, e.audited(t))
}

// A report that fails before its first byte leaves no read, and so no
// disclosure, in the audit: its audit committed at once, and a pull that
// then failed stood in the person's accounting though nothing was sent (a
// black-box pass). The extract's own query is broken here to fail as it
// runs (a division by zero found only after a pause, so the audit beside
// it has read its records by then: no timing is measured).
func TestFailedReportRecordsNoRead(t *testing.T) {
	e := newAuditEnv(t, 4)
	rep, err := e.s.Extract(e.ctx, e.q)
	require.NoError(t, err)
	good := rep.query
	rep.query = `SELECT * FROM (` + good + `) q WHERE 1 / ((SELECT count(*) FROM pg_sleep(0.3)) - 1) = 1`
	var buf bytes.Buffer
	require.Error(t, rep.Write(e.ctx, &buf, false))
	assert.Zero(t, buf.Len(), "not a byte")
	assert.Zero(t, e.audited(t), "nothing sent, nothing audited")

	rep, err = e.s.Extract(e.ctx, e.q)
	require.NoError(t, err)
	require.NoError(t, rep.Write(e.ctx, &buf, false))
	assert.Positive(t, e.audited(t), "a report sent is audited")
}

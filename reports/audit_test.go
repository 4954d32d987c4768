package reports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
	"rss/reports"
)

// A client-level report holds two connections at once (its own snapshot
// and the audit's). On a pool of two, four of them at once must all
// finish, each auditing what it showed: none may take the last connection
// while another waits for it. The deadline only turns a deadlock into a
// failure; nothing here is timed.
func TestClientLevelReportsShareASmallPool(t *testing.T) {
	_, u := pgtest.NewDBURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	db, err := pg.Open(ctx, u, 2)
	require.NoError(t, err)
	defer db.Close()
	var key int64
	require.NoError(t, db.GetContext(ctx, &key, `SELECT id FROM api_keys WHERE role = 'reviewer' ORDER BY id LIMIT 1`))
	ctx = access.WithActor(ctx, access.Actor{KeyID: key, Role: access.RoleReviewer, Purpose: "operations"})
	today := fixtures.TestToday
	s := reports.New(db, func() time.Time { return today.Time.Add(12 * time.Hour) }, time.UTC)
	q := url.Values{"from": {today.AddDays(-60).String()}, "to": {today.String()}}

	const n = 4
	var wg sync.WaitGroup
	rows := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := s.Extract(ctx, q)
			if err != nil {
				errs[i] = err
				return
			}
			var buf bytes.Buffer
			if errs[i] = rep.Write(ctx, &buf, false); errs[i] != nil {
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
	var audited int
	require.NoError(t, db.GetContext(ctx, &audited, `SELECT count(*) FROM audit_events WHERE action = 'read' AND entity_type = 'state_extract'`))
	assert.Equal(t, n*rows[0], audited, "each report audited each row it showed")
}

// On a pool of one a client-level report can never have its audit's
// second connection: it is refused at once with ErrPoolTooSmall, where it
// used to wait forever (rss bench reports measured CPU on such a pool).
func TestClientLevelReportOnAPoolOfOneIsRefused(t *testing.T) {
	_, u := pgtest.NewDBURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	db, err := pg.Open(ctx, u, 1)
	require.NoError(t, err)
	defer db.Close()
	var key int64
	require.NoError(t, db.GetContext(ctx, &key, `SELECT id FROM api_keys WHERE role = 'reviewer' ORDER BY id LIMIT 1`))
	ctx = access.WithActor(ctx, access.Actor{KeyID: key, Role: access.RoleReviewer, Purpose: "operations"})
	today := fixtures.TestToday
	s := reports.New(db, func() time.Time { return today.Time.Add(12 * time.Hour) }, time.UTC)
	q := url.Values{"from": {today.AddDays(-60).String()}, "to": {today.String()}}
	rep, err := s.Extract(ctx, q)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.ErrorIs(t, rep.Write(ctx, &buf, false), reports.ErrPoolTooSmall)
	assert.Zero(t, buf.Len(), "nothing of the report is written")
	var audits int
	require.NoError(t, db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_events WHERE action = 'read' AND actor_key_id = $1`, key))
	assert.Zero(t, audits)
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
// another connection already sees every read recorded.
func TestClientLevelReportAuditedBeforeItsFirstByte(t *testing.T) {
	_, u := pgtest.NewDBURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	db, err := pg.Open(ctx, u, 4)
	require.NoError(t, err)
	defer db.Close()
	var key int64
	require.NoError(t, db.GetContext(ctx, &key, `SELECT id FROM api_keys WHERE role = 'reviewer' ORDER BY id LIMIT 1`))
	today := fixtures.TestToday
	s := reports.New(db, func() time.Time { return today.Time.Add(12 * time.Hour) }, time.UTC)
	q := url.Values{"from": {today.AddDays(-60).String()}, "to": {today.String()}}
	var want int
	require.NoError(t, db.GetContext(ctx, &want, `SELECT count(*) FROM enrollments
		WHERE start_date <= $1 AND (discharge_date IS NULL OR discharge_date >= $2)`, today, today.AddDays(-60)))
	require.Positive(t, want)

	for _, csv := range []bool{false, true} {
		actx := access.WithActor(ctx, access.Actor{KeyID: key, Role: access.RoleReviewer, Purpose: "operations"})
		rep, err := s.Extract(actx, q)
		require.NoError(t, err)
		var before, seen int
		require.NoError(t, db.GetContext(ctx, &before, `SELECT count(*) FROM audit_events WHERE entity_type = 'state_extract'`))
		w := &firstWrite{check: func() {
			require.NoError(t, db.GetContext(ctx, &seen, `SELECT count(*) FROM audit_events WHERE entity_type = 'state_extract'`))
		}}
		require.NoError(t, rep.Write(actx, w, csv))
		assert.Positive(t, w.n)
		assert.Equal(t, before+want, seen, "csv %v: every read committed when the first byte went out", csv)
	}
}

package reports

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
)

// An audit that fails, while the report's own query runs beside it, writes
// nothing of the report and records nothing.
func TestClientLevelReportWhoseAuditFailsWritesNothing(t *testing.T) {
	_, u := pgtest.NewDBURL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	db, err := pg.Open(ctx, u, 4)
	require.NoError(t, err)
	defer db.Close()
	var key int64
	require.NoError(t, db.GetContext(ctx, &key, `SELECT id FROM api_keys WHERE role = 'reviewer' ORDER BY id LIMIT 1`))
	ctx = access.WithActor(ctx, access.Actor{KeyID: key, Role: access.RoleReviewer, Purpose: "operations"})
	today := fixtures.TestToday
	s := New(db, func() time.Time { return today.Time.Add(12 * time.Hour) }, time.UTC)
	q := url.Values{"from": {today.AddDays(-60).String()}, "to": {today.String()}}
	for _, csv := range []bool{false, true} {
		rep, err := s.Extract(ctx, q)
		require.NoError(t, err)
		rep.reads = &reads{entity: "state_extract", query: `SELECT (1 / 0)::bigint AS entity_id, 1::bigint AS client_id
			FROM (SELECT $1::date, $2::date, $3::date, $4::bigint, $5::text) x`}
		var buf bytes.Buffer
		require.ErrorContains(t, rep.Write(ctx, &buf, csv), "division by zero")
		assert.Zero(t, buf.Len(), "csv %v: nothing written", csv)
	}
	var audits int
	require.NoError(t, db.GetContext(ctx, &audits, `SELECT count(*) FROM audit_events WHERE entity_type = 'state_extract'`))
	assert.Zero(t, audits)
}

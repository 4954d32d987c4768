package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
)

// The intake writes on a generic plan made without sequential scans and
// sets both back in its write statement: what the caller runs next in its
// transaction is planned as usual.
func TestIntakeLeavesThePlanModeAsItFoundIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	tx, err := w.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck // read only
	_, created, err := w.b.Submit(pg.WithTx(w.hra(), tx), w.claim("PLAN-1", "Rivera", "Okafor", line("ATR-CM", day(-2), 2, "30.00")))
	require.NoError(t, err)
	require.True(t, created)
	var mode, seqscan string
	require.NoError(t, tx.GetContext(t.Context(), &mode, `SHOW plan_cache_mode`))
	require.NoError(t, tx.GetContext(t.Context(), &seqscan, `SHOW enable_seqscan`))
	assert.Equal(t, "auto", mode)
	assert.Equal(t, "on", seqscan)
	// And what it ruled out for the ledger's lock and the facts alone.
	for _, setting := range []string{"enable_bitmapscan", "enable_hashjoin", "enable_mergejoin"} {
		var v string
		require.NoError(t, tx.GetContext(t.Context(), &v, `SHOW `+setting))
		assert.Equal(t, "on", v, setting)
	}

	// A submission that writes nothing sets them back too.
	_, _, err = w.b.Submit(pg.WithTx(w.hra(), tx), w.claim("PLAN-2", "Nobody", "Okafor", line("ATR-CM", day(-2), 2, "30.00")))
	require.Error(t, err)
	require.NoError(t, tx.GetContext(t.Context(), &mode, `SHOW plan_cache_mode`))
	require.NoError(t, tx.GetContext(t.Context(), &seqscan, `SHOW enable_seqscan`))
	assert.Equal(t, "auto", mode)
	assert.Equal(t, "on", seqscan)
}

package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
)

// The intake writes on a generic plan and sets the plan mode back in its
// write statement: what the caller runs next in its transaction is
// planned as usual.
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
	var mode string
	require.NoError(t, tx.GetContext(t.Context(), &mode, `SHOW plan_cache_mode`))
	assert.Equal(t, "auto", mode)
}

package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A file imported before is answered as such without waiting for the
// import under way: a repeat of a 999 waited 96 s behind a large 835
// (black-box pass). The import lock is held here by another transaction
// for the whole call.
func TestPayerFileRepeatDoesNotWaitForTheImportLock(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("REP-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	file := newPayerSim().file999(readSent(t, w.export(b.ID)), nil)
	first := w.importFile(file)

	holder, err := w.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer holder.Rollback() //nolint:errcheck // only holds the lock
	_, err = holder.ExecContext(t.Context(), `SELECT pg_advisory_xact_lock(hashtext('rss payer import'))`)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(w.finance(), 5*time.Second)
	defer cancel()
	again, err := w.b.ImportPayerFile(ctx, file)
	require.NoError(t, err, "answered without the lock")
	assert.True(t, again.AlreadyImported)
	assert.Equal(t, first.ID, again.ID)
}

package billing_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
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

// A file is read whole before anything is posted: one repeating a posted
// payment but broken after it (no IEA) is refused as broken, a 422 naming
// the segment, not a 409 payment_already_posted (black-box pass).
func TestPayerFileBrokenAfterAPostedPaymentIsInvalid(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("BRK-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	file := newPayerSim().file835(remit{NPI: sent.Claims[0].NPI, Trace: "BRK-EFT", Claims: []clp{{CLM: sent.claim(t, "BRK-1"), Status: "1", CCN: "PCN-B"}}})
	w.importFile(file)
	broken := file[:bytes.LastIndex(file, []byte("IEA*"))]
	_, err = w.b.ImportPayerFile(w.finance(), broken)
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "IEA")
}

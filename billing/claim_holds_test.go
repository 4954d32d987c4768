package billing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/fixtures"
	"rss/vouchers"
)

// A claim of paid lines a staff record of adverse news left unqualified is
// held out of batches (billing.HoldRendered, staff's call in the record's
// transaction) while no batch took it: the preview and the close leave it
// out, Holds names it with the record, the schema refuses a batch row
// that would take it, and the MSC's release lets the next batch take it.
// A claim a batch took already is past holding.
func TestHeldClaimWaitsOutOfBatches(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 40, day(-30), day(30))
	sent := w.submitAs(w.ecra(), w.mhwClaim("H-SENT", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-6), 2, "14.50")))
	first, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	held := w.submitAs(w.ecra(), w.mhwClaim("H-HELD", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 2, "14.50")))
	w.submitAs(w.ecra(), w.mhwClaim("H-FREE", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-4), 1, "7.25")))

	admin := w.as(access.RoleAdmin, "")
	at := fixtures.TestToday.Add(10 * time.Hour)
	got, err := billing.HoldRendered(admin, w.db, at, "staff_credential", 7, []int64{sent.ID, held.ID})
	require.NoError(t, err)
	assert.Equal(t, map[int64]bool{held.ID: true}, got, "the batched claim is past holding")
	got, err = billing.HoldRendered(admin, w.db, at, "background_check", 8, []int64{held.ID})
	require.NoError(t, err)
	assert.Equal(t, map[int64]bool{held.ID: true}, got, "held already: still held, by the first record")
	var open, audited int
	require.NoError(t, w.db.Get(&open, `SELECT count(*) FROM claim_holds WHERE claim_id = $1 AND released_at IS NULL`, held.ID))
	require.NoError(t, w.db.Get(&audited, `SELECT count(*) FROM audit_events WHERE action = 'hold' AND entity_id = $1`, access.ID(held.ID)))
	assert.Equal(t, 1, open)
	assert.Equal(t, 1, audited)

	list, err := w.b.Holds(w.finance(), 0, "", vouchers.Page{})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	assert.Equal(t, held.ID, list.Items[0].ClaimID)
	assert.Equal(t, billing.HoldRenderedUnqualified, list.Items[0].Hold.Code)
	assert.Contains(t, list.Items[0].Hold.Text, "credential 7")
	assert.Equal(t, billing.RouteMedicaid837P, list.Items[0].PayerRoute)
	list, err = w.b.Holds(w.finance(), 0, billing.RoutePaymentRegister, vouchers.Page{})
	require.NoError(t, err)
	assert.Empty(t, list.Items)
	list, err = w.b.Holds(w.hvr(), 0, "", vouchers.Page{})
	require.NoError(t, err)
	assert.Empty(t, list.Items, "another agency's")

	// The schema refuses a batch row taking it, and keeps the hold as taken.
	_, err = w.db.Exec(`INSERT INTO batch_claims (batch_id, claim_id, provider_id, first_report, lines) VALUES ($1, $2, $3, true, 1)`,
		first.ID, held.ID, held.ProviderID)
	requireConstraint(t, err, "batch_claims_not_held")
	_, err = w.db.Exec(`UPDATE claim_holds SET record_id = 9 WHERE claim_id = $1`, held.ID)
	requireConstraint(t, err, "claim_holds_kept")
	_, err = w.db.Exec(`DELETE FROM claim_holds WHERE claim_id = $1`, held.ID)
	requireConstraint(t, err, "claim_holds_kept")

	p, err := w.b.PreviewBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, 1, p.ClaimCount)
	assert.Equal(t, "7.25", p.Paid.StringFixed(2), "the free claim alone")
	second, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, 1, second.ClaimCount)
	assert.Equal(t, "7.25", second.Paid.StringFixed(2))

	// The MSC releases it; a provider may not.
	_, err = w.b.ReleaseHold(w.ecra(), held.ID, "mine")
	require.ErrorIs(t, err, rss.ErrForbidden)
	_, err = w.b.ReleaseHold(w.finance(), 999999, "x")
	require.ErrorIs(t, err, rss.ErrNotFound)
	_, err = w.b.ReleaseHold(w.finance(), sent.ID, "x")
	requireCode(t, err, "not_held")
	r, err := w.b.ReleaseHold(w.finance(), held.ID, "  the credential was valid after all ")
	require.NoError(t, err)
	assert.Equal(t, "the credential was valid after all", *r.ReleaseReason)
	assert.Equal(t, "staff_credential", r.RecordType)
	require.NotNil(t, r.ReleasedAt)
	_, err = w.b.ReleaseHold(w.finance(), held.ID, "again")
	requireCode(t, err, "not_held")
	third, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, 1, third.ClaimCount)
	assert.Equal(t, "14.50", third.Paid.StringFixed(2), "released: the next batch takes it")
}

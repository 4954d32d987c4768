package billing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A loop a later batch replaced is neither posted nor open: the payer
// answers the replacement, never the loop again, so it read as money
// awaited for good (a black-box pass: accepted and replaced before
// payment, or paid, replaced and reversed). It is counted as replaced;
// difference = rejected + open + replaced + unexplained still holds, and
// it is not listed as unanswered. A void keeps netting across the two
// batches (the original open, the void open negative) until the payer
// answers.
func TestReconciliationCountsReplacedLoops(t *testing.T) {
	for _, paidFirst := range []bool{false, true} {
		name := "accepted, replaced before payment"
		if paidFirst {
			name = "paid, replaced, reversed"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
			a := w.submitAs(w.ecra(), w.mhwClaim("RP-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
			sim := newPayerSim()
			close := func() (billing.Batch, sent837) {
				t.Helper()
				b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
				require.NoError(t, err)
				return b, readSent(t, w.export(b.ID))
			}
			b1, sent1 := close()
			w.importFile(sim.file277(sent1, nil, func(string) string { return "PCN-A" }))
			npi := sent1.Claims[0].NPI
			if paidFirst {
				w.importFile(sim.file835(remit{NPI: npi, Trace: "RP-EFT1", Claims: []clp{{CLM: sent1.claim(t, "RP-A"), Status: "1", CCN: "PCN-A"}}}))
			}
			reconcile := func(id int64) billing.ReconcileRow {
				t.Helper()
				rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: id})
				require.NoError(t, err)
				return rec.Totals
			}
			before := reconcile(b1.ID)
			if !paidFirst {
				assert.Equal(t, 1, before.OpenClaims, "accepted, awaiting payment")
			}

			r := w.mhwClaim("RP-A2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 2, "14.50"))
			r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &a.ID
			w.submitAs(w.ecra(), r)
			b2, sent2 := close()
			require.Equal(t, billing.FreqReplacement, sent2.claim(t, "RP-A2").Freq)
			claims := []clp{{CLM: sent2.claim(t, "RP-A2"), Status: "1", CCN: "PCN-A2"}}
			if paidFirst {
				claims = append([]clp{{CLM: sent1.claim(t, "RP-A"), Status: "22", CCN: "PCN-A"}}, claims...)
			}
			w.importFile(sim.file835(remit{NPI: npi, Trace: "RP-EFT2", Claims: claims}))

			got := reconcile(b1.ID)
			assert.Zero(t, got.OpenClaims, "nothing awaited of a loop replaced")
			assert.Equal(t, "0.00", got.Open.String())
			assert.Equal(t, 1, got.ReplacedClaims)
			assert.Equal(t, "29.00", got.Replaced.String())
			assert.Equal(t, "29.00", got.Difference.String())
			assert.Equal(t, "0.00", got.Unexplained.String())
			assert.Zero(t, got.UnansweredClaims)
			second := reconcile(b2.ID)
			assert.Zero(t, second.OpenClaims)
			assert.Equal(t, "0.00", second.Unexplained.String())
		})
	}
}

// A payment standing on a claim rss replaced is listed: in flight until the
// payer reverses it, and paid twice once the replacement is paid beside it
// (the rows showed two ordinary payments; a known gap from a black-box
// pass). Reversed, it is listed no more.
func TestReconciliationListsPaymentsOnReplacedClaims(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	a := w.submitAs(w.ecra(), w.mhwClaim("SP-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	sim := newPayerSim()
	close := w.send837
	superseded := func() []billing.SupersededPaid {
		t.Helper()
		rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
		require.NoError(t, err)
		return rec.SupersededPaid
	}
	sent1 := close()
	npi := sent1.Claims[0].NPI
	w.importFile(sim.file835(remit{NPI: npi, Trace: "SP-EFT1", Claims: []clp{{CLM: sent1.claim(t, "SP-A"), Status: "1", CCN: "PCN-A"}}}))
	assert.Empty(t, superseded(), "a paid claim rss still stands by")

	r := w.mhwClaim("SP-A2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 2, "14.50"))
	r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &a.ID
	a2 := w.submitAs(w.ecra(), r)
	sent2 := close()
	got := superseded()
	require.Len(t, got, 1, "in flight: the payer has not answered the replacement")
	assert.Equal(t, a.ID, got[0].ClaimID)
	assert.Equal(t, "replaced", got[0].Status)
	assert.Equal(t, a2.ID, got[0].SupersededBy)
	assert.Equal(t, "29.00", got[0].Paid.String())
	assert.Equal(t, "0.00", got[0].SupersedingPaid.String())

	// The payer pays the replacement without reversing the original.
	w.importFile(sim.file835(remit{NPI: npi, Trace: "SP-EFT2", Claims: []clp{{CLM: sent2.claim(t, "SP-A2"), Status: "1", CCN: "PCN-A2"}}}))
	got = superseded()
	require.Len(t, got, 1)
	assert.Equal(t, "14.50", got[0].SupersedingPaid.String(), "the same service paid twice")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
	require.NoError(t, err)
	var csv strings.Builder
	require.NoError(t, rec.WriteCSV(&csv))
	assert.Contains(t, csv.String(), "superseded_paid,")
	assert.Contains(t, csv.String(), "paid twice")

	// Its reversal comes: nothing stands on the replaced claim.
	w.importFile(sim.file835(remit{NPI: npi, Trace: "SP-EFT3", Claims: []clp{{CLM: sent1.claim(t, "SP-A"), Status: "22", CCN: "PCN-A"}}}))
	assert.Empty(t, superseded())
}

// The payment standing on a claim whose replacement was itself replaced
// before it went out is paid twice when the last one is paid: the first
// version read only the replacement one step down, 0.00 (a re-check).
func TestReconciliationFollowsTheReplacementChain(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	a := w.submitAs(w.ecra(), w.mhwClaim("CH-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	sim := newPayerSim()
	close := w.send837
	sent1 := close()
	npi := sent1.Claims[0].NPI
	w.importFile(sim.file835(remit{NPI: npi, Trace: "CH-EFT1", Claims: []clp{{CLM: sent1.claim(t, "CH-A"), Status: "1", CCN: "PCN-A"}}}))
	r1 := w.mhwClaim("CH-A2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 2, "14.50"))
	r1.Frequency, r1.OriginalClaimID = billing.FreqReplacement, &a.ID
	a2 := w.submitAs(w.ecra(), r1)
	r2 := w.mhwClaim("CH-A3", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 3, "21.75"))
	r2.Frequency, r2.OriginalClaimID = billing.FreqReplacement, &a2.ID
	w.submitAs(w.ecra(), r2)
	sent2 := close()
	w.importFile(sim.file835(remit{NPI: npi, Trace: "CH-EFT2", Claims: []clp{{CLM: sent2.claim(t, "CH-A3"), Status: "1", CCN: "PCN-A3"}}}))
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
	require.NoError(t, err)
	require.Len(t, rec.SupersededPaid, 1)
	assert.Equal(t, a.ID, rec.SupersededPaid[0].ClaimID)
	assert.Equal(t, "21.75", rec.SupersededPaid[0].SupersedingPaid.String(), "the last replacement paid beside the original")
}

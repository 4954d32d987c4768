package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// Review (983683d): a payer that pays a standing claim a second time under
// a new number and takes that duplicate back in the same 835 (CLP07 the
// duplicate's, no REF*F8, the amounts the original's) is now read as a
// re-adjudication: the reversal undoes the original N1, the duplicate N2
// stands. When the payer later recoups the original (CLP07 N1), rss finds
// nothing to undo and the claim reads paid 29.00, though the payer's net
// for it is 0.00 (29 + 29 - 29 - 29).
func TestWBRDuplicateTakenBackInOneFileThenOriginalRecouped(t *testing.T) {
	w, b, sent := oneClaimSent(t, "DUP")
	c := sent.claim(t, "DUP")
	id := w.claimID("DUP")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "DUP-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "N1"}}}))
	require.Equal(t, "29.00", w.payerOf(id).Paid.String())
	// The duplicate paid and taken back in one file: net 0.00.
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "DUP-EFT2", Claims: []clp{
		{CLM: c, Status: "1", CCN: "N2"}, {CLM: c, Status: "22", CCN: "N2"}}}))
	// The payer then recoups the original.
	f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "DUP-EFT3", Claims: []clp{{CLM: c, Status: "22", CCN: "N1"}}}))
	assert.Empty(t, w.reasons(f.ID), "the recoupment of N1 undoes what stands")
	p := w.payerOf(id)
	assert.Equal(t, billing.PayerReversed, p.Status)
	assert.Equal(t, "0.00", p.Paid.String(), "the payer's net for the claim")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "0.00", rec.Totals.Paid.String())
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
}

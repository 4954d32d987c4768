package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A payer that pays a standing claim a second time under a new number and
// takes that duplicate back in the same 835 (CLP07 the duplicate's, no
// REF*F8, the amounts the original's) sends what a re-adjudication under a
// new number sends, and is read as one (TestPayerReversalAndCorrection-
// AtTheOriginalsAmountWithoutF8, the payers' practice): the reversal undoes
// the original N1 and N2 stands. A later recoupment of N1 then has nothing
// to undo: it is kept aside on the file's unmatched list, where finance
// reads it, and the claim keeps 29.00 (a white-box review; a choice, the
// README's "Reversal semantics"). The file balances either way.
func TestPayerDuplicateTakenBackInOneFileReadsAsReadjudication(t *testing.T) {
	w, b, sent := oneClaimSent(t, "DUP")
	c := sent.claim(t, "DUP")
	id := w.claimID("DUP")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "DUP-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "N1"}}}))
	require.Equal(t, "29.00", w.payerOf(id).Paid.String())
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "DUP-EFT2", Claims: []clp{
		{CLM: c, Status: "1", CCN: "N2"}, {CLM: c, Status: "22", CCN: "N2"}}}))
	p := w.payerOf(id)
	assert.Equal(t, "29.00", p.Paid.String(), "N2 stands in N1's place")
	f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "DUP-EFT3", Claims: []clp{{CLM: c, Status: "22", CCN: "N1"}}}))
	reasons := w.reasons(f.ID)
	require.Len(t, reasons, 1, "the recoupment of N1 is kept aside, for finance to read")
	assert.Contains(t, reasons[0], "nothing_to_reverse")
	assert.Equal(t, "29.00", w.payerOf(id).Paid.String())
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "29.00", rec.Totals.Paid.String())
}

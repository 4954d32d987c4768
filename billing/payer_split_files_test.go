package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// twoLineClaimSent bills one claim of two lines (29.00 and 14.50) and
// reads the 837P as the payer received it.
func twoLineClaimSent(t *testing.T, number string) (*world, *billing.Claim, billing.Batch, sentCLM) {
	t.Helper()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim(number, "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	whole := readSent(t, w.export(b.ID)).claim(t, number)
	require.Len(t, whole.Lines, 2)
	return w, c, b, whole
}

// linePart is the loop as a CLP covering its line i alone (a part of a
// claim the payer split).
func linePart(whole sentCLM, i int) sentCLM {
	p := whole
	p.Lines, p.Charge = whole.Lines[i:i+1], whole.Lines[i].Charge
	return p
}

// A claim the payer pays in two 835s, each CLP under its own claim control
// number and itemizing the line the other did not, is paid by both: the
// second was kept aside as already posted, the claim read paid by the
// first alone and the reconciliation showed the rest unexplained (a payer
// pass). A third 835 repeating a line already paid is a second payment,
// still kept aside; the payer's reversal of one part by its number takes
// back that part alone, and a reversal of their sum takes back both.
func TestPayerSplitClaimPaidAcrossFiles(t *testing.T) {
	w, c, b, whole := twoLineClaimSent(t, "SPF-1")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-EFT1", Claims: []clp{{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-SPF-A"}}}))
	require.Equal(t, "29.00", w.payerOf(c.ID).Paid.String())

	f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-EFT2", Claims: []clp{{CLM: linePart(whole, 1), Status: "1", CCN: "ICN-SPF-B"}}}))
	assert.Zero(t, f.Summary.Unmatched, "the second part is posted")
	assert.Equal(t, "14.50", f.Summary.Posted.String())
	p := w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "43.50", p.Paid.String(), "both parts")
	assert.Equal(t, "29.00", p.LinesPaid[c.Lines[0].ID].String(), "the first line, paid by the first 835")
	assert.Equal(t, "14.50", p.LinesPaid[c.Lines[1].ID].String(), "the second line, paid by the second 835")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	assert.Equal(t, "43.50", rec.Rows[0].Paid.String())
	assert.Equal(t, "0.00", rec.Rows[0].Difference.String())
	assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
	assert.Equal(t, 1, rec.Rows[0].PaidClaims)
	assert.Equal(t, 0, rec.Rows[0].OpenClaims)

	// The second line paid again under another number: a duplicate.
	f = w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-EFT3", Claims: []clp{{CLM: linePart(whole, 1), Status: "1", CCN: "ICN-SPF-C"}}}))
	require.Equal(t, 1, f.Summary.Unmatched, "a line already paid is a second payment")
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedAlreadyPosted, d.Unmatched[0].Reason)
	assert.Equal(t, "43.50", w.payerOf(c.ID).Paid.String())
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "43.50", rec.Rows[0].Paid.String(), "the duplicate is not paid money of the claim")
	assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())

	// The payer takes the duplicate back, then the first part by its
	// number and amount: the second part stands.
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-EFT4", Claims: []clp{
		{CLM: linePart(whole, 1), Status: "22", CCN: "ICN-SPF-C"}, {CLM: linePart(whole, 0), Status: "22", CCN: "ICN-SPF-A"}}}))
	p = w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "14.50", p.Paid.String(), "the second part stands")

	// Paid again in full, then taken back with one CLP of the parts' sum
	// naming the first: both parts are undone.
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-EFT5", Claims: []clp{{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-SPF-D"}}}))
	require.Equal(t, "43.50", w.payerOf(c.ID).Paid.String(), "the first line paid again is a further part")
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-EFT6", Claims: []clp{{CLM: whole, Status: "22", CCN: "ICN-SPF-D"}}}))
	p = w.payerOf(c.ID)
	assert.Equal(t, billing.PayerReversed, p.Status, "both parts undone")
	assert.Equal(t, "0.00", p.Paid.String())
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "0.00", rec.Rows[0].Paid.String())
	assert.Equal(t, "43.50", rec.Rows[0].Open.String())
	assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
}

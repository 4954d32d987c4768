package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A claim the payer paid nothing on reads what the payer said of it
// (CLP02): denied (4), forwarded to another payer (23, "not our claim"),
// or zero_paid (processed, the charge going to the patient's
// responsibility, another payer's payment or the adjustments listed);
// the reconciliation counts each apart. A black-box pass (the payer's EDI
// team) read a claim sent on to another payer, and one applied in full
// to the deductible, as denied, which calls for another step than either.
func TestPayerClaimPaidNothingReadsThePayersWord(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	numbers := []string{"ZP-FWD", "ZP-PR", "ZP-DEN", "ZP-PAID"}
	for i, n := range numbers {
		w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-20+i), 4, "29.00")))
	}
	b := w.batch(billing.RouteMedicaid837P, day(0))
	sent := readSent(t, w.export(b.ID))
	all := func(group, carc string) []cas { return []cas{{Group: group, CARC: carc, Amount: dec("29.00")}} }
	f := w.importFile(newPayerSim().file835(remit{NPI: sent.claim(t, "ZP-FWD").NPI, Trace: "ZP-EFT", Claims: []clp{
		{CLM: sent.claim(t, "ZP-FWD"), Status: "23", CCN: "PCN-ZF", Claim: all("OA", "23"), NoLines: true},
		{CLM: sent.claim(t, "ZP-PR"), Status: "1", CCN: "PCN-ZR", Claim: all("PR", "1"), Resp: "29.00", NoLines: true},
		{CLM: sent.claim(t, "ZP-DEN"), Status: "4", CCN: "PCN-ZD", Claim: all("CO", "96"), NoLines: true},
		{CLM: sent.claim(t, "ZP-PAID"), Status: "1", CCN: "PCN-ZP"},
	}}))
	assert.Empty(t, w.reasons(f.ID))
	for _, tc := range []struct{ number, status, resp string }{
		{"ZP-FWD", billing.PayerForwarded, "0.00"},
		{"ZP-PR", billing.PayerZeroPaid, "29.00"},
		{"ZP-DEN", billing.PayerDenied, "0.00"},
		{"ZP-PAID", billing.PayerPaid, "0.00"},
	} {
		p := w.payerOf(w.claimID(tc.number))
		assert.Equal(t, tc.status, p.Status, tc.number)
		assert.Equal(t, tc.resp, p.PatientResp.String(), tc.number)
		require.Len(t, p.Loops, 1)
		assert.Equal(t, tc.status, p.Loops[0].Status, tc.number)
	}
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	r := rec.Totals
	assert.Equal(t, []int{1, 1, 1, 1, 0}, []int{r.PaidClaims, r.DeniedClaims, r.ForwardedClaims, r.ZeroPaidClaims, r.OpenClaims})
	assert.Equal(t, "29.00", r.Paid.String())
	assert.Equal(t, "0.00", r.Unexplained.String())
	requireIdentity(t, r)
}

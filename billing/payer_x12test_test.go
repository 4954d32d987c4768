package billing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
	"rss/x12"
	"rss/x12/x12test"
)

// remitOf reads the claim payments of an 835 back, by CLP01.
func remitOf(t *testing.T, file []byte) map[string]x12.ClaimPayment {
	t.Helper()
	out := map[string]x12.ClaimPayment{}
	rd := x12.NewRemittanceReader(bytes.NewReader(file))
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		for _, c := range r.Claims {
			out[c.ClaimID] = c
		}
	}
}

// TestPayerRoundTripWithSimulatedPayer runs the round trip through the x12
// library's simulated payer (x12test), written apart from this package's:
// mixed outcomes and a claim still pending, a reversal with its
// correction (REF*F8 then follows the new claim control number), and a
// transaction set the 999 rejects, whose claim is corrected and sent
// again as a new claim.
func TestPayerRoundTripWithSimulatedPayer(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	w.mhwAuthorize(w.ecra(), "Ortiz", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	a := w.submitAs(w.ecra(), w.mhwClaim("SIM-A", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	b := w.submitAs(w.ecra(), w.mhwClaim("SIM-B", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-8), 2, "14.50")))
	c := w.submitAs(w.ecra(), w.mhwClaim("SIM-C", "Ortiz", "Kowalski", []string{"F90.2"}, line("MHW-RA", day(-7), 4, "29.00")))
	d := w.submitAs(w.hvr(), w.mhwClaim("SIM-D", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-6), 6, "43.50")))
	e := w.submitAs(w.ecra(), w.mhwClaim("SIM-E", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 1, "7.25")))
	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	file1 := w.export(b1.ID)
	sent := readSent(t, file1)
	dRef := sent.claim(t, "SIM-D").Lines[0].Ref
	ecraNPI := sent.claim(t, "SIM-A").NPI
	ans, err := x12test.Answer(file1, x12test.Scenario{Control: 910, Outcomes: map[string]x12test.Outcome{
		"SIM-B": {Deny: "96"},
		"SIM-C": {Reject: "A7:21:85"},
		"SIM-D": {Adjust: map[string][]x12.Adjustment{dRef: {{Group: "CO", Reason: "45", Amount: dec("2.00")}, {Group: "PR", Reason: "1", Amount: dec("3.00")}}}},
		"SIM-E": {Pending: true},
	}, PLB: []x12.ProviderAdjustment{{Provider: ecraNPI, Reason: "WO", Reference: "OLD", Amount: dec("1.00")}}})
	require.NoError(t, err)
	for _, f := range [][]byte{ans.Ack999, ans.Ack277CA, ans.Remit835} {
		require.NotNil(t, f)
		w.importFile(f)
	}
	f835 := w.importFile(ans.Remit835)
	assert.True(t, f835.AlreadyImported)
	assert.Equal(t, "items 3 matched 3 unmatched 0 accepted 0 rejected 0 payments 2 total 81.00 paid 82.00 posted 82.00 plb 1.00", summary(f835),
		"SIM-A 43.50 + SIM-B 0 + SIM-D 38.50 paid; 1.00 withheld")

	p := w.payerOf(a.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "43.50", p.Paid.String())
	assert.Equal(t, ans.PayerControls["SIM-A"], *p.PayerCCN)
	assert.Equal(t, billing.PayerDenied, w.payerOf(b.ID).Status)
	p = w.payerOf(c.ID)
	assert.Equal(t, billing.PayerRejected, p.Status)
	assert.Equal(t, []string{"A7:21:85"}, p.StatusCodes)
	p = w.payerOf(d.ID)
	assert.Equal(t, "38.50", p.Paid.String())
	assert.Equal(t, "3.00", p.PatientResp.String())
	assert.Equal(t, []string{"CO-45 2.00", "PR-1 3.00"}, adjustments(p))
	assert.Equal(t, billing.PayerAccepted, w.payerOf(e.ID).Status, "accepted, not yet paid")

	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	assert.Equal(t, "137.75", rec.Totals.Billed.String())
	assert.Equal(t, "82.00", rec.Totals.Paid.String())
	assert.Equal(t, "19.50", rec.Totals.AdjustmentTotal.String(), "CO-96 14.50, CO-45 2.00, PR-1 3.00")
	assert.Equal(t, "29.00", rec.Totals.Rejected.String())
	assert.Equal(t, "7.25", rec.Totals.Open.String(), "SIM-E is pending")
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())

	// The payer reverses SIM-A and pays it again under a new claim control
	// number, in the answers to the next batch (SIM-F), whose set the 999 rejects.
	f := w.submitAs(w.ecra(), w.mhwClaim("SIM-F", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-4), 2, "14.50")))
	b2, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	file2 := w.export(b2.ID)
	sent2 := readSent(t, file2)
	prev := remitOf(t, ans.Remit835)["SIM-A"]
	aRef := prev.Lines[0].ControlNumber
	ans2, err := x12test.Answer(file2, x12test.Scenario{Control: 920, FirstPayerControl: 50, RejectSets: sent2.STs,
		Reversals: []x12test.Reversal{{Previous: prev, PayeeNPI: ecraNPI,
			Correction: &x12test.Outcome{Adjust: map[string][]x12.Adjustment{aRef: {{Group: "CO", Reason: "45", Amount: dec("4.00")}}}}}}})
	require.NoError(t, err)
	assert.Nil(t, ans2.Ack277CA, "the 999 rejected the only set")
	w.importFile(ans2.Ack999)
	w.importFile(ans2.Remit835)
	p = w.payerOf(a.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "39.50", p.Paid.String(), "corrected: 43.50 less CO-45 4.00")
	newCCN := *p.PayerCCN
	assert.NotEqual(t, ans.PayerControls["SIM-A"], newCCN)
	p = w.payerOf(f.ID)
	require.NotNil(t, p)
	assert.Equal(t, billing.PayerRejected, p.Status, "its transaction set was rejected")
	assert.Equal(t, []string{"IK5:R", "5", "CLM:8", "CLM01:6"}, p.StatusCodes)

	// The void of SIM-A names the correction's claim control number; the
	// rejected SIM-F, corrected, goes as a new claim.
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "SIM-A-V", ClientID: a.ClientID, Frequency: billing.FreqVoid, OriginalClaimID: &a.ID})
	fix := w.mhwClaim("SIM-F2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-4), 2, "14.50"))
	fix.Frequency, fix.OriginalClaimID = billing.FreqReplacement, &f.ID
	w.submitAs(w.ecra(), fix)
	b3, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	file3 := w.export(b3.ID)
	check(t, file3)
	sent3 := readSent(t, file3)
	require.Len(t, sent3.Claims, 2)
	assert.Equal(t, newCCN, sent3.claim(t, "SIM-A-V").F8)
	assert.Equal(t, billing.FreqOriginal, sent3.claim(t, "SIM-F2").Freq)

	// Nothing answered the third batch yet: overdue only once payer_answer_days have passed.
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b3.ID})
	require.NoError(t, err)
	assert.Equal(t, 30, rec.PayerAnswerDays)
	assert.Empty(t, rec.Unanswered)
	assert.Equal(t, 2, rec.Totals.OpenClaims)
	_, err = w.db.ExecContext(t.Context(), `UPDATE settings SET value = 0 WHERE key = 'payer_answer_days'`)
	require.NoError(t, err)
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b3.ID})
	require.NoError(t, err)
	require.Len(t, rec.Unanswered, 2)
	assert.Equal(t, 2, rec.Totals.UnansweredClaims)
	assert.ElementsMatch(t, []string{"SIM-A-V", "SIM-F2"}, []string{rec.Unanswered[0].CLM01, rec.Unanswered[1].CLM01})

	// A void of a claim the payer never took sends nothing: it waits for a batch with something to send.
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "SIM-C-V", ClientID: c.ClientID, Frequency: billing.FreqVoid, OriginalClaimID: &c.ID})
	_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.ErrorIs(t, err, rss.ErrConflict)
}

// TestPayerSplitClaim: a claim of 51 lines goes out as CLM01 "-1" and
// "-2"; the payer answers each loop, and the claim's payer block sums them.
func TestPayerSplitClaim(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(30))
	var long []billing.NewLine
	for i := range 51 {
		units := 1 + i%2
		long = append(long, line("MHW-RA", day(-29+i/2), units, dec("7.25").Mul(dec(fmt.Sprint(units))).StringFixed(2)))
	}
	big := w.submitAs(w.ecra(), w.mhwClaim("SPLIT", "Dubois", "Kowalski", []string{"F33.1"}, long...))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	file := w.export(b.ID)
	sent := readSent(t, file)
	require.Len(t, sent.Claims, 2)
	second := sent.claim(t, "SPLIT-2")
	ans, err := x12test.Answer(file, x12test.Scenario{Control: 930, Outcomes: map[string]x12test.Outcome{
		"SPLIT-2": {Adjust: map[string][]x12.Adjustment{second.Lines[0].Ref: {{Group: "CO", Reason: "45", Amount: dec("1.25")}}}}}})
	require.NoError(t, err)
	w.importFile(ans.Ack277CA)
	f := w.importFile(ans.Remit835)
	assert.Equal(t, 2, f.Summary.Matched)
	p := w.payerOf(big.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, rss.NewMoney(big.TotalPaid.Sub(dec("1.25"))).String(), p.Paid.String(), "both loops, less the one adjustment")
	assert.Equal(t, []string{"CO-45 1.25"}, adjustments(p))
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, 2, rec.Totals.Claims, "CLM loops")
	assert.Equal(t, 2, rec.Totals.PaidClaims)
	assert.Equal(t, "0.00", rec.Totals.Difference.String())
}

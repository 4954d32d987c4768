package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A replacement the payer turns away (277CA) leaves the claim it replaced
// on the payer's books. Its correction replaces that claim (frequency 7,
// REF*F8 its claim control number) and a void of it voids that claim,
// where both were sent as if nothing were on the payer's books: the
// correction as a second, new claim beside the paid one, the void not at
// all (found by a black-box pass).
func TestRejectedReplacementLeavesItsOriginalOnThePayersBooks(t *testing.T) {
	for _, correct := range []bool{true, false} {
		name := "void"
		if correct {
			name = "correction"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
			dubois := w.demo.Clients["Dubois"]
			a := w.submitAs(w.ecra(), w.mhwClaim("RR-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
			sim := newPayerSim()
			close := w.send837
			sent1 := close()
			w.importFile(sim.file277(sent1, nil, func(string) string { return "ACK-A" }))
			w.importFile(sim.file835(remit{NPI: sent1.Claims[0].NPI, Trace: "RR-EFT1", Claims: []clp{{CLM: sent1.claim(t, "RR-A"), Status: "1", CCN: "PCN-A"}}}))
			require.Equal(t, billing.PayerPaid, w.payerOf(a.ID).Status)

			// The replacement goes out naming A, and the payer turns it away.
			r := w.mhwClaim("RR-A2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 2, "14.50"))
			r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &a.ID
			a2 := w.submitAs(w.ecra(), r)
			sent2 := close()
			require.Equal(t, billing.FreqReplacement, sent2.claim(t, "RR-A2").Freq)
			require.Equal(t, "PCN-A", sent2.claim(t, "RR-A2").F8)
			w.importFile(sim.file277(sent2, map[string]string{"RR-A2": "A7:164:IL"}, func(string) string { return "" }))
			require.Equal(t, billing.PayerRejected, w.payerOf(a2.ID).Status)
			require.Equal(t, billing.PayerPaid, w.payerOf(a.ID).Status, "A is still paid at the payer")

			if correct {
				c := w.mhwClaim("RR-A3", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 3, "21.75"))
				c.Frequency, c.OriginalClaimID = billing.FreqReplacement, &a2.ID
				w.submitAs(w.ecra(), c)
				sent3 := close()
				require.Len(t, sent3.Claims, 1)
				got := sent3.claim(t, "RR-A3")
				assert.Equal(t, billing.FreqReplacement, got.Freq, "the correction replaces A at the payer")
				assert.Equal(t, "PCN-A", got.F8)
				return
			}
			w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RR-A2-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &a2.ID})
			sent3 := close()
			require.Len(t, sent3.Claims, 1, "the void is sent")
			got := sent3.claim(t, "RR-A2-V")
			assert.Equal(t, billing.FreqVoid, got.Freq, "the void voids A at the payer")
			assert.Equal(t, "PCN-A", got.F8)
		})
	}
}

// A claim the payer turned away and the agency corrected is not rejected
// money any more: the first batch's reconciliation counts its loop as
// replaced, so one service rejected, corrected and paid is not read as
// rejected for good (a black-box pass found it counted as rejected in
// every batch it went out in).
func TestReconciliationRejectedAndCorrectedIsReplaced(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	a := w.submitAs(w.ecra(), w.mhwClaim("RC-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	sim := newPayerSim()
	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	w.importFile(sim.file277(readSent(t, w.export(b1.ID)), map[string]string{"RC-A": "A7:21:IL"}, nil))
	require.Equal(t, billing.PayerRejected, w.payerOf(a.ID).Status)
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	require.Equal(t, "29.00", rec.Totals.Rejected.String(), "rejected while nothing corrects it")

	c := w.mhwClaim("RC-A2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00"))
	c.Frequency, c.OriginalClaimID = billing.FreqReplacement, &a.ID
	w.submitAs(w.ecra(), c)
	_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	assert.Equal(t, "0.00", rec.Totals.Rejected.String(), "corrected, not rejected")
	assert.Equal(t, "29.00", rec.Totals.Replaced.String())
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
}

// A replacement the payer turns away names the claim it would have
// replaced by the payer's number as it stood when it went out. When the
// payer has since re-adjudicated that claim (reversed it and paid it again
// under a new claim control number, as an 835 may while the replacement is
// in flight), the correction of the rejected replacement, a void of it,
// and the resend of that void must name the claim as it stands now: each
// named the number the payer had reversed, was turned away again, and
// every further correction repeated it, so the claim could never be
// corrected while rss counted the correction's lines (a white-box
// review's payer model: the payer held the old payment, rss the new).
func TestRejectedReplacementCorrectedAfterThePayerReadjudicatedTheOriginal(t *testing.T) {
	for _, how := range []string{"correction", "void", "resend"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
			dubois := w.demo.Clients["Dubois"]
			a := w.submitAs(w.ecra(), w.mhwClaim("RA-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
			sim := newPayerSim()
			close := w.send837
			sent1 := close()
			orig := sent1.claim(t, "RA-A")
			w.importFile(sim.file277(sent1, nil, func(string) string { return "PCN-A" }))
			w.importFile(sim.file835(remit{NPI: orig.NPI, Trace: "RA-EFT1", Claims: []clp{{CLM: orig, Status: "1", CCN: "PCN-A"}}}))

			// The replacement goes out naming PCN-A, and the payer turns it away.
			r := w.mhwClaim("RA-A2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 2, "14.50"))
			r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &a.ID
			a2 := w.submitAs(w.ecra(), r)
			sent2 := close()
			require.Equal(t, "PCN-A", sent2.claim(t, "RA-A2").F8)
			w.importFile(sim.file277(sent2, map[string]string{"RA-A2": "A7:21:85"}, func(string) string { return "" }))
			require.Equal(t, billing.PayerRejected, w.payerOf(a2.ID).Status)

			readjudicate := func() {
				t.Helper()
				// The payer re-adjudicates A: PCN-A reversed, A paid again as PCN-A2.
				w.importFile(sim.file835(remit{NPI: orig.NPI, Trace: "RA-EFT2", Claims: []clp{
					{CLM: orig, Status: "22", CCN: "PCN-A"}, {CLM: orig, Status: "1", CCN: "PCN-A2"}}}))
				p := w.payerOf(a.ID)
				require.Equal(t, billing.PayerPaid, p.Status)
				require.Equal(t, "PCN-A2", *p.PayerCCN, "A stands at the payer as PCN-A2")
			}
			switch how {
			case "correction":
				readjudicate()
				c := w.mhwClaim("RA-A3", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 3, "21.75"))
				c.Frequency, c.OriginalClaimID = billing.FreqReplacement, &a2.ID
				w.submitAs(w.ecra(), c)
				got := close().claim(t, "RA-A3")
				assert.Equal(t, billing.FreqReplacement, got.Freq)
				assert.Equal(t, "PCN-A2", got.F8, "the correction replaces A as the payer holds it now")
			case "void":
				readjudicate()
				w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RA-A2-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &a2.ID})
				got := close().claim(t, "RA-A2-V")
				assert.Equal(t, billing.FreqVoid, got.Freq)
				assert.Equal(t, "PCN-A2", got.F8, "the void voids A as the payer holds it now")
			case "resend":
				// The void goes out naming PCN-A; the payer re-adjudicates A
				// meanwhile and turns the void away.
				v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RA-A2-V", ClientID: dubois, Frequency: billing.FreqVoid,
					OriginalClaimID: &a2.ID})
				sent3 := close()
				require.Equal(t, "PCN-A", sent3.claim(t, "RA-A2-V").F8)
				readjudicate()
				w.importFile(sim.file277(sent3, map[string]string{"RA-A2-V": "A7:21:85"}, func(string) string { return "" }))
				require.Equal(t, billing.PayerRejected, w.payerOf(v.ID).Status)
				_, _, err := w.b.Submit(w.ecra(), billing.NewResend("RA-A2-S", dubois, v.ID))
				require.NoError(t, err)
				got := close().claim(t, "RA-A2-S")
				assert.Equal(t, billing.FreqVoid, got.Freq)
				assert.Equal(t, "PCN-A2", got.F8, "the resend voids A as the payer holds it now")
			}
		})
	}
}

// A replacement of a claim the payer split into two claims of its own
// replaces the first (frequency 7) and voids the second (frequency 8). When
// the payer turns that void loop away, the second payer claim stays paid
// while rss has taken its service back. The replacement is no void and is
// not resent (not_a_void), and a void or a correction of it reversed only
// its own lines: README's way out, "the MSC voids and bills again", left
// the second claim's payment at the payer for good, and a correction billed
// the service beside it. A void or replacement of the replacement takes
// its rejected void loop again.
func TestVoidOfAReplacementVoidsTheOriginalsPartItsRejectedVoidLoopLeft(t *testing.T) {
	for _, how := range []string{"void", "correction"} {
		t.Run(how, func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
			dubois := w.demo.Clients["Dubois"]
			a := w.submitAs(w.ecra(), w.mhwClaim("RV2-A", "Dubois", "Kowalski", []string{"F33.1"},
				line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
			auth := w.mhwAuthID("Dubois")
			sim := newPayerSim()
			close := w.send837
			whole := close().claim(t, "RV2-A")
			// The payer splits A into two claims of its own, PCN-1 and PCN-2.
			w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "RV2-EFT1", Claims: []clp{
				{CLM: linePart(whole, 0), Status: "1", CCN: "PCN-1", MOA: "MA15"},
				{CLM: linePart(whole, 1), Status: "1", CCN: "PCN-2", MOA: "MA15"}}}))
			require.Equal(t, "43.50", w.payerOf(a.ID).Paid.String())

			r := w.mhwClaim("RV2-R", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 3, "21.75"))
			r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &a.ID
			rc := w.submitAs(w.ecra(), r)
			sent2 := close()
			require.Equal(t, billing.FreqReplacement, sent2.claim(t, "RV2-R-1").Freq)
			require.Equal(t, "PCN-1", sent2.claim(t, "RV2-R-1").F8)
			require.Equal(t, billing.FreqVoid, sent2.claim(t, "RV2-R-2").Freq)
			require.Equal(t, "PCN-2", sent2.claim(t, "RV2-R-2").F8)
			// The payer takes the replacement and turns its void of PCN-2 away.
			w.importFile(sim.file277(sent2, map[string]string{"RV2-R-2": "A7:21:85"}, func(s string) string { return "ACK-" + s }))
			require.Equal(t, billing.PayerPartlyRejected, w.payerOf(rc.ID).Status)
			_, _, err := w.b.Submit(w.ecra(), billing.NewResend("RV2-R-S", dubois, rc.ID))
			requireCode(t, err, "not_a_void")
			require.Equal(t, 3, w.unitsUsed(auth))

			if how == "void" {
				// The MSC's way out: the replacement is voided.
				w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RV2-R-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &rc.ID})
				require.Equal(t, 0, w.unitsUsed(auth), "the void gives back the replacement's units, and no more")
			} else {
				c := w.mhwClaim("RV2-C", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 2, "14.50"))
				c.Frequency, c.OriginalClaimID = billing.FreqReplacement, &rc.ID
				w.submitAs(w.ecra(), c)
				require.Equal(t, 2, w.unitsUsed(auth), "the correction's own units, and no more")
			}
			sent3 := close()
			var voided, replaced []string
			for _, c := range sent3.Claims {
				switch c.Freq {
				case billing.FreqVoid:
					voided = append(voided, c.F8)
				case billing.FreqReplacement:
					replaced = append(replaced, c.F8)
				}
			}
			assert.Contains(t, voided, "PCN-2", "PCN-2, still paid at the payer for a service rss took back, is voided: %+v", sent3.Claims)
			if how == "void" {
				assert.Contains(t, voided, "ACK-RV2-R-1", "and the replacement's own loop")
			} else {
				assert.Equal(t, []string{"ACK-RV2-R-1"}, replaced, "the correction replaces the replacement's own loop")
			}
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
			require.NoError(t, err)
			for _, row := range rec.Rows {
				requireIdentity(t, row)
			}
			assert.Equal(t, "0.00", rec.Totals.Rejected.String(), "the rejected void loop is taken again: nothing is left rejected")
		})
	}
}

package billing_test

import (
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

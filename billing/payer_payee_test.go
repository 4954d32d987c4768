package billing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A reversal names the payment it takes back by the payer's claim control
// number (CLP07), and only a payment of the payee's own loops answers to
// it: HVR's 835 reversing a CLP07 the payer gave ECRA's claim leaves
// ECRA's payment standing (black-box pass: it reversed ECRA's claim and
// charged ECRA's reconciliation with HVR's debit).
// twoPayees sends one claim of ECRA's and one of HVR's, both numbered
// number, in one 837P batch: the claims, the batch and the loops as sent.
func twoPayees(t *testing.T, number string) (w *world, e1, h1 *billing.Claim, b billing.Batch, ecra, hvr sentCLM) {
	t.Helper()
	w = newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	e1 = w.submitAs(w.ecra(), w.mhwClaim(number, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	h1 = w.submitAs(w.hvr(), w.mhwClaim(number, "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-9), 4, "29.00")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	require.Len(t, sent.Claims, 2)
	ecra, hvr = sent.Claims[0], sent.Claims[1]
	if !strings.EqualFold(ecra.Last, "Dubois") {
		ecra, hvr = hvr, ecra
	}
	require.NotEmpty(t, hvr.NPI)
	return w, e1, h1, b, ecra, hvr
}

func TestPayerReversalTakesBackOnlyThePayeesPayment(t *testing.T) {
	w, e1, h1, b, ecra, hvr := twoPayees(t, "E-1")
	sim := newPayerSim()
	w.importFile(sim.file835(
		remit{NPI: ecra.NPI, Trace: "EFT-E", Claims: []clp{{CLM: ecra, Status: "1", CCN: "PCN-E"}}},
		remit{NPI: hvr.NPI, Trace: "EFT-H", Claims: []clp{{CLM: hvr, Status: "1", CCN: "PCN-H"}}}))
	ecraClaim, hvrClaim := e1, h1
	require.Equal(t, "PCN-E", *w.payerOf(ecraClaim.ID).PayerCCN)
	require.Equal(t, billing.PayerPaid, w.payerOf(ecraClaim.ID).Status)
	require.Equal(t, billing.PayerPaid, w.payerOf(hvrClaim.ID).Status)

	// HVR's debit names ECRA's payment (PCN-E) under a claim number HVR
	// never sent: nothing of HVR's answers, and ECRA's payment stands.
	e9 := hvr
	e9.CLM01 = "E-9"
	f := w.importFile(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-X1", Claims: []clp{{CLM: e9, Status: "22", CCN: "PCN-E"}}}))
	assert.Equal(t, 0, f.Summary.Matched)
	assert.Equal(t, 1, f.Summary.Unmatched)
	assert.Equal(t, billing.PayerPaid, w.payerOf(ecraClaim.ID).Status, "ECRA's payment stands")
	assert.Equal(t, "29.00", w.payerOf(ecraClaim.ID).Paid.String())
	assert.Equal(t, billing.PayerPaid, w.payerOf(hvrClaim.ID).Status)

	// Under HVR's own E-1 the debit takes back HVR's payment of that loop
	// (a CLP07 the payee's postings do not hold falls back to the loop
	// CLP01 names: some payers number a reversal afresh), never ECRA's.
	f = w.importFile(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-X2", Claims: []clp{{CLM: hvr, Status: "22", CCN: "PCN-E"}}}))
	assert.Equal(t, 1, f.Summary.Matched)
	assert.Equal(t, billing.PayerReversed, w.payerOf(hvrClaim.ID).Status)
	assert.Equal(t, billing.PayerPaid, w.payerOf(ecraClaim.ID).Status, "ECRA's payment stands")
	assert.Equal(t, "29.00", w.payerOf(ecraClaim.ID).Paid.String())
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "29.00", rec.Totals.Paid.String(), "ECRA's 29.00; HVR's paid and taken back")
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
}

// A PLB is the payee's: it is netted in the payee's payment, so one that
// names another agency's NPI in PLB01 was charged to that agency's
// reconciliation for money taken from this one's (a black-box pass).
func TestPayerAdjustmentIsThePayees(t *testing.T) {
	w, _, _, b, ecra, hvr := twoPayees(t, "P-1")
	w.importFile(newPayerSim().file835(remit{NPI: ecra.NPI, Trace: "EFT-PLB", Claims: []clp{{CLM: ecra, Status: "1", CCN: "PCN-E"}},
		PLB: []plb{{NPI: hvr.NPI, Reason: "L6", Ref: "INT", Amount: dec("-5.00")}}}))
	for provider, want := range map[int64]int{w.demo.Providers["ECRA"]: 1, w.demo.Providers["HVR"]: 0} {
		rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID, ProviderID: provider})
		require.NoError(t, err)
		require.Len(t, rec.ProviderAdjustments, want, "provider %d", provider)
		if want == 1 {
			require.NotNil(t, rec.ProviderAdjustments[0].ProviderID)
			assert.Equal(t, provider, *rec.ProviderAdjustments[0].ProviderID)
			assert.Equal(t, hvr.NPI, rec.ProviderAdjustments[0].ProviderRef, "PLB01 as the payer wrote it")
		}
	}
}

// A PLB is the payee's as the payment's claims read it: under the NPI an
// agency's claims went out with, changed since, the payment posts to the
// agency's claims (TestPayerPayeeUnderTheAgencysNewNPI), and its PLB was
// read by the agencies' NPI today, charged to nobody, or to the agency
// holding that NPI now (a review).
func TestPayerAdjustmentUnderTheAgencysFormerNPI(t *testing.T) {
	const newNPI = "1992753883"
	for _, tc := range []struct {
		name string
		// heldBy is the agency holding ECRA's former NPI now: "" none.
		heldBy string
	}{
		{name: "nobody holds the former NPI", heldBy: ""},
		{name: "another agency holds the former NPI", heldBy: "HVR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, e1, _, b, ecra, _ := twoPayees(t, "W-1")
			oldNPI := ecra.NPI
			_, err := w.db.ExecContext(t.Context(), `UPDATE providers SET npi = $1 WHERE id = $2`, newNPI, e1.ProviderID)
			require.NoError(t, err)
			if tc.heldBy != "" {
				_, err = w.db.ExecContext(t.Context(), `UPDATE providers SET npi = $1 WHERE id = $2`, oldNPI, w.demo.Providers[tc.heldBy])
				require.NoError(t, err)
			}
			f := w.importFile(newPayerSim().file835(remit{NPI: oldNPI, Trace: "EFT-W1", Claims: []clp{{CLM: ecra, Status: "1", CCN: "PCN-W1"}},
				PLB: []plb{{NPI: oldNPI, Reason: "WO", Ref: "OVP1", Amount: dec("5.00")}}}))
			require.Equal(t, 1, f.Summary.Matched, "the payment posts to ECRA's claim")
			require.Equal(t, billing.PayerPaid, w.payerOf(e1.ID).Status)
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID, ProviderID: w.demo.Providers["ECRA"]})
			require.NoError(t, err)
			assert.Len(t, rec.ProviderAdjustments, 1, "the 5.00 withheld from ECRA's payment is ECRA's")
			if tc.heldBy != "" {
				rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID, ProviderID: w.demo.Providers[tc.heldBy]})
				require.NoError(t, err)
				assert.Empty(t, rec.ProviderAdjustments, "%s is not charged ECRA's recovery", tc.heldBy)
			}
		})
	}
}

// A payee named by tax id (835 N1*PE FI, 277CA NM1*85 FI) is the agency
// holding that tax id: HVR's payment and acknowledgment of its claim 2001
// answer HVR's loop, never ECRA's claim of the same number (a black-box
// pass posted HVR's 29.00 to ECRA's claim, which ECRA then read). A payee
// named by neither agency's NPI or tax id (XV, the plan's own number)
// leaves the number ambiguous while two agencies sent it: kept unmatched
// as ambiguous_payee, posted to nobody.
func TestPayerPayeeByTaxID(t *testing.T) {
	w, e1, h1, b, _, hvr := twoPayees(t, "2001")
	var tin string
	require.NoError(t, w.db.GetContext(t.Context(), &tin, `SELECT tax_id FROM providers WHERE npi = $1`, hvr.NPI))
	require.NotEmpty(t, tin)
	// The simulator names payees by NPI; the payer here names HVR by its
	// tax id instead, as many Medicaid payers do.
	named := func(f []byte, qual, id string) []byte {
		return []byte(strings.ReplaceAll(string(f), "*XX*"+hvr.NPI, "*"+qual+"*"+id))
	}
	status := func(id int64) string { // "" before any answer
		if p := w.payerOf(id); p != nil {
			return p.Status
		}
		return ""
	}
	sim := newPayerSim()
	sent := readSent(t, w.export(b.ID))
	sent.Claims = []sentCLM{hvr} // the payer acknowledges HVR's claim only
	ack := w.importFile(named(sim.file277(sent, nil, func(string) string { return "PCN-Z0" }), "FI", tin))
	assert.Equal(t, 1, ack.Summary.Matched, "%+v", ack.Summary)
	assert.Equal(t, billing.PayerAccepted, status(h1.ID), "HVR's claim, named by tax id, accepted")
	assert.NotEqual(t, billing.PayerAccepted, status(e1.ID), "ECRA's claim of the same number is not answered")

	f := w.importFile(named(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-FI", Claims: []clp{{CLM: hvr, Status: "1", CCN: "PCN-Z1"}}}), "FI", tin))
	assert.Equal(t, 1, f.Summary.Matched, "%+v", f.Summary)
	assert.Equal(t, billing.PayerPaid, status(h1.ID), "HVR's claim is paid")
	assert.Equal(t, "29.00", w.payerOf(h1.ID).Paid.String())
	assert.NotEqual(t, billing.PayerPaid, status(e1.ID), "ECRA's claim of the same number is not")

	// A reversal sent to the tax id takes back HVR's payment only.
	f = w.importFile(named(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-FI-R", Claims: []clp{{CLM: hvr, Status: "22", CCN: "PCN-Z1"}}}), "FI", tin))
	assert.Equal(t, 1, f.Summary.Matched, "%+v", f.Summary)
	assert.Equal(t, billing.PayerReversed, status(h1.ID))

	// Paid again, then taken back under the plan's own number: both
	// agencies sent 2001, so the reversal names neither, though its CLP07
	// is HVR's payment's. It undid HVR's payment and finance had nothing
	// to review (a payer black-box pass of the forty-fifth stop); it is
	// kept aside as ambiguous_payee, as a payment is.
	f = w.importFile(named(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-FI-2", Claims: []clp{{CLM: hvr, Status: "1", CCN: "PCN-Z3"}}}), "FI", tin))
	require.Equal(t, 1, f.Summary.Matched, "%+v", f.Summary)
	require.Equal(t, billing.PayerPaid, status(h1.ID))
	f = w.importFile(named(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-XV-R", Claims: []clp{{CLM: hvr, Status: "22", CCN: "PCN-Z3"}}}), "XV", "PLAN77"))
	assert.Equal(t, 0, f.Summary.Matched, "%+v", f.Summary)
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedPayee, d.Unmatched[0].Reason)
	assert.Equal(t, billing.PayerPaid, status(h1.ID), "HVR's payment stands")
	assert.Equal(t, "29.00", w.payerOf(h1.ID).Paid.String())

	// Named by the plan's own number: both agencies sent 2001, so neither
	// is paid.
	f = w.importFile(named(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-XV", Claims: []clp{{CLM: hvr, Status: "1", CCN: "PCN-Z2"}}}), "XV", "PLAN77"))
	assert.Equal(t, 0, f.Summary.Matched, "%+v", f.Summary)
	d, err = w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedPayee, d.Unmatched[0].Reason)
	assert.Equal(t, "29.00", w.payerOf(h1.ID).Paid.String(), "HVR's claim is not paid twice")
	assert.NotEqual(t, billing.PayerPaid, status(e1.ID))
}

// One agency named two ways (its tax id on one 835, its NPI on another)
// is one payee: a duplicate payment sent to its NPI and kept aside is
// taken back by a reversal sent to its tax id, and the payment that
// stands is left alone (a black-box pass found the standing payment
// reversed: the payments were told apart by the identifier they named).
func TestPayerPayeeNamedTwoWaysIsOnePayee(t *testing.T) {
	w, _, sent := oneClaimSent(t, "SAME-1")
	c := sent.claim(t, "SAME-1")
	var tin string
	require.NoError(t, w.db.GetContext(t.Context(), &tin, `SELECT tax_id FROM providers WHERE npi = $1`, c.NPI))
	byTIN := func(f []byte) []byte { return []byte(strings.ReplaceAll(string(f), "*XX*"+c.NPI, "*FI*"+tin)) }
	var id int64
	require.NoError(t, w.db.GetContext(t.Context(), &id, `SELECT id FROM claims WHERE claim_number = 'SAME-1'`))
	sim := newPayerSim()

	f := w.importFile(byTIN(sim.file835(remit{NPI: c.NPI, Trace: "TWO-1", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-S1"}}})))
	require.Equal(t, 1, f.Summary.Matched, "%+v", f.Summary)
	f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "TWO-2", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-S2"}}}))
	require.Equal(t, 1, f.Summary.Unmatched, "the duplicate is kept aside: %+v", f.Summary)
	f = w.importFile(byTIN(sim.file835(remit{NPI: c.NPI, Trace: "TWO-3", Claims: []clp{{CLM: c, Status: "22", CCN: "PCN-S2"}}})))
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1, "the reversal pairs with the duplicate kept aside")
	assert.Equal(t, billing.UnmatchedKeptAside, d.Unmatched[0].Reason)
	p := w.payerOf(id)
	require.NotNil(t, p)
	assert.Equal(t, billing.PayerPaid, p.Status, "the payment that stands is not undone")
	assert.Equal(t, "29.00", p.Paid.String())
}

// A claim number rss sent, answered for a payee that is no agency that
// sent it (an NPI of no agency), is kept as unknown_payee: finance asks the
// payer about the payee. It read unknown_claim, "no claim rss sent has
// that claim number", though the number had gone out (a finance black-box
// pass). A number never sent stays unknown_claim.
func TestPayerUnknownPayee(t *testing.T) {
	w, _, h1, b, _, hvr := twoPayees(t, "2002")
	sim := newPayerSim()
	sent := readSent(t, w.export(b.ID))
	const stranger = "1992753883" // a valid NPI of no agency
	f := w.importFile([]byte(strings.ReplaceAll(string(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-UP",
		Claims: []clp{{CLM: hvr, Status: "1", CCN: "PCN-U1"}}})), "*XX*"+hvr.NPI, "*XX*"+stranger)))
	assert.Equal(t, 0, f.Summary.Matched, "%+v", f.Summary)
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedUnknownPayee, d.Unmatched[0].Reason)
	assert.Nil(t, w.payerOf(h1.ID), "nothing posted to HVR's claim")

	never := sent.claim(t, hvr.CLM01)
	never.CLM01 = "NEVER-SENT"
	f = w.importFile(sim.file835(remit{NPI: hvr.NPI, Trace: "EFT-UC", Claims: []clp{{CLM: never, Status: "1", CCN: "PCN-U2"}}}))
	d, err = w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedClaim, d.Unmatched[0].Reason)
}

// An agency's NPI changed after a claim went out: the payer answers the
// agency under the NPI rss sends it now, and its reversal of the old claim
// is the agency's (any NPI or tax id a batch froze for it names it). A
// finance pass found such a reversal kept aside as unknown_payee and the
// old claim reading paid for good.
func TestPayerPayeeUnderTheAgencysNewNPI(t *testing.T) {
	w, e1, _, b, ecra, _ := twoPayees(t, "N-1")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: ecra.NPI, Trace: "EFT-N1", Claims: []clp{{CLM: ecra, Status: "1", CCN: "PCN-N"}}}))
	require.Equal(t, billing.PayerPaid, w.payerOf(e1.ID).Status)
	const newNPI = "1992753883"
	_, err := w.db.ExecContext(t.Context(), `UPDATE providers SET npi = $1 WHERE id = $2`, newNPI, e1.ProviderID)
	require.NoError(t, err)
	// A later batch freezes the new NPI for the agency.
	w.mhwAuthorize(w.ecra(), "Dubois", 20, day(-5), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("N-2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-2), 2, "14.50")))
	_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)

	f := w.importFile(sim.file835(remit{NPI: newNPI, Trace: "EFT-N2", Claims: []clp{{CLM: ecra, Status: "22", CCN: "PCN-N"}}}))
	assert.Equal(t, 1, f.Summary.Matched, "%+v", f.Summary)
	assert.Equal(t, billing.PayerReversed, w.payerOf(e1.ID).Status)
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())

	// An NPI no batch ever froze for the agency is still no payee of it.
	f = w.importFile(sim.file835(remit{NPI: "1234567893", Trace: "EFT-N3", Claims: []clp{{CLM: ecra, Status: "22", CCN: "PCN-N"}}}))
	assert.Equal(t, 0, f.Summary.Matched)
}

// A PLB whose payee NPI went out for two agencies (one agency's former
// NPI, taken by another since, each with a batch frozen under it) names
// neither by itself; when every claim of its payment matched one agency,
// it is that agency's, as those claims are. It was charged to nobody, so
// each agency's reconciliation missed the money withheld from its
// payment (a black-box re-check). A payment of both agencies' claims, or
// of none, still names nobody.
func TestPayerAdjustmentOfAnNPITwoAgenciesHeldIsThePaymentsClaims(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	ecraID, hvrID := w.demo.Providers["ECRA"], w.demo.Providers["HVR"]
	w.submitAs(w.ecra(), w.mhwClaim("NPI2-E1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	w.submitAs(w.ecra(), w.mhwClaim("NPI2-E2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 4, "29.00")))
	w.submitAs(w.hvr(), w.mhwClaim("NPI2-H1", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-10), 4, "29.00")))
	sent1 := readSent(t, w.export(w.batch(billing.RouteMedicaid837P, day(0)).ID))
	e1, e2 := sent1.claim(t, "NPI2-E1"), sent1.claim(t, "NPI2-E2")
	shared := e1.NPI

	// ECRA's NPI changes; HVR takes ECRA's former one and bills under it.
	_, err := w.db.ExecContext(t.Context(), `UPDATE providers SET npi = '1992753883' WHERE id = $1`, ecraID)
	require.NoError(t, err)
	_, err = w.db.ExecContext(t.Context(), `UPDATE providers SET npi = $1 WHERE id = $2`, shared, hvrID)
	require.NoError(t, err)
	w.submitAs(w.hvr(), w.mhwClaim("NPI2-H2", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-8), 4, "29.00")))
	sent2 := readSent(t, w.export(w.batch(billing.RouteMedicaid837P, day(0)).ID))
	h2 := sent2.claim(t, "NPI2-H2")
	require.Equal(t, shared, h2.NPI)
	h1 := sent1.claim(t, "NPI2-H1")
	h1.NPI = shared

	withheld := func(ref string) []plb { return []plb{{NPI: shared, Reason: "WO", Ref: ref, Amount: dec("1.00")}} }
	w.importFile(newPayerSim().file835(
		remit{NPI: shared, Trace: "NPI2-EFT1", Claims: []clp{{CLM: e1, Status: "1", CCN: "PCN-E1"}}, PLB: withheld("ECRA")},
		remit{NPI: shared, Trace: "NPI2-EFT2", Claims: []clp{{CLM: h2, Status: "1", CCN: "PCN-H2"}}, PLB: withheld("HVR")},
		remit{NPI: shared, Trace: "NPI2-EFT3", PLB: withheld("NONE")},
		remit{NPI: shared, Trace: "NPI2-EFT4", Claims: []clp{{CLM: e2, Status: "1", CCN: "PCN-E2"}, {CLM: h1, Status: "1", CCN: "PCN-H1"}},
			PLB: withheld("BOTH")}))
	for _, n := range []string{"NPI2-E1", "NPI2-E2", "NPI2-H1", "NPI2-H2"} {
		require.Equal(t, billing.PayerPaid, w.payerOf(w.claimID(n)).Status, n)
	}
	var rows []struct {
		Reference  string `db:"reference"`
		ProviderID *int64 `db:"provider_id"`
	}
	require.NoError(t, w.db.SelectContext(t.Context(), &rows, `SELECT reference, provider_id FROM payer_provider_adjustments`))
	got := map[string]*int64{}
	for _, r := range rows {
		got[r.Reference] = r.ProviderID
	}
	require.Len(t, got, 4)
	for ref, want := range map[string]*int64{"ECRA": &ecraID, "HVR": &hvrID, "NONE": nil, "BOTH": nil} {
		assert.Equal(t, want, got[ref], ref)
	}
}

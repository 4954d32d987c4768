package billing_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// reasons lists the reasons of a file's unmatched items, in its order.
func (w *world) reasons(fileID int64) []string {
	w.t.Helper()
	d, err := w.b.PayerFile(w.finance(), fileID)
	require.NoError(w.t, err)
	out := []string{}
	for _, u := range d.Unmatched {
		out = append(out, u.Kind+" "+u.Reference+" "+u.Reason)
	}
	return out
}

// claimID is the id of the claim numbered number.
func (w *world) claimID(number string) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.db.GetContext(w.t.Context(), &id, `SELECT id FROM claims WHERE claim_number = $1`, number))
	return id
}

// A CLP whose amounts' sign disagrees with CLP02 refuses the file whole,
// naming the CLP, nothing written: a black-box pass imported a reversal
// carrying positive amounts (the claim read reversed while the
// reconciliation counted the money paid twice), a CLP02 1 of negative
// amounts (a claim reading denied, paid −29.00) and a denial paying.
func TestPayerClaimOfTheWrongSignIsRefused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "SGN-1")
	c := sent.claim(t, "SGN-1")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-S1"}}}))
	id := w.claimID("SGN-1")
	require.Equal(t, billing.PayerPaid, w.payerOf(id).Status)

	swap := func(file []byte, old, new string) []byte {
		require.Equal(t, 1, bytes.Count(file, []byte(old)), old)
		return bytes.Replace(file, []byte(old), []byte(new), 1)
	}
	rows := w.payerRows()
	for _, tc := range []struct {
		name, want string
		file       []byte
	}{
		{"a reversal of positive amounts", "CLP02 22 is a reversal", swap(sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT2",
			Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-S1"}}}), "*1*29.00*29.00**", "*22*29.00*29.00**")},
		{"a payment of negative amounts", "CLP02 1 is not a reversal", swap(sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT3",
			Claims: []clp{{CLM: c, Status: "22", CCN: "PCN-S1"}}}), "*22*-29.00*-29.00**", "*1*-29.00*-29.00**")},
		{"a denial paying", "CLP02 4 is a denial: CLP04 must be zero", sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT4",
			Claims: []clp{{CLM: c, Status: "4", CCN: "PCN-S4", Claim: []cas{{"CO", "29", dec("19.00")}}, NoLines: true}}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.b.ImportPayerFile(w.finance(), tc.file)
			var ve *rss.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Fields, 1)
			assert.Equal(t, "invalid_x12", ve.Fields[0].Code)
			assert.Contains(t, ve.Fields[0].Message, "(CLP)")
			assert.Contains(t, ve.Fields[0].Message, tc.want)
		})
	}
	assert.Equal(t, rows, w.payerRows(), "nothing written")
	p := w.payerOf(id)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "29.00", p.Paid.String())
}

// A payment and its reversal in one 835 (the payer paid the claim and
// took that very payment back, CLP07 the same, BPR02 0.00) leave the claim
// reversed, whichever the file lists first: the file's reversals went
// first, found nothing to undo (nothing_to_reverse) and the payment stood,
// the claim reading paid (a black-box pass). For a claim paid before, the
// same pair under a new number, the reversal mirroring the payment that
// stands, is the payer's re-adjudication: the reversal undoes the first
// payment and the other stands under the new number (it was read as a
// second payment taken back, both kept aside, and a later takeback of the
// new number undid nothing: a re-check;
// TestPayerReversalAndCorrectionAtTheOriginalsAmountWithoutF8).
func TestPayerPaymentAndItsReversalInOneFile(t *testing.T) {
	for _, tc := range []struct {
		name          string
		reversalFirst bool
	}{{"payment first", false}, {"reversal first", true}} {
		t.Run(tc.name, func(t *testing.T) {
			w, b, sent := oneClaimSent(t, "NET-1")
			c := sent.claim(t, "NET-1")
			claims := []clp{{CLM: c, Status: "1", CCN: "PCN-N1"}, {CLM: c, Status: "22", CCN: "PCN-N1"}}
			if tc.reversalFirst {
				claims[0], claims[1] = claims[1], claims[0]
			}
			f := w.importFile(newPayerSim().file835(remit{NPI: c.NPI, Trace: "NET-EFT", Claims: claims}))
			assert.Equal(t, "0.00", f.Summary.Total.String())
			assert.Equal(t, 2, f.Summary.Matched)
			assert.Empty(t, w.reasons(f.ID))
			p := w.payerOf(w.claimID("NET-1"))
			assert.Equal(t, billing.PayerReversed, p.Status)
			assert.Equal(t, "0.00", p.Paid.String())
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			assert.Equal(t, "0.00", rec.Totals.Paid.String(), "the payer's net, BPR02")
			assert.Equal(t, "29.00", rec.Totals.Open.String())
			assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
		})
	}
	t.Run("a payment and a reversal under a new number", func(t *testing.T) {
		w, _, sent := oneClaimSent(t, "NET-2")
		c := sent.claim(t, "NET-2")
		sim := newPayerSim()
		w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "NET-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-N2"}}}))
		f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "NET-EFT2", Claims: []clp{
			{CLM: c, Status: "22", CCN: "PCN-N2B"}, {CLM: c, Status: "1", CCN: "PCN-N2B"}}}))
		assert.Empty(t, w.reasons(f.ID))
		p := w.payerOf(w.claimID("NET-2"))
		assert.Equal(t, billing.PayerPaid, p.Status, "the correction stands")
		assert.Equal(t, "29.00", p.Paid.String())
		require.NotNil(t, p.PayerCCN)
		assert.Equal(t, "PCN-N2B", *p.PayerCCN)
	})
}

// A payment, its reversal and the correction in one set, whichever order
// the set lists them, read the correction paid: the reversal, waiting for
// the payment its CLP07 names, undoes it before the correction is posted
// (posted after both payments, it left the correction kept aside and the
// claim reversed). So does a split payment taken back whole in the set of
// its parts: a whole reversal undoes the loop's postings made before it
// (migration 00068), not the correction after it, which was kept aside
// (already_posted) and the claim left reversed.
func TestPayerPaymentReversalAndCorrectionInOneSet(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("SPN-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	d := w.submitAs(w.ecra(), w.mhwClaim("SPN-2", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-8), 4, "29.00"), line("MHW-RA", day(-7), 2, "14.50")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	one, two := sent.claim(t, "SPN-1"), sent.claim(t, "SPN-2")
	part := func(i int) sentCLM {
		p := two
		p.Lines, p.Charge = two.Lines[i:i+1], two.Lines[i].Charge
		return p
	}
	corrected := []cas{{Group: "CO", CARC: "45", Amount: dec("1.50")}}
	f := w.importFile(newPayerSim().file835(remit{NPI: one.NPI, Trace: "SPN-EFT", Claims: []clp{
		{CLM: one, Status: "1", CCN: "ICN-SPN1C", Claim: corrected},
		{CLM: one, Status: "22", CCN: "ICN-SPN1"},
		{CLM: one, Status: "1", CCN: "ICN-SPN1"},
		{CLM: two, Status: "22", CCN: "ICN-SPN2"},
		{CLM: part(0), Status: "1", CCN: "ICN-SPN2"}, {CLM: part(1), Status: "1", CCN: "ICN-SPN2"},
		{CLM: two, Status: "1", CCN: "ICN-SPN2C", Claim: corrected},
	}}))
	assert.Empty(t, w.reasons(f.ID))
	p := w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "42.00", p.Paid.String(), "the correction alone stands")
	q := w.payerOf(d.ID)
	assert.Equal(t, billing.PayerPaid, q.Status)
	assert.Equal(t, "42.00", q.Paid.String(), "the split payment's correction alone stands")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "84.00", rec.Totals.Paid.String())
	assert.Equal(t, "0.00", rec.Totals.Open.String())
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String(), "%+v", rec.Totals)
}

// A reversal whose CLP07 names the payment of a claim its CLP01 does not
// name is kept aside (reverses_other_claim), both claims' payments
// standing: it undid the other claim's payment (a black-box pass).
func TestPayerReversalNamingAnotherClaimsPaymentIsKeptAside(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	for i, n := range []string{"OTH-8", "OTH-10"} {
		w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10+i), 4, "29.00")))
	}
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	c8, c10 := sent.claim(t, "OTH-8"), sent.claim(t, "OTH-10")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c8.NPI, Trace: "OTH-EFT1", Claims: []clp{
		{CLM: c8, Status: "1", CCN: "PCN-8"}, {CLM: c10, Status: "1", CCN: "PCN-10"}}}))

	unknown := c8
	unknown.CLM01 = "OTH-99"
	for _, tc := range []struct {
		name  string
		clp01 sentCLM
	}{{"another claim of ours", c8}, {"no claim of ours", unknown}} {
		t.Run(tc.name, func(t *testing.T) {
			f := w.importFile(sim.file835(remit{NPI: c8.NPI, Trace: "OTH-EFT-" + tc.clp01.CLM01, Claims: []clp{
				{CLM: tc.clp01, Status: "22", CCN: "PCN-10"}}}))
			assert.Equal(t, 0, f.Summary.Matched)
			assert.Equal(t, []string{"claim_payment " + tc.clp01.CLM01 + " reverses_other_claim"}, w.reasons(f.ID))
			for _, n := range []string{"OTH-8", "OTH-10"} {
				p := w.payerOf(w.claimID(n))
				assert.Equal(t, billing.PayerPaid, p.Status, n)
				assert.Equal(t, "29.00", p.Paid.String(), n)
			}
		})
	}
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "58.00", rec.Totals.Paid.String())
}

// A payment, its reversal and the correction in one file, the correction
// keeping the claim's number (CLP07), read the correction paid in either
// order: the reversal undoes the file's first payment with that number;
// all of them posted first, the correction met the payment standing and
// was kept aside, and the claim read reversed (a re-check).
func TestPayerCorrectionKeepingTheClaimsNumberInOneFile(t *testing.T) {
	for _, order := range []string{"PCR", "PRC"} {
		t.Run(order, func(t *testing.T) {
			w, _, sent := oneClaimSent(t, "SAME-1")
			c := sent.claim(t, "SAME-1")
			byKind := map[byte]clp{
				'P': {CLM: c, Status: "1", CCN: "PCN-S"},
				'R': {CLM: c, Status: "22", CCN: "PCN-S"},
				'C': {CLM: c, Status: "1", CCN: "PCN-S", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}},
			}
			var claims []clp
			for i := range order {
				claims = append(claims, byKind[order[i]])
			}
			f := w.importFile(newPayerSim().file835(remit{NPI: c.NPI, Trace: "SAME-EFT" + order, Claims: claims}))
			assert.Empty(t, w.reasons(f.ID), "nothing kept aside")
			p := w.payerOf(w.claimID("SAME-1"))
			assert.Equal(t, billing.PayerPaid, p.Status)
			assert.Equal(t, "20.00", p.Paid.String(), "the correction")
		})
	}
}

// The payer may answer a void or a replacement under its own claim
// number (CLP01 the void's or replacement's CLM01, which rss gives each),
// its reversal's CLP07 the original's payer claim control number (the one
// the 837P sent in REF*F8): the reversal undoes the original's payment,
// posted to the original's loop, its lines matched through the void's.
// They were kept aside (reverses_other_claim): the originals read paid
// and the reconciliation listed them as money the payer still held,
// though it had taken it back (a black-box pass by the payer's EDI
// team). A CLP07 naming an unrelated claim's payment is still kept
// aside, and so is one of another agency's claim.
func TestPayerReversalUnderTheVoidsOrReplacementsOwnNumber(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	for i, n := range []string{"SUP-V", "SUP-R", "SUP-U"} {
		w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-20+i), 4, "29.00")))
	}
	b1 := w.batch(billing.RouteMedicaid837P, day(0))
	sent1 := readSent(t, w.export(b1.ID))
	v, r, u := sent1.claim(t, "SUP-V"), sent1.claim(t, "SUP-R"), sent1.claim(t, "SUP-U")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: v.NPI, Trace: "SUP-EFT1", Claims: []clp{
		{CLM: v, Status: "1", CCN: "PCN-V"}, {CLM: r, Status: "1", CCN: "PCN-R"}, {CLM: u, Status: "1", CCN: "PCN-U"}}}))

	vID, rID := w.claimID("SUP-V"), w.claimID("SUP-R")
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "SUP-V-VOID", ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid,
		OriginalClaimID: &vID})
	repl := w.mhwClaim("SUP-R-REPL", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-19), 3, "21.75"))
	repl.Frequency, repl.OriginalClaimID = billing.FreqReplacement, &rID
	w.submitAs(w.ecra(), repl)
	b2 := w.batch(billing.RouteMedicaid837P, day(0))
	sent2 := readSent(t, w.export(b2.ID))
	void, rr := sent2.claim(t, "SUP-V-VOID"), sent2.claim(t, "SUP-R-REPL")
	require.Equal(t, []string{"8", "PCN-V", "7", "PCN-R"}, []string{void.Freq, void.F8, rr.Freq, rr.F8})

	// The void's reversal itemizes the void's lines (REF*6R), the
	// replacement's the original's; a third reversal under the void's
	// number names an unrelated claim's payment.
	undoR := r
	undoR.CLM01 = rr.CLM01
	f := w.importFile(sim.file835(remit{NPI: v.NPI, Trace: "SUP-EFT2", Claims: []clp{
		{CLM: void, Status: "22", CCN: "PCN-V"},
		{CLM: undoR, Status: "22", CCN: "PCN-R", F8: "PCN-R"},
		{CLM: rr, Status: "1", CCN: "PCN-RR", F8: "PCN-R"},
		{CLM: void, Status: "22", CCN: "PCN-U"},
	}}))
	assert.Equal(t, []string{"claim_payment SUP-V-VOID reverses_other_claim"}, w.reasons(f.ID))
	assert.Equal(t, 3, f.Summary.Matched)

	pv := w.payerOf(vID)
	assert.Equal(t, billing.PayerReversed, pv.Status, "the payer took the voided claim's payment back")
	assert.Equal(t, "0.00", pv.Paid.String())
	pr := w.payerOf(rID)
	assert.Equal(t, billing.PayerReversed, pr.Status, "the replaced claim's payment was taken back")
	prr := w.payerOf(w.claimID("SUP-R-REPL"))
	assert.Equal(t, billing.PayerPaid, prr.Status)
	assert.Equal(t, "21.75", prr.Paid.String())
	pu := w.payerOf(w.claimID("SUP-U"))
	assert.Equal(t, billing.PayerPaid, pu.Status, "the unrelated claim's payment stands")
	assert.Equal(t, "29.00", pu.Paid.String())

	// The reversals are the originals' batch's: nothing stands paid on a
	// claim rss took back, and the void's batch lists only the slip.
	rec1, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	assert.Empty(t, rec1.SupersededPaid)
	assert.Equal(t, "29.00", rec1.Totals.Paid.String(), "SUP-U's payment, the others taken back")
	requireIdentity(t, rec1.Totals)
	rec2, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	require.NoError(t, err)
	assert.Equal(t, "21.75", rec2.Totals.Paid.String())
	requireIdentity(t, rec2.Totals)
	var slips []string
	for _, u := range rec2.Unmatched {
		slips = append(slips, u.Kind+" "+u.Reference+" "+u.Reason)
	}
	assert.Equal(t, []string{"claim_payment SUP-V-VOID reverses_other_claim"}, slips)
}

// Payers whose system gives each adjustment its own claim control number
// send a reversal under it (CLP07) with REF*F8 naming the original. Such
// a reversal repeated in a later 835 is a repeat, kept aside
// (nothing_to_reverse) as the repeat carrying the original's number is:
// no payment carried its CLP07, so it fell back to the loop's current
// posting and undid the correction that stands, the claim reading
// reversed and open (a black-box pass by the payer's EDI team). Its
// REF*F8 names the posting it undoes when its CLP07 names nothing on
// file: under a void's own claim number, or beside the payment it takes
// back in the same file.
func TestPayerReversalCarryingItsOwnNumber(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	for i, n := range []string{"OWN-1", "OWN-2", "OWN-3"} {
		w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-20+i), 4, "29.00")))
	}
	b1 := w.batch(billing.RouteMedicaid837P, day(0))
	sent1 := readSent(t, w.export(b1.ID))
	c1, c2, c3 := sent1.claim(t, "OWN-1"), sent1.claim(t, "OWN-2"), sent1.claim(t, "OWN-3")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "OWN-EFT1", Claims: []clp{
		{CLM: c1, Status: "1", CCN: "PCN-O1"}, {CLM: c2, Status: "1", CCN: "PCN-O2"}}}))

	// The payer adjusts OWN-1: its reversal and correction, each under a
	// number of its own.
	corrected := []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}
	f2 := w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "OWN-EFT2", Claims: []clp{
		{CLM: c1, Status: "22", CCN: "RV-O1", F8: "PCN-O1"},
		{CLM: c1, Status: "1", CCN: "CR-O1", F8: "PCN-O1", Claim: corrected}}}))
	assert.Empty(t, w.reasons(f2.ID))
	requirePaid := func(number, paid, why string) {
		t.Helper()
		p := w.payerOf(w.claimID(number))
		assert.Equal(t, billing.PayerPaid, p.Status, why)
		assert.Equal(t, paid, p.Paid.String(), why)
	}
	requirePaid("OWN-1", "20.00", "the correction")

	// The reversal again, in a later payment, with its REF*F8 or without.
	for i, f8 := range []string{"PCN-O1", ""} {
		f := w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: fmt.Sprintf("OWN-EFT3-%d", i), Claims: []clp{
			{CLM: c1, Status: "22", CCN: "RV-O1", F8: f8}}}))
		assert.Equal(t, []string{"claim_payment OWN-1 nothing_to_reverse"}, w.reasons(f.ID), "REF*F8 %q", f8)
		requirePaid("OWN-1", "20.00", "the correction stands")
	}

	// OWN-2 voided; the payer reverses it under the void's number and a
	// number of its own, REF*F8 the original's.
	id2 := w.claimID("OWN-2")
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "OWN-2-VOID", ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid,
		OriginalClaimID: &id2})
	b2 := w.batch(billing.RouteMedicaid837P, day(0))
	void := readSent(t, w.export(b2.ID)).claim(t, "OWN-2-VOID")
	f4 := w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "OWN-EFT4", Claims: []clp{{CLM: void, Status: "22", CCN: "RV-O2", F8: "PCN-O2"}}}))
	assert.Empty(t, w.reasons(f4.ID))
	assert.Equal(t, billing.PayerReversed, w.payerOf(id2).Status, "the voided claim's payment taken back")

	// OWN-3 paid and taken back in one payment, the reversal listed first.
	f5 := w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "OWN-EFT5", Claims: []clp{
		{CLM: c3, Status: "22", CCN: "RV-O3", F8: "PCN-O3"}, {CLM: c3, Status: "1", CCN: "PCN-O3"}}}))
	assert.Empty(t, w.reasons(f5.ID))
	assert.Equal(t, billing.PayerReversed, w.payerOf(w.claimID("OWN-3")).Status, "paid and taken back")

	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	assert.Equal(t, "20.00", rec.Totals.Paid.String(), "OWN-1's correction alone")
	assert.Equal(t, "58.00", rec.Totals.Open.String(), "OWN-2 (voided, netting out with its void) and OWN-3")
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
	requireIdentity(t, rec.Totals)
}

// A reversal under a number of its own whose REF*F8 names a payment on
// file that does not stand undoes what that payment's own number would:
// a duplicate kept aside is taken back beside it (reverses_kept_aside),
// and a payment undone already undoes nothing. Left to the loop's current
// posting, it undid the payment that stands (a black-box re-check).
func TestPayerReversalWhoseF8NamesAPaymentNotStanding(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	for i, n := range []string{"F8-1", "F8-2"} {
		w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-20+i), 4, "29.00")))
	}
	b := w.batch(billing.RouteMedicaid837P, day(0))
	sent := readSent(t, w.export(b.ID))
	c1, c2 := sent.claim(t, "F8-1"), sent.claim(t, "F8-2")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "F8-EFT1", Claims: []clp{
		{CLM: c1, Status: "1", CCN: "PCN-F1"}, {CLM: c2, Status: "1", CCN: "PCN-F2"}}}))
	// F8-1 paid again under another number: kept aside.
	f := w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "F8-EFT2", Claims: []clp{{CLM: c1, Status: "1", CCN: "DUP-F1"}}}))
	require.Equal(t, []string{"claim_payment F8-1 already_posted"}, w.reasons(f.ID))
	// Its reversal under a new number, REF*F8 the duplicate's.
	f = w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "F8-EFT3", Claims: []clp{{CLM: c1, Status: "22", CCN: "RV-DUP-F1", F8: "DUP-F1"}}}))
	assert.Equal(t, []string{"claim_payment F8-1 reverses_kept_aside"}, w.reasons(f.ID))
	p := w.payerOf(w.claimID("F8-1"))
	assert.Equal(t, billing.PayerPaid, p.Status, "the payment stands")
	assert.Equal(t, "29.00", p.Paid.String())

	// F8-2 taken back by its number; again under a new number, REF*F8 the
	// payment undone: nothing to undo.
	w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "F8-EFT4", Claims: []clp{{CLM: c2, Status: "22", CCN: "PCN-F2"}}}))
	w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "F8-EFT5", Claims: []clp{{CLM: c2, Status: "1", CCN: "CR-F2",
		Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}}}}))
	require.Equal(t, "20.00", w.payerOf(w.claimID("F8-2")).Paid.String(), "the correction")
	f = w.importFile(sim.file835(remit{NPI: c1.NPI, Trace: "F8-EFT6", Claims: []clp{{CLM: c2, Status: "22", CCN: "RV-F2-AGAIN", F8: "PCN-F2"}}}))
	assert.Equal(t, []string{"claim_payment F8-2 nothing_to_reverse"}, w.reasons(f.ID))
	p = w.payerOf(w.claimID("F8-2"))
	assert.Equal(t, billing.PayerPaid, p.Status, "the correction stands")
	assert.Equal(t, "20.00", p.Paid.String())
}

// A payer that numbers each adjustment may send the reversal and its
// correction both under the adjustment's new number (CLP07), the reversal
// naming the original in REF*F8. The original stands, so REF*F8 names what
// the reversal takes back, in either order: the reversal waited for the
// correction (its CLP07 paid in the file), the correction met the original
// standing and was kept aside, the reversal beside it, and the claim read
// 43.50 paid where the payer's net was 29.00 (a review).
func TestPayerReversalAndCorrectionUnderOneNewNumber(t *testing.T) {
	for _, correctionFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("correction first %v", correctionFirst), func(t *testing.T) {
			w, c, b, whole := twoLineClaimSent(t, "ADJ-1")
			sim := newPayerSim()
			w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "ADJ-EFT1", Claims: []clp{{CLM: whole, Status: "1", CCN: "ICN-ORIG"}}}))
			require.Equal(t, "43.50", w.payerOf(c.ID).Paid.String())

			claims := []clp{
				{CLM: whole, Status: "22", CCN: "ICN-ADJ1", F8: "ICN-ORIG"},
				{CLM: whole, Status: "1", CCN: "ICN-ADJ1", Lines: map[string][]cas{whole.Lines[1].Ref: {{"CO", "45", dec("14.50")}}}}}
			if correctionFirst {
				claims[0], claims[1] = claims[1], claims[0]
			}
			f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "ADJ-EFT2", Claims: claims}))
			assert.Empty(t, w.reasons(f.ID))
			p := w.payerOf(c.ID)
			assert.Equal(t, billing.PayerPaid, p.Status)
			assert.Equal(t, "29.00", p.Paid.String(), "the original taken back, the correction paid")
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			require.Len(t, rec.Rows, 1)
			assert.Equal(t, "29.00", rec.Rows[0].Paid.String())
			assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
		})
	}
}

// A payer re-adjudicating a claim sends the reversal of the standing
// payment and its correction both under one new number (CLP07), in
// whichever order or set of the file. REF*F8 naming the standing payment
// says what the reversal takes back, whatever the correction pays; so,
// without REF*F8, does a reversal mirroring the standing payment's amounts
// and not the correction's. Either way the reversal undoes the original,
// the correction posts, and a later reversal of the new number takes it
// back. The reversal waited on the correction of its number and, that met
// the original standing, both were kept aside: the original stood, its
// number went out as a void's REF*F8 and the payer's later takebacks
// undid nothing (a black-box re-check, with the correction paying what
// the original did, and without REF*F8 paying another amount; then a
// re-check without REF*F8 and of the same amount, where the pair was read
// as a second payment taken back in its own file).
func TestPayerReversalAndCorrectionUnderOneNewNumberEveryWay(t *testing.T) {
	original := []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}
	for _, f8 := range []bool{true, false} {
		for _, same := range []bool{true, false} {
			for _, correctionFirst := range []bool{false, true} {
				for _, twoSets := range []bool{false, true} {
					name := fmt.Sprintf("F8 %v, same amount %v, correction first %v, two sets %v", f8, same, correctionFirst, twoSets)
					t.Run(name, func(t *testing.T) {
						w, b, sent := oneClaimSent(t, "ONE-NEW")
						c := sent.claim(t, "ONE-NEW")
						id := w.claimID("ONE-NEW")
						sim := newPayerSim()
						w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ONE-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "ICN-ORIG", Claim: original}}}))

						rev := clp{CLM: c, Status: "22", CCN: "ICN-ADJ", Claim: original}
						if f8 {
							rev.F8 = "ICN-ORIG"
						}
						corr := clp{CLM: c, Status: "1", CCN: "ICN-ADJ", Claim: original, MOA: "N130"}
						paid := "20.00"
						if !same {
							corr.Claim, paid = []cas{{Group: "CO", CARC: "45", Amount: dec("5.00")}}, "24.00"
						}
						first, second := rev, corr
						if correctionFirst {
							first, second = corr, rev
						}
						var f billing.PayerFile
						if twoSets {
							f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ONE-EFT2", Claims: []clp{first}},
								remit{NPI: c.NPI, Trace: "ONE-EFT3", Claims: []clp{second}}))
						} else {
							f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ONE-EFT2", Claims: []clp{first, second}}))
						}
						p := w.payerOf(id)
						rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
						require.NoError(t, err)
						assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
						assert.Empty(t, w.reasons(f.ID))
						assert.Equal(t, billing.PayerPaid, p.Status)
						assert.Equal(t, paid, p.Paid.String(), "the original taken back, the correction paid")
						require.NotNil(t, p.PayerCCN)
						assert.Equal(t, "ICN-ADJ", *p.PayerCCN, "the number a void names in REF*F8")
						assert.Contains(t, p.Remarks, "N130")
						assert.Equal(t, paid, rec.Totals.Paid.String())

						// The payer takes the correction back by its number.
						back := corr
						back.Status = "22"
						f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ONE-EFT4", Claims: []clp{back}}))
						assert.Empty(t, w.reasons(f.ID))
						p = w.payerOf(id)
						assert.Equal(t, billing.PayerReversed, p.Status)
						assert.Equal(t, "0.00", p.Paid.String())
					})
				}
			}
		}
	}
}

// A payer re-adjudicating a claim more than once in one 835 sends each
// reversal under the new number with REF*F8 naming the adjustment it takes
// back, a payment of the same file: each reversal waits for that payment,
// then undoes it, so the chain posts in order and the last correction
// stands. The second reversal waited on its own correction instead,
// undid it and left the first correction standing (a black-box re-check:
// the claim read the reversed number and amount, the reconciliation the
// correction's).
func TestPayerReAdjudicatedTwiceInOneFileEachUnderANewNumber(t *testing.T) {
	adj := func(a string) []cas { return []cas{{Group: "CO", CARC: "45", Amount: dec(a)}} }
	for _, steps := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d re-adjudications", steps), func(t *testing.T) {
			w, b, sent := oneClaimSent(t, "TWICE")
			c := sent.claim(t, "TWICE")
			id := w.claimID("TWICE")
			sim := newPayerSim()
			w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "TWICE-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "ICN-ORIG"}}}))

			var claims []clp
			prev, prevCAS := "ICN-ORIG", []cas(nil)
			var last clp
			for i := 1; i <= steps; i++ {
				ccn := fmt.Sprintf("ICN-ADJ%d", i)
				corr := clp{CLM: c, Status: "1", CCN: ccn, Claim: adj(fmt.Sprintf("%d.00", i+2))}
				claims = append(claims, clp{CLM: c, Status: "22", CCN: ccn, F8: prev, Claim: prevCAS}, corr)
				prev, prevCAS, last = ccn, corr.Claim, corr
			}
			f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "TWICE-EFT2", Claims: claims}))
			assert.Empty(t, w.reasons(f.ID))
			_, want := last.amounts()
			p := w.payerOf(id)
			assert.Equal(t, billing.PayerPaid, p.Status)
			assert.Equal(t, want.StringFixed(2), p.Paid.String(), "the last correction stands")
			require.NotNil(t, p.PayerCCN)
			assert.Equal(t, prev, *p.PayerCCN)
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			assert.Equal(t, want.StringFixed(2), rec.Totals.Paid.String())
			assert.Equal(t, "0.00", rec.Totals.Unexplained.String())

			// The payer takes the last correction back by its number.
			back := last
			back.Status = "22"
			f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "TWICE-EFT3", Claims: []clp{back}}))
			assert.Empty(t, w.reasons(f.ID))
			assert.Equal(t, billing.PayerReversed, w.payerOf(id).Status)
		})
	}
}

// A reversal takes back what the posting it undoes paid: CLP03 and CLP04
// that do not mirror that posting (negated) are the payer's to explain,
// so the reversal is kept aside and undoes nothing. Taken, a −20.00
// reversal undid a 29.00 payment and the claim and advice read the
// correction while the reconciliation counted the original, the 9.00
// nowhere (a black-box re-check).
func TestPayerReversalNotMirroringWhatItUndoesIsKeptAside(t *testing.T) {
	for _, f8 := range []bool{true, false} {
		t.Run(fmt.Sprintf("F8 %v", f8), func(t *testing.T) {
			w, _, sent := oneClaimSent(t, "MISMATCH")
			c := sent.claim(t, "MISMATCH")
			id := w.claimID("MISMATCH")
			sim := newPayerSim()
			w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "MIS-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "ICN-ORIG"}}}))

			rev := clp{CLM: c, Status: "22", CCN: "ICN-ORIG", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}}
			if f8 {
				rev.CCN, rev.F8 = "ICN-ADJ", "ICN-ORIG"
			}
			f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "MIS-EFT2", Claims: []clp{rev}}))
			assert.Equal(t, []string{"claim_payment MISMATCH reversal_amount_mismatch"}, w.reasons(f.ID))
			p := w.payerOf(id)
			assert.Equal(t, billing.PayerPaid, p.Status)
			assert.Equal(t, "29.00", p.Paid.String(), "the original stands")
		})
	}
}

// fileBalances checks that a file's claim payments are all accounted for:
// what it posted and what it kept aside add up to BPR02 plus its PLBs
// (Σ posted + unmatched − PLB = Σ BPR02).
func (w *world) fileBalances(f billing.PayerFile) {
	w.t.Helper()
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(w.t, err)
	aside := decimal.Zero
	for _, u := range d.Unmatched {
		if u.Kind == "claim_payment" && u.Amount != nil {
			aside = aside.Add(u.Amount.Decimal)
		}
	}
	got := f.Summary.Posted.Add(aside).Sub(f.Summary.ProviderAdjustments.Decimal)
	assert.True(w.t, got.Equal(f.Summary.Total.Decimal), "posted %s + aside %s − PLB %s = BPR02 %s",
		f.Summary.Posted, aside, f.Summary.ProviderAdjustments, f.Summary.Total)
}

// A payer re-adjudicating a claim it paid in an earlier 835 sends, without
// REF*F8, the reversal of the original (CLP03 and CLP04 its standing
// posting's, negated) and the correction, at the original's amount, both
// under one new number: the reversal undoes the original and the
// correction stands under the new number, so the payer's later takeback
// of that number undoes it. Read as a second payment taken back in its own
// file, both were kept aside and the original stood, and the later
// takeback undid nothing: the claim kept money the payer had taken back
// until finance read the unmatched list (a re-check, medium).
func TestPayerReversalAndCorrectionAtTheOriginalsAmountWithoutF8(t *testing.T) {
	for _, correctionFirst := range []bool{false, true} {
		for _, twoSets := range []bool{false, true} {
			t.Run(fmt.Sprintf("correction first %v, two sets %v", correctionFirst, twoSets), func(t *testing.T) {
				w, b, sent := oneClaimSent(t, "NOF8")
				c := sent.claim(t, "NOF8")
				id := w.claimID("NOF8")
				sim := newPayerSim()
				check := func(f billing.PayerFile, status, paid, ccn, why string) {
					t.Helper()
					w.fileBalances(f)
					p := w.payerOf(id)
					assert.Equal(t, status, p.Status, why)
					assert.Equal(t, paid, p.Paid.String(), why)
					if ccn != "" {
						require.NotNil(t, p.PayerCCN, why)
						assert.Equal(t, ccn, *p.PayerCCN, why)
					}
					rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
					require.NoError(t, err)
					assert.Equal(t, paid, rec.Totals.Paid.String(), why)
					assert.Equal(t, "0.00", rec.Totals.Unexplained.String(), why)
					requireIdentity(t, rec.Totals)
				}

				f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "NOF8-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "N1"}}}))
				assert.Empty(t, w.reasons(f.ID))
				check(f, billing.PayerPaid, "29.00", "N1", "the original paid")

				rev := clp{CLM: c, Status: "22", CCN: "N2"}
				corr := clp{CLM: c, Status: "1", CCN: "N2", MOA: "N130"}
				first, second := rev, corr
				if correctionFirst {
					first, second = corr, rev
				}
				if twoSets {
					f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "NOF8-EFT2", Claims: []clp{first}},
						remit{NPI: c.NPI, Trace: "NOF8-EFT3", Claims: []clp{second}}))
				} else {
					f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "NOF8-EFT2", Claims: []clp{first, second}}))
				}
				assert.Empty(t, w.reasons(f.ID), "nothing kept aside")
				assert.Equal(t, 2, f.Summary.Matched)
				check(f, billing.PayerPaid, "29.00", "N2", "the original taken back, the correction standing under the new number")
				assert.Contains(t, w.payerOf(id).Remarks, "N130", "the correction's remark")

				f = w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "NOF8-EFT4", Claims: []clp{{CLM: c, Status: "22", CCN: "N2"}}}))
				assert.Empty(t, w.reasons(f.ID), "the takeback of the new number undoes the correction")
				check(f, billing.PayerReversed, "0.00", "", "the payer took the money back")
			})
		}
	}
}

// Where a reversal under a new number without REF*F8 cannot be told to
// take back the standing posting, it stays kept aside with the payment of
// its number, the original standing: one that does not mirror the standing
// posting's amounts, or one mirroring either of two standing parts of a
// claim the payer split across 835s.
func TestPayerReversalAndCorrectionWithoutF8AmbiguousStaysAside(t *testing.T) {
	t.Run("not mirroring the standing posting", func(t *testing.T) {
		w, b, sent := oneClaimSent(t, "AMB-1")
		c := sent.claim(t, "AMB-1")
		sim := newPayerSim()
		w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "AMB1-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "N1"}}}))
		less := []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}
		f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "AMB1-EFT2", Claims: []clp{
			{CLM: c, Status: "22", CCN: "N2", Claim: less}, {CLM: c, Status: "1", CCN: "N2", Claim: less}}}))
		assert.ElementsMatch(t, []string{"claim_payment AMB-1 already_posted", "claim_payment AMB-1 reverses_kept_aside"}, w.reasons(f.ID))
		w.fileBalances(f)
		p := w.payerOf(w.claimID("AMB-1"))
		assert.Equal(t, billing.PayerPaid, p.Status)
		assert.Equal(t, "29.00", p.Paid.String(), "the original stands")
		require.NotNil(t, p.PayerCCN)
		assert.Equal(t, "N1", *p.PayerCCN)
		rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
		require.NoError(t, err)
		requireIdentity(t, rec.Totals)
	})
	t.Run("two standing parts of one amount", func(t *testing.T) {
		w := newWorld(t)
		w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
		w.submitAs(w.ecra(), w.mhwClaim("AMB-2", "Dubois", "Kowalski", []string{"F33.1"},
			line("MHW-RA", day(-10), 2, "14.50"), line("MHW-RA", day(-9), 2, "14.50")))
		b := w.batch(billing.RouteMedicaid837P, day(0))
		whole := readSent(t, w.export(b.ID)).claim(t, "AMB-2")
		sim := newPayerSim()
		w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "AMB2-EFT1", Claims: []clp{{CLM: linePart(whole, 0), Status: "1", CCN: "N1A"}}}))
		w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "AMB2-EFT2", Claims: []clp{{CLM: linePart(whole, 1), Status: "1", CCN: "N1B"}}}))
		id := w.claimID("AMB-2")
		require.Equal(t, "29.00", w.payerOf(id).Paid.String(), "paid in two parts")
		f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "AMB2-EFT3", Claims: []clp{
			{CLM: linePart(whole, 0), Status: "22", CCN: "N2"}, {CLM: linePart(whole, 0), Status: "1", CCN: "N2"}}}))
		assert.ElementsMatch(t, []string{"claim_payment AMB-2 already_posted", "claim_payment AMB-2 reverses_kept_aside"}, w.reasons(f.ID))
		w.fileBalances(f)
		p := w.payerOf(id)
		assert.Equal(t, billing.PayerPaid, p.Status)
		assert.Equal(t, "29.00", p.Paid.String(), "both parts stand")
		rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
		require.NoError(t, err)
		requireIdentity(t, rec.Totals)
	})
}

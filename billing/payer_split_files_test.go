package billing_test

import (
	"encoding/csv"
	"slices"
	"strings"
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

// A claim paid in parts across two 835s: the first pays line 1; the
// second pays line 2 (a further part) and then, in the same payment, line
// 1 again under a third number, or a CLP itemizing no line that says MA15.
// Either is a second payment, kept aside: the third CLP was compared only
// with the parts of its own payment (the loop's current posting being the
// line-2 part), never with the first 835's, and line 1 read paid twice,
// the claim 72.50 of 43.50 (a review).
func TestPayerSplitPartRepeatingAnEarlierFilesPartIsKeptAside(t *testing.T) {
	for _, tc := range []struct {
		name  string
		again func(whole sentCLM) clp
	}{
		{"line 1 again", func(whole sentCLM) clp { return clp{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-RP-C"} }},
		{"MA15 itemizing no line", func(whole sentCLM) clp {
			return clp{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-RP-C", NoLines: true, MOA: "MA15"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, c, b, whole := twoLineClaimSent(t, "SPF-RP")
			sim := newPayerSim()
			w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-RP-EFT1", Claims: []clp{
				{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-RP-A"}}}))
			require.Equal(t, "29.00", w.payerOf(c.ID).Paid.String())

			f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-RP-EFT2", Claims: []clp{
				{CLM: linePart(whole, 1), Status: "1", CCN: "ICN-RP-B"}, tc.again(whole)}}))
			assert.Equal(t, 1, f.Summary.Unmatched, "line 1 paid again is a second payment, kept aside")
			assert.Equal(t, "14.50", f.Summary.Posted.String())
			d, err := w.b.PayerFile(w.finance(), f.ID)
			require.NoError(t, err)
			if assert.Len(t, d.Unmatched, 1) {
				assert.Equal(t, billing.UnmatchedAlreadyPosted, d.Unmatched[0].Reason)
			}
			p := w.payerOf(c.ID)
			assert.Equal(t, "43.50", p.Paid.String(), "the claim is paid 29.00 + 14.50, not line 1 twice")
			assert.Equal(t, "29.00", p.LinesPaid[c.Lines[0].ID].String())
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			require.Len(t, rec.Rows, 1)
			assert.Equal(t, "43.50", rec.Rows[0].Paid.String())
			assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
		})
	}
}

// Parts of a split claim divide it: their charges (CLP03) together are
// what the loop billed. A second CLP of the same claim in one payment
// charging it whole again, itemizing no line and saying MA15, is a second
// payment, kept aside: it was summed in as a part, a 14.50 claim read paid
// 29.00 with nothing unmatched (a payer black-box pass). Parts that itemize
// no line but divide the charge are still one posting.
func TestPayerWholeClaimPaidTwiceInOnePaymentIsNotASplit(t *testing.T) {
	whole := func(w sentCLM) clp { return clp{CLM: w, Status: "1", CCN: "ICN-W2-A", NoLines: true, MOA: "MA15"} }
	for _, tc := range []struct {
		name   string
		claims func(w sentCLM) []clp
		aside  int
		posted string
	}{
		{"two whole-claim CLPs saying MA15", func(w sentCLM) []clp {
			again := whole(w)
			again.CCN = "ICN-W2-B"
			return []clp{whole(w), again}
		}, 1, "43.50"},
		{"the lines itemized, then the claim again saying MA15", func(w sentCLM) []clp {
			again := whole(w)
			again.CCN = "ICN-W2-B"
			return []clp{{CLM: w, Status: "1", CCN: "ICN-W2-A"}, again}
		}, 1, "43.50"},
		{"two parts itemizing no line, dividing the charge", func(w sentCLM) []clp {
			return []clp{{CLM: linePart(w, 0), Status: "1", CCN: "ICN-W2-A", NoLines: true, MOA: "MA15"},
				{CLM: linePart(w, 1), Status: "1", CCN: "ICN-W2-B", NoLines: true, MOA: "MA15"}}
		}, 0, "43.50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, c, b, sent := twoLineClaimSent(t, "W2-1")
			f := w.importFile(newPayerSim().file835(remit{NPI: sent.NPI, Trace: "W2-EFT1", Claims: tc.claims(sent)}))
			assert.Equal(t, tc.aside, f.Summary.Unmatched)
			assert.Equal(t, tc.posted, f.Summary.Posted.String())
			if tc.aside > 0 {
				d, err := w.b.PayerFile(w.finance(), f.ID)
				require.NoError(t, err)
				if assert.Len(t, d.Unmatched, 1) {
					assert.Equal(t, billing.UnmatchedAlreadyPosted, d.Unmatched[0].Reason)
				}
			}
			assert.Equal(t, "43.50", w.payerOf(c.ID).Paid.String(), "paid once")
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			require.Len(t, rec.Rows, 1)
			assert.Equal(t, "43.50", rec.Rows[0].Paid.String())
			assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
		})
	}
}

// A claim the payer split without itemizing the parts' lines (MA15, no
// SVC) is voided under each part's number, the lines divided by the parts'
// charges in the order sent: one void loop under the latest part's number
// took back that part alone, the other staying paid on a claim rss had
// voided (a payer black-box re-check). A part ending inside a line could
// not be given one, so it is not taken for a part: kept aside.
func TestPayerSplitWithoutLinesIsVoidedUnderEachPart(t *testing.T) {
	w, c, _, whole := twoLineClaimSent(t, "SNL-1")
	sim := newPayerSim()
	nl := func(part sentCLM, ccn string) clp {
		return clp{CLM: part, Status: "1", CCN: ccn, NoLines: true, MOA: "MA15"}
	}
	off := linePart(whole, 0)
	off.Charge = "10.00" // line 1 billed 29.00
	f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SNL-EFT1", Claims: []clp{
		nl(linePart(whole, 0), "ICN-SNL-A"), nl(linePart(whole, 1), "ICN-SNL-B"), nl(off, "ICN-SNL-C")}}))
	assert.Equal(t, 1, f.Summary.Unmatched, "the part ending inside a line is kept aside")
	require.Equal(t, "43.50", w.payerOf(c.ID).Paid.String())

	dubois := w.demo.Clients["Dubois"]
	// A claim of the agency is numbered as the void's first part would
	// be: the void's parts go out as SNL-V.1 and SNL-V.2 (as SNL-V-1 the
	// close was refused for every agency: a payer re-check).
	w.submitAs(w.ecra(), w.mhwClaim("SNL-V-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 1, "7.25")))
	w.send837()
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "SNL-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &c.ID})
	sent := w.send837()
	var voided, numbers []string
	rejected := ""
	for _, l := range sent.Claims {
		if l.Freq == billing.FreqVoid {
			voided, numbers = append(voided, l.F8), append(numbers, l.CLM01)
			if l.F8 == "ICN-SNL-A" {
				rejected = l.CLM01
			}
		}
	}
	assert.ElementsMatch(t, []string{"ICN-SNL-A", "ICN-SNL-B"}, voided, "each part the payer holds is voided")
	assert.ElementsMatch(t, []string{"SNL-V.1", "SNL-V.2"}, numbers, "every part so, as one claim's")

	// The payer turns away the void of the first part: sent again, it
	// names that part, not the latest.
	require.NotEmpty(t, rejected)
	w.importFile(sim.file277(sent, map[string]string{rejected: "A7:21:85"}, func(s string) string { return "ACK-" + s }))
	_, _, err := w.b.Submit(w.ecra(), billing.NewResend("SNL-V-S", dubois, v.ID))
	require.NoError(t, err)
	var again []string
	for _, l := range w.send837().Claims {
		again = append(again, l.Freq+" "+l.F8)
	}
	assert.Equal(t, []string{billing.FreqVoid + " ICN-SNL-A"}, again)
}

// A void of a claim the payer split line by line, after the payer took
// one part back itself, voids the part it still holds, under that part's
// number, with that part's line alone: the taken-back line's reversal
// closes unsent, as a void of a loop the payer took back whole does. It
// went out with both lines under the standing part's number, asking the
// payer to take back 116.00 from a claim holding 58.00, and its resend
// repeated it (a payer black-box pass). Rejected, its resend sends the
// same one line.
func TestVoidOfASplitClaimLeavesAPartThePayerTookBack(t *testing.T) {
	w, c, _, whole := twoLineClaimSent(t, "TBK-1")
	sim := newPayerSim()
	partA, partB := linePart(whole, 0), linePart(whole, 1)
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "TBK-EFT1", Claims: []clp{
		{CLM: partA, Status: "1", CCN: "ICN-TBK-A", MOA: "MA15"}, {CLM: partB, Status: "1", CCN: "ICN-TBK-B", MOA: "MA15"}}}))
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "TBK-EFT2", Claims: []clp{{CLM: partA, Status: "22", CCN: "ICN-TBK-A"}}}))
	require.Equal(t, "14.50", w.payerOf(c.ID).Paid.String(), "part B stands")

	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "TBK-V", ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid, OriginalClaimID: &c.ID})
	sent := w.send837()
	require.Len(t, sent.Claims, 1, "one void loop: %+v", sent.Claims)
	void := sent.Claims[0]
	assert.Equal(t, billing.FreqVoid, void.Freq)
	assert.Equal(t, "ICN-TBK-B", void.F8)
	require.Len(t, void.Lines, 1, "part B's line alone")
	assert.Equal(t, "14.50", void.Charge, "what the payer holds under ICN-TBK-B")

	// Turned away, the void is sent again as it was: one line, part B.
	w.importFile(sim.file277(sent, map[string]string{void.CLM01: "A7:21:85"}, func(s string) string { return "ACK-" + s }))
	_, _, err := w.b.Submit(w.ecra(), billing.NewResend("TBK-V-S", w.demo.Clients["Dubois"], v.ID))
	require.NoError(t, err)
	again := w.send837()
	require.Len(t, again.Claims, 1, "%+v", again.Claims)
	assert.Equal(t, "ICN-TBK-B", again.Claims[0].F8)
	assert.Len(t, again.Claims[0].Lines, 1)
}

// A void of a claim the payer split goes out in the payer's parts, X-1
// and X-2, though it has two lines; those CLM01s are the agency's for
// good, so a claim numbered as one is refused at intake, where it was
// taken and its batch's close refused naming it (a payer black-box
// re-check). A number no loop went out under is free.
func TestClaimNumberedAsASentVoidPartIsRefused(t *testing.T) {
	w, c, _, whole := twoLineClaimSent(t, "SVP-1")
	w.importFile(newPayerSim().file835(remit{NPI: whole.NPI, Trace: "SVP-EFT1", Claims: []clp{
		{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-SVP-A", NoLines: true, MOA: "MA15"},
		{CLM: linePart(whole, 1), Status: "1", CCN: "ICN-SVP-B", NoLines: true, MOA: "MA15"}}}))
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "SVP-V", ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid, OriginalClaimID: &c.ID})
	require.ElementsMatch(t, []string{"SVP-V-1", "SVP-V-2"}, clm01s(w.send837()))

	for _, number := range []string{"SVP-V-1", "SVP-V-2"} {
		before := w.counts()
		_, _, err := w.b.Submit(w.ecra(), w.mhwClaim(number, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 1, "7.25")))
		ce := requireCode(t, err, "claim_number_conflict")
		assert.Contains(t, ce.Message, "use another number")
		assert.Contains(t, ce.Message, "SVP-V")
		assert.Equal(t, before, w.counts(), "%s: nothing written", number)
	}
	w.submitAs(w.ecra(), w.mhwClaim("SVP-V-3", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 1, "7.25")))
	assert.Equal(t, []string{"SVP-V-3"}, clm01s(w.send837()))
}

// A split whose part itemizing nothing (MA15) comes before the part that
// itemizes the other line is one posting, as the other order is: the
// itemized part was kept aside as a second payment, the claim read
// underpaid and its void took back the first part alone (a payer
// re-check). A whole-claim payment before it still makes it a second one.
func TestPayerSplitMA15PartBeforeAnItemizedPart(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first         func(w sentCLM) clp
		paid          string
		aside         int
		voidsExpected []string
	}{
		{"an MA15 part for the first line", func(w sentCLM) clp {
			return clp{CLM: linePart(w, 0), Status: "1", CCN: "ICN-MI-A", NoLines: true, MOA: "MA15"}
		}, "43.50", 0, []string{"ICN-MI-A", "ICN-MI-B"}},
		{"the claim paid whole", func(w sentCLM) clp {
			return clp{CLM: w, Status: "1", CCN: "ICN-MI-A", NoLines: true}
		}, "43.50", 1, []string{"ICN-MI-A"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, c, _, whole := twoLineClaimSent(t, "MI-1")
			f := w.importFile(newPayerSim().file835(remit{NPI: whole.NPI, Trace: "MI-EFT1", Claims: []clp{
				tc.first(whole), {CLM: linePart(whole, 1), Status: "1", CCN: "ICN-MI-B"}}}))
			assert.Equal(t, tc.aside, f.Summary.Unmatched)
			assert.Equal(t, tc.paid, w.payerOf(c.ID).Paid.String())
			w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "MI-V", ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid, OriginalClaimID: &c.ID})
			var voided []string
			for _, l := range w.send837().Claims {
				voided = append(voided, l.F8)
			}
			assert.ElementsMatch(t, tc.voidsExpected, voided)
		})
	}
}

// A claim whose lines disagree with it (its SVCs' charges do not add up to
// CLP03, so their payments less the claim-level CAS do not make CLP04) is
// kept aside as lines_out_of_balance, listed for finance, while the rest
// of the file posts: it posted both as sent, the claim paid 43.50 and its
// lines 29.00 (a payer pass). The payer's corrected claim then posts.
func TestPayerClaimWhoseLinesDoNotBalanceIsKeptAside(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("UNB-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	d := w.submitAs(w.ecra(), w.mhwClaim("UNB-2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-8), 4, "29.00")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	one, two := sent.claim(t, "UNB-1"), sent.claim(t, "UNB-2")
	// The whole claim's charge and payment over its first line alone: the
	// reader's balancing holds (CLP03 − CAS = CLP04, SVC02 − CAS = SVC03).
	short := one
	short.Lines = one.Lines[:1]
	sim := newPayerSim()
	f := w.importFile(sim.file835(remit{NPI: one.NPI, Trace: "UNB-EFT1", Claims: []clp{
		{CLM: short, Status: "1", CCN: "ICN-UNB1"}, {CLM: two, Status: "1", CCN: "ICN-UNB2"}}}))
	assert.Equal(t, 1, f.Summary.Unmatched)
	assert.Equal(t, "29.00", f.Summary.Posted.String(), "the other claim posts")
	dt, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, dt.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedUnbalanced, dt.Unmatched[0].Reason)
	assert.Equal(t, "UNB-1", dt.Unmatched[0].Reference)
	require.NotNil(t, dt.Unmatched[0].Amount)
	assert.Equal(t, "43.50", dt.Unmatched[0].Amount.String())
	assert.Nil(t, w.payerOf(c.ID), "nothing posted to the claim")
	assert.Equal(t, "29.00", w.payerOf(d.ID).Paid.String())
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	r := rec.Rows[0]
	assert.Equal(t, "29.00", r.Paid.String())
	assert.Equal(t, "43.50", r.Open.String(), "the claim kept aside awaits the payer's word")
	assert.Equal(t, "0.00", r.Unexplained.String())
	assert.True(t, r.Difference.Equal(r.Rejected.Add(r.Open.Decimal).Add(r.Replaced.Decimal).Add(r.Unexplained.Decimal)))
	require.Len(t, rec.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedUnbalanced, rec.Unmatched[0].Reason)

	// A reversal out of balance undoes nothing either.
	short2 := two
	short2.Charge = "30.00"
	f = w.importFile(sim.file835(remit{NPI: one.NPI, Trace: "UNB-EFT3", Claims: []clp{
		{CLM: short2, Status: "22", CCN: "ICN-UNB2", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("1.00")}}}}}))
	require.Equal(t, 1, f.Summary.Unmatched)
	dt, err = w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, dt.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedUnbalanced, dt.Unmatched[0].Reason)
	assert.Equal(t, billing.PayerPaid, w.payerOf(d.ID).Status)
	assert.Equal(t, "29.00", w.payerOf(d.ID).Paid.String(), "the payment stands")

	// The payer's corrected claim, its lines whole, posts.
	f = w.importFile(sim.file835(remit{NPI: one.NPI, Trace: "UNB-EFT4", Claims: []clp{{CLM: one, Status: "1", CCN: "ICN-UNB1C"}}}))
	assert.Zero(t, f.Summary.Unmatched)
	p := w.payerOf(c.ID)
	require.NotNil(t, p)
	assert.Equal(t, "43.50", p.Paid.String())
}

// A payment, its reversal and the correction keeping the claim's number
// (one CLP07 on all three) in one set listing the correction first: the
// reversal undoes the payment of the amount it takes back, and the
// correction stands. It undid the first payment listed, the correction,
// and the payment stood (a re-check: the amounts were not compared).
func TestPayerCorrectionListedBeforeThePaymentItsReversalUndoes(t *testing.T) {
	w, b, sent := oneClaimSent(t, "CFP-1")
	c := sent.claim(t, "CFP-1")
	f := w.importFile(newPayerSim().file835(remit{NPI: c.NPI, Trace: "CFP-EFT", Claims: []clp{
		{CLM: c, Status: "1", CCN: "PCN-CFP", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("1.00")}}},
		{CLM: c, Status: "1", CCN: "PCN-CFP"},
		{CLM: c, Status: "22", CCN: "PCN-CFP"},
	}}))
	assert.Zero(t, f.Summary.Unmatched)
	p := w.payerOf(w.claimID("CFP-1"))
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "28.00", p.Paid.String(), "the correction stands")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "28.00", rec.Totals.Paid.String())
	assert.Equal(t, "1.00", rec.Totals.AdjustmentTotal.String())
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
}

// A line the payer itemizes under a reference that names no line of the
// claim is listed unmatched, marked as within its claim's posted payment:
// the claim posted whole, so the line's amount is no money left unposted
// (a black-box pass added it to the file's unposted items, the count
// beside the list saying otherwise).
func TestPayerUnknownLineOfAPostedClaimIsWithinIt(t *testing.T) {
	w, c, b, whole := twoLineClaimSent(t, "SPF-UL")
	sim := newPayerSim()
	odd := whole
	odd.Lines = append([]sentSV1(nil), whole.Lines...)
	odd.Lines[1].Ref = "999999999"
	f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-UL1", Claims: []clp{{CLM: odd, Status: "1", CCN: "ICN-SPF-UL"}}}))
	assert.Zero(t, f.Summary.Unmatched, "the claim posted")
	assert.Equal(t, "43.50", w.payerOf(c.ID).Paid.String())
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	u := d.Unmatched[0]
	assert.Equal(t, "line_payment", u.Kind)
	assert.Equal(t, billing.UnmatchedLine, u.Reason)
	assert.True(t, u.WithinPosted, "within the claim's posted payment")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Unmatched, 1)
	assert.True(t, rec.Unmatched[0].WithinPosted)
	var csv strings.Builder
	require.NoError(t, rec.WriteCSV(&csv))
	assert.Contains(t, csv.String(), "unknown_line; within its claim's posted payment")
}

// A payment whose line references name no line of the claim (a payer that
// garbles REF*6R or echoes its own line numbers) is no part of another:
// paid again under another claim control number, with the claim's own
// references or others naming nothing, it is a second payment kept aside.
// Each posted as a further part, a one-claim 43.50 read paid three times
// over (a black-box re-check).
func TestPayerPaymentNamingNoLineIsNoFurtherPart(t *testing.T) {
	w, c, b, whole := twoLineClaimSent(t, "SPF-G")
	sim := newPayerSim()
	garbled := func(refs ...string) sentCLM {
		g := whole
		g.Lines = append([]sentSV1(nil), whole.Lines...)
		for i := range g.Lines {
			g.Lines[i].Ref = refs[i]
		}
		return g
	}
	f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-G1", Claims: []clp{{CLM: garbled("77777", "77778"), Status: "1", CCN: "ICN-G-A"}}}))
	require.Zero(t, f.Summary.Unmatched, "the first payment posts")
	require.Equal(t, "43.50", w.payerOf(c.ID).Paid.String())
	for i, again := range []struct {
		trace string
		clm   sentCLM
	}{{"SPF-G2", whole}, {"SPF-G3", garbled("900001", "900002")}} {
		f = w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: again.trace, Claims: []clp{{CLM: again.clm, Status: "1", CCN: "ICN-G-" + again.trace}}}))
		require.Equal(t, 1, f.Summary.Unmatched, "payment %d again", i+2)
		d, err := w.b.PayerFile(w.finance(), f.ID)
		require.NoError(t, err)
		var reasons []string
		for _, u := range d.Unmatched {
			if u.Kind == "claim_payment" {
				reasons = append(reasons, u.Reason)
			}
		}
		assert.Equal(t, []string{billing.UnmatchedAlreadyPosted}, reasons, "payment %d again", i+2)
		assert.Equal(t, "43.50", w.payerOf(c.ID).Paid.String(), "payment %d again", i+2)
	}
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "43.50", rec.Rows[0].Paid.String())
	assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
}

// A reversal naming one part of a claim paid in parts across 835s by its
// claim control number takes back that part, though another part is of the
// same amount: it took back the latest part of the amount, the line the
// payer never touched read unpaid, and the payer's correction of the line
// named was kept aside as a second payment (a black-box re-check).
func TestPayerReversalOfANamedPartTakesBackThatPart(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("SPF-N", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 2, "14.50"), line("MHW-RA", day(-9), 2, "14.50")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	whole := readSent(t, w.export(b.ID)).claim(t, "SPF-N")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-N1", Claims: []clp{{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-N-A"}}}))
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-N2", Claims: []clp{{CLM: linePart(whole, 1), Status: "1", CCN: "ICN-N-B"}}}))
	require.Equal(t, "29.00", w.payerOf(c.ID).Paid.String())

	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-N3", Claims: []clp{{CLM: linePart(whole, 0), Status: "22", CCN: "ICN-N-A"}}}))
	p := w.payerOf(c.ID)
	assert.Equal(t, "14.50", p.Paid.String())
	assert.True(t, p.LinesPaid[c.Lines[0].ID].IsZero(), "the line the reversal named is taken back: %v", p.LinesPaid)
	assert.Equal(t, "14.50", p.LinesPaid[c.Lines[1].ID].String(), "the other part stands")

	f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-N4", Claims: []clp{{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-N-C"}}}))
	assert.Zero(t, f.Summary.Unmatched, "the payer's correction of the line it took back posts")
	assert.Equal(t, "29.00", w.payerOf(c.ID).Paid.String())
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "29.00", rec.Rows[0].Paid.String())
	assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
}

// A line of a claim payment kept aside is within it: listed beside it,
// its amount read as more money unposted than the file held (a black-box
// re-check). It is left off the list, as the lines of a claim payment
// matching no claim are.
func TestPayerLinesOfAClaimKeptAsideAreNotListedApart(t *testing.T) {
	w, c, _, whole := twoLineClaimSent(t, "SPF-KA")
	short := whole
	short.Lines = []sentSV1{whole.Lines[0]}
	short.Lines[0].Ref = "999999999"
	f := w.importFile(newPayerSim().file835(remit{NPI: whole.NPI, Trace: "SPF-KA1", Claims: []clp{{CLM: short, Status: "1", CCN: "ICN-SPF-KA"}}}))
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1, "%+v", d.Unmatched)
	assert.Equal(t, "claim_payment", d.Unmatched[0].Kind)
	assert.Equal(t, billing.UnmatchedUnbalanced, d.Unmatched[0].Reason)
	assert.Nil(t, w.payerOf(c.ID))
}

// A 277CA's amount is the claim's charge (STC04), money billed: one naming
// a claim rss never sent is listed unmatched with it in the CSV's billed
// column, not the paid column beside the 835's payments kept aside, which
// a finance officer sums as money received and not posted (a black-box
// pass).
func TestUnmatchedClaimStatusIsBilledNotPaid(t *testing.T) {
	w, _, b, whole := twoLineClaimSent(t, "SPF-ST")
	sent := readSent(t, w.export(b.ID))
	never := whole
	never.CLM01 = "NEVER-SENT"
	sent.Claims = append(sent.Claims, never)
	w.importFile(newPayerSim().file277(sent, nil, func(string) string { return "PCN-ST" }))
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Unmatched, 1)
	require.Equal(t, "claim_status", rec.Unmatched[0].Kind)
	var out strings.Builder
	require.NoError(t, rec.WriteCSV(&out))
	r := csv.NewReader(strings.NewReader(out.String()))
	r.FieldsPerRecord = -1 // the Part 2 notice leads, one field
	rows, err := r.ReadAll()
	require.NoError(t, err)
	header := rows[1]
	col := func(name string) int { return slices.Index(header, name) }
	var found bool
	for _, row := range rows[2:] {
		if row[0] == "unmatched" {
			found = true
			assert.Equal(t, whole.Charge, row[col("billed")], "the charge in billed")
			assert.Empty(t, row[col("paid")], "nothing in paid")
		}
	}
	assert.True(t, found)
}

// A claim the payer split into two claims of its own (two CLPs of one
// CLP01, each with MOA MA15) reads each remark code once, in the order the
// payer gave them: the payer block listed MA15 twice, once per part (a
// payer black-box pass), where its adjustments are the parts' own.
func TestPayerSplitClaimReadsEachRemarkOnce(t *testing.T) {
	w, c, _, whole := twoLineClaimSent(t, "SPF-RM")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPF-RM-EFT1", Claims: []clp{
		{CLM: linePart(whole, 0), Status: "1", CCN: "ICN-RM-A", MOA: "MA15", Remarks: map[string]string{whole.Lines[0].Ref: "N130"}},
		{CLM: linePart(whole, 1), Status: "1", CCN: "ICN-RM-B", MOA: "MA15", Remarks: map[string]string{whole.Lines[1].Ref: "N130"}}}}))
	p := w.payerOf(c.ID)
	require.NotNil(t, p)
	assert.Equal(t, "43.50", p.Paid.String(), "both parts")
	assert.Equal(t, []string{"MA15", "N130"}, p.Remarks)
	assert.Equal(t, []string{"MA15"}, p.ClaimRemarks, "the advice CSV's claim remarks")
	assert.Equal(t, []string{"N130"}, p.LineRemarks[c.Lines[0].ID], "each line its own")
}

// clm01s are the CLM01s of a sent 837P, in file order.
func clm01s(s sent837) []string {
	var n []string
	for _, l := range s.Claims {
		n = append(n, l.CLM01)
	}
	return n
}

package billing_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// reversedWorld is a world whose claim A (29.00) the payer paid (PCN-A)
// and then took back itself (CLP02 22): nothing of A stands on the
// payer's books. sim answers the batches; close closes the next one.
type reversedWorld struct {
	*world
	a     *billing.Claim
	sim   *payerSim
	b1    billing.Batch
	sent1 sent837
}

func newReversedWorld(t *testing.T, number string) *reversedWorld {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	rw := &reversedWorld{world: w, sim: newPayerSim()}
	rw.a = w.submitAs(w.ecra(), w.mhwClaim(number, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	rw.b1, rw.sent1 = rw.close()
	rw.importFile(rw.sim.file277(rw.sent1, nil, func(string) string { return "ACK-A" }))
	rw.importFile(rw.sim.file835(remit{NPI: rw.sent1.Claims[0].NPI, Trace: number + "-EFT1",
		Claims: []clp{{CLM: rw.sent1.claim(t, number), Status: "1", CCN: "PCN-A"}}}))
	require.Equal(t, billing.PayerPaid, w.payerOf(rw.a.ID).Status)
	return rw
}

func (rw *reversedWorld) close() (billing.Batch, sent837) {
	rw.t.Helper()
	b, err := rw.b.CreateBatch(rw.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(rw.t, err)
	file := rw.export(b.ID)
	check(rw.t, file)
	return b, readSent(rw.t, file)
}

// reverseA has the payer take A's payment back, correcting nothing.
func (rw *reversedWorld) reverseA() {
	rw.t.Helper()
	rw.importFile(rw.sim.file835(remit{NPI: rw.sent1.Claims[0].NPI, Trace: rw.a.ClaimNumber + "-EFT2",
		Claims: []clp{{CLM: rw.sent1.claim(rw.t, rw.a.ClaimNumber), Status: "22", CCN: "PCN-A"}}}))
	p := rw.payerOf(rw.a.ID)
	require.Equal(rw.t, billing.PayerReversed, p.Status)
	require.Equal(rw.t, "0.00", p.Paid.String())
}

// A void of a claim whose payment the payer has itself taken back sends
// nothing, as a void of a claim the payer rejected: nothing of it is on
// the payer's books, and a frequency-8 loop naming it asked the payer to
// take back a claim it had already taken back (a black-box re-check).
// The void still gives A's units back; its reversals close with the next
// batch that sends something, and A's loop reads replaced, not open.
func TestVoidOfAClaimThePayerReversedSendsNothing(t *testing.T) {
	rw := newReversedWorld(t, "RVD-A")
	rw.reverseA()
	auth := rw.mhwAuthID("Dubois")
	require.Equal(t, 4, rw.unitsUsed(auth))
	v := rw.submitAs(rw.ecra(), billing.NewClaim{ClaimNumber: "RVD-A-V", ClientID: rw.demo.Clients["Dubois"],
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	assert.Equal(t, "void", v.Status)
	assert.Equal(t, 0, rw.unitsUsed(auth), "the void gives A's units back")

	_, err := rw.b.CreateBatch(rw.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	assert.Equal(t, "nothing_to_batch", codeOf(err), "the void alone sends nothing")

	rw.submitAs(rw.ecra(), rw.mhwClaim("RVD-B", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-8), 2, "14.50")))
	b2, sent2 := rw.close()
	require.Len(t, sent2.Claims, 1, "B alone goes out")
	assert.Equal(t, "RVD-B", sent2.Claims[0].CLM01)
	assert.Equal(t, "14.50", b2.Billed.String())

	rec, err := rw.b.Reconcile(rw.finance(), billing.ReconcileFilter{BatchID: rw.b1.ID})
	require.NoError(t, err)
	tt := rec.Totals
	assert.Equal(t, []string{"0.00", "0.00", "29.00"}, []string{tt.Rejected.String(), tt.Open.String(), tt.Replaced.String()},
		"A's loop: reversed by the payer and voided by its agency, nothing awaited")
	requireIdentity(t, tt)
}

// A void the payer rejected is not sent again once the payer has taken
// the original's payment back itself: the resend is refused
// (nothing_to_void), where it went out as a void of a claim no longer on
// the payer's books (a black-box re-check). Resent before the payer's
// reversal, the resend closes unsent with the batch that follows it.
func TestResendOfAVoidWhoseOriginalThePayerReversed(t *testing.T) {
	for _, reverseFirst := range []bool{true, false} {
		name := "reversed before the resend"
		if !reverseFirst {
			name = "reversed after the resend"
		}
		t.Run(name, func(t *testing.T) {
			rw := newReversedWorld(t, "RVR-A")
			dubois := rw.demo.Clients["Dubois"]
			v := rw.submitAs(rw.ecra(), billing.NewClaim{ClaimNumber: "RVR-A-V", ClientID: dubois,
				Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
			b2, sent2 := rw.close()
			require.Equal(t, "PCN-A", sent2.claim(t, "RVR-A-V").F8)
			rw.importFile(rw.sim.file277(sent2, map[string]string{"RVR-A-V": "A7:164:IL"}, func(string) string { return "" }))
			require.Equal(t, billing.PayerRejected, rw.payerOf(v.ID).Status)

			if reverseFirst {
				rw.reverseA()
				_, _, err := rw.b.Submit(rw.ecra(), billing.NewResend("RVR-A-V2", dubois, v.ID))
				require.ErrorIs(t, err, rss.ErrConflict)
				assert.Equal(t, "nothing_to_void", codeOf(err))
				got, err := rw.b.Claim(rw.ecra(), v.ID)
				require.NoError(t, err)
				assert.Equal(t, "void", got.Status, "nothing superseded it")
				// The rejected void and A's reversed loop net out across
				// their batches, as a void and its original do.
				rec, err := rw.b.Reconcile(rw.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
				require.NoError(t, err)
				tt := rec.Totals
				assert.Equal(t, []string{"-29.00", "29.00", "0.00"}, []string{tt.Rejected.String(), tt.Open.String(), tt.Replaced.String()})
				requireIdentity(t, tt)
				return
			}
			r := rw.submitAs(rw.ecra(), billing.NewResend("RVR-A-V2", dubois, v.ID))
			rw.reverseA()
			rw.submitAs(rw.ecra(), rw.mhwClaim("RVR-B", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-8), 2, "14.50")))
			_, sent3 := rw.close()
			require.Len(t, sent3.Claims, 1, "B alone goes out, not the resend")
			assert.Equal(t, "RVR-B", sent3.Claims[0].CLM01)
			got, err := rw.b.Claim(rw.ecra(), r.ID)
			require.NoError(t, err)
			assert.NotNil(t, got.BatchID, "the resend closed with the batch")
			rec, err := rw.b.Reconcile(rw.finance(), billing.ReconcileFilter{BatchID: b2.ID})
			require.NoError(t, err)
			assert.Equal(t, "0.00", rec.Totals.Rejected.String(), "the rejected void is replaced by its resend")
			requireIdentity(t, rec.Totals)
			// A's reversed loop counts replaced, as when its plain void
			// closes unsent: it read open for good, 29.00 awaited from a
			// payer that took it back (a black-box re-check), beside the
			// void's -29.00 replaced.
			rec, err = rw.b.Reconcile(rw.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
			require.NoError(t, err)
			tt := rec.Totals
			assert.Equal(t, []string{"0.00", "14.50", "0.00"}, []string{tt.Rejected.String(), tt.Open.String(), tt.Replaced.String()},
				"rejected, open (B), replaced (A and its void)")
			requireIdentity(t, tt)
		})
	}
}

// A payer answers a void by reversing the original's payment, never by
// paying the void: money paid on a void's loop (CLP02 1, positive) is
// kept aside as void_paid and listed, not posted. Posted, the void read
// paid to the agency and the reconciliation counted it in paid, only an
// unexplained difference showing it (a finance black-box pass).
func TestPaymentOnAVoidIsKeptAside(t *testing.T) {
	rw := newReversedWorld(t, "VDP-A") // A paid, PCN-A; the payer has not taken it back
	w, sim := rw.world, rw.sim
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "VDP-A-V", ClientID: w.demo.Clients["Dubois"],
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	b2, sent2 := rw.close()
	paidVoid := sent2.claim(t, "VDP-A-V")
	require.Equal(t, "8", paidVoid.Freq)
	paidVoid = answeredAs(t, paidVoid)
	f := w.importFile(sim.file835(remit{NPI: paidVoid.NPI, Trace: "VDP-EFT2", Claims: []clp{{CLM: paidVoid, Status: "1", CCN: "PCN-V"}}}))
	require.Equal(t, 1, f.Summary.Unmatched, "%+v", f.Summary)
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.NotEmpty(t, d.Unmatched)
	assert.Equal(t, billing.UnmatchedVoidPaid, d.Unmatched[0].Reason)
	if p := w.payerOf(v.ID); p != nil {
		assert.NotEqual(t, billing.PayerPaid, p.Status, "%+v", p)
	}
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	assert.Equal(t, "0.00", rec.Rows[0].Paid.String(), "nothing of the void is paid money")
	assert.Equal(t, 0, rec.Rows[0].PaidClaims)
}

// A void the payer answers with a payment (a claim of the void's own,
// CLP02 1, paying 29.00 under a number of its own) has not taken the
// original back: A's 29.00 stands and the payer paid 29.00 more. The
// payment stays kept aside (void_paid), never posted; the void reads the
// payer's answer (void_paid, with the CLP's amounts and CLP07) and is sent
// again as a void the payer turned away is, REF*F8 A's number. It read no
// answer at all (payer null, the advice's payer_status empty) and its
// resend was refused void_not_rejected: a dead end, Medicaid keeping 58.00
// for a service rss voided (a payer black-box pass).
func TestVoidPaidInThe835ReadsOnTheVoidAndIsSentAgain(t *testing.T) {
	rw := newReversedWorld(t, "VPS-A") // A paid 29.00, PCN-A
	w, sim := rw.world, rw.sim
	dubois := w.demo.Clients["Dubois"]
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "VPS-A-V", ClientID: dubois,
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	b2, sent2 := rw.close()
	void := sent2.claim(t, "VPS-A-V")
	require.Equal(t, "8", void.Freq)
	require.Equal(t, "PCN-A", void.F8)
	void = answeredAs(t, void)
	w.importFile(sim.file999(sent2, nil))
	f := w.importFile(sim.file835(remit{NPI: void.NPI, Trace: "VPS-EFT2", Claims: []clp{{CLM: void, Status: "1", CCN: "PCN-VP", MOA: "MA01"}}}))
	require.Equal(t, 1, f.Summary.Unmatched, "%+v", f.Summary)
	assert.Equal(t, "0.00", f.Summary.Posted.String(), "nothing posted")
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.NotEmpty(t, d.Unmatched)
	assert.Equal(t, billing.UnmatchedVoidPaid, d.Unmatched[0].Reason)

	// The void reads the payer's answer: paid, not reversed.
	var voidLines []int64
	for _, l := range v.Lines {
		voidLines = append(voidLines, l.ID)
	}
	if p := w.payerOf(v.ID); assert.NotNil(t, p, "the payer's answer shows on the void") {
		assert.Equal(t, billing.PayerVoidPaid, p.Status)
		assert.Equal(t, "0.00", p.Paid.String(), "nothing posted: not money the agency is owed")
		require.NotNil(t, p.PayerCCN)
		assert.Equal(t, "PCN-VP", *p.PayerCCN, "the payer's number for its payment of the void")
		assert.Equal(t, []string{"CLP02:1"}, p.StatusCodes)
		assert.Equal(t, []string{"MA01"}, p.Remarks)
		assert.Equal(t, voidLines, p.RejectedLines, "the lines to send again")
		require.Len(t, p.Loops, 1)
		assert.Equal(t, billing.PayerVoidPaid, p.Loops[0].Status)
		assert.Nil(t, p.Loops[0].Paid, "nothing posted")
		require.NotNil(t, p.Loops[0].PayerCCN)
		assert.Equal(t, "PCN-VP", *p.Loops[0].PayerCCN)
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		var block map[string]any
		require.NoError(t, json.Unmarshal(raw, &block))
		assert.Equal(t, map[string]any{"charge": "29.00", "paid": "29.00"}, block["void_paid"], "the CLP's amounts: %s", raw)
	}
	a := w.payerOf(rw.a.ID)
	assert.Equal(t, billing.PayerPaid, a.Status, "A is still paid at the payer")
	assert.Equal(t, "29.00", a.Paid.String())

	// The advice says so on the void's lines; Medicaid's paid counts none of it.
	var advice struct {
		Totals struct {
			PayerPaid *string `json:"payer_paid"`
		} `json:"totals"`
		Claims []struct {
			ClaimNumber string `json:"claim_number"`
			Lines       []struct {
				PayerStatus string `json:"payer_status"`
			} `json:"lines"`
		} `json:"claims"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b2.ID, "ECRA", "json"), &advice))
	require.Len(t, advice.Claims, 1)
	require.NotEmpty(t, advice.Claims[0].Lines)
	for _, l := range advice.Claims[0].Lines {
		assert.Equal(t, billing.PayerVoidPaid, l.PayerStatus)
	}
	if assert.NotNil(t, advice.Totals.PayerPaid) {
		assert.Equal(t, "0.00", *advice.Totals.PayerPaid)
	}
	// The payment is listed all the same, its money having reached the
	// agency (it was on no advice: a black-box re-check).
	var withPayments struct {
		Payments []billing.AdvicePayment `json:"payments"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b2.ID, "ECRA", "json"), &withPayments))
	require.Len(t, withPayments.Payments, 1)
	assert.Equal(t, "VPS-EFT2", withPayments.Payments[0].Trace)
	assert.Equal(t, "29.00", withPayments.Payments[0].ClaimsPaid.String())

	// Finance: the payment is unmatched void_paid, none of it paid money;
	// the void, answered, is turned away (rejected), not awaited.
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	require.NoError(t, err)
	tt := rec.Totals
	requireIdentity(t, tt)
	assert.Equal(t, []string{"0.00", "-29.00", "0.00", "0.00", "0.00"},
		[]string{tt.Paid.String(), tt.Rejected.String(), tt.Open.String(), tt.Replaced.String(), tt.Unexplained.String()},
		"paid, rejected, open, replaced, unexplained")
	assert.Equal(t, 0, tt.PaidClaims)
	assert.Equal(t, 1, tt.RejectedClaims)
	require.Len(t, rec.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedVoidPaid, rec.Unmatched[0].Reason)
	require.NotNil(t, rec.Unmatched[0].Amount)
	assert.Equal(t, "29.00", rec.Unmatched[0].Amount.String())
	all, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
	require.NoError(t, err)
	requireIdentity(t, all.Totals)
	require.Len(t, all.SupersededPaid, 1)
	assert.Equal(t, rw.a.ID, all.SupersededPaid[0].ClaimID, "A's payment stands on a claim rss voided")

	// The agency sends the void again; the next batch voids A under the
	// payer's number for it, not the payment of the void.
	r, created, err := w.b.Submit(w.ecra(), billing.NewResend("VPS-A-V2", dubois, v.ID))
	require.NoError(t, err, "a void the payer paid is sent again")
	require.True(t, created)
	assert.Equal(t, v.ID, *r.OriginalClaimID)
	b3, sent3 := rw.close()
	assert.Equal(t, 1, b3.ClaimCount)
	assert.Equal(t, "-29.00", b3.Billed.String())
	again := sent3.claim(t, "VPS-A-V2")
	assert.Equal(t, "8", again.Freq)
	assert.Equal(t, "PCN-A", again.F8)
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	require.NoError(t, err)
	requireIdentity(t, rec.Totals)
	assert.Equal(t, []string{"0.00", "0.00", "-29.00"},
		[]string{rec.Totals.Rejected.String(), rec.Totals.Open.String(), rec.Totals.Replaced.String()},
		"the paid void is replaced by its resend")
	require.Len(t, rec.Unmatched, 1, "the payment of the void stays listed for finance")

	// The payer takes its payment of the void back: the pair nets to
	// nothing, reverses_kept_aside, as a second payment's takeback does. It
	// read nothing_to_reverse, a takeback that found nothing beside a void
	// payment still owed back (a payer black-box pass).
	back := w.importFile(sim.file835(remit{NPI: void.NPI, Trace: "VPS-EFT3", Claims: []clp{{CLM: void, Status: "22", CCN: "PCN-VP"}}}))
	d, err = w.b.PayerFile(w.finance(), back.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedKeptAside, d.Unmatched[0].Reason)
	assert.Equal(t, "29.00", w.payerOf(rw.a.ID).Paid.String(), "A untouched")
}

// A replacement with fewer loops than its original voids the original's
// loops beyond its own, but not one the payer has taken back itself: that
// loop is off the payer's books, so it closes unsent, as a plain void of
// it does, and counts replaced; the voids after it are numbered on. A
// black-box pass found it sent as a frequency-8 loop (REF*F8 the payer's
// number), money in the batch's totals not owed, and the loop awaited in
// the reconciliation for a reversal that would never come.
func TestReplacementDoesNotVoidALoopThePayerReversed(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 300, day(-30), day(30))
	var lines []billing.NewLine
	for i := range 101 { // three loops: 50, 50 and 1 lines
		units := 1 + i%4
		lines = append(lines, line("MHW-RA", day(-27+i/4), units, []string{"7.25", "14.50", "21.75", "29.00"}[i%4]))
	}
	a := w.submitAs(w.ecra(), w.mhwClaim("RPV-A", "Dubois", "Kowalski", []string{"F33.1"}, lines...))
	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b1.ID))
	loops := []sentCLM{sent.claim(t, "RPV-A-1"), sent.claim(t, "RPV-A-2"), sent.claim(t, "RPV-A-3")}
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: loops[0].NPI, Trace: "RPV-EFT1", Claims: []clp{
		{CLM: loops[0], Status: "1", CCN: "PCN-1"}, {CLM: loops[1], Status: "1", CCN: "PCN-2"}, {CLM: loops[2], Status: "1", CCN: "PCN-3"}}}))
	w.importFile(sim.file835(remit{NPI: loops[0].NPI, Trace: "RPV-EFT2", Claims: []clp{{CLM: loops[1], Status: "22", CCN: "PCN-2"}}}))
	require.Equal(t, billing.PayerPartlyReversed, w.payerOf(a.ID).Status)

	r := w.mhwClaim("RPV-R", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-27), 1, "7.25"))
	r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &a.ID
	w.submitAs(w.ecra(), r)
	b2, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	check(t, w.export(b2.ID))
	sent2 := readSent(t, w.export(b2.ID))
	var got []string
	for _, c := range sent2.Claims {
		got = append(got, c.CLM01+" freq "+c.Freq+" F8 "+c.F8)
	}
	assert.Equal(t, []string{"RPV-R-1 freq 7 F8 PCN-1", "RPV-R-2 freq 8 F8 PCN-3"}, got,
		"the first loop replaced, the third voided as the second part; nothing asks the payer to take back PCN-2 again")
	assert.Equal(t, rss.MustMoney("7.25").Sub(rss.MustMoney(loops[2].Charge).Decimal).StringFixed(2), b2.Billed.String(),
		"the batch bills the replacement's line and the third loop's void, not the second's")
	assert.Equal(t, 2, b2.ClaimCount)

	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	tt := rec.Totals
	assert.Equal(t, "0.00", tt.Open.String(), "no loop of the first batch is awaited")
	assert.Equal(t, loops[1].Charge, tt.Replaced.String(), "the loop the payer took back counts replaced")
	requireIdentity(t, tt)
}

// A payer that turns a void away in its 835 (a claim of the void's own,
// CLP02 4, paying nothing, the charge adjusted away) rather than in its
// 277CA has not taken the original back: the void is kept aside as
// void_denied and its loop reads turned away, as a 277CA rejection reads
// it, so the reconciliation counts its -29.00 as rejected and the agency
// sends the void again. Posted as the void's answer, the batch read
// unexplained -58.00 (the void's negative billed against the payer's
// positive charge and adjustment) and the resend was refused
// void_not_rejected, leaving the original's payment at the payer (a
// white-box review).
func TestVoidDeniedInThe835IsTurnedAway(t *testing.T) {
	for _, status := range []string{"4", "1"} {
		t.Run("CLP02 "+status, func(t *testing.T) {
			rw := newReversedWorld(t, "VDD-A") // A paid 29.00, PCN-A
			w, sim := rw.world, rw.sim
			dubois := w.demo.Clients["Dubois"]
			v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "VDD-A-V", ClientID: dubois,
				Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
			b2, sent2 := rw.close()
			void := sent2.claim(t, "VDD-A-V")
			require.Equal(t, "8", void.Freq)
			void = answeredAs(t, void)
			w.importFile(sim.file999(sent2, nil))
			f := w.importFile(sim.file835(remit{NPI: void.NPI, Trace: "VDD-EFT2", Claims: []clp{{CLM: void, Status: status, CCN: "PCN-V",
				NoLines: true, MOA: "N130", Claim: []cas{{Group: "CO", CARC: "129", Amount: dec(strings.TrimPrefix(void.Charge, "-"))}}}}}))
			require.Equal(t, 1, f.Summary.Unmatched, "%+v", f.Summary)
			d, err := w.b.PayerFile(w.finance(), f.ID)
			require.NoError(t, err)
			require.NotEmpty(t, d.Unmatched)
			assert.Equal(t, billing.UnmatchedVoidDenied, d.Unmatched[0].Reason)
			assert.Equal(t, billing.PayerRejected, w.payerOf(v.ID).Status)
			assert.Equal(t, billing.PayerPaid, w.payerOf(rw.a.ID).Status, "A is still paid at the payer")
			// Why, as the 835 said it: its CLP02, CAS and remarks, and the
			// payer's number for the denial; it read "IK5:A", the 999 that
			// accepted the void's set, and nothing more (a payer black-box
			// pass).
			p := w.payerOf(v.ID)
			assert.Equal(t, []string{"CLP02:" + status}, p.StatusCodes)
			assert.Equal(t, []string{"CO-129 " + strings.TrimPrefix(void.Charge, "-")}, adjustments(p))
			assert.Equal(t, []string{"N130"}, p.Remarks)
			require.NotNil(t, p.PayerCCN)
			assert.Equal(t, "PCN-V", *p.PayerCCN)
			require.Len(t, p.Loops, 1)
			assert.Equal(t, billing.PayerRejected, p.Loops[0].Status)
			require.NotNil(t, p.Loops[0].PayerCCN)
			assert.Equal(t, "PCN-V", *p.Loops[0].PayerCCN)
			assert.Nil(t, p.Loops[0].Paid, "nothing posted")
			assert.Equal(t, "0.00", p.Paid.String())

			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
			require.NoError(t, err)
			tt := rec.Totals
			requireIdentity(t, tt)
			assert.Equal(t, "-29.00", tt.Rejected.String(), "the turned-away void, billed negative")
			assert.Equal(t, "0.00", tt.Unexplained.String())
			assert.Equal(t, "0.00", tt.AdjustmentTotal.String(), "the denial's CAS is the kept-aside item's, not the batch's")

			// The agency sends the void again; the next batch voids A
			// under the payer's number for it.
			r, created, err := w.b.Submit(w.ecra(), billing.NewResend("VDD-A-V2", dubois, v.ID))
			require.NoError(t, err, "a void the payer denied is sent again")
			require.True(t, created)
			b3, sent3 := rw.close()
			assert.Equal(t, 1, b3.ClaimCount)
			assert.Equal(t, "-29.00", b3.Billed.String())
			again := sent3.claim(t, "VDD-A-V2")
			assert.Equal(t, "8", again.Freq)
			assert.Equal(t, "PCN-A", again.F8)
			assert.Equal(t, v.ID, *r.OriginalClaimID)
		})
	}
}

// A void the payer denied in an 835 imported before migration 00104 was
// posted as the void's answer; the migration marks it void_denied as the
// importer now keeps it, so it too reads turned away, reconciles and is
// sent again (a review of the change: the fix did nothing for them). The
// row is made as the earlier importer wrote it, and the migration's Up
// run again over it.
func TestVoidDeniedBeforeMigration00104IsTurnedAwayToo(t *testing.T) {
	rw := newReversedWorld(t, "VDM-A")
	w, sim := rw.world, rw.sim
	dubois := w.demo.Clients["Dubois"]
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "VDM-A-V", ClientID: dubois,
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	b2, sent2 := rw.close()
	void := sent2.claim(t, "VDM-A-V")
	void = answeredAs(t, void)
	w.importFile(sim.file835(remit{NPI: void.NPI, Trace: "VDM-EFT2", Claims: []clp{{CLM: void, Status: "4", CCN: "PCN-V",
		NoLines: true, Claim: []cas{{Group: "CO", CARC: "129", Amount: dec(void.Charge)}}}}}))
	_, err := w.db.ExecContext(t.Context(), `ALTER TABLE payer_claim_payments DISABLE TRIGGER payer_claim_payments_immutable;
		UPDATE payer_claim_payments SET unmatched_reason = NULL WHERE unmatched_reason = 'void_denied';
		ALTER TABLE payer_claim_payments ENABLE TRIGGER payer_claim_payments_immutable;`)
	require.NoError(t, err)
	require.Equal(t, billing.PayerDenied, w.payerOf(v.ID).Status, "as the earlier importer left it")

	up, err := os.ReadFile("../pg/migrations/00104_void_denied_turned_away.sql")
	require.NoError(t, err)
	body := string(up)
	body = body[strings.Index(body, "-- +goose Up"):strings.Index(body, "-- +goose Down")]
	_, err = w.db.ExecContext(t.Context(), body)
	require.NoError(t, err)

	assert.Equal(t, billing.PayerRejected, w.payerOf(v.ID).Status)
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	require.NoError(t, err)
	requireIdentity(t, rec.Totals)
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
	assert.Equal(t, "-29.00", rec.Totals.Rejected.String())
	_, created, err := w.b.Submit(w.ecra(), billing.NewResend("VDM-A-V2", dubois, v.ID))
	require.NoError(t, err)
	assert.True(t, created)
}

// denyVoid has the payer deny, in an 835, the void loop clm01 of sent (a
// claim of the void's own, CLP02 4, the charge adjusted away, CO-129).
func (rw *reversedWorld) denyVoid(sent sent837, clm01, trace string) {
	rw.t.Helper()
	void := answeredAs(rw.t, sent.claim(rw.t, clm01))
	require.Equal(rw.t, "8", void.Freq)
	rw.importFile(rw.sim.file835(remit{NPI: void.NPI, Trace: trace, Claims: []clp{{CLM: void, Status: "4", CCN: "PCN-" + clm01,
		NoLines: true, Claim: []cas{{Group: "CO", CARC: "129", Amount: dec(void.Charge)}}}}}))
}

// A resend's resend reads the original's loop, not only the void it
// resends: the void denied, its resend denied too, and the payer then
// taking A back itself, a further resend is refused nothing_to_void, as a
// first resend is. Read one void back, it was taken and sent, REF*F8
// PCN-A, asking the payer to take back a payment it had taken back (a
// review and a payer re-check).
func TestResendOfADeniedResendAfterThePayerReversedTheOriginal(t *testing.T) {
	rw := newReversedWorld(t, "RRD-A") // A paid 29.00, PCN-A
	dubois := rw.demo.Clients["Dubois"]
	v := rw.submitAs(rw.ecra(), billing.NewClaim{ClaimNumber: "RRD-A-V", ClientID: dubois,
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	_, sent2 := rw.close()
	rw.denyVoid(sent2, "RRD-A-V", "RRD-EFT2")
	v2, created, err := rw.b.Submit(rw.ecra(), billing.NewResend("RRD-A-V2", dubois, v.ID))
	require.NoError(t, err)
	require.True(t, created)
	_, sent3 := rw.close()
	require.Equal(t, "PCN-A", sent3.claim(t, "RRD-A-V2").F8)
	rw.denyVoid(sent3, "RRD-A-V2", "RRD-EFT3")
	require.Equal(t, billing.PayerRejected, rw.payerOf(v2.ID).Status, "the resend denied in turn")

	rw.reverseA() // nothing of A is on the payer's books
	_, _, err = rw.b.Submit(rw.ecra(), billing.NewResend("RRD-A-V3", dubois, v2.ID))
	assert.Equal(t, "nothing_to_void", codeOf(err), "%v", err)
}

// A resend names the payer's number for the original as it stands: the
// void denied, the payer reversed A and paid it again under a new number
// (PCN-AC), and the resend went out REF*F8 PCN-A, the payment reversed,
// leaving the one that stands paid for a service rss had voided (a payer
// re-check). As a first void names the latest payment.
func TestResendNamesThePaymentThatStands(t *testing.T) {
	rw := newReversedWorld(t, "RNS-A")
	dubois := rw.demo.Clients["Dubois"]
	v := rw.submitAs(rw.ecra(), billing.NewClaim{ClaimNumber: "RNS-A-V", ClientID: dubois,
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	_, sent2 := rw.close()
	rw.denyVoid(sent2, "RNS-A-V", "RNS-EFT2")
	a := rw.sent1.claim(t, "RNS-A")
	rw.importFile(rw.sim.file835(remit{NPI: a.NPI, Trace: "RNS-EFT3", Claims: []clp{
		{CLM: a, Status: "22", CCN: "PCN-A"}, {CLM: a, Status: "1", CCN: "PCN-AC"}}}))
	require.Equal(t, billing.PayerPaid, rw.payerOf(rw.a.ID).Status)
	_, _, err := rw.b.Submit(rw.ecra(), billing.NewResend("RNS-A-V2", dubois, v.ID))
	require.NoError(t, err)
	_, sent3 := rw.close()
	assert.Equal(t, "PCN-AC", sent3.claim(t, "RNS-A-V2").F8, "the payment that stands")
}

// A resend of a resend that closes unsent (the payer took the original
// back itself before its batch) has the original's loop read replaced,
// as a first resend closed unsent does: only the first was read, and the
// loop read open for good, money awaited that the payer had taken back
// (a re-check).
func TestResendOfAResendClosedUnsentReplacesTheOriginal(t *testing.T) {
	rw := newReversedWorld(t, "RRU-A")
	dubois := rw.demo.Clients["Dubois"]
	v := rw.submitAs(rw.ecra(), billing.NewClaim{ClaimNumber: "RRU-A-V", ClientID: dubois,
		Frequency: billing.FreqVoid, OriginalClaimID: &rw.a.ID})
	_, sent2 := rw.close()
	rw.denyVoid(sent2, "RRU-A-V", "RRU-EFT2")
	v2, _, err := rw.b.Submit(rw.ecra(), billing.NewResend("RRU-A-V2", dubois, v.ID))
	require.NoError(t, err)
	_, sent3 := rw.close()
	rw.denyVoid(sent3, "RRU-A-V2", "RRU-EFT3")
	_, _, err = rw.b.Submit(rw.ecra(), billing.NewResend("RRU-A-V3", dubois, v2.ID))
	require.NoError(t, err)
	rw.reverseA()
	// The next batch has something else to send; the third void closes unsent.
	rw.submitAs(rw.ecra(), rw.mhwClaim("RRU-B", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-8), 2, "14.50")))
	_, sent4 := rw.close()
	for _, c := range sent4.Claims {
		assert.NotEqual(t, "RRU-A-V3", c.CLM01, "nothing of A is on the payer's books")
	}
	rec, err := rw.b.Reconcile(rw.finance(), billing.ReconcileFilter{BatchID: rw.b1.ID})
	require.NoError(t, err)
	requireIdentity(t, rec.Totals)
	assert.Equal(t, "0.00", rec.Totals.Open.String(), "A's loop is replaced, not awaited")
	assert.Equal(t, 1, rec.Totals.ReplacedClaims)
}

// answeredAs is void loop c as a payer's 835 answers it: its charges as
// amounts, positive (rss sends a void's negative; a CLP that is no
// reversal carries none).
func answeredAs(t *testing.T, c sentCLM) sentCLM {
	t.Helper()
	c.Charge = strings.TrimPrefix(c.Charge, "-")
	c.Lines = slices.Clone(c.Lines)
	for i := range c.Lines {
		c.Lines[i].Charge = strings.TrimPrefix(c.Lines[i].Charge, "-")
	}
	return c
}

package billing_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/x12/x12test"
)

// codeOf is the stable code of a coded error, "" for any other.
func codeOf(err error) string {
	var ce *rss.CodedError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// mhwAuthID is the client's MHW-RA authorization with ECRA.
func (w *world) mhwAuthID(client string) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.db.GetContext(w.t.Context(), &id, `SELECT id FROM authorizations
		WHERE client_id = $1 AND service_code = 'MHW-RA' ORDER BY id LIMIT 1`, w.demo.Clients[client]))
	return id
}

// requireIdentity checks a reconciliation row's difference is what its
// states account for: rejected + open + replaced + unexplained.
func requireIdentity(t *testing.T, r billing.ReconcileRow) {
	t.Helper()
	sum := r.Rejected.Add(r.Open.Decimal).Add(r.Replaced.Decimal).Add(r.Unexplained.Decimal)
	require.True(t, r.Difference.Equal(sum), "difference %s = rejected %s + open %s + replaced %s + unexplained %s",
		r.Difference, r.Rejected, r.Open, r.Replaced, r.Unexplained)
}

// A void the payer turns away (its loop rejected by the 277CA) leaves the
// original paid at the payer, its units already given back in rss: the
// agency sends the void again (NewResend), which releases nothing, goes
// in the next batch as a frequency-8 loop with the REF*F8 the rejected
// one carried, and once the payer reverses the original the rejected
// void reads replaced and the resend as a void loop (open, netting out
// the original's reversal). Before, a second void of the original was
// already_superseded and a void of the void original_is_void: the
// payer kept its payment.
func TestRejectedVoidIsSentAgain(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	auth := w.mhwAuthID("Dubois")
	dubois := w.demo.Clients["Dubois"]
	a := w.submitAs(w.ecra(), w.mhwClaim("RV-A", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	require.Equal(t, 6, w.unitsUsed(auth))
	close := func() (billing.Batch, []byte) {
		t.Helper()
		b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
		require.NoError(t, err)
		file := w.export(b.ID)
		check(t, file)
		return b, file
	}
	importAll := func(ans x12test.Answers) {
		t.Helper()
		for _, f := range [][]byte{ans.Ack999, ans.Ack277CA, ans.Remit835} {
			if f != nil {
				w.importFile(f)
			}
		}
	}

	// The payer pays A.
	b1, file1 := close()
	ans1, err := x12test.Answer(file1, x12test.Scenario{Control: 950})
	require.NoError(t, err)
	importAll(ans1)
	pcnA := ans1.PayerControls["RV-A"]
	require.Equal(t, billing.PayerPaid, w.payerOf(a.ID).Status)

	// The MSC changes the service's code after A went out: the void and
	// its resend take A's lines back as A billed them (a re-check found
	// the resend carrying the code of the rejected void's batch).
	_, err = w.db.ExecContext(t.Context(), `UPDATE services SET procedure_code = 'H0038', modifiers = '{HQ}' WHERE code = 'MHW-RA'`)
	require.NoError(t, err)

	// A is voided; the payer turns the void's loop away.
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RV-A-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &a.ID})
	require.Equal(t, 0, w.unitsUsed(auth), "the void gave A's units back")
	paidBefore := w.episodePaid(auth)
	b2, file2 := close()
	sent2 := readSent(t, file2)
	assert.Contains(t, string(file2), "SV1*HC:S5125:U1*")
	assert.NotContains(t, string(file2), "H0038")
	voidLoop := sent2.claim(t, "RV-A-V")
	require.Equal(t, billing.FreqVoid, voidLoop.Freq)
	require.Equal(t, pcnA, voidLoop.F8)
	ans2, err := x12test.Answer(file2, x12test.Scenario{Control: 960, FirstPayerControl: 100,
		Outcomes: map[string]x12test.Outcome{"RV-A-V": {Reject: "A7:164:IL"}}})
	require.NoError(t, err)
	importAll(ans2)
	require.Equal(t, billing.PayerRejected, w.payerOf(v.ID).Status)
	require.Equal(t, billing.PayerPaid, w.payerOf(a.ID).Status, "A is still paid at the payer")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	require.NoError(t, err)
	require.Equal(t, "-43.50", rec.Totals.Rejected.String(), "the rejected void, billed negative")

	// Neither a second void of A nor a void of the void sends it again.
	_, _, err = w.b.Submit(w.ecra(), billing.NewClaim{ClaimNumber: "RV-A-V2", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &a.ID})
	assert.Equal(t, "already_superseded", codeOf(err))
	_, _, err = w.b.Submit(w.ecra(), billing.NewClaim{ClaimNumber: "RV-A-V2", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &v.ID})
	assert.Equal(t, "original_is_void", codeOf(err))

	// The resend: a void of A's lines as the rejected void billed them,
	// releasing nothing.
	r, created, err := w.b.Submit(w.ecra(), billing.NewResend("RV-A-V2", dubois, v.ID))
	require.NoError(t, err)
	require.True(t, created)
	assert.Equal(t, billing.FreqVoid, r.Frequency)
	assert.Equal(t, v.ID, *r.OriginalClaimID)
	assert.Equal(t, "void", r.Status)
	assert.Equal(t, v.TotalPaid.String(), r.TotalPaid.String())
	require.Len(t, r.Lines, len(v.Lines))
	for i, l := range r.Lines {
		assert.Equal(t, "reversal", l.Status)
		assert.Equal(t, v.Lines[i].ID, *l.ReversesLineID, "it sends the void's line again")
		assert.Equal(t, v.Lines[i].UnitsAllowed, l.UnitsAllowed)
		assert.Equal(t, v.Lines[i].Paid.String(), l.Paid.String())
	}
	assert.Equal(t, 0, w.unitsUsed(auth), "units are not given back twice")
	assert.Equal(t, paidBefore, w.episodePaid(auth), "nor dollars")
	got, err := w.b.Claim(w.ecra(), v.ID)
	require.NoError(t, err)
	assert.Equal(t, "replaced", got.Status)
	assert.Equal(t, r.ID, *got.SupersededBy)
	var action string
	require.NoError(t, w.db.GetContext(t.Context(), &action, `SELECT action FROM audit_events
		WHERE entity_type = 'claim' AND entity_id = $1`, access.ID(r.ID)))
	assert.Equal(t, "resend", action)

	// The same resend again is the claim on file; another is refused.
	again, created, err := w.b.Submit(w.ecra(), billing.NewResend("RV-A-V2", dubois, v.ID))
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, r.ID, again.ID)
	_, _, err = w.b.Submit(w.ecra(), billing.NewResend("RV-A-V3", dubois, v.ID))
	assert.Equal(t, "already_superseded", codeOf(err))

	// The next batch sends it as a frequency-8 loop naming A as the payer
	// knows it, lines as the rejected void's.
	b3, file3 := close()
	assert.Equal(t, 1, b3.ClaimCount)
	assert.Equal(t, "-43.50", b3.Billed.String())
	sent3 := readSent(t, file3)
	assert.Contains(t, string(file3), "SV1*HC:S5125:U1*", "the resend takes A's lines back as A billed them")
	assert.NotContains(t, string(file3), "H0038")
	require.Len(t, sent3.Claims, 1)
	resent := sent3.claim(t, "RV-A-V2")
	assert.Equal(t, billing.FreqVoid, resent.Freq)
	assert.Equal(t, pcnA, resent.F8, "REF*F8: the payer's reference of A, as the rejected void carried")
	assert.Equal(t, voidLoop.Charge, resent.Charge)
	assert.Equal(t, voidLoop.MemberID, resent.MemberID)
	require.Len(t, resent.Lines, len(voidLoop.Lines))
	for i, l := range resent.Lines {
		want := voidLoop.Lines[i]
		assert.Equal(t, []string{want.Proc, want.Charge, want.Units, want.DOS}, []string{l.Proc, l.Charge, l.Units, l.DOS})
	}

	// The payer accepts the resend and reverses A's payment.
	ans3, err := x12test.Answer(file3, x12test.Scenario{Control: 970, FirstPayerControl: 200,
		Outcomes:  map[string]x12test.Outcome{"RV-A-V2": {Pending: true}},
		Reversals: []x12test.Reversal{{Previous: remitOf(t, ans1.Remit835)["RV-A"], PayeeNPI: sent3.Claims[0].NPI}}})
	require.NoError(t, err)
	importAll(ans3)
	p := w.payerOf(a.ID)
	assert.Equal(t, billing.PayerReversed, p.Status)
	assert.Equal(t, "0.00", p.Paid.String())
	assert.Equal(t, billing.PayerAccepted, w.payerOf(r.ID).Status)

	// The rejected void is replaced by its resend, not rejected money; the
	// resend is a void loop, open in its batch, netting out A's reversal.
	for _, tc := range []struct {
		name                           string
		batch                          int64
		rejected, open, replaced, paid string
	}{
		{"A's batch: reversed and not corrected", b1.ID, "0.00", "43.50", "0.00", "0.00"},
		{"the rejected void's batch", b2.ID, "0.00", "0.00", "-43.50", "0.00"},
		{"the resend's batch", b3.ID, "0.00", "-43.50", "0.00", "0.00"},
	} {
		rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: tc.batch})
		require.NoError(t, err)
		tt := rec.Totals
		assert.Equal(t, []string{tc.rejected, tc.open, tc.replaced, tc.paid, "0.00"},
			[]string{tt.Rejected.String(), tt.Open.String(), tt.Replaced.String(), tt.Paid.String(), tt.Unexplained.String()}, tc.name)
		requireIdentity(t, tt)
	}
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-1), To: day(1)})
	require.NoError(t, err)
	assert.Equal(t, "0.00", rec.Totals.Rejected.String())
	assert.Equal(t, "0.00", rec.Totals.Open.String(), "A's reversal and the resend net out")
	requireIdentity(t, rec.Totals)
}

// A void sent before the payer answered its original named the original
// by its CLM01 (REF*F8), as it had to. The payer then accepted the
// original under a number of its own (277CA REF*1K) and turned the void
// away: the resend named the CLM01 again, where a first void would have
// named the payer's number, and the payer could not match it to the claim
// on its books (a finance black-box pass of the forty-fifth stop).
func TestResendNamesTheNumberThePayerGaveSinceTheVoid(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	dubois := w.demo.Clients["Dubois"]
	a := w.submitAs(w.ecra(), w.mhwClaim("RN-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	close := func() []byte {
		t.Helper()
		b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
		require.NoError(t, err)
		file := w.export(b.ID)
		check(t, file)
		return file
	}
	file1 := close()
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RN-A-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &a.ID})
	file2 := close()
	require.Equal(t, "RN-A", readSent(t, file2).claim(t, "RN-A-V").F8, "no number from the payer yet: the CLM01")

	// The payer accepts A under its number, no payment yet, and turns the
	// void away.
	ans1, err := x12test.Answer(file1, x12test.Scenario{Control: 980, FirstPayerControl: 500,
		Outcomes: map[string]x12test.Outcome{"RN-A": {Pending: true}}})
	require.NoError(t, err)
	w.importFile(ans1.Ack999)
	w.importFile(ans1.Ack277CA)
	pcnA := ans1.PayerControls["RN-A"]
	require.NotEmpty(t, pcnA)
	ans2, err := x12test.Answer(file2, x12test.Scenario{Control: 990, FirstPayerControl: 600,
		Outcomes: map[string]x12test.Outcome{"RN-A-V": {Reject: "A7:164:IL"}}})
	require.NoError(t, err)
	w.importFile(ans2.Ack999)
	w.importFile(ans2.Ack277CA)
	require.Equal(t, billing.PayerRejected, w.payerOf(v.ID).Status)

	_, created, err := w.b.Submit(w.ecra(), billing.NewResend("RN-A-V2", dubois, v.ID))
	require.NoError(t, err)
	require.True(t, created)
	resent := readSent(t, close()).claim(t, "RN-A-V2")
	assert.Equal(t, billing.FreqVoid, resent.Freq)
	assert.Equal(t, pcnA, resent.F8, "REF*F8: A as the payer knows it now")
}

// A resend is of a void the payer rejected, and only that: not of a claim
// that is not a void, nor of a void no batch has sent, nor of one the
// payer accepted; nor of another agency's claim.
func TestResendRefusals(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	dubois := w.demo.Clients["Dubois"]
	a := w.submitAs(w.ecra(), w.mhwClaim("RR2-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	resend := func(number string, id int64) error {
		_, _, err := w.b.Submit(w.ecra(), billing.NewResend(number, dubois, id))
		return err
	}
	err := resend("RR2-X1", a.ID)
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Equal(t, "not_a_void", codeOf(err))

	// A void of a claim no batch took is on the record only: no batch
	// will send it, so its refusal does not promise one.
	c := w.submitAs(w.ecra(), w.mhwClaim("RR2-C", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 2, "14.50")))
	cv := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RR2-C-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &c.ID})
	err = resend("RR2-X0", cv.ID)
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Equal(t, "void_not_sent", codeOf(err))
	assert.Contains(t, err.Error(), "on the record only")
	assert.NotContains(t, err.Error(), "the next batch sends it")

	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	ans1, err := x12test.Answer(w.export(b1.ID), x12test.Scenario{Control: 980})
	require.NoError(t, err)
	w.importFile(ans1.Ack277CA)
	w.importFile(ans1.Remit835)
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RR2-A-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &a.ID})
	err = resend("RR2-X2", v.ID)
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Equal(t, "void_not_sent", codeOf(err), "it waits for its batch")
	assert.Contains(t, err.Error(), "the next batch sends it")

	b2, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	err = resend("RR2-X3", v.ID)
	assert.Equal(t, "void_not_rejected", codeOf(err), "sent, not answered")
	ans2, err := x12test.Answer(w.export(b2.ID), x12test.Scenario{Control: 990, FirstPayerControl: 100,
		Outcomes: map[string]x12test.Outcome{"RR2-A-V": {Pending: true}}})
	require.NoError(t, err)
	w.importFile(ans2.Ack277CA)
	err = resend("RR2-X4", v.ID)
	assert.Equal(t, "void_not_rejected", codeOf(err), "accepted")

	// Another agency does not see the void.
	_, _, err = w.b.Submit(w.hvr(), billing.NewResend("RR2-X5", dubois, v.ID))
	require.ErrorIs(t, err, rss.ErrInvalid)
	// Finance does not submit claims.
	_, _, err = w.b.Submit(w.finance(), billing.NewResend("RR2-X6", dubois, v.ID))
	require.ErrorIs(t, err, rss.ErrForbidden)

	got, err := w.b.Claim(w.ecra(), v.ID)
	require.NoError(t, err)
	assert.Equal(t, "void", got.Status, "nothing superseded it")
	assert.Nil(t, got.SupersededBy)
}

package billing_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func (w *world) importFile(body []byte) billing.PayerFile {
	w.t.Helper()
	f, err := w.b.ImportPayerFile(w.finance(), body)
	require.NoError(w.t, err, "%s", body)
	return f
}

func (w *world) payerOf(id int64) *billing.ClaimPayer {
	w.t.Helper()
	c, err := w.b.Claim(w.finance(), id)
	require.NoError(w.t, err)
	return c.Payer
}

// payerRows counts every row the payer's answers are kept in.
func (w *world) payerRows() int {
	w.t.Helper()
	var n int
	require.NoError(w.t, w.db.GetContext(w.t.Context(), &n, `SELECT
		(SELECT count(*) FROM payer_files) + (SELECT count(*) FROM payer_set_acks) + (SELECT count(*) FROM payer_claim_statuses)
		+ (SELECT count(*) FROM payer_payments) + (SELECT count(*) FROM payer_claim_payments) + (SELECT count(*) FROM payer_line_payments)
		+ (SELECT count(*) FROM payer_adjustments) + (SELECT count(*) FROM payer_provider_adjustments)`))
	return n
}

func adjustments(p *billing.ClaimPayer) []string {
	var out []string
	for _, a := range p.Adjustments {
		out = append(out, a.Group+"-"+a.CARC+" "+a.Amount.String())
	}
	return out
}

func carcRows(r billing.ReconcileRow) []string {
	var out []string
	for _, a := range r.Adjustments {
		out = append(out, a.Group+"-"+a.CARC+" "+a.Amount.String())
	}
	return out
}

// TestPayerRoundTrip: rss writes an 837P for a batch, the simulated payer
// answers it with a 999, a 277CA (one claim rejected) and an 835 (paid in
// full, partly paid with CAS, denied, a PLB), rss imports them; every
// claim's payer status and paid amount are right, importing again changes
// nothing; a void of a paid claim goes out with REF*F8 = the payer's claim
// control number, the rejected claim corrected goes as a new claim, and
// the payer's reversal undoes the posting.
func TestPayerRoundTrip(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	w.mhwAuthorize(w.ecra(), "Ortiz", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	paid := w.submitAs(w.ecra(), w.mhwClaim("RT-PAID", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	part := w.submitAs(w.ecra(), w.mhwClaim("RT-PART", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-8), 8, "58.00"), line("MHW-RA", day(-7), 4, "29.00")))
	deny := w.submitAs(w.ecra(), w.mhwClaim("RT-DENY", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-6), 2, "14.50")))
	rej := w.submitAs(w.ecra(), w.mhwClaim("RT-REJ", "Ortiz", "Kowalski", []string{"F90.2"}, line("MHW-RA", day(-5), 4, "29.00")))
	hvr := w.submitAs(w.hvr(), w.mhwClaim("RT-HVR", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-4), 6, "43.50")))
	for _, c := range []*billing.Claim{paid, part, deny, rej, hvr} {
		require.Equal(t, "paid", c.Status, c.ClaimNumber)
	}

	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b1.ID))
	require.Len(t, sent.Claims, 5)
	ccn := func(clm01 string) string { return "ICN" + strings.ReplaceAll(clm01, "-", "") }
	sim := newPayerSim()

	// 999: the one transaction set accepted.
	f999 := w.importFile(sim.file999(sent, nil))
	assert.Equal(t, billing.PayerFile999, f999.Kind)
	assert.Equal(t, "items 1 matched 1 unmatched 0 accepted 1 rejected 0 payments 0 total 0.00 paid 0.00 posted 0.00 plb 0.00", summary(f999))
	assert.Nil(t, w.payerOf(paid.ID), "a 999 says nothing about a claim")

	// 277CA: RT-REJ rejected (A7:21:85), the others accepted with the payer's claim control number.
	f277 := w.importFile(sim.file277(sent, map[string]string{"RT-REJ": "A7:21:85"}, ccn))
	assert.Equal(t, 5, f277.Summary.Items)
	assert.Equal(t, 5, f277.Summary.Matched)
	assert.Equal(t, 4, f277.Summary.Accepted)
	assert.Equal(t, 1, f277.Summary.Rejected)
	p := w.payerOf(rej.ID)
	require.NotNil(t, p)
	assert.Equal(t, billing.PayerRejected, p.Status)
	assert.Equal(t, []string{"A7:21:85"}, p.StatusCodes)
	assert.Equal(t, "0.00", p.Paid.String())
	assert.Equal(t, billing.PayerAccepted, w.payerOf(paid.ID).Status)
	// The provider sees its own claim's rejection and why; another agency does not see the claim at all.
	own, err := w.b.Claim(w.ecra(), rej.ID)
	require.NoError(t, err)
	require.NotNil(t, own.Payer)
	assert.Equal(t, billing.PayerRejected, own.Payer.Status)
	_, err = w.b.Claim(w.hvr(), rej.ID)
	require.ErrorIs(t, err, rss.ErrNotFound)

	// 835: ECRA's payment (RT-PAID in full 43.50; RT-PART 87.00 less CO-45 8.00 and PR-2 4.50 = 74.50;
	// RT-DENY denied CO-96 14.50) less a 5.00 PLB recovery = 113.00; HVR's 43.50.
	pl := sent.claim(t, "RT-PART").Lines
	ecra := remit{NPI: sent.claim(t, "RT-PAID").NPI, Trace: "EFT0001", Claims: []clp{
		{CLM: sent.claim(t, "RT-PAID"), Status: "1", CCN: ccn("RT-PAID")},
		{CLM: sent.claim(t, "RT-PART"), Status: "1", CCN: ccn("RT-PART"),
			Lines:   map[string][]cas{pl[0].Ref: {{"CO", "45", dec("8.00")}}, pl[1].Ref: {{"PR", "2", dec("4.50")}}},
			Remarks: map[string]string{pl[1].Ref: "N130"}},
		{CLM: sent.claim(t, "RT-DENY"), Status: "4", CCN: ccn("RT-DENY"), Claim: []cas{{"CO", "96", dec("14.50")}}, NoLines: true},
	}, PLB: []plb{{NPI: sent.claim(t, "RT-PAID").NPI, Reason: "WO", Ref: "OLD1", Amount: dec("5.00")}}}
	hvrPay := remit{NPI: sent.claim(t, "RT-HVR").NPI, Trace: "EFT0002", Claims: []clp{{CLM: sent.claim(t, "RT-HVR"), Status: "1", CCN: ccn("RT-HVR")}},
		PLB: []plb{{NPI: sent.claim(t, "RT-HVR").NPI, Reason: "L6", Ref: "INT1", Amount: dec("-1.25")}}} // interest paid
	body835 := sim.file835(ecra, hvrPay)
	f835 := w.importFile(body835)
	assert.Equal(t, "items 4 matched 4 unmatched 0 accepted 0 rejected 0 payments 2 total 157.75 paid 161.50 posted 161.50 plb 3.75", summary(f835))
	assert.True(t, f835.Summary.Paid.Equal(f835.Summary.Total.Add(f835.Summary.ProviderAdjustments.Decimal)), "Σ posted = BPR02 + Σ PLB")
	// Every import is audited, and every claim it posted, with the claim's client.
	var audited []string
	require.NoError(t, w.db.SelectContext(t.Context(), &audited, `SELECT action || ' ' || entity_type || ' ' || entity_id || ' ' ||
			COALESCE(client_id::text, '-') FROM audit_events WHERE action IN ('import', 'post') ORDER BY id`))
	assert.Contains(t, audited, fmt.Sprintf("import payer_file %d -", f835.ID))
	assert.Contains(t, audited, fmt.Sprintf("post claim %d %d", part.ID, part.ClientID))
	assert.Contains(t, audited, fmt.Sprintf("post claim %d %d", rej.ID, rej.ClientID), "the 277CA's rejection too")
	assert.Contains(t, audited, fmt.Sprintf("post batch %d -", b1.ID), "the 999")
	assert.Len(t, audited, 3+1+5+4, "three files, one batch, five claims acknowledged, four paid")

	p = w.payerOf(paid.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "43.50", p.Paid.String())
	assert.Equal(t, ccn("RT-PAID"), *p.PayerCCN)
	p = w.payerOf(part.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "74.50", p.Paid.String())
	assert.Equal(t, []string{"CO-45 8.00", "PR-2 4.50"}, adjustments(p))
	assert.Equal(t, []string{"N130"}, p.Remarks)
	p = w.payerOf(deny.ID)
	assert.Equal(t, billing.PayerDenied, p.Status)
	assert.Equal(t, "0.00", p.Paid.String())
	assert.Equal(t, []string{"CO-96 14.50"}, adjustments(p))
	assert.Equal(t, billing.PayerRejected, w.payerOf(rej.ID).Status)
	own, err = w.b.Claim(w.hvr(), hvr.ID)
	require.NoError(t, err)
	assert.Equal(t, "43.50", own.Payer.Paid.String())

	// Importing any of them again posts nothing and answers with the earlier import.
	rows := w.payerRows()
	for _, f := range []struct {
		body []byte
		id   int64
	}{{sim.file999(sent, nil), 0}, {body835, f835.ID}} {
		again := w.importFile(f.body)
		if f.id != 0 {
			assert.Equal(t, f.id, again.ID)
			assert.True(t, again.AlreadyImported)
		}
	}
	assert.Equal(t, rows+len(sent.STs)+1, w.payerRows(), "a new 999 (new control numbers) is a new file; the same 835 adds nothing")
	rows = w.payerRows()
	again := w.importFile(body835)
	assert.True(t, again.AlreadyImported)
	assert.Equal(t, summary(f835), summary(again))
	assert.Equal(t, rows, w.payerRows())
	assert.Equal(t, "43.50", w.payerOf(paid.ID).Paid.String(), "nothing posted twice")

	// The remittance advice shows Medicaid's payment beside rss's decision.
	var advice struct {
		Claims []billing.AdviceClaim `json:"claims"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b1.ID, "ECRA", "json"), &advice))
	byNumber := map[string]billing.AdviceClaim{}
	for _, c := range advice.Claims {
		byNumber[c.ClaimNumber] = c
	}
	require.NotNil(t, byNumber["RT-PART"].Payer)
	assert.Equal(t, "74.50", byNumber["RT-PART"].Payer.Paid.String())
	assert.Equal(t, "58.00", byNumber["RT-PART"].Lines[0].Paid.String(), "rss's decision")
	assert.Equal(t, "50.00", byNumber["RT-PART"].Lines[0].PayerPaid.String(), "Medicaid's payment")
	assert.Equal(t, "24.50", byNumber["RT-PART"].Lines[1].PayerPaid.String())
	assert.Equal(t, billing.PayerRejected, byNumber["RT-REJ"].Payer.Status)
	assert.Nil(t, byNumber["RT-REJ"].Lines[0].PayerPaid)
	csvAdvice := string(w.advice(b1.ID, "ECRA", "csv"))
	// Medicaid's own adjustments and remarks per line, beside rss's (the
	// CSV carried only its status and amount; a black-box pass).
	// Then what Medicaid paid the claim, on its first row only, and its
	// claim-level CAS and remarks (a denial's CO-96; a black-box pass).
	// (Then billed_in_file, what the file billed the line, the seven
	// columns of payments and PLB rows, empty on a line's row, and the
	// claim's status codes and a payment's money kept aside.)
	assert.Contains(t, csvAdvice, ",paid,50.00,CO-45 8.00,,true,74.50,,,58.00,,,,,,,,,\n")
	assert.Contains(t, csvAdvice, ",paid,24.50,PR-2 4.50,N130,true,,,,29.00,,,,,,,,,\n")
	assert.Contains(t, csvAdvice, ",denied,,,,true,0.00,CO-96 14.50,,14.50,,,,,,,,,\n")
	assert.Contains(t, csvAdvice, ",rejected,,,,true,0.00,,,29.00,,,,,,,,A7:21:85,\n", "the 277CA's reason for the rejection")
	require.Len(t, byNumber["RT-PART"].Lines[1].PayerAdjustments, 1)
	assert.Equal(t, "PR", byNumber["RT-PART"].Lines[1].PayerAdjustments[0].Group)
	assert.Equal(t, []string{"N130"}, byNumber["RT-PART"].Lines[1].PayerRemarks)

	// Reconciliation of the batch: ECRA billed 174.00 = paid 118.00 + adjustments 27.00 + rejected 29.00.
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 2)
	er := rec.Rows[0]
	if er.ProviderID != w.demo.Providers["ECRA"] {
		er = rec.Rows[1]
	}
	assert.Equal(t, 4, er.Claims)
	assert.Equal(t, "174.00", er.Billed.String())
	assert.Equal(t, 3, er.AcceptedClaims)
	assert.Equal(t, "145.00", er.Accepted.String())
	assert.Equal(t, 1, er.RejectedClaims)
	assert.Equal(t, "29.00", er.Rejected.String())
	assert.Equal(t, 2, er.PaidClaims)
	assert.Equal(t, 1, er.DeniedClaims)
	assert.Equal(t, "118.00", er.Paid.String())
	assert.Equal(t, []string{"CO-45 8.00", "CO-96 14.50", "PR-2 4.50"}, carcRows(er))
	assert.Equal(t, "29.00", er.Difference.String())
	assert.Equal(t, "0.00", er.Unexplained.String())
	assert.Equal(t, "0.00", er.Open.String())
	assert.Equal(t, "217.50", rec.Totals.Billed.String())
	assert.Equal(t, "161.50", rec.Totals.Paid.String())
	assert.Equal(t, "0.00", rec.Totals.Unexplained.String())
	require.Len(t, rec.ProviderAdjustments, 2)
	assert.Equal(t, "5.00", rec.ProviderAdjustments[0].Amount.String())
	assert.Equal(t, "-1.25", rec.ProviderAdjustments[1].Amount.String())
	// Summed for finance to match the deposits (a payer pass added them by hand).
	assert.Equal(t, "3.75", rec.ProviderAdjustmentTotal.String())
	var recCSV bytes.Buffer
	require.NoError(t, rec.WriteCSV(&recCSV))
	assert.Contains(t, recCSV.String(), "\nprovider_adjustment_total,,,,,,,,,,,3.75,")
	assert.Empty(t, rec.Unmatched)
	assert.Empty(t, rec.Unanswered)

	// A void of the paid claim and a correction of the rejected one go in the next batch.
	dubois, ortiz := w.demo.Clients["Dubois"], w.demo.Clients["Ortiz"]
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "RT-PAID-V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &paid.ID})
	fix := w.mhwClaim("RT-REJ-C", "Ortiz", "Kowalski", []string{"F90.2"}, line("MHW-RA", day(-5), 4, "29.00"))
	fix.Frequency, fix.OriginalClaimID = billing.FreqReplacement, &rej.ID
	fixed := w.submitAs(w.ecra(), fix)
	require.Equal(t, ortiz, fixed.ClientID)
	b2, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	file2 := w.export(b2.ID)
	check(t, file2)
	sent2 := readSent(t, file2)
	require.Len(t, sent2.Claims, 2, "the void, and the correction as a new claim: the rejected original is not voided at the payer")
	v := sent2.claim(t, "RT-PAID-V")
	assert.Equal(t, billing.FreqVoid, v.Freq)
	assert.Equal(t, ccn("RT-PAID"), v.F8, "REF*F8 is the payer's claim control number")
	c := sent2.claim(t, "RT-REJ-C")
	assert.Equal(t, billing.FreqOriginal, c.Freq, "a correction of a rejected claim goes as a new claim")
	assert.Empty(t, c.F8)
	assert.Equal(t, 2, b2.ClaimCount)
	assert.Equal(t, "-14.50", b2.Billed.String(), "43.50 voided, 29.00 billed anew")

	// The payer reverses RT-PAID (CLP02 22, its claim control number), pays the correction, and
	// sends a claim we never sent: kept, listed, not posted.
	stranger := sentCLM{CLM01: "NOT-OURS-1", Charge: "10.00", Freq: "1", Last: "X", First: "Y", MemberID: "Z1",
		Lines: []sentSV1{{Proc: "HC:H2015", Charge: "10.00", Units: "1", DOS: sent.Claims[0].Lines[0].DOS, Ref: "999999999"}}}
	f2 := w.importFile(sim.file835(remit{NPI: v.NPI, Trace: "EFT0003", Claims: []clp{
		{CLM: sent.claim(t, "RT-PAID"), Status: "22", CCN: ccn("RT-PAID")},
		{CLM: sent2.claim(t, "RT-REJ-C"), Status: "1", CCN: "ICNNEW1"},
		{CLM: stranger, Status: "1", CCN: "ICNX"},
	}}))
	assert.Equal(t, 3, f2.Summary.Items)
	assert.Equal(t, 2, f2.Summary.Matched)
	assert.Equal(t, 1, f2.Summary.Unmatched)
	assert.Equal(t, "-4.50", f2.Summary.Paid.String(), "-43.50 + 29.00 + 10.00")
	assert.Equal(t, "-14.50", f2.Summary.Posted.String())
	p = w.payerOf(paid.ID)
	assert.Equal(t, billing.PayerReversed, p.Status)
	assert.Equal(t, "0.00", p.Paid.String())
	assert.Equal(t, "29.00", w.payerOf(fixed.ID).Paid.String())
	// The correction's reversal of the rejected loop closed with b2 unsent:
	// its advice line reads not_sent, where it read the claim's "paid" (a
	// black-box pass), and only the line sent counts in the file's totals.
	var advice2 struct {
		Claims []billing.AdviceClaim `json:"claims"`
		Totals billing.AdviceTotals  `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b2.ID, "ECRA", "json"), &advice2))
	var unsent int
	for _, cl := range advice2.Claims {
		if cl.ClaimNumber != "RT-REJ-C" {
			continue
		}
		for _, l := range cl.Lines {
			if l.Status == "reversal" {
				unsent++
				assert.False(t, l.InFile)
				assert.Equal(t, billing.PayerNotSent, l.PayerStatus)
			} else {
				assert.True(t, l.InFile)
				assert.Equal(t, billing.PayerPaid, l.PayerStatus)
			}
		}
	}
	assert.Equal(t, 1, unsent, "the rejected loop's one line, reversed")
	assert.Equal(t, "-14.50", advice2.Totals.InFile.Paid.String(), "the batch's own figure: 43.50 voided, 29.00 billed anew")
	detail, err := w.b.PayerFile(w.finance(), f2.ID)
	require.NoError(t, err)
	require.Len(t, detail.Unmatched, 1)
	assert.Equal(t, billing.UnmatchedItem{FileID: f2.ID, Kind: "claim_payment", Reference: "NOT-OURS-1", Reason: billing.UnmatchedClaim,
		Amount: ptr(money("10.00"))}, detail.Unmatched[0])
	require.Len(t, detail.Payments, 1)
	assert.NotNil(t, detail.Payments[0].Claims[0].ReversesID)

	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	er = rec.Rows[0]
	if er.ProviderID != w.demo.Providers["ECRA"] {
		er = rec.Rows[1]
	}
	assert.Equal(t, "74.50", er.Paid.String(), "118.00 less the 43.50 reversed")
	assert.Equal(t, 1, er.OpenClaims, "reversed and not corrected")
	assert.Equal(t, "43.50", er.Open.String())
	assert.Equal(t, "72.50", er.Difference.String())
	assert.Equal(t, "0.00", er.Unexplained.String())
	require.Len(t, rec.Unmatched, 1, "the file that answered batch 1 lists what it could not match")

	// A second payment of a loop not reversed first is kept, not posted.
	f3 := w.importFile(sim.file835(remit{NPI: v.NPI, Trace: "EFT0004", Claims: []clp{{CLM: sent.claim(t, "RT-PART"), Status: "1", CCN: "ICNDUP"}}}))
	assert.Equal(t, 1, f3.Summary.Unmatched)
	assert.Equal(t, "74.50", w.payerOf(part.ID).Paid.String())
	_, err = w.b.ImportPayerFile(w.finance(), sim.file835(remit{NPI: v.NPI, Trace: "EFT0004", Claims: []clp{{CLM: sent.claim(t, "RT-HVR"), Status: "1", CCN: "ICNDUP"}}}))
	require.ErrorIs(t, err, rss.ErrConflict, "a payment already posted, in another file")

	// The payer takes its second payment back: the reversal names the
	// payment kept aside (CLP07 ICNDUP), so the payment that stands is not
	// undone; the pair is listed unmatched and nets to nothing.
	f4 := w.importFile(sim.file835(remit{NPI: v.NPI, Trace: "EFT0005", Claims: []clp{{CLM: sent.claim(t, "RT-PART"), Status: "22", CCN: "ICNDUP"}}}))
	assert.Equal(t, 1, f4.Summary.Unmatched)
	assert.Equal(t, "0.00", f4.Summary.Posted.String())
	p = w.payerOf(part.ID)
	assert.Equal(t, billing.PayerPaid, p.Status, "the posted payment stands")
	assert.Equal(t, "74.50", p.Paid.String())
	rec2, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	assert.Equal(t, rec.Rows[0].Paid.String(), rec2.Rows[0].Paid.String(), "nothing posted moved")
	assert.Equal(t, rec.Rows[0].Open.String(), rec2.Rows[0].Open.String())
	var reasons []string
	require.NoError(t, w.db.SelectContext(t.Context(), &reasons, `SELECT unmatched_reason FROM payer_claim_payments
		WHERE payer_ccn = 'ICNDUP' ORDER BY id`))
	assert.Equal(t, []string{billing.UnmatchedAlreadyPosted, billing.UnmatchedKeptAside}, reasons)

	// The same taken back again: it names a payment on file that no
	// posting carries, so it undoes nothing (the loop's current posting
	// stands).
	f5 := w.importFile(sim.file835(remit{NPI: v.NPI, Trace: "EFT0006", Claims: []clp{{CLM: sent.claim(t, "RT-PART"), Status: "22", CCN: "ICNDUP"}}}))
	assert.Equal(t, 1, f5.Summary.Unmatched)
	assert.Equal(t, "74.50", w.payerOf(part.ID).Paid.String())
	assert.Equal(t, billing.PayerPaid, w.payerOf(part.ID).Status)
	reasons = nil
	require.NoError(t, w.db.SelectContext(t.Context(), &reasons, `SELECT unmatched_reason FROM payer_claim_payments
		WHERE payer_ccn = 'ICNDUP' ORDER BY id`))
	assert.Equal(t, []string{billing.UnmatchedAlreadyPosted, billing.UnmatchedKeptAside, billing.UnmatchedNothingToUndo}, reasons)
}

func ptr[T any](v T) *T { return &v }

func summary(f billing.PayerFile) string {
	s := f.Summary
	return fmt.Sprintf("items %d matched %d unmatched %d accepted %d rejected %d payments %d total %s paid %s posted %s plb %s",
		s.Items, s.Matched, s.Unmatched, s.Accepted, s.Rejected, s.Payments, s.Total.String(), s.Paid.String(), s.Posted.String(),
		s.ProviderAdjustments.String())
}

// TestPayerImportRefusals: only finance imports; a file the readers
// refuse is invalid with its segment position and writes nothing.
func TestPayerImportRefusals(t *testing.T) {
	w := newWorld(t)
	sim := newPayerSim()
	good := sim.file999(sent837{GS: "1", STs: []string{"0001"}}, nil)
	_, err := w.b.ImportPayerFile(w.hra(), good)
	require.ErrorIs(t, err, rss.ErrForbidden)
	_, err = w.b.ImportPayerFile(w.as("admin", ""), good)
	require.ErrorIs(t, err, rss.ErrForbidden)

	rows := w.payerRows()
	bad := bytes.Replace(good, []byte("SE*6*0001"), []byte("SE*7*0001"), 1)
	require.NotEqual(t, good, bad)
	for _, tc := range []struct {
		name, want string
		body       []byte
	}{
		{"empty", "", []byte("  \n")},
		{"not x12", "segment", []byte("hello world")},
		{"bad SE count", "segment 8 (SE)", bad},
		{"an 837P", "x12: invalid input: segment 3 (ST): ST01", readable837()},
		// Worded as the readers word theirs (it lacked "x12: invalid
		// input": a black-box pass), at the end of input as they name it.
		{"an ISA alone", "x12: invalid input: segment 2: the file ends before any transaction set (ST)",
			[]byte("ISA*00*          *00*          *ZZ*CTMEDICAID     *ZZ*RSSMSC         *260602*1200*^*00501*000000001*0*T*:~")},
		{"truncated", "segment", good[:len(good)-30]},
		{"an amount no column holds", "segment 4 (BPR): BPR02 is a monetary amount of a trillion or more", sim.file835(remit{NPI: "1234567893", Trace: "BIG", Claims: []clp{{Status: "1", CCN: "C1",
			CLM: sentCLM{CLM01: "BIG-1", Charge: "10000000000000.00", Freq: "1", Last: "X", First: "Y", MemberID: "Z1",
				Lines: []sentSV1{{Proc: "HC:H2015", Charge: "10000000000000.00", Units: "1", DOS: "20260601", Ref: "1"}}}}}})},
		// A quantity is kept to the thousandth: one with more decimals,
		// valid X12, is refused where it was written, in its set; named as
		// "claim 1 of the set", a black-box pass could not tell which of
		// the file's sets was meant.
		{"a quantity rss does not keep", "x12: invalid input: segment 31 (SVC): SVC05 has more than three decimals", twoSets(t, sim, "**1~", "**1.2345~")},
		// A notification (BPR01 H) or non-payment data (BPR04 NON) moves
		// no money: one with an amount posted its claims paid (a black-box
		// pass).
		{"a notification paying", "segment 20 (BPR): BPR02 is 10.00, but BPR01 H", twoSets(t, sim, "BPR*I*", "BPR*H*")},
		{"non-payment data paying", "segment 20 (BPR): BPR02 is 10.00, but BPR04 NON",
			twoSets(t, sim, "*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*", "*NON************")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.b.ImportPayerFile(w.finance(), tc.body)
			var ve *rss.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Fields, 1)
			assert.Equal(t, "body", ve.Fields[0].Field)
			assert.Contains(t, ve.Fields[0].Message, tc.want)
			assert.NotContains(t, ve.Fields[0].Message, "BIG-1", "never a value of the file: the claim's number")
		})
	}
	assert.Equal(t, rows, w.payerRows(), "nothing written")
}

// twoSets is an interchange of two 835s, a set each, the second edited
// from old to new.
func twoSets(t *testing.T, sim *payerSim, old, new string) []byte {
	t.Helper()
	one := func(trace, clm string) remit {
		return remit{NPI: "1234567893", Trace: trace, Claims: []clp{{Status: "1", CCN: "C" + trace,
			CLM: sentCLM{CLM01: clm, Charge: "10.00", Freq: "1", Last: "X", First: "Y", MemberID: "Z1",
				Lines: []sentSV1{{Proc: "HC:H2015", Charge: "10.00", Units: "1", DOS: "20260601", Ref: "1"}}}}}}
	}
	f := string(sim.file835(one("T1", "TWO-1"), one("T2", "TWO-2")))
	i := strings.LastIndex(f, "ST*835*")
	require.Positive(t, i)
	second := strings.Replace(f[i:], old, new, 1)
	require.NotEqual(t, f[i:], second, "the edit applies")
	return []byte(f[:i] + second)
}

func readable837() []byte {
	return []byte("ISA*00*          *00*          *ZZ*RSSMSC         *ZZ*CTMEDICAID     *260602*1200*^*00501*000000001*0*T*:~" +
		"GS*HC*RSSMSC*CTMEDICAID*20260602*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~SE*2*0001~GE*1*1~IEA*1*000000001~")
}

// TestPayerPostingProperty: for random batches and random payer outcomes
// (rejections, full and partial payments with random CAS, denials, PLBs of
// either sign, and in later rounds reversals of earlier payments, some
// corrected), Σ posted = Σ BPR02 + Σ PLB for every 835, and every batch's
// reconciliation explains every cent: paid, adjustments and rejected are
// what the payer sent for its claims, unexplained is zero, the difference
// is rejected plus open, and open is exactly the reversals not corrected.
func TestPayerPostingProperty(t *testing.T) {
	seed := uint64(20261202)
	rng := rand.New(rand.NewPCG(seed, 11))
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 400, day(-30), day(30))
	w.mhwAuthorize(w.ecra(), "Ortiz", 400, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 400, day(-30), day(30))
	type who struct {
		client, staff  string
		diag, provider string
	}
	people := []who{{client: "Dubois", staff: "Kowalski", diag: "F33.1", provider: "ECRA"},
		{client: "Ortiz", staff: "Kowalski", diag: "F90.2", provider: "ECRA"},
		{client: "Yilmaz", staff: "Brandt", diag: "F20.9", provider: "HVR"}}
	// What the payer said per batch, to check each batch at the end.
	type batchWant struct {
		id                   int64
		billed               string
		paid, adj, rejected  decimal.Decimal
		rejectedN            int
		sent                 map[string]sentCLM
		current              map[string]clp // CLM01 → the posting in force
		reversedNotCorrected map[string]bool
	}
	var batches []*batchWant
	batchOf := map[string]*batchWant{}
	randomAnswer := func(c sentCLM, ccn string) clp {
		answer := clp{CLM: c, Status: "1", CCN: ccn, Lines: map[string][]cas{}}
		switch rng.IntN(3) {
		case 1: // partly paid: a random part of each line adjusted, CO, PR or OA
			for _, l := range c.Lines {
				cents := dec(l.Charge).Mul(decimal.NewFromInt(100)).IntPart()
				cut := decimal.NewFromInt(rng.Int64N(cents + 1)).Div(decimal.NewFromInt(100))
				group := []string{"CO", "PR", "OA"}[rng.IntN(3)]
				answer.Lines[l.Ref] = []cas{{group, []string{"45", "1", "2", "253"}[rng.IntN(4)], cut}}
			}
		case 2:
			answer.Status, answer.NoLines = "4", true
			answer.Claim = []cas{{"CO", "96", dec(c.Charge)}}
		}
		return answer
	}
	// post adds what a CLP says to the batch of its claim.
	post := func(c clp) {
		bw := batchOf[c.CLM.CLM01]
		_, paid := c.amounts()
		bw.paid = bw.paid.Add(paid)
		sign := decimal.NewFromInt(1)
		if c.Status == "22" {
			sign = sign.Neg()
		}
		adj := sum(c.Claim)
		for _, l := range c.Lines {
			adj = adj.Add(sum(l))
		}
		bw.adj = bw.adj.Add(adj.Mul(sign))
	}
	sim := newPayerSim()
	nextDay := map[string]int{}
	trace := 0
	for round := range 4 {
		n := 2 + rng.IntN(4)
		for i := range n {
			p := people[rng.IntN(len(people))]
			var lines []billing.NewLine
			for range 1 + rng.IntN(2) {
				// A client's lines never repeat a date and units (the duplicate rule would deny them).
				k := nextDay[p.client]
				nextDay[p.client]++
				d, units := -29+k%29, 1+k/29
				lines = append(lines, line("MHW-RA", day(d), units, decimal.NewFromFloat(7.25).Mul(decimal.NewFromInt(int64(units))).StringFixed(2)))
			}
			ctx := w.ecra()
			if p.provider == "HVR" {
				ctx = w.hvr()
			}
			w.submitAs(ctx, w.mhwClaim(fmt.Sprintf("PR%d-%d", round, i), p.client, p.staff, []string{p.diag}, lines...))
		}
		b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
		require.NoError(t, err)
		sent := readSent(t, w.export(b.ID))
		bw := &batchWant{id: b.ID, billed: b.Billed.String(), sent: map[string]sentCLM{}, current: map[string]clp{},
			reversedNotCorrected: map[string]bool{}}
		batches = append(batches, bw)
		reject := map[string]string{}
		for _, c := range sent.Claims {
			batchOf[c.CLM01], bw.sent[c.CLM01] = bw, c
			if rng.IntN(5) == 0 {
				reject[c.CLM01] = "A7:21:85"
				bw.rejected, bw.rejectedN = bw.rejected.Add(dec(c.Charge)), bw.rejectedN+1
			}
		}
		w.importFile(sim.file999(sent, nil))
		w.importFile(sim.file277(sent, reject, func(s string) string { return "ICN" + s }))
		byPayee := map[string]*remit{}
		var payees []string
		add := func(c clp) {
			r := byPayee[c.CLM.NPI]
			if r == nil {
				trace++
				r = &remit{NPI: c.CLM.NPI, Trace: fmt.Sprintf("EFT%05d", trace)}
				byPayee[c.CLM.NPI], payees = r, append(payees, c.CLM.NPI)
			}
			r.Claims = append(r.Claims, c)
			post(c)
		}
		for _, c := range sent.Claims {
			if _, ok := reject[c.CLM01]; ok {
				continue
			}
			answer := randomAnswer(c, "ICN"+c.CLM01)
			add(answer)
			bw.current[c.CLM01] = answer
		}
		// Later rounds reverse some payments of earlier batches, and correct some.
		for _, old := range batches[:len(batches)-1] {
			for _, clm01 := range slices.Sorted(maps.Keys(old.current)) { // in order: the seed says everything
				prev := old.current[clm01]
				if rng.IntN(4) != 0 {
					continue
				}
				rev := prev
				rev.Status = "22"
				add(rev)
				delete(old.current, clm01)
				if rng.IntN(2) == 0 {
					fixed := randomAnswer(prev.CLM, prev.CCN+"C")
					add(fixed)
					old.current[clm01] = fixed
					delete(old.reversedNotCorrected, clm01)
				} else {
					old.reversedNotCorrected[clm01] = true
				}
			}
		}
		var rs []remit
		for _, npi := range payees {
			r := byPayee[npi]
			for range rng.IntN(3) {
				amount := decimal.NewFromInt(rng.Int64N(2001) - 1000).Div(decimal.NewFromInt(100))
				r.PLB = append(r.PLB, plb{NPI: npi, Reason: []string{"WO", "L6", "FB"}[rng.IntN(3)], Ref: "R" + fmt.Sprint(rng.IntN(999)), Amount: amount})
			}
			rs = append(rs, *r)
		}
		if len(rs) > 0 {
			f := w.importFile(sim.file835(rs...))
			assert.True(t, f.Summary.Paid.Equal(f.Summary.Total.Add(f.Summary.ProviderAdjustments.Decimal)),
				"seed %d round %d: Σ posted %s = Σ BPR02 %s + Σ PLB %s", seed, round, f.Summary.Paid.String(), f.Summary.Total.String(),
				f.Summary.ProviderAdjustments.String())
			assert.Equal(t, f.Summary.Paid.String(), f.Summary.Posted.String(), "seed %d round %d: every claim matched and posted", seed, round)
			assert.Zero(t, f.Summary.Unmatched)
		}
	}

	var reversals, corrected int
	require.NoError(t, w.db.GetContext(t.Context(), &reversals, `SELECT count(*) FROM payer_claim_payments WHERE reverses_id IS NOT NULL`))
	require.NoError(t, w.db.GetContext(t.Context(), &corrected, `SELECT count(*) FROM payer_claim_payments WHERE payer_ccn LIKE '%C'`))
	require.Positive(t, reversals, "seed %d: the property covers reversals", seed)
	require.Positive(t, corrected, "seed %d: and corrections", seed)
	for i, bw := range batches {
		rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: bw.id})
		require.NoError(t, err)
		tot := rec.Totals
		open, openN := decimal.Zero, 0
		for clm01 := range bw.reversedNotCorrected {
			open, openN = open.Add(dec(bw.sent[clm01].Charge)), openN+1
		}
		msg := fmt.Sprintf("seed %d batch %d", seed, i)
		assert.Equal(t, bw.billed, tot.Billed.String(), "%s: billed is what the batch sent", msg)
		assert.Equal(t, bw.paid.StringFixed(2), tot.Paid.String(), "%s: paid", msg)
		assert.Equal(t, bw.adj.StringFixed(2), tot.AdjustmentTotal.String(), "%s: adjustments", msg)
		assert.Equal(t, bw.rejected.StringFixed(2), tot.Rejected.String(), "%s: rejected", msg)
		assert.Equal(t, bw.rejectedN, tot.RejectedClaims, msg)
		assert.Equal(t, openN, tot.OpenClaims, "%s: open are the reversals not corrected", msg)
		assert.Equal(t, open.StringFixed(2), tot.Open.String(), msg)
		assert.Equal(t, "0.00", tot.Unexplained.String(), "%s: every cent explained", msg)
		assert.Zero(t, tot.ReplacedClaims, "%s: nothing replaced", msg)
		assert.Equal(t, tot.Difference.String(), rss.NewMoney(tot.Rejected.Add(tot.Open.Decimal).Add(tot.Replaced.Decimal)).String(), msg)
	}
}

// A 277CA may reject above the claims, sending no 2000D for them (the
// 277CA guide): at the billing provider (2200C STC of a rejection
// category, HL04 0) it rejects the claims the batch sent for that
// provider; at the information receiver (2200B STC03 U, no 2000C) every
// claim of the batch its TRN02 names (our 837's BHT03). Read for its 2000D
// loops alone, such a file was recorded with no item: the claims read no
// answer, the reconciliation counted nothing rejected, and the batch's
// money was chased as awaiting payment (a review).
func TestPayer277CARejectionAboveTheClaims(t *testing.T) {
	for _, level := range []string{"provider", "receiver"} {
		t.Run(level, func(t *testing.T) {
			w, c, b, whole := twoLineClaimSent(t, "LVL-"+level)
			sent := readSent(t, w.export(b.ID))
			sim := newPayerSim()
			w.importFile(sim.file999(sent, nil))
			var body []byte
			if level == "provider" {
				body = sim.file277Level(sent, "STC*A1:19:PR*"+sim.date+"*WQ*"+whole.Charge, "STC*A3:562:85*"+sim.date+"*U*"+whole.Charge, whole.NPI)
			} else {
				body = sim.file277Level(sent, "STC*A3:24:41*"+sim.date+"*U*"+whole.Charge, "", "")
			}
			f := w.importFile(body)
			assert.Equal(t, 1, f.Summary.Rejected, "the claim the payer rejected is counted: %+v", f.Summary)
			assert.Zero(t, f.Summary.Unmatched, "%+v", f.Summary)
			p := w.payerOf(c.ID)
			if assert.NotNil(t, p, "the claim reads the payer's rejection") {
				assert.Equal(t, billing.PayerRejected, p.Status)
				assert.NotEmpty(t, p.StatusCodes, "with the codes of the level that rejected it")
			}
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			require.Len(t, rec.Rows, 1)
			assert.Equal(t, 1, rec.Rows[0].RejectedClaims)
			assert.Equal(t, "43.50", rec.Rows[0].Rejected.String())
		})
	}
}

// A provider-level rejection rejects the claims of the provider it names
// alone; one the payer names by nothing rss holds, or for a batch its
// TRN02 does not name, rejects nothing and is listed for finance
// (unknown_payee, unknown_batch), so the file does not read empty.
func TestPayer277CARejectionAboveTheClaimsIsItsOwn(t *testing.T) {
	w, e1, h1, b, ecra, _ := twoPayees(t, "LVL-2")
	sent := readSent(t, w.export(b.ID))
	sim := newPayerSim()
	status := func(id int64) string { // "" before any answer
		if p := w.payerOf(id); p != nil {
			return p.Status
		}
		return ""
	}
	for _, tc := range []struct {
		name, npi, trace, reason string
	}{
		{"another provider's NPI", "1999999992", sent.BHT, billing.UnmatchedUnknownPayee},
		{"another batch", ecra.NPI, "RSS999999", billing.UnmatchedBatch},
		{"no batch of ours", ecra.NPI, "X12REF", billing.UnmatchedBatch},
	} {
		s := sent
		s.BHT = tc.trace
		f := w.importFile(sim.file277Level(s, "STC*A1:19:PR*"+sim.date+"*WQ*58.00", "STC*A3:562:85*"+sim.date+"*U*29.00", tc.npi))
		assert.Equal(t, 1, f.Summary.Unmatched, "%s: %+v", tc.name, f.Summary)
		assert.Zero(t, f.Summary.Rejected, tc.name)
		assert.Equal(t, []string{"claim_status " + tc.trace + " " + tc.reason}, w.reasons(f.ID), tc.name)
		assert.Empty(t, status(e1.ID), tc.name)
		assert.Empty(t, status(h1.ID), tc.name)
	}
	f := w.importFile(sim.file277Level(sent, "STC*A1:19:PR*"+sim.date+"*WQ*58.00", "STC*A3:562:85*"+sim.date+"*U*29.00", ecra.NPI))
	assert.Equal(t, 1, f.Summary.Rejected, "%+v", f.Summary)
	assert.Equal(t, billing.PayerRejected, status(e1.ID), "ECRA's claim, of the provider rejected")
	assert.Empty(t, status(h1.ID), "HVR's claim, of another provider, is not answered")
}

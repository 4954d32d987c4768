package billing_test

import (
	stdcsv "encoding/csv"
	"slices"
	"strings"
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

// The CSV remittance advice carries the payer's claim-level reasons, as
// the JSON advice and the console do (the claim's payer block): a claim
// Medicaid denied or cut at claim level (CAS and MOA in loop 2100, no SVC,
// as payers answer most single-line claims) read "denied 0.00" or a
// reduced payer_claim_paid with no reason anywhere (a payer black-box
// pass). Two columns after payer_claim_paid, on the claim's first row as
// it is; the line-level ones stay in payer_adjustments and payer_remarks.
func TestPayerAdviceCSVCarriesClaimLevelReasons(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("CR-DEN", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-20), 1, "7.25")))
	w.submitAs(w.ecra(), w.mhwClaim("CR-CUT", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-19), 1, "7.25")))
	w.submitAs(w.ecra(), w.mhwClaim("CR-LINE", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-18), 1, "7.25"), line("MHW-RA", day(-17), 1, "7.25")))
	b := w.batch(billing.RouteMedicaid837P, day(0))
	sent := readSent(t, w.export(b.ID))
	lined := sent.claim(t, "CR-LINE")
	w.importFile(newPayerSim().file835(remit{NPI: lined.NPI, Trace: "CR-EFT", Claims: []clp{
		{CLM: sent.claim(t, "CR-DEN"), Status: "4", CCN: "PCN-CD", NoLines: true, MOA: "N130",
			Claim: []cas{{Group: "CO", CARC: "96", Amount: dec("7.25")}}},
		{CLM: sent.claim(t, "CR-CUT"), Status: "1", CCN: "PCN-CC", NoLines: true,
			Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("5.00")}, {Group: "CO", CARC: "253", Amount: dec("2.00")}}},
		{CLM: lined, Status: "1", CCN: "PCN-CL", Lines: map[string][]cas{lined.Lines[1].Ref: {{Group: "CO", CARC: "45", Amount: dec("1.00")}}},
			Remarks: map[string]string{lined.Lines[1].Ref: "N381"}},
	}}))

	r := stdcsv.NewReader(strings.NewReader(string(w.advice(b.ID, "ECRA", "csv"))))
	r.FieldsPerRecord = -1 // the notice is one field
	rows, err := r.ReadAll()
	require.NoError(t, err)
	head := rows[1]
	// The columns before stay where they were: appended, not inserted.
	require.Equal(t, "payer_claim_paid", head[24])
	require.Equal(t, []string{"payer_claim_adjustments", "payer_claim_remarks"}, head[25:27])
	col := func(name string) int { return slices.Index(head, name) }
	byClaim := map[string][][]string{}
	for _, row := range rows[2:] {
		require.Len(t, row, len(head), "every row has every column: %v", row)
		byClaim[row[col("claim_number")]] = append(byClaim[row[col("claim_number")]], row)
	}
	for _, tc := range []struct {
		number, status, paid, adjustments, remarks string
	}{
		{"CR-DEN", billing.PayerDenied, "0.00", "CO-96 7.25", "N130"},
		{"CR-CUT", billing.PayerPaid, "0.25", "CO-45 5.00; CO-253 2.00", ""},
		{"CR-LINE", billing.PayerPaid, "13.50", "", ""},
	} {
		rs := byClaim[tc.number]
		require.NotEmpty(t, rs, tc.number)
		first := rs[0]
		assert.Equal(t, tc.status, first[col("payer_status")], tc.number)
		assert.Equal(t, tc.paid, first[col("payer_claim_paid")], tc.number)
		assert.Equal(t, tc.adjustments, first[col("payer_claim_adjustments")], tc.number)
		assert.Equal(t, tc.remarks, first[col("payer_claim_remarks")], tc.number)
		for _, row := range rs[1:] {
			assert.Empty(t, row[col("payer_claim_adjustments")], "%s: on the claim's first row only", tc.number)
			assert.Empty(t, row[col("payer_claim_remarks")], tc.number)
		}
	}
	// A line's own reasons stay on the line.
	lines := byClaim["CR-LINE"]
	require.Len(t, lines, 2)
	assert.Equal(t, "CO-45 1.00", lines[1][col("payer_adjustments")])
	assert.Equal(t, "N381", lines[1][col("payer_remarks")])
	for _, total := range []string{"TOTAL IN FILE", "TOTAL"} {
		require.Len(t, byClaim[total], 1, total)
		assert.Empty(t, byClaim[total][0][col("payer_claim_adjustments")], total)
	}
}

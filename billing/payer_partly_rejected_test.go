package billing_test

import (
	stdcsv "encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A claim sent in two CLM loops whose second the payer turns away and
// whose first it pays as a whole: the claim reads partly_rejected with the
// rejected loop's lines named (it read "paid", the rejected lines nowhere
// but a status code), each line of the advice carries its own loop's
// state, and a loop paid without SVC itemizes no line (its lines read 0.00
// paid). A black-box pass found all three.
func TestPayerPartlyRejectedClaim(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	var lines []billing.NewLine
	for i := range 55 { // 28 days, one and two units a day
		units := 1 + i%2
		lines = append(lines, line("MHW-RA", day(-28+i/2), units, []string{"7.25", "14.50"}[i%2]))
	}
	c := w.submitAs(w.ecra(), w.mhwClaim("PR-A", "Dubois", "Kowalski", []string{"F33.1"}, lines...))
	require.Equal(t, "paid", c.Status)
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	first, second := sent.claim(t, "PR-A-1"), sent.claim(t, "PR-A-2")
	require.Len(t, second.Lines, 5)
	sim := newPayerSim()
	w.importFile(sim.file277(sent, map[string]string{"PR-A-2": "A7:164:IL"}, func(s string) string { return "PCN-" + s }))
	assert.Equal(t, billing.PayerPartlyRejected, w.payerOf(c.ID).Status, "before the 835: one loop accepted, one rejected")
	w.importFile(sim.file835(remit{NPI: first.NPI, Trace: "PR-EFT1", Claims: []clp{{CLM: first, Status: "1", CCN: "PCN-1", NoLines: true}}}))

	p := w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPartlyRejected, p.Status)
	assert.Equal(t, first.Charge, p.Paid.String(), "the first loop's 50 lines")
	require.Len(t, p.RejectedLines, 5)
	rejected := map[int64]bool{}
	for _, id := range p.RejectedLines {
		rejected[id] = true
	}
	for _, l := range c.Lines[50:] {
		assert.True(t, rejected[l.ID], "line %d is in the rejected loop", l.LineNumber)
	}
	// Each loop with its own answer and claim control number (one arbitrary
	// loop's was the claim's only one; a black-box pass).
	require.Len(t, p.Loops, 2)
	assert.Equal(t, 1, p.Loops[0].Part)
	assert.Equal(t, "PR-A-1", p.Loops[0].CLM01)
	assert.Equal(t, billing.PayerPaid, p.Loops[0].Status)
	require.NotNil(t, p.Loops[0].Paid)
	assert.Equal(t, first.Charge, p.Loops[0].Paid.String())
	require.NotNil(t, p.Loops[0].PayerCCN)
	assert.Equal(t, "PCN-1", *p.Loops[0].PayerCCN)
	assert.Equal(t, "PR-A-2", p.Loops[1].CLM01)
	assert.Equal(t, billing.PayerRejected, p.Loops[1].Status)
	assert.Nil(t, p.Loops[1].Paid)

	var advice struct {
		Claims []struct {
			Lines []struct {
				LineNumber int     `json:"line_number"`
				PayerPaid  *string `json:"payer_paid"`
			} `json:"lines"`
		} `json:"claims"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b.ID, "ECRA", "json"), &advice))
	require.Len(t, advice.Claims, 1)
	for _, l := range advice.Claims[0].Lines {
		assert.Nil(t, l.PayerPaid, "line %d: paid as a whole or turned away, itemized nowhere", l.LineNumber)
	}
	csv := string(w.advice(b.ID, "ECRA", "csv"))
	assert.NotContains(t, csv, ",partly_rejected,", "each line reads its own loop's state")
	assert.Contains(t, csv, fmt.Sprintf(",%s,", billing.PayerRejected))
	assert.Contains(t, csv, fmt.Sprintf(",%s,,,,true,", billing.PayerPaid), "the paid loop's lines, no amount itemized")

	// What Medicaid paid the claim as a whole is in the advice all the
	// same: the CSV showed it nowhere (a payer black-box pass). On the
	// claim's first row and in the TOTAL row; the JSON totals too.
	r := stdcsv.NewReader(strings.NewReader(csv))
	r.FieldsPerRecord = -1 // the notice is one field
	rows, err := r.ReadAll()
	require.NoError(t, err)
	col := slices.Index(rows[1], "payer_claim_paid")
	require.GreaterOrEqual(t, col, 0)
	var claimPaid []string
	for _, row := range rows[2:] {
		claimPaid = append(claimPaid, row[col])
	}
	want := make([]string, 55+1+2)
	// The payment's own row (what it paid this advice's claims) after the
	// lines, before the totals.
	want[0], want[55], want[len(want)-1] = first.Charge, first.Charge, first.Charge
	assert.Equal(t, want, claimPaid, "the claim's payment on its first row, the payment's row, the total on TOTAL")
	var totals struct {
		Totals struct {
			Paid      string  `json:"paid"`
			PayerPaid *string `json:"payer_paid"`
		} `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b.ID, "ECRA", "json"), &totals))
	require.NotNil(t, totals.Totals.PayerPaid)
	assert.Equal(t, first.Charge, *totals.Totals.PayerPaid)
}

// An 835 whose SVC names a line of another claim (REF*6R) pays its own loop
// as a whole as far as rss can tell: the loop's lines read no payer_paid,
// where they read 0.00 though Medicaid had paid one of them (a black-box
// pass).
func TestPayerLineOfAnotherClaimItemizesNothing(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("OL-A", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 1, "7.25")))
	w.submitAs(w.ecra(), w.mhwClaim("OL-B", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 1, "7.25")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	a, other := sent.claim(t, "OL-A"), sent.claim(t, "OL-B")
	a.Lines[0].Ref = other.Lines[0].Ref
	w.importFile(newPayerSim().file835(remit{NPI: a.NPI, Trace: "OL-EFT", Claims: []clp{{CLM: a, Status: "1", CCN: "PCN-OL"}}}))
	var advice struct {
		Claims []struct {
			ClaimNumber string `json:"claim_number"`
			Lines       []struct {
				PayerPaid *string `json:"payer_paid"`
			} `json:"lines"`
		} `json:"claims"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b.ID, "ECRA", "json"), &advice))
	require.Len(t, advice.Claims, 2)
	for _, c := range advice.Claims {
		for _, l := range c.Lines {
			assert.Nil(t, l.PayerPaid, "%s: nothing itemized to its lines", c.ClaimNumber)
		}
	}
}

// A claim sent in two CLM loops, both paid, whose second the payer then
// reverses: the claim reads partly_reversed with that loop's lines named
// and the first loop's money as paid (it read "paid", the money taken back
// shown only in payer.loops: a known gap); once the payer pays the loop
// again the claim reads paid.
func TestPayerPartlyReversedClaim(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	var lines []billing.NewLine
	for i := range 55 {
		lines = append(lines, line("MHW-RA", day(-28+i/2), 1+i%2, []string{"7.25", "14.50"}[i%2]))
	}
	c := w.submitAs(w.ecra(), w.mhwClaim("RV-A", "Dubois", "Kowalski", []string{"F33.1"}, lines...))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	first, second := sent.claim(t, "RV-A-1"), sent.claim(t, "RV-A-2")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: first.NPI, Trace: "RV-EFT1", Claims: []clp{
		{CLM: first, Status: "1", CCN: "PCN-1"}, {CLM: second, Status: "1", CCN: "PCN-2"}}}))
	p := w.payerOf(c.ID)
	require.Equal(t, billing.PayerPaid, p.Status)
	assert.Empty(t, p.ReversedLines)

	w.importFile(sim.file835(remit{NPI: first.NPI, Trace: "RV-EFT2", Claims: []clp{{CLM: second, Status: "22", CCN: "PCN-2"}}}))
	p = w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPartlyReversed, p.Status)
	assert.Equal(t, first.Charge, p.Paid.String(), "the first loop's payment stands; the second's was taken back")
	require.Len(t, p.ReversedLines, 5)
	for i, l := range c.Lines[50:] {
		assert.Equal(t, l.ID, p.ReversedLines[i], "line %d is in the reversed loop", l.LineNumber)
	}
	assert.Empty(t, p.RejectedLines)
	require.Len(t, p.Loops, 2)
	assert.Equal(t, billing.PayerPaid, p.Loops[0].Status)
	assert.Equal(t, billing.PayerReversed, p.Loops[1].Status)

	w.importFile(sim.file835(remit{NPI: first.NPI, Trace: "RV-EFT3", Claims: []clp{{CLM: second, Status: "1", CCN: "PCN-2B"}}}))
	p = w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPaid, p.Status, "paid again")
	assert.Empty(t, p.ReversedLines)
}

// A claim sent in two loops, one paid and one denied, names the paying
// loop's claim control number at claim level, whichever loop came last:
// it read the denied one's, which the agency quoted to the payer about
// the payment (a payer black-box pass). Each loop keeps its own.
func TestPayerClaimNumberIsThePayingLoops(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	var lines []billing.NewLine
	for i := range 51 { // two loops: 50 lines and 1
		lines = append(lines, line("MHW-RA", day(-28+i/2), 1+i%2, []string{"7.25", "14.50"}[i%2]))
	}
	c := w.submitAs(w.ecra(), w.mhwClaim("PN-A", "Dubois", "Kowalski", []string{"F33.1"}, lines...))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	first, second := sent.claim(t, "PN-A-1"), sent.claim(t, "PN-A-2")
	w.importFile(newPayerSim().file835(remit{NPI: first.NPI, Trace: "PN-EFT1", Claims: []clp{
		{CLM: first, Status: "1", CCN: "PCN-PAID", NoLines: true},
		{CLM: second, Status: "4", CCN: "PCN-DENIED", NoLines: true, Claim: []cas{{"CO", "16", dec(second.Charge)}}}}}))
	p := w.payerOf(c.ID)
	require.NotNil(t, p.PayerCCN)
	assert.Equal(t, "PCN-PAID", *p.PayerCCN)
	require.Len(t, p.Loops, 2)
	assert.Equal(t, "PCN-DENIED", *p.Loops[1].PayerCCN)
}

package billing_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A loop the payer split (MA15) into ICN-X (lines 1 and 3) and ICN-Y
// (line 2); the void of it went out per payer claim and the payer denied
// both void loops; the payer then took ICN-X back itself. The resend
// names, for each line, the standing payment that carries it, else what
// the rejected void carried: read as a loop answered whole, the lines
// ICN-X held went out in a void naming ICN-Y, a payer claim that never
// held them (a review of the resend's reading).
func TestResendOfASplitLoopNamesOnlyThePartItVoids(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("WSP-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50"), line("MHW-RA", day(-8), 2, "14.50")))
	b := w.batch(billing.RouteMedicaid837P, day(0))
	whole := readSent(t, w.export(b.ID)).claim(t, "WSP-1")
	require.Len(t, whole.Lines, 3)
	part := func(lines ...int) sentCLM {
		p, sum := whole, decimal.Zero
		p.Lines = nil
		for _, i := range lines {
			p.Lines = append(p.Lines, whole.Lines[i])
			sum = sum.Add(dec(whole.Lines[i].Charge))
		}
		p.Charge = sum.StringFixed(2)
		return p
	}
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "WSP-EFT1", Claims: []clp{
		{CLM: part(0, 2), Status: "1", CCN: "ICN-X"},
		{CLM: part(1), Status: "1", CCN: "ICN-Y"},
	}}))
	require.Equal(t, "58.00", w.payerOf(c.ID).Paid.String())

	id := c.ID
	dubois := w.demo.Clients["Dubois"]
	v := w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "WSP-1V", ClientID: dubois, Frequency: billing.FreqVoid, OriginalClaimID: &id})
	b2 := w.batch(billing.RouteMedicaid837P, day(0))
	sent2 := readSent(t, w.export(b2.ID))
	require.Len(t, sent2.Claims, 2)
	// The payer denies both void loops (a claim of the void's own paying nothing).
	for i, vc := range sent2.Claims {
		vc.Charge = strings.TrimPrefix(vc.Charge, "-")
		for j := range vc.Lines {
			vc.Lines[j].Charge = strings.TrimPrefix(vc.Lines[j].Charge, "-")
		}
		w.importFile(sim.file835(remit{NPI: vc.NPI, Trace: "WSP-EFTD" + string(rune('1'+i)), Claims: []clp{{CLM: vc, Status: "4",
			CCN: "PCN-" + vc.CLM01, NoLines: true, Claim: []cas{{Group: "CO", CARC: "129", Amount: dec(vc.Charge)}}}}}))
	}
	require.Equal(t, billing.PayerRejected, w.payerOf(v.ID).Status)
	// The payer takes ICN-X back itself; ICN-Y stands.
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "WSP-EFT3", Claims: []clp{{CLM: part(0, 2), Status: "22", CCN: "ICN-X"}}}))
	require.Equal(t, "14.50", w.payerOf(c.ID).Paid.String(), "ICN-Y alone stands")

	_, _, err := w.b.Submit(w.ecra(), billing.NewResend("WSP-1V2", dubois, v.ID))
	require.NoError(t, err)
	b3 := w.batch(billing.RouteMedicaid837P, day(0))
	sent3 := readSent(t, w.export(b3.ID))
	for _, sc := range sent3.Claims {
		var dos []string
		for _, l := range sc.Lines {
			dos = append(dos, l.DOS)
		}
		t.Logf("sent %s freq %s REF*F8 %s lines %v", sc.CLM01, sc.Freq, sc.F8, dos)
		if sc.F8 == "ICN-Y" {
			assert.Equal(t, []string{whole.Lines[1].DOS}, dos, "a void of ICN-Y lists only the line ICN-Y holds")
		}
	}
}

package x12

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRemittancePaidInFull(t *testing.T) {
	rems, err := readAllRemits(t, readTestdata(t, "835_paid_full.x12"))
	require.NoError(t, err)
	require.Len(t, rems, 1)
	r := rems[0]
	assert.Equal(t, "I", r.Handling)
	decEq(t, "160.00", r.TotalPaid)
	decEq(t, "160.00", r.SignedTotal())
	assert.Equal(t, "C", r.CreditDebit)
	assert.Equal(t, "ACH", r.Method)
	assert.Equal(t, day(2024, 3, 22), r.PaymentDate)
	assert.Equal(t, "EFT0001", r.Trace)
	assert.Equal(t, "1512345678", r.TraceOriginator)
	assert.Equal(t, day(2024, 3, 20), r.ProductionDate)
	assert.Equal(t, Party{Entity: "PR", Name: "STATE MEDICAID"}, r.Payer)
	assert.Equal(t, "1234567893", r.Payee.NPI())
	assert.Equal(t, []Ref{{"TJ", "931000001"}}, r.PayeeRefs)
	require.Len(t, r.Claims, 1)
	c := r.Claims[0]
	assert.Equal(t, "RSS-1001", c.ClaimID)
	assert.Equal(t, ClaimPrimary, c.Status)
	decEq(t, "160.00", c.Charge)
	decEq(t, "160.00", c.Paid)
	decEq(t, "0", c.PatientResp)
	assert.Equal(t, "MC", c.FilingCode)
	assert.Equal(t, "PCN0000001", c.PayerControl)
	assert.Equal(t, "11", c.FacilityType)
	assert.Equal(t, "1", c.Frequency)
	assert.Equal(t, Party{Entity: "QC", Name: "DOE", First: "JANE", IDQual: "MI", ID: "MC1234567"}, c.Patient)
	assert.Equal(t, day(2024, 3, 1), c.StatementFrom)
	assert.Equal(t, day(2024, 3, 2), c.StatementTo)
	assert.Empty(t, c.Adjustments)
	require.Len(t, c.Lines, 2)
	assert.Equal(t, Procedure{Qualifier: "HC", Code: "S5125"}, c.Lines[0].Procedure)
	assert.Equal(t, Procedure{Qualifier: "HC", Code: "H0038", Modifiers: []string{"HF"}}, c.Lines[1].Procedure)
	for i, want := range []struct {
		charge, paid, units, ctl string
		day                      time.Time
	}{{"80.00", "80.00", "4", "L1001-1", day(2024, 3, 1)}, {"80.00", "80.00", "2", "L1001-2", day(2024, 3, 2)}} {
		ln := c.Lines[i]
		decEq(t, want.charge, ln.Charge)
		decEq(t, want.paid, ln.Paid)
		decEq(t, want.units, ln.Units)
		assert.Equal(t, want.ctl, ln.ControlNumber)
		assert.Equal(t, want.day, ln.ServiceFrom)
		assert.Equal(t, want.day, ln.ServiceTo)
		assert.Nil(t, ln.Submitted)
	}
}

// 835_mixed: paid in full, partly paid with CAS at line level and a
// patient share, denied at claim level without service lines, and a PLB
// with a recovery (WO 25.00) and interest (L6 −1.50):
// BPR02 226.50 = (100.00 + 150.00 + 0.00) − (25.00 − 1.50).
func TestRemittanceMixedOutcomesAndPLB(t *testing.T) {
	rems, err := readAllRemits(t, readTestdata(t, "835_mixed.x12"))
	require.NoError(t, err)
	require.Len(t, rems, 1)
	r := rems[0]
	decEq(t, "226.50", r.TotalPaid)
	require.Len(t, r.Claims, 3)

	full, part, denied := r.Claims[0], r.Claims[1], r.Claims[2]
	assert.Equal(t, "RSS-2001", full.ClaimID)
	decEq(t, "100.00", full.Paid)

	assert.Equal(t, "RSS-2002", part.ClaimID)
	decEq(t, "200.00", part.Charge)
	decEq(t, "150.00", part.Paid)
	decEq(t, "20.00", part.PatientResp)
	assert.Empty(t, part.Adjustments, "all of this claim's adjustments are on its lines")
	require.Len(t, part.Lines, 2)
	assert.Equal(t, []Adjustment{{Group: "CO", Reason: "45", Amount: dec("30.00"), Position: 22}}, part.Lines[0].Adjustments)
	assert.Equal(t, []Amount{{"B6", dec("90.00")}}, part.Lines[0].Amounts)
	assert.Equal(t, "L2002-1", part.Lines[0].ControlNumber)
	assert.Equal(t, []Adjustment{{Group: "PR", Reason: "2", Amount: dec("20.00"), Position: 27}}, part.Lines[1].Adjustments)
	assert.Equal(t, []string{"N130"}, part.Lines[1].Remarks)
	decEq(t, "60.00", part.Lines[1].Paid)

	assert.Equal(t, "RSS-2003", denied.ClaimID)
	assert.Equal(t, ClaimDenied, denied.Status)
	decEq(t, "0", denied.Paid)
	assert.Empty(t, denied.Lines, "a claim denied at claim level may have no 2110 loop")
	assert.Equal(t, []Adjustment{{Group: "CO", Reason: "29", Amount: dec("75.00"), Position: 31}}, denied.Adjustments)
	assert.Equal(t, []string{"MA130"}, denied.Remarks)

	require.Len(t, r.Adjustments, 2)
	assert.Equal(t, ProviderAdjustment{Provider: "1234567893", FiscalEnd: day(2024, 12, 31), Reason: "WO", Reference: "PCN0000009", Amount: dec("25.00")}, r.Adjustments[0])
	assert.Equal(t, ProviderAdjustment{Provider: "1234567893", FiscalEnd: day(2024, 12, 31), Reason: "L6", Amount: dec("-1.50")}, r.Adjustments[1])
}

// 835_reversal: the payer takes back RSS-1001 (CLP02 22, every amount
// negative), pays its correction (CLP02 1, new payer control number,
// 40.00 adjusted on line 2) and pays RSS-3001 as secondary:
// −160.00 + 120.00 + 100.00 = 60.00.
func TestRemittanceReversalAndCorrection(t *testing.T) {
	rems, err := readAllRemits(t, readTestdata(t, "835_reversal.x12"))
	require.NoError(t, err)
	r := rems[0]
	require.Len(t, r.Claims, 3)
	rev, corr := r.Claims[0], r.Claims[1]
	assert.Equal(t, ClaimReversal, rev.Status)
	assert.Equal(t, "PCN0000001", rev.PayerControl)
	decEq(t, "-160.00", rev.Charge)
	decEq(t, "-160.00", rev.Paid)
	require.Len(t, rev.Lines, 2)
	decEq(t, "-80.00", rev.Lines[0].Paid)
	decEq(t, "-4", rev.Lines[0].Units)
	assert.Equal(t, "L1001-2", rev.Lines[1].ControlNumber)

	assert.Equal(t, "RSS-1001", corr.ClaimID)
	assert.Equal(t, ClaimPrimary, corr.Status)
	assert.Equal(t, "PCN0000002", corr.PayerControl)
	assert.Equal(t, []Ref{{"F8", "PCN0000001"}}, corr.Refs)
	decEq(t, "120.00", corr.Paid)
	assert.Equal(t, []Adjustment{{Group: "CO", Reason: "45", Amount: dec("40.00"), Position: 28}}, corr.Lines[1].Adjustments)
	assert.Equal(t, ClaimSecondary, r.Claims[2].Status)
}

// A reversal alone leaves the payee owing: BPR03 D and a positive BPR02
// balance against the negative sum.
func TestRemittanceDebit(t *testing.T) {
	s := readTestdata(t, "835_reversal.x12")
	s = edit(t, s, "BPR*I*60.00*C*", "BPR*I*40.00*D*")
	s = edit(t, s, "LX*2~\nCLP*RSS-3001*2*100.00*100.00**MC*PCN0000031*11*1~\nNM1*QC*1*MOE*MAX****MI*MC5550003~\n", "")
	s = edit(t, s, "SE*31*", "SE*28*")
	rems, err := readAllRemits(t, s)
	require.NoError(t, err)
	decEq(t, "-40.00", rems[0].SignedTotal())

	_, err = readAllRemits(t, edit(t, s, "BPR*I*40.00*D*", "BPR*I*40.00*C*"))
	requireRefused(t, err, 4, "BPR", "does not balance")
}

// 835_quirks: | > ^ ! delimiters, no line breaks at all, test usage, a CAS
// with three triplets (quantities on some), two CAS of the same group at
// claim level, a zero-amount CAS, a TS3, a denied claim without lines.
// Claim RSS-4001: 200.00 − (20 + 3 + 10) − (25 + 2 + 3 + 0) − 10 = 127.00;
// a forward balance (FB 15.00) and interest (L6 −5.00) make the check
// 127.00 − 10.00 = 117.00.
func TestRemittancePayerQuirks(t *testing.T) {
	rems, err := readAllRemits(t, readTestdata(t, "835_quirks.x12"))
	require.NoError(t, err)
	r := rems[0]
	assert.Equal(t, "T", r.Usage)
	assert.Equal(t, "CHK", r.Method)
	assert.Equal(t, "1987654328", r.Payee.NPI())
	assert.Equal(t, Party{Entity: "PR", Name: "STATE MEDICAID", IDQual: "XV", ID: "SMCD01"}, r.Payer)
	c := r.Claims[0]
	assert.Equal(t, []Adjustment{
		{Group: "CO", Reason: "45", Amount: dec("20.00"), Position: 14},
		{Group: "CO", Reason: "253", Amount: dec("3.00"), Position: 14},
		{Group: "CO", Reason: "97", Amount: dec("10.00"), Quantity: dec("1"), Position: 15},
	}, c.Adjustments)
	assert.Equal(t, Procedure{Qualifier: "HC", Code: "S5125", Modifiers: []string{"U1"}}, c.Lines[0].Procedure)
	assert.Equal(t, []Adjustment{
		{Group: "CO", Reason: "45", Amount: dec("25.00"), Quantity: dec("1"), Position: 19},
		{Group: "CO", Reason: "253", Amount: dec("2.00"), Quantity: dec("1"), Position: 19},
		{Group: "CO", Reason: "A1", Amount: dec("3.00"), Position: 19},
		{Group: "OA", Reason: "23", Amount: dec("0.00"), Position: 20},
	}, c.Lines[0].Adjustments)
	assert.Equal(t, []Adjustment{{Group: "PR", Reason: "1", Amount: dec("10.00"), Position: 24}}, c.Lines[1].Adjustments)
	decEq(t, "127.00", c.Paid)
	assert.Equal(t, []string{"M51", "N382"}, r.Claims[1].Remarks)
	decEq(t, "117.00", r.TotalPaid)
	assert.Equal(t, []ProviderAdjustment{
		{Provider: "1987654328", FiscalEnd: day(2024, 12, 31), Reason: "FB", Reference: "PCN0000031", Amount: dec("15.00")},
		{Provider: "1987654328", FiscalEnd: day(2024, 12, 31), Reason: "L6", Amount: dec("-5.00")},
	}, r.Adjustments)
	assert.Empty(t, r.Claims[1].Lines)

	// The same file with CRLF after each terminator reads the same.
	crlf := strings.ReplaceAll(readTestdata(t, "835_quirks.x12"), "!", "!\r\n")
	again, err := readAllRemits(t, crlf)
	require.NoError(t, err)
	assert.Equal(t, rems, again)
}

// Segments within their maximum use read: a per-loop count, not per file
// (each claim its NM1*QC, each line its REF*6R), and segments the guide
// repeats (PER*BL, the payee's REFs, claim REFs up to five, CAS) repeat.
func TestRemittanceWithinMaximumUse(t *testing.T) {
	s := readTestdata(t, "835_paid_full.x12")
	s = edit(t, s, "PER*BL*PROVIDER SERVICES*TE*5035550199~", "PER*BL*PROVIDER SERVICES*TE*5035550199~\nPER*BL*EDI DESK*TE*5035550100~")
	s = edit(t, s, "REF*TJ*931000001~", "REF*TJ*931000001~\nREF*PQ*A1~\nREF*PQ*A2~")
	s = edit(t, s, "DTM*232*20240301~", "REF*EA*1~\nREF*EA*2~\nREF*G1*3~\nREF*F8*4~\nREF*1L*5~\nREF*LU*6~\nDTM*232*20240301~")
	s = edit(t, s, "SE*22*", "SE*31*")
	rems, err := readAllRemits(t, s)
	require.NoError(t, err)
	require.Len(t, rems[0].Claims, 1)
	assert.Len(t, rems[0].Claims[0].Refs, 6)
	assert.Len(t, rems[0].PayeeRefs, 3)
	_, err = readAllRemits(t, readTestdata(t, "835_quirks.x12"))
	require.NoError(t, err, "two CAS of one group in a claim")
	_, err = readAllRemits(t, readTestdata(t, "835_mixed.x12"))
	require.NoError(t, err, "an NM1*QC per claim")
}

// A notification (BPR01 H, BPR04 NON, BPR02 zero) is remittance without
// money: its claims are the payer's adjudication all the same, here a
// payment of 160.00 the payer recovers whole in a PLB (WO), so nothing
// moves.
func TestRemittanceNotificationOnly(t *testing.T) {
	s := readTestdata(t, "835_paid_full.x12")
	s = edit(t, s, "BPR*I*160.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20240322",
		"BPR*H*0*C*NON************20240322")
	s = edit(t, s, "SE*22*", "PLB*1234567893*20241231*WO:PCN0000009*160.00~\nSE*23*")
	rems, err := readAllRemits(t, s)
	require.NoError(t, err)
	require.Len(t, rems, 1)
	r := rems[0]
	assert.Equal(t, "H", r.Handling)
	assert.Equal(t, "NON", r.Method)
	decEq(t, "0", r.SignedTotal())
	require.Len(t, r.Claims, 1)
	decEq(t, "160.00", r.Claims[0].Paid)
	require.Len(t, r.Adjustments, 1)
	decEq(t, "160.00", r.Adjustments[0].Amount)
}

func TestRemittanceSeveralSets(t *testing.T) {
	s := readTestdata(t, "835_paid_full.x12")
	start, end := strings.Index(s, "ST*835"), strings.Index(s, "GE*1*101")
	set := s[start:end]
	two := s[:end] + strings.ReplaceAll(set, "0001", "0002") + "GE*2*101~\nIEA*1*000000101~\n"
	rems, err := readAllRemits(t, two)
	require.NoError(t, err)
	require.Len(t, rems, 2)
	assert.Equal(t, "0001", rems[0].STControl)
	assert.Equal(t, "0002", rems[1].STControl)
	assert.Equal(t, 3, rems[0].Position)
	assert.Equal(t, 25, rems[1].Position)

	_, err = readAllRemits(t, edit(t, two, "GE*2*101", "GE*1*101"))
	requireRefused(t, err, 47, "GE", "GE01 is 1, the group has 2 transaction sets")
}

// Invalid files are refused at the segment at fault. Positions in
// 835_paid_full: ISA 1, GS 2, ST 3, BPR 4, TRN 5, DTM 6, N1*PR 7, N3 8,
// N4 9, PER 10, N1*PE 11, REF 12, LX 13, CLP 14, NM1 15, DTM 16, 17, SVC
// 18, DTM 19, REF 20, SVC 21, DTM 22, REF 23, SE 24, GE 25, IEA 26. In
// 835_mixed: the first CAS is 22, the second SVC 25, PLB 34.
func TestRemittanceRefused(t *testing.T) {
	full := readTestdata(t, "835_paid_full.x12")
	mixed := readTestdata(t, "835_mixed.x12")
	reversal := readTestdata(t, "835_reversal.x12")
	for _, tc := range []struct {
		name, file, old, new string
		seg                  int
		id, reason           string
		old2, new2           string // a second edit, to keep SE01 right
	}{
		{"bad SE count", full, "SE*22*", "SE*21*", 24, "SE", "SE01 is 21, the transaction set has 22 segments", "", ""},
		{"SE control mismatch", full, "SE*22*0001", "SE*22*0002", 24, "SE", "does not match ST02", "", ""},
		{"GE control mismatch", full, "GE*1*101", "GE*1*102", 25, "GE", "does not match GS06", "", ""},
		{"IEA control mismatch", full, "IEA*1*000000101", "IEA*1*000000999", 26, "IEA", "does not match ISA13", "", ""},
		{"IEA group count", full, "IEA*1*", "IEA*2*", 26, "IEA", "2, the interchange has 1", "", ""},
		{"unbalanced claim", full, "CLP*RSS-1001*1*160.00*160.00", "CLP*RSS-1001*1*160.00*150.00", 14, "CLP", "claim 1 does not balance", "", ""},
		{"unbalanced line", mixed, "SVC*HC:H0038*80.00*60.00", "SVC*HC:H0038*80.00*65.00", 25, "SVC", "claim 2 line 2 does not balance", "", ""},
		{"unbalanced payment", mixed, "BPR*I*226.50*", "BPR*I*228.00*", 4, "BPR", "Σ CLP04 − Σ PLB = 226.50, BPR02 is 228.00", "", ""},
		// BPR01 H (notification only) and BPR04 NON (non-payment data)
		// move no money: one paying was posted as Medicaid's payment (a
		// black-box pass).
		{"notification only paying", full, "BPR*I*160.00*", "BPR*H*160.00*", 4, "BPR", "BPR02 is 160.00, but BPR01 H (notification only)", "", ""},
		{"non-payment data paying", full, "BPR*I*160.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*",
			"BPR*I*160.00*C*NON************", 4, "BPR", "BPR02 is 160.00, but BPR04 NON (non-payment data)", "", ""},
		{"notification only taking back", reversal, "BPR*I*60.00*C*", "BPR*H*60.00*C*", 4, "BPR", "BPR01 H", "", ""},
		{"CAS amount missing", mixed, "CAS*CO*45*30.00~", "CAS*CO*45~", 22, "CAS", "CAS03 is required", "", ""},
		{"CAS second amount missing", mixed, "CAS*CO*45*30.00~", "CAS*CO*45*30.00**253~", 22, "CAS", "CAS06: reason 253 has no amount", "", ""},
		{"CAS amount without reason", mixed, "CAS*CO*45*30.00~", "CAS*CO*45*30.00***5.00~", 22, "CAS", "amount without its reason", "", ""},
		{"CAS unknown group", mixed, "CAS*CO*45*30.00~", "CAS*XX*45*30.00~", 22, "CAS", "CAS01", "", ""},
		// The amounts' sign must agree with CLP02: a black-box pass
		// imported a reversal paying money, a CLP02 1 of negative amounts
		// and a denial paying 10.00.
		{"reversal with positive amounts", reversal, "CLP*RSS-1001*22*-160.00*-160.00", "CLP*RSS-1001*22*160.00*160.00", 12, "CLP", "CLP02 22 is a reversal: CLP03 and CLP04", "", ""},
		{"reversal with a positive payment", reversal, "CLP*RSS-1001*22*-160.00*-160.00", "CLP*RSS-1001*22*-160.00*10.00", 12, "CLP", "CLP02 22 is a reversal: CLP03 and CLP04", "", ""},
		{"payment with negative amounts", full, "CLP*RSS-1001*1*160.00*160.00", "CLP*RSS-1001*1*-160.00*-160.00", 14, "CLP", "CLP02 1 is not a reversal", "", ""},
		{"secondary with a negative payment", reversal, "CLP*RSS-3001*2*100.00*100.00", "CLP*RSS-3001*2*100.00*-100.00", 31, "CLP", "CLP02 2 is not a reversal", "", ""},
		{"payer claim number with a separator", full, "CLP*RSS-1001*1*160.00*160.00**MC*PCN0000001*", "CLP*RSS-1001*1*160.00*160.00**MC*PCN^0000001*", 14, "CLP", "CLP07: the payer's claim control number cannot be sent back as REF*F8", "", ""},
		{"denial paying", mixed, "CLP*RSS-2003*4*75.00*0*", "CLP*RSS-2003*4*75.00*10.00*", 30, "CLP", "CLP02 4 is a denial: CLP04 must be zero", "", ""},
		// And a line's take its claim's (a re-check: a payment's line of
		// −29.00 and a denial's line paying showed on the advice).
		{"payment's line negative", full, "SVC*HC:S5125*80.00*80.00**4", "SVC*HC:S5125*-80.00*-80.00**4", 18, "SVC", "may not be negative", "", ""},
		// Nor is a zero signed where no sign is allowed: BPR02 -0.00 and a
		// payment's -0 were taken (a black-box re-check).
		{"payment of minus zero", full, "BPR*I*160.00*", "BPR*I*-0.00*", 4, "BPR", "BPR02 is signed", "", ""},
		{"denial paying minus zero", mixed, "CLP*RSS-2003*4*75.00*0*", "CLP*RSS-2003*4*75.00*-0*", 30, "CLP", "CLP02 4 is not a reversal", "", ""},
		{"payment's line paying minus zero", full, "SVC*HC:S5125*80.00*80.00**4", "SVC*HC:S5125*80.00*-0.00**4", 18, "SVC", "may not be negative", "", ""},
		{"reversal's line positive", reversal, "SVC*HC:S5125*-80.00*-80.00**-4", "SVC*HC:S5125*80.00*80.00**-4", 14, "SVC", "negative, not positive", "", ""},
		{"unknown CLP02", full, "CLP*RSS-1001*1*", "CLP*RSS-1001*9*", 14, "CLP", "CLP02 \"9\" is not a claim status code", "", ""},
		{"CLP charge not a number", full, "CLP*RSS-1001*1*160.00", "CLP*RSS-1001*1*1G0.00", 14, "CLP", "CLP03 is not a decimal", "", ""},
		{"PLB unknown reason", mixed, "*WO:PCN0000009*", "*ZZ:PCN0000009*", 34, "PLB", "PLB03 is not an adjustment reason", "", ""},
		{"PLB amount missing", mixed, "*L6*-1.50~", "*L6~", 34, "PLB", "PLB05 and PLB06 go together", "", ""},
		{"truncated between segments", full[:strings.Index(full, "DTM*472*20240301")], "", "", 19, "", "input ends inside transaction set 0001", "", ""},
		{"truncated inside a segment", full[:strings.Index(full, "DTM*472*20240301")+7], "", "", 19, "", "not terminated", "", ""},
		{"no IEA", full[:strings.Index(full, "IEA*")], "", "", 26, "", "no IEA", "", ""},
		{"loop order: REF before DTM", full, "DTM*472*20240301~\nREF*6R*L1001-1~", "REF*6R*L1001-1~\nDTM*472*20240301~", 20, "DTM", "out of order", "", ""},
		{"payee missing", full, "N1*PE*COMMUNITY AGENCY 1*XX*1234567893~\nREF*TJ*931000001~\n", "", 11, "LX", "loop 1000B", "", ""},
		{"no LX", full, "LX*1~\n", "", 13, "CLP", "inside a loop 2000", "", ""},
		{"required element missing", full, "TRN*1*EFT0001*", "TRN*1**", 5, "TRN", "TRN02 is required", "", ""},
		{"element too long", full, "TRN*1*EFT0001*1512345678", "TRN*1*EFT0001*15123456789", 5, "TRN", "TRN03 has length 11, want 10 to 10", "", ""},
		{"too many elements", full, "LX*1~", "LX*1*2~", 13, "LX", "at most 1", "", ""},
		{"bad date", full, "DTM*405*20240320", "DTM*405*20240231", 6, "DTM", "not a date", "", ""},
		// Dates of year 0 answered a 500 at the insert (PostgreSQL has no
		// year 0), and year 1 was stored as no date at all.
		{"payment date in year 0", full, "*98765*20240322~", "*98765*00000105~", 4, "BPR", "BPR16 is not a date from 1900 to 2999", "", ""},
		{"payment date in year 1", full, "*98765*20240322~", "*98765*00010101~", 4, "BPR", "BPR16 is not a date from 1900 to 2999", "", ""},
		{"payment date in year 9999", full, "*98765*20240322~", "*98765*99991231~", 4, "BPR", "BPR16 is not a date from 1900 to 2999", "", ""},
		{"PLB fiscal date in year 0", mixed, "PLB*1234567893*20241231*", "PLB*1234567893*00000101*", 34, "PLB", "PLB02 is not a date", "", ""},
		{"PLB reference past 50", mixed, "WO:PCN0000009*", "WO:" + strings.Repeat("R", 51) + "*", 34, "PLB", "PLB03-2 (the reference) has length 51, want 1 to 50", "", ""},
		{"ISA date", full, "*240320*0900*^*", "*241340*0900*^*", 1, "ISA", "ISA09/ISA10", "", ""},
		{"ISA time", full, "*240320*0900*^*", "*240320*9999*^*", 1, "ISA", "ISA09/ISA10", "", ""},
		{"GS date in year 0", full, "*RSSMSO01*20240320*0900*", "*RSSMSO01*00000320*0900*", 2, "GS", "GS04", "", ""},
		{"bad NPI", full, "XX*1234567893~", "XX*1234567894~", 11, "N1", "not a valid NPI", "", ""},
		{"bad character", full, "N1*PR*STATE MEDICAID", "N1*PR*STATE MEDICAID\x01", 7, "N1", "outside the X12 extended character set", "", ""},
		// The ISA's elements are data too, and of fixed widths: a letter
		// of two bytes in ISA01 was imported (a console pass).
		{"ISA01 accented", full, "ISA*00*", "ISA*0\xc3\xa9*", 1, "ISA", "ISA01 has a character outside the X12 extended character set", "", ""},
		{"ISA11 not of the character set", full, "*0900*^*", "*0900*\x80*", 1, "ISA", "ISA11 \"\\x80\" is not a separator", "", ""},
		{"ISA11 is ISA16", full, "*0900*^*", "*0900*:*", 1, "ISA", "ISA11 and ISA16 are both", "", ""},
		{"ISA06 a character too long", full, "*ZZ*STATEMCD       *", "*ZZ*STATEMCD        *", 1, "ISA", "ISA06 is 16 characters, must be exactly 15", "", ""},
		{"wrong version", full, "GS*HP*STATEMCD*RSSMSO01*20240320*0900*101*X*005010X221A1", "GS*HP*STATEMCD*RSSMSO01*20240320*0900*101*X*004010X091A1", 2, "GS", "GS08", "", ""},
		{"not an 835", full, "GS*HP*", "GS*HN*", 2, "GS", "GS01 is \"HN\", want HP", "", ""},
		{"segment outside a set", full, "GE*1*101~", "LX*1~\nGE*1*101~", 25, "LX", "outside a transaction set", "", ""},
		{"unknown segment", full, "PER*BL*", "XYZ*BL*", 10, "XYZ", "not a segment of the 835", "", ""},
		{"second TRN", full, "DTM*405*", "TRN*1*EFT0009*1512345678~\nDTM*405*", 6, "TRN", "a second TRN", "SE*22*", "SE*23*"},
		// Every segment is held to the guide's maximum use in its loop, as
		// TRN and REF*6R were alone: a second N3, DTM*405 or NM1*QC was
		// taken (a black-box pass).
		{"second payer address", full, "N3*500 SUMMER ST NE~", "N3*500 SUMMER ST NE~\nN3*PO BOX 1~", 9, "N3", "a second N3 (payer address) in loop 1000A", "SE*22*", "SE*23*"},
		{"second production date", full, "DTM*405*20240320~", "DTM*405*20240320~\nDTM*405*20240321~", 7, "DTM", "a second DTM*405 (production date) in the header", "SE*22*", "SE*23*"},
		{"second patient", full, "NM1*QC*1*DOE*JANE****MI*MC1234567~", "NM1*QC*1*DOE*JANE****MI*MC1234567~\nNM1*QC*1*DOE*JOHN****MI*MC1234568~", 16, "NM1", "a second NM1*QC (patient name) in loop 2100", "SE*22*", "SE*23*"},
		{"second statement from date", full, "DTM*232*20240301~", "DTM*232*20240301~\nDTM*232*20240302~", 17, "DTM", "a second DTM*232", "SE*22*", "SE*23*"},
		{"second line item control number", full, "REF*6R*L1001-1~", "REF*6R*L1001-1~\nREF*6R*L1001-2~", 21, "REF", "a second REF*6R (line item control number) in loop 2110", "SE*22*", "SE*23*"},
		{"sixth other claim identification", full, "DTM*232*20240301~", "REF*EA*1~\nREF*EA*2~\nREF*G1*3~\nREF*F8*4~\nREF*1L*5~\nREF*EA*6~\nDTM*232*20240301~",
			21, "REF", "a 6th REF (other claim related identification) in loop 2100: 005010X221A1 uses it at most 5 times", "SE*22*", "SE*28*"},
		{"bad procedure", full, "SVC*HC:S5125*", "SVC*ZZ:S5125*", 18, "SVC", "not a procedure composite", "", ""},
		{"empty input", "", "", "", 1, "", "no interchange", "", ""},
		{"payer without contact", full, "PER*BL*PROVIDER SERVICES*TE*5035550199~\n", "", 7, "N1", "loop 1000A (the payer) has no PER*BL", "", ""},
		{"claim without patient", full, "NM1*QC*1*DOE*JANE****MI*MC1234567~\n", "", 14, "CLP", "claim 1 has no patient (NM1*QC)", "SE*22*", "SE*21*"},
		{"claim without payer control number", full, "*MC*PCN0000001*", "*MC**", 14, "CLP", "CLP07 is required", "", ""},
		{"ST03 of another guide", full, "ST*835*0001~", "ST*835*0001*005010X222A1~", 3, "ST", "ST03", "", ""},
		// Monetary amounts are dollars and cents: a third decimal was
		// refused by the importer without a position (a black-box pass).
		{"payment with three decimals", mixed, "BPR*I*226.50*", "BPR*I*226.505*", 4, "BPR", "BPR02 is a monetary amount with more than two decimals", "", ""},
		{"PLB amount with three decimals", mixed, "*L6*-1.50~", "*L6*-1.505~", 34, "PLB", "PLB06 is a monetary amount with more than two decimals", "", ""},
		{"CAS amount with three decimals", mixed, "CAS*CO*45*30.00~", "CAS*CO*45*30.001~", 22, "CAS", "CAS03 is a monetary amount", "", ""},
		// Nor a trillion dollars, refused where it is (the importer said
		// "claim <its number> CLP03 is too large").
		{"payment of a trillion", mixed, "BPR*I*226.50*", "BPR*I*1000000000000*", 4, "BPR", "BPR02 is a monetary amount of a trillion or more", "", ""},
		// Of more digits than an R holds, too: it read "is not a decimal
		// number" (a black-box pass).
		{"payment of 20 digits", mixed, "BPR*I*226.50*", "BPR*I*99999999999999999999.00*", 4, "BPR", "BPR02 is a monetary amount of a trillion or more", "", ""},
		{"quantity of 19 digits", full, "SVC*HC:S5125*80.00*80.00**4", "SVC*HC:S5125*80.00*80.00**1234567890123456789", 18, "SVC", "SVC05 has length 19, want 1 to 15", "", ""},
		{"amount of two points", full, "SVC*HC:S5125*80.00*80.00**4", "SVC*HC:S5125*80.00*80.00**4.0.0", 18, "SVC", "SVC05 is not a decimal number", "", ""},
		{"CAS amount of minus a trillion", mixed, "CAS*CO*45*30.00~", "CAS*CO*45*-1000000000000.00~", 22, "CAS", "CAS03 is a monetary amount of a trillion or more", "", ""},
		// A reason code in lower case is no CARC: the importer refused it
		// after the reader, naming only "claim 1 of the set" (a black-box
		// pass).
		{"CARC in lower case", mixed, "CAS*CO*45*30.00~", "CAS*CO*a2*30.00~", 22, "CAS", `CAS02 "a2" is not a claim adjustment reason code`, "", ""},
		// Nor a remark code: "ma15" went unrecognised where rss reads MA15.
		{"remark code in lower case", mixed, "MOA***MA130", "MOA***ma130", 33, "MOA", `MOA03 "ma130" is not a remark code`, "", ""},
		{"line remark code in lower case", mixed, "LQ*HE*N130~", "LQ*HE*n130~", 29, "LQ", `LQ02 "n130" is not a remark code`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.file
			if tc.old != "" {
				s = edit(t, s, tc.old, tc.new)
			}
			if tc.old2 != "" {
				s = edit(t, s, tc.old2, tc.new2)
			}
			_, err := readAllRemits(t, s)
			requireRefused(t, err, tc.seg, tc.id, tc.reason)
		})
	}
}

// wrapAt lays s out as fixed-width records of n bytes, each followed by
// brk, the way mainframe translators write "wrapped" files: the breaks
// fall anywhere, inside segments and elements.
func wrapAt(s string, n int, brk string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + brk)
		s = s[n:]
	}
	b.WriteString(s + brk)
	return b.String()
}

// Layouts payers send that carry the same file: wrapped at a fixed width
// (line breaks inside segments, the ISA's own included, when the segment
// terminator is not a line break), a UTF-8 byte order mark, and padding
// after the IEA (blanks, line breaks, a DOS Ctrl-Z, NULs), blanks between
// segments. A black-box
// pass had each refused: the 80-column file as "ISA09/ISA10 ... is not a
// date", the BOM as "does not start with an ISA segment" and the padding
// as "segment 27 is not terminated" in a file of 26 segments.
func TestRemittanceLayouts(t *testing.T) {
	full := readTestdata(t, "835_paid_full.x12")
	want, err := readAllRemits(t, full)
	require.NoError(t, err)
	flat := strings.ReplaceAll(full, "\n", "")
	for name, s := range map[string]string{
		"wrapped at 80":                       wrapAt(flat, 80, "\n"),
		"wrapped at 80 with CRLF":             wrapAt(flat, 80, "\r\n"),
		"wrapped at 80, a line per segment":   wrapAt(full, 80, "\n"),
		"wrapped before the ISA's terminator": wrapAt(flat, 105, "\n"),
		"wrapped after the ISA's terminator":  wrapAt(flat, 106, "\n"),
		"wrapped before ISA16":                wrapAt(flat, 104, "\n"),
		"wrapped at 7":                        wrapAt(flat, 7, "\r\n"),
		"a byte order mark":                   "\xEF\xBB\xBF" + full,
		"a byte order mark, wrapped":          "\xEF\xBB\xBF" + wrapAt(flat, 80, "\n"),
		"blanks after the IEA":                full + "      \r\n  \n",
		"Ctrl-Z after the IEA":                full + "\x1a",
		"NULs after the IEA":                  full + strings.Repeat("\x00", 200),
		"all of them":                         "\xEF\xBB\xBF" + wrapAt(flat, 80, "\r\n") + "   \x1a\x00\x00",
		// Blanks between segments and before the ISA (a finance
		// black-box pass had "~  " refused as a segment with no
		// identifier).
		"blanks after each terminator": strings.ReplaceAll(full, "~\n", "~  \n"),
		"a tab after each terminator":  strings.ReplaceAll(full, "~\n", "~\t"),
		"blanks on one line":           strings.ReplaceAll(full, "~\n", "~ "),
		"blanks before the ISA":        " \n  " + full,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAllRemits(t, s)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
	for width := 4; width <= 120; width++ {
		got, err := readAllRemits(t, wrapAt(flat, width, "\n"))
		require.NoError(t, err, "wrapped at %d", width)
		require.Equal(t, want, got, "wrapped at %d", width)
	}

	// What follows the IEA and is not padding is refused, naming the IEA
	// and where the data starts: it named a segment 27 the file did not have.
	for name, tail := range map[string]string{
		"text":                 "trailing junk",
		"text after padding":   "  \r\n\x00junk~",
		"a segment":            "GS*HP*STATEMCD*RSSMSO01*20240320*0900*102*X*005010X221A1~\n",
		"a BOM":                "\xEF\xBB\xBF",
		"text wrapped at 80":   "\nX",
		"padding then a digit": "\x1a1",
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			_, err := readAllRemits(t, full+tail)
			requireRefused(t, err, 26, "IEA", "after the IEA")
			assert.Contains(t, err.Error(), fmt.Sprintf("byte %d", len(full)+len(tail)-len(strings.TrimLeft(tail, " \r\n\x00\x1a"))+1))
		})
	}

	// A line break inside an element of a file whose terminator is a line
	// break is still refused: such a file cannot be wrapped.
	nl := strings.ReplaceAll(full, "~\n", "\n")
	nl = strings.Replace(nl, "*:\n", "*:\n", 1)
	_, err = readAllRemits(t, nl)
	require.NoError(t, err)
	_, err = readAllRemits(t, edit(t, nl, "N1*PR*STATE MEDICAID", "N1*PR*STATE\rMEDICAID"))
	requireRefused(t, err, 7, "N1", "outside the X12 extended character set")
}

// A control character may be a separator (X12 delimiters need no
// graphical form): an 835 whose ISA16 is US (0x1F), or whose ISA11 is RS
// (0x1E), is read (the ISA check refused them: a review).
func TestRemittanceControlCharacterSeparators(t *testing.T) {
	full := readTestdata(t, "835_paid_full.x12")
	rems, err := readAllRemits(t, strings.ReplaceAll(full, ":", "\x1f"))
	require.NoError(t, err)
	require.Len(t, rems, 1)
	_, err = readAllRemits(t, edit(t, full, "*0900*^*", "*0900*\x1e*"))
	require.NoError(t, err)
}

// A payer claim control number's surrounding spaces are padding, and one
// of spaces alone is none: kept, a CLP07 of one space went back as a
// blank REF*F8 in a void (a re-check of the forty-third stop).
func TestRemittancePayerControlTrimmed(t *testing.T) {
	full := readTestdata(t, "835_paid_full.x12")
	for clp07, want := range map[string]string{" PCN0000001 ": "PCN0000001", " ": ""} {
		rems, err := readAllRemits(t, strings.Replace(full, "**MC*PCN0000001*", "**MC*"+clp07+"*", 1))
		require.NoError(t, err, "%q", clp07)
		assert.Equal(t, want, rems[0].Claims[0].PayerControl, "%q", clp07)
	}
}

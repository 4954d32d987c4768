package x12test

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"rss/x12"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func decEq(t *testing.T, want string, got decimal.Decimal, msg ...any) {
	t.Helper()
	assert.True(t, dec(want).Equal(got), "want %s, got %s %v", want, got, msg)
}

func read999(t *testing.T, b []byte) []x12.FunctionalAck {
	t.Helper()
	r := x12.NewFunctionalAckReader(bytes.NewReader(b))
	var out []x12.FunctionalAck
	for {
		a, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, a)
	}
}

func read277(t *testing.T, b []byte) []x12.ClaimAck {
	t.Helper()
	r := x12.NewClaimAckReader(bytes.NewReader(b))
	var out []x12.ClaimAck
	for {
		a, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, a)
	}
}

func read835(t *testing.T, b []byte) []x12.Remittance {
	t.Helper()
	r := x12.NewRemittanceReader(bytes.NewReader(b))
	var out []x12.Remittance
	for {
		a, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, a)
	}
}

func byID(rems []x12.Remittance) map[string]x12.ClaimPayment {
	m := map[string]x12.ClaimPayment{}
	for _, r := range rems {
		for _, c := range r.Claims {
			m[c.ClaimID] = c
		}
	}
	return m
}

// several_providers.golden holds, for three agencies (NPIs ...810, ...828,
// ...836): A100 (lines A100-1 40.00, A100-2 80.00), A101 (40.00), B200
// (40.00, 80.00, 120.00), C300 (40.00), C301 (40.00, 80.00).
func TestAnswerMixedOutcomes(t *testing.T) {
	in, err := os.ReadFile("../testdata/several_providers.golden")
	require.NoError(t, err)
	sc := Scenario{
		Outcomes: map[string]Outcome{
			"A100": {Adjust: map[string][]x12.Adjustment{"A100-2": {
				{Group: "CO", Reason: "45", Amount: dec("10.00")},
				{Group: "PR", Reason: "2", Amount: dec("5.00")},
			}}},
			"A101": {Reject: "A7:164:IL"},
			"B200": {Deny: "29"},
			"C300": {Pending: true},
		},
		PLB: []x12.ProviderAdjustment{
			{Provider: "1234567836", Reason: "WO", Reference: "PCN0000099", Amount: dec("30.00")},
			{Provider: "1234567836", Reason: "L6", Amount: dec("-2.00")},
		},
	}
	ans, err := Answer(in, sc)
	require.NoError(t, err)

	acks := read999(t, ans.Ack999)
	require.Len(t, acks, 1)
	assert.Equal(t, int64(1), acks[0].GroupControl)
	assert.Equal(t, "A", acks[0].GroupStatus)
	require.Len(t, acks[0].Sets, 1)
	assert.Equal(t, "0001", acks[0].Sets[0].Control)
	assert.True(t, acks[0].Sets[0].Accepted())
	assert.Equal(t, "RSSMSO01", acks[0].ReceiverID, "the answer goes back to the sender")

	cas := read277(t, ans.Ack277CA)
	require.Len(t, cas, 1)
	ca := cas[0]
	assert.Equal(t, "BATCH0001", ca.Receivers[0].Trace)
	assert.Equal(t, 4, ca.Receivers[0].AcceptedClaims)
	assert.Equal(t, 1, ca.Receivers[0].RejectedClaims)
	decEq(t, "520.00", ca.Receivers[0].AcceptedAmount)
	decEq(t, "40.00", ca.Receivers[0].RejectedAmount)
	require.Len(t, ca.Claims, 5)
	var ids []string
	for _, c := range ca.Claims {
		ids = append(ids, c.ClaimID)
		assert.Equal(t, c.ClaimID != "A101", c.Accepted, c.ClaimID)
	}
	assert.Equal(t, []string{"A100", "A101", "B200", "C300", "C301"}, ids)
	assert.Equal(t, "A7:164:IL", ca.Claims[1].Statuses[0].Codes[0].Raw)
	assert.Equal(t, "", ca.Claims[1].PayerControl)
	assert.Equal(t, "1234567828", ca.Providers[ca.Claims[2].Provider].Party.NPI())
	assert.Equal(t, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), ca.Claims[0].ServiceFrom)
	assert.Equal(t, time.Date(2024, 2, 2, 0, 0, 0, 0, time.UTC), ca.Claims[0].ServiceTo)
	assert.Equal(t, map[string]string{"A100": "PCN0000001", "B200": "PCN0000002", "C300": "PCN0000003", "C301": "PCN0000004"}, ans.PayerControls)
	for _, c := range ca.Claims {
		assert.Equal(t, ans.PayerControls[c.ClaimID], c.PayerControl, c.ClaimID)
	}

	rems := read835(t, ans.Remit835)
	require.Len(t, rems, 3, "one payment per payee")
	assert.Equal(t, "1234567810", rems[0].Payee.NPI())
	decEq(t, "105.00", rems[0].TotalPaid) // 40 + (80 − 10 − 5)
	assert.Equal(t, "H", rems[1].Handling, "a payee with only a denial gets a notification")
	decEq(t, "0", rems[1].TotalPaid)
	decEq(t, "92.00", rems[2].TotalPaid) // 120 − (30 − 2)
	require.Len(t, rems[2].Adjustments, 2)

	paid := byID(rems)
	assert.NotContains(t, paid, "A101", "rejected at the 277CA")
	assert.NotContains(t, paid, "C300", "pending")
	a100 := paid["A100"]
	decEq(t, "105.00", a100.Paid)
	decEq(t, "5.00", a100.PatientResp)
	assert.Equal(t, "PCN0000001", a100.PayerControl)
	assert.Equal(t, "12", a100.FacilityType)
	assert.Equal(t, "1", a100.Frequency)
	require.Len(t, a100.Lines, 2)
	assert.Equal(t, "A100-2", a100.Lines[1].ControlNumber)
	decEq(t, "65.00", a100.Lines[1].Paid)
	decEq(t, "8", a100.Lines[1].Units)
	assert.Equal(t, x12.Procedure{Qualifier: "HC", Code: "S5125", Modifiers: []string{"U1"}}, a100.Lines[1].Procedure)
	b200 := paid["B200"]
	assert.Equal(t, x12.ClaimDenied, b200.Status)
	assert.Equal(t, []x12.Adjustment{{Group: "CO", Reason: "29", Amount: dec("240.00"), Position: 37}}, b200.Adjustments)
	decEq(t, "120.00", paid["C301"].Paid)

	// Σ paid − Σ PLB is what the payer sent: 105 + 0 + 120 − 28 = 197.
	total := decimal.Zero
	for _, r := range rems {
		total = total.Add(r.SignedTotal())
	}
	decEq(t, "197.00", total)

	// Later the payer takes back A100 and pays it in full under a new
	// number, riding along the answer to another file.
	next, err := os.ReadFile("../testdata/one_provider_one_claim.golden")
	require.NoError(t, err)
	ans2, err := Answer(next, Scenario{
		Reversals:         []Reversal{{Previous: a100, PayeeNPI: "1234567810", Correction: &Outcome{}}},
		Control:           910,
		FirstPayerControl: 5,
	})
	require.NoError(t, err)
	again := read835(t, ans2.Remit835)
	var rev, corr *x12.ClaimPayment
	for i := range again {
		for j, c := range again[i].Claims {
			if c.ClaimID != "A100" {
				continue
			}
			if c.Status == x12.ClaimReversal {
				rev = &again[i].Claims[j]
			} else {
				corr = &again[i].Claims[j]
			}
		}
		if again[i].Payee.NPI() == "1234567810" {
			// −105 (reversal) + 120 (correction) + 120 (C1, the new file's claim)
			decEq(t, "135.00", again[i].TotalPaid)
		}
	}
	require.NotNil(t, rev)
	require.NotNil(t, corr)
	decEq(t, "-105.00", rev.Paid)
	decEq(t, "-5.00", rev.PatientResp)
	assert.Equal(t, "PCN0000001", rev.PayerControl)
	decEq(t, "-65.00", rev.Lines[1].Paid)
	decEq(t, "120.00", corr.Paid)
	assert.Equal(t, "PCN0000006", corr.PayerControl, "the new file's own claim took PCN0000005")
	assert.Equal(t, "PCN0000006", ans2.PayerControls["A100"])
}

func TestAnswerRejectedSet(t *testing.T) {
	in, err := os.ReadFile("../testdata/one_provider_one_claim.golden")
	require.NoError(t, err)
	ans, err := Answer(in, Scenario{RejectSets: []string{"0001"}})
	require.NoError(t, err)
	acks := read999(t, ans.Ack999)
	assert.Equal(t, "R", acks[0].GroupStatus)
	require.Len(t, acks[0].Sets, 1)
	assert.False(t, acks[0].Sets[0].Accepted())
	require.Len(t, acks[0].Sets[0].Issues, 1)
	assert.Equal(t, "CLM", acks[0].Sets[0].Issues[0].SegmentID)
	assert.Nil(t, ans.Ack277CA)
	assert.Nil(t, ans.Remit835)
	assert.Empty(t, ans.PayerControls)
}

func TestAnswerRefusesBadScenario(t *testing.T) {
	in, err := os.ReadFile("../testdata/one_provider_one_claim.golden")
	require.NoError(t, err)
	_, err = Answer(in, Scenario{Outcomes: map[string]Outcome{"NOPE": {}}})
	assert.ErrorContains(t, err, "does not hold")
	_, err = Answer([]byte("ISA*junk~"), Scenario{})
	assert.ErrorContains(t, err, "not valid")
	// Two interchanges (of distinct claims: one CLM01 twice is a problem
	// of its own, CLM01_REPEATED).
	second := bytes.Replace(in, []byte("CLM*C1*"), []byte("CLM*C2*"), 1)
	require.NotEqual(t, in, second)
	_, err = Answer(append(append([]byte{}, in...), second...), Scenario{})
	assert.ErrorContains(t, err, "several functional groups")
	_, err = Answer(in, Scenario{Outcomes: map[string]Outcome{"C1": {Adjust: map[string][]x12.Adjustment{"NOPE-1": {{Group: "CO", Reason: "45", Amount: dec("1.00")}}}}}})
	assert.ErrorContains(t, err, "line control number")
}
